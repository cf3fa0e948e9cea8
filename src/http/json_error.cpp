#include "json_error.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace dropslot::http::detail {

response json_error(int status, std::string_view code, std::string_view message) {
  boost::json::object err;
  err["code"] = code;
  err["message"] = message;
  boost::json::object body;
  body["error"] = std::move(err);
  response res;
  res.status = status;
  res.headers.add("Content-Type", "application/json");
  res.body = boost::json::serialize(body);
  return res;
}

}  // namespace dropslot::http::detail
