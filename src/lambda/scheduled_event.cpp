#include "dropslot/lambda/scheduled_event.hpp"

#include <boost/json.hpp>

namespace dropslot::lambda {

namespace {

namespace json = boost::json;

bool string_is(const json::object& o, std::string_view name, std::string_view want) {
  auto* v = o.if_contains(name);
  return v && v->is_string() && v->get_string() == want;
}

}  // namespace

bool is_scheduled_event(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return false;
  const auto& top = v.get_object();
  if (string_is(top, "source", "aws.events") && string_is(top, "detail-type", "Scheduled Event")) return true;
  return top.size() == 1 && string_is(top, "dropslot", "reconcile");
}

}  // namespace dropslot::lambda
