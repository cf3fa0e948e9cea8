#pragma once
// The API's expected failures. Each maps to one HTTP status and one snake_case
// `code` in the JSON error body {"error": {"code", "message"}} (DESIGN.md).
#include "dropslot/util/error_category.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::api {

enum class api_errc {
  bad_config = 1,          // startup: a config value could not be used
  malformed_json,          // 400: body is not a JSON object
  invalid_field,           // 400: a field is missing, of the wrong type or out of range
  unauthenticated,         // 401: no session, or an expired/revoked/unknown one
  csrf_rejected,           // 403: cookie auth on a state change without the CSRF proof
  not_found,               // 404: route or job that does not exist or is not yours
  method_not_allowed,      // 405: route exists, verb does not
  conflict,                // 409: e.g. the login code was already used
  photo_limit,             // 409: the job holds the most photos it may
  payload_too_large,       // 413: declared upload size or request body too large
  unsupported_media_type,  // 415: content type not on the allow-list
  content_mismatch,        // 422: the uploaded object is not what was signed (size, type, magic number)
  rate_limited,            // 429: per-customer token bucket empty
  storage_unavailable,     // 503: database or S3 down, or S3 denies the API
  internal,                // 500: a bug; details only in the log
  forbidden,               // 403: signed in, but as the wrong kind of user (staff vs customer)
};

const char* to_string(api_errc e) noexcept;   // "invalid_field"
int http_status(api_errc e) noexcept;         // 400

}  // namespace dropslot::api

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::api, api_errc)
