#pragma once
// The S3 errors the store answers with. Each value maps to S3's code string and HTTP
// status (s3_error_code_name / s3_error_status), so an expected failure anywhere in
// the store is a `result<T>` whose error turns into S3's XML body at the edge.
#include <string_view>

#include "dropslot/util/error_category.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

enum class s3_errc {
  access_denied = 1,
  signature_does_not_match,
  invalid_access_key_id,
  expired_token,             // presigned URL expired: S3 says AccessDenied "Request has expired"
  request_time_too_skewed,
  authorization_header_malformed,
  authorization_query_parameters_error,
  missing_security_header,
  invalid_argument,
  invalid_request,
  invalid_bucket_name,
  no_such_bucket,
  bucket_not_empty,
  bucket_already_owned_by_you,
  no_such_key,
  no_such_upload,
  invalid_part,
  invalid_part_order,
  entity_too_small,
  entity_too_large,
  bad_digest,
  invalid_digest,
  x_amz_content_sha256_mismatch,
  incomplete_body,
  malformed_xml,
  invalid_range,
  precondition_failed,
  not_modified,
  method_not_allowed,
  not_implemented,
  missing_content_length,
  key_too_long,
  no_such_cors_configuration,
  cors_forbidden,            // preflight that no rule allows (403 "CORSResponse")
  invalid_policy_document,
  malformed_post_request,
  internal_error,
  slow_down,
  request_timeout,
  invalid_part_number,       // GetObject/HeadObject partNumber past the object's parts
  expectation_failed,        // an Expect other than 100-continue
  bad_request,               // a request head HTTP cannot read (e.g. Content-Length: -1)
};

/// S3's error code string, e.g. "SignatureDoesNotMatch".
std::string_view s3_error_code_name(s3_errc e) noexcept;
/// The HTTP status S3 answers with for `e`.
int s3_error_status(s3_errc e) noexcept;
/// The default human message S3 uses for `e`.
const char* s3_error_message(s3_errc e) noexcept;

}  // namespace dropslot::store

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::store, s3_errc)
