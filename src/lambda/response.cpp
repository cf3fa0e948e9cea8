// http::response -> API Gateway proxy integration response (payload 1.0 and 2.0).
#include <algorithm>
#include <cstdint>
#include <vector>

#include <boost/json.hpp>

#include "dropslot/lambda/event.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::lambda {

namespace json = boost::json;

namespace {

// Headers grouped by name (case-insensitively, first spelling wins), in order.
struct header_group {
  std::string name;
  std::vector<std::string_view> values;
};
std::vector<header_group> group(const http::headers& headers, bool skip_set_cookie) {
  std::vector<header_group> groups;
  for (const auto& f : headers) {
    if (skip_set_cookie && http::iequals(f.name, "set-cookie")) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const header_group& g) { return http::iequals(g.name, f.name); });
    if (it == groups.end()) {
      groups.push_back({f.name, {f.value}});
    } else {
      it->values.push_back(f.value);
    }
  }
  return groups;
}

}  // namespace

bool body_is_text(const http::headers& headers, std::string_view body) {
  if (body.empty()) return true;
  auto type = headers.get("content-type");
  if (!type) return false;
  std::string t = util::ascii_lower(type->substr(0, type->find(';')));
  bool textual = t.starts_with("text/") || t == "application/json" || t.ends_with("+json") || t == "application/xml" ||
                 t.ends_with("+xml") || t == "application/javascript" || t == "application/x-www-form-urlencoded";
  return textual && http::valid_utf8(body);
}

std::string format_response(const http::response& res, payload_format format) {
  json::object out;
  out["statusCode"] = res.status;
  bool text = body_is_text(res.headers, res.body);

  if (format == payload_format::rest_v1) {
    // 1.0: API Gateway merges `headers` and `multiValueHeaders`; a name in both
    // takes the multi-value list, so every name goes there and single-valued
    // names also go in `headers` for clients that only read that one.
    json::object single, multi;
    for (const auto& g : group(res.headers, false)) {
      json::array values;
      for (auto v : g.values) values.emplace_back(v);
      if (g.values.size() == 1) single[g.name] = g.values.front();
      multi[g.name] = std::move(values);
    }
    out["headers"] = std::move(single);
    out["multiValueHeaders"] = std::move(multi);
  } else {
    // 2.0: one string per name, repeats comma-joined (RFC 9110 §5.3), except
    // Set-Cookie, which cannot be joined and travels in `cookies`.
    json::object single;
    for (const auto& g : group(res.headers, true)) {
      std::string joined;
      for (auto v : g.values) {
        if (!joined.empty()) joined += ",";
        joined += v;
      }
      single[g.name] = std::move(joined);
    }
    json::array cookies;
    for (auto c : res.headers.get_all("set-cookie")) cookies.emplace_back(c);
    out["headers"] = std::move(single);
    out["cookies"] = std::move(cookies);
  }

  if (text) {
    out["body"] = res.body;
    out["isBase64Encoded"] = false;
  } else {
    out["body"] = util::base64_encode(res.body);
    out["isBase64Encoded"] = true;
  }
  return json::serialize(out);
}

}  // namespace dropslot::lambda
