#include "dropslot/lambda/s3_event.hpp"

#include <boost/json.hpp>

#include "dropslot/util/codec.hpp"

namespace dropslot::lambda {

namespace {

namespace json = boost::json;

std::string_view string_at(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

const json::object* object_at(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

/// {"bucket": {"name"}, "object": {"key"}}: the part both shapes share.
std::optional<created_object> bucket_and_key(const json::object& o, bool url_encoded) {
  auto* b = object_at(o, "bucket");
  auto* k = object_at(o, "object");
  if (!b || !k) return std::nullopt;
  std::string_view name = string_at(*b, "name"), key = string_at(*k, "key");
  if (name.empty() || key.empty()) return std::nullopt;
  return created_object{std::string(name), url_encoded ? util::percent_decode_lenient(key, true) : std::string(key)};
}

}  // namespace

std::optional<std::vector<created_object>> parse_s3_event(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& top = v.get_object();
  std::vector<created_object> out;
  if (string_at(top, "source") == "aws.s3") {
    if (string_at(top, "detail-type") != "Object Created") return out;
    if (auto* d = object_at(top, "detail"))
      if (auto o = bucket_and_key(*d, false)) out.push_back(std::move(*o));
    return out;
  }
  auto* records = top.if_contains("Records");
  if (!records || !records->is_array()) return std::nullopt;
  bool any_s3 = false;
  for (const auto& r : records->get_array()) {
    if (!r.is_object()) continue;
    const auto& rec = r.get_object();
    if (string_at(rec, "eventSource") != "aws:s3") continue;
    any_s3 = true;
    if (!string_at(rec, "eventName").starts_with("ObjectCreated:")) continue;
    if (auto* s3 = object_at(rec, "s3"))
      if (auto o = bucket_and_key(*s3, true)) out.push_back(std::move(*o));
  }
  if (!any_s3) return std::nullopt;
  return out;
}

}  // namespace dropslot::lambda
