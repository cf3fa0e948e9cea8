#include "dropslot/api/error.hpp"

namespace dropslot::api {

const char* to_string(api_errc e) noexcept {
  switch (e) {
    case api_errc::bad_config: return "bad_config";
    case api_errc::malformed_json: return "malformed_json";
    case api_errc::invalid_field: return "invalid_field";
    case api_errc::unauthenticated: return "unauthenticated";
    case api_errc::csrf_rejected: return "csrf_rejected";
    case api_errc::not_found: return "not_found";
    case api_errc::method_not_allowed: return "method_not_allowed";
    case api_errc::conflict: return "conflict";
    case api_errc::photo_limit: return "photo_limit";
    case api_errc::payload_too_large: return "payload_too_large";
    case api_errc::unsupported_media_type: return "unsupported_media_type";
    case api_errc::content_mismatch: return "content_mismatch";
    case api_errc::rate_limited: return "rate_limited";
    case api_errc::storage_unavailable: return "storage_unavailable";
    case api_errc::internal: return "internal";
    case api_errc::forbidden: return "forbidden";
  }
  return "internal";
}

int http_status(api_errc e) noexcept {
  switch (e) {
    case api_errc::bad_config: return 500;
    case api_errc::malformed_json: return 400;
    case api_errc::invalid_field: return 400;
    case api_errc::unauthenticated: return 401;
    case api_errc::csrf_rejected: return 403;
    case api_errc::not_found: return 404;
    case api_errc::method_not_allowed: return 405;
    case api_errc::conflict: return 409;
    case api_errc::photo_limit: return 409;
    case api_errc::payload_too_large: return 413;
    case api_errc::unsupported_media_type: return 415;
    case api_errc::content_mismatch: return 422;
    case api_errc::rate_limited: return 429;
    case api_errc::storage_unavailable: return 503;
    case api_errc::internal: return 500;
    case api_errc::forbidden: return 403;
  }
  return 500;
}

namespace {
const char* message_of(api_errc e) { return to_string(e); }
}  // namespace

}  // namespace dropslot::api

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::api, api_errc, "api", message_of)
