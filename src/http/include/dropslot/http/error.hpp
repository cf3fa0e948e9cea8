#pragma once
// Expected failures of the http part (listener setup, static files).
#include "dropslot/util/error_category.hpp"

namespace dropslot::http {

enum class http_errc {
  invalid_address = 1,  // "host:port" does not parse or does not resolve
  bind_failed,          // the address is in use or not ours
  not_startable,        // listen after the server has started or stopped
  invalid_root,         // static files: the root folder does not exist
  no_handler,           // listen without a service or stream handler
};

}  // namespace dropslot::http

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::http, http_errc)
