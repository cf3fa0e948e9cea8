#include <dropslot/sigv4/errc.hpp>

namespace dropslot::sigv4 {

const char* to_message(sigv4_errc e) noexcept {
  switch (e) {
    case sigv4_errc::invalid_expiry: return "expiry must be between 1 and 604800 seconds";
    case sigv4_errc::already_signed: return "request already carries a SigV4 signature";
    case sigv4_errc::invalid_argument: return "invalid signing input";
    case sigv4_errc::missing_authentication: return "request is not signed";
    case sigv4_errc::ambiguous_authentication: return "both header and query authentication present";
    case sigv4_errc::unsupported_algorithm: return "unsupported signing algorithm";
    case sigv4_errc::malformed_authorization: return "malformed Authorization header";
    case sigv4_errc::malformed_credential: return "malformed credential";
    case sigv4_errc::malformed_date: return "malformed or missing X-Amz-Date";
    case sigv4_errc::malformed_expires: return "malformed X-Amz-Expires";
    case sigv4_errc::malformed_signed_headers: return "malformed SignedHeaders";
    case sigv4_errc::malformed_signature: return "malformed signature";
    case sigv4_errc::missing_signed_header: return "a signed header is missing";
    case sigv4_errc::missing_content_sha256: return "missing x-amz-content-sha256";
    case sigv4_errc::unknown_payload_mode: return "unknown x-amz-content-sha256 value";
    case sigv4_errc::expired: return "request has expired";
    case sigv4_errc::not_yet_valid: return "request date is too far in the future";
    case sigv4_errc::scope_date_mismatch: return "credential scope date does not match X-Amz-Date";
    case sigv4_errc::unknown_access_key: return "unknown access key id";
    case sigv4_errc::wrong_region: return "credential scope has the wrong region";
    case sigv4_errc::wrong_service: return "credential scope has the wrong service";
    case sigv4_errc::wrong_terminator: return "credential scope must end with aws4_request";
    case sigv4_errc::unsigned_amz_header: return "an x-amz-* header is not signed";
    case sigv4_errc::signature_mismatch: return "signature does not match";
    case sigv4_errc::malformed_policy: return "malformed POST policy";
    case sigv4_errc::policy_expired: return "POST policy has expired";
    case sigv4_errc::policy_condition_failed: return "form does not satisfy the POST policy";
    case sigv4_errc::policy_content_length: return "upload size outside the policy's content-length-range";
  }
  return "unknown sigv4 error";
}

}  // namespace dropslot::sigv4

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::sigv4, sigv4_errc, "sigv4", to_message)
