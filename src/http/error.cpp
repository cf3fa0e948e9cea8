#include "dropslot/http/error.hpp"

namespace {
const char* http_errc_message(dropslot::http::http_errc e) {
  using dropslot::http::http_errc;
  switch (e) {
    case http_errc::invalid_address: return "invalid listen address";
    case http_errc::bind_failed: return "cannot listen on the address";
    case http_errc::not_startable: return "the server has already started";
    case http_errc::invalid_root: return "static root is not a folder";
    case http_errc::no_handler: return "no service or handler given";
  }
  return "unknown http error";
}
}  // namespace

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::http, http_errc, "http", http_errc_message)
