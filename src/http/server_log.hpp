#pragma once
// Internal: the server's own error lines (handler exceptions, accept failures), as
// JSON lines on stderr, apart from the access log on stdout. Never request headers,
// bodies or tokens: only what went wrong and the request id to find it by.
#include <string_view>

namespace dropslot::http::detail {

void log_error(std::string_view what, std::string_view detail, std::string_view request_id = {});

}  // namespace dropslot::http::detail
