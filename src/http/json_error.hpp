#pragma once
// Internal: the JSON error responses the server itself sends (400, 413, 431, 500),
// in the API's error shape `{"error":{"code":...,"message":...}}` (DESIGN.md).
#include <string_view>

#include "dropslot/http/message.hpp"

namespace dropslot::http::detail {

response json_error(int status, std::string_view code, std::string_view message);

}  // namespace dropslot::http::detail
