#pragma once
// sigv4_errc: every expected failure of the sigv4 part, one value per distinct cause,
// so the store can map each to its S3 error code and tests can assert the exact reason.
#include <dropslot/util/error_category.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::sigv4 {

enum class sigv4_errc {
  // Signing side (bad input from our own caller).
  invalid_expiry = 1,        ///< presign expiry outside 1..604800 s
  already_signed,            ///< request already carries X-Amz-Signature/Credential/Date
  invalid_argument,          ///< e.g. empty region, bad endpoint, malformed date string

  // Verification side (a client's request). One value per rejection in issue 2.
  missing_authentication,    ///< neither Authorization nor X-Amz-* query auth present
  ambiguous_authentication,  ///< header auth and query auth together
  unsupported_algorithm,     ///< not AWS4-HMAC-SHA256
  malformed_authorization,   ///< Authorization header does not parse
  malformed_credential,      ///< Credential is not AKID/date/region/service/aws4_request
  malformed_date,            ///< X-Amz-Date (or Date) missing or not YYYYMMDDTHHMMSSZ
  malformed_expires,         ///< X-Amz-Expires missing, not a number, or outside 1..604800
  malformed_signed_headers,  ///< SignedHeaders empty, unsorted, upper case, or host not signed
  malformed_signature,       ///< signature is not 64 lower-case hex digits
  missing_signed_header,     ///< a header named in SignedHeaders is absent
  missing_content_sha256,    ///< header auth without x-amz-content-sha256
  unknown_payload_mode,      ///< x-amz-content-sha256 is neither hex nor a known mode
  expired,                   ///< past X-Amz-Date + X-Amz-Expires (query) or older than the skew (header)
  not_yet_valid,             ///< X-Amz-Date further in the future than the skew
  scope_date_mismatch,       ///< credential scope date differs from the X-Amz-Date day
  unknown_access_key,        ///< lookup found no secret for the access key id
  wrong_region,              ///< scope region is not the verifier's region
  wrong_service,             ///< scope service is not the verifier's service
  wrong_terminator,          ///< scope does not end with aws4_request
  unsigned_amz_header,       ///< an x-amz-* header is present but not in SignedHeaders
  signature_mismatch,        ///< recomputed signature differs

  // POST policy.
  malformed_policy,          ///< policy is not base64 JSON of the expected shape
  policy_expired,            ///< now is past the policy's expiration
  policy_condition_failed,   ///< a form field breaks an eq / starts-with condition, or a field is not covered
  policy_content_length,     ///< the file size is outside content-length-range
};

/// A short English text for each code (the error category's message()).
const char* to_message(sigv4_errc e) noexcept;

}  // namespace dropslot::sigv4

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::sigv4, sigv4_errc)
