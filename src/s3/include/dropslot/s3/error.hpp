#pragma once
// The S3 client's expected failures (STYLE.md, Errors). `detail` carries S3's own
// error code and message when S3 answered, never a signature or a secret.
#include "dropslot/util/error_category.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::s3 {

enum class s3_errc {
  unavailable = 1,   // connection refused, DNS, timeout, TLS, or S3 answered 5xx
  access_denied,     // 403: AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId, expired token
  no_such_bucket,    // 404 NoSuchBucket
  no_such_key,       // 404 NoSuchKey (or a HEAD 404)
  precondition,      // 412 PreconditionFailed (If-None-Match: * on an existing key)
  request_failed,    // any other 4xx; detail holds S3's code and message
  bad_response,      // S3's answer could not be parsed
  invalid_argument,  // bad endpoint URL, bucket name or option
  no_credentials,    // the credentials chain found nothing
};

const char* s3_errc_message(s3_errc e) noexcept;

}  // namespace dropslot::s3

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::s3, s3_errc)
