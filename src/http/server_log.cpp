#include "server_log.hpp"

#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace dropslot::http::detail {

void log_error(std::string_view what, std::string_view detail, std::string_view request_id) {
  boost::json::object o;
  o["type"] = "error";
  o["what"] = what;
  o["detail"] = detail;
  if (!request_id.empty()) o["request_id"] = request_id;
  std::string line = boost::json::serialize(o);
  line.push_back('\n');
  // One write(2) so concurrent lines stay whole; a failed log write is ignored.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace dropslot::http::detail
