// API Gateway proxy event (payload 1.0 and 2.0) -> http::request.
#include <boost/json.hpp>

#include "dropslot/lambda/event.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::lambda {

namespace json = boost::json;

namespace {

// A member of `obj`, treating JSON null like an absent key (1.0 events send
// `"pathParameters": null`, `"multiValueHeaders": null`, ...).
const json::value* member(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

const json::object* object_member(const json::object& obj, std::string_view key) {
  const json::value* v = member(obj, key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::optional<std::string_view> string_member(const json::object& obj, std::string_view key) {
  const json::value* v = member(obj, key);
  if (v && v->is_string()) return std::string_view(v->get_string());
  return std::nullopt;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Percent-encodes a decoded path. '/' separates segments and stays; sub-delims,
// ':' and '@' are legal in a segment and stay; everything else (space, '%', '?',
// '#', non-ASCII) is escaped, so the result is a valid raw path.
std::string encode_path(std::string_view decoded) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(decoded.size());
  for (unsigned char c : decoded) {
    if (is_unreserved(c) || c == '/' || c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' ||
        c == '*' || c == '+' || c == ',' || c == ';' || c == '=' || c == ':' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

// Percent-encodes a decoded query key or value (RFC 3986 unreserved kept).
void append_query_component(std::string& out, std::string_view decoded) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (unsigned char c : decoded) {
    if (is_unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
}

void append_query_pair(std::string& query, std::string_view key, std::string_view value) {
  if (!query.empty()) query.push_back('&');
  append_query_component(query, key);
  query.push_back('=');
  append_query_component(query, value);
}

// Body and isBase64Encoded, common to both formats.
result<void> read_body(const json::object& event, http::request& req) {
  const json::value* body = member(event, "body");
  if (!body) return {};
  if (!body->is_string()) return fail(lambda_errc::malformed_event, "body is not a string");
  bool base64 = false;
  if (const json::value* flag = member(event, "isBase64Encoded")) {
    if (!flag->is_bool()) return fail(lambda_errc::malformed_event, "isBase64Encoded is not a boolean");
    base64 = flag->get_bool();
  }
  if (!base64) {
    req.body = std::string(body->get_string());
    return {};
  }
  auto decoded = util::base64_decode(body->get_string());
  if (!decoded) return fail(lambda_errc::bad_base64);
  req.body = std::move(*decoded);
  return {};
}

result<http::request> from_v1(const json::object& event) {
  http::request req;
  auto method = string_member(event, "httpMethod");
  auto path = string_member(event, "path");
  if (!method || !path) return fail(lambda_errc::malformed_event, "1.0 event without httpMethod or path");
  req.method = std::string(*method);
  req.path = encode_path(*path);

  // multiValueHeaders carries every value; `headers` only the last of each name.
  if (const json::object* mv = object_member(event, "multiValueHeaders"); mv && !mv->empty()) {
    for (const auto& [name, values] : *mv) {
      if (values.is_null()) continue;
      if (!values.is_array()) return fail(lambda_errc::malformed_event, "multiValueHeaders value is not an array");
      for (const auto& v : values.get_array()) {
        if (!v.is_string()) return fail(lambda_errc::malformed_event, "multiValueHeaders entry is not a string");
        req.headers.add(std::string(name), std::string(v.get_string()));
      }
    }
  } else if (const json::object* single = object_member(event, "headers")) {
    for (const auto& [name, v] : *single) {
      if (v.is_null()) continue;
      if (!v.is_string()) return fail(lambda_errc::malformed_event, "headers value is not a string");
      req.headers.add(std::string(name), std::string(v.get_string()));
    }
  }

  // 1.0 hands over decoded query values; rebuild a raw query string from them.
  if (const json::object* mv = object_member(event, "multiValueQueryStringParameters"); mv && !mv->empty()) {
    for (const auto& [key, values] : *mv) {
      if (values.is_null()) continue;
      if (!values.is_array()) return fail(lambda_errc::malformed_event, "multiValueQueryStringParameters value is not an array");
      for (const auto& v : values.get_array()) {
        if (!v.is_string()) return fail(lambda_errc::malformed_event, "query value is not a string");
        append_query_pair(req.query, key, v.get_string());
      }
    }
  } else if (const json::object* single = object_member(event, "queryStringParameters")) {
    for (const auto& [key, v] : *single) {
      if (v.is_null()) continue;
      if (!v.is_string()) return fail(lambda_errc::malformed_event, "query value is not a string");
      append_query_pair(req.query, key, v.get_string());
    }
  }

  if (const json::object* ctx = object_member(event, "requestContext"))
    if (const json::object* identity = object_member(*ctx, "identity"))
      if (auto ip = string_member(*identity, "sourceIp")) req.remote_address = std::string(*ip);

  if (auto r = read_body(event, req); !r) return fail(r.error());
  return req;
}

result<http::request> from_v2(const json::object& event) {
  http::request req;
  const json::object* ctx = object_member(event, "requestContext");
  const json::object* http_ctx = ctx ? object_member(*ctx, "http") : nullptr;
  auto method = http_ctx ? string_member(*http_ctx, "method") : std::nullopt;
  auto path = string_member(event, "rawPath");
  if (!path && http_ctx) path = string_member(*http_ctx, "path");
  if (!method || !path) return fail(lambda_errc::malformed_event, "2.0 event without requestContext.http.method or rawPath");
  req.method = std::string(*method);

  // An HTTP API on a named stage keeps "/<stage>" in rawPath; $default and
  // function URLs do not. Strip it so DROPSLOT_API_BASE means the same in both formats.
  std::string_view raw_path = *path;
  if (auto stage = ctx ? string_member(*ctx, "stage") : std::nullopt; stage && !stage->empty() && *stage != "$default") {
    std::string prefix = "/" + std::string(*stage);
    if (raw_path.starts_with(prefix) && (raw_path.size() == prefix.size() || raw_path[prefix.size()] == '/')) {
      raw_path.remove_prefix(prefix.size());
      if (raw_path.empty()) raw_path = "/";
    }
  }
  req.path = encode_path(raw_path);

  if (auto q = string_member(event, "rawQueryString")) req.query = std::string(*q);

  if (const json::object* headers = object_member(event, "headers")) {
    for (const auto& [name, v] : *headers) {
      if (v.is_null()) continue;
      if (!v.is_string()) return fail(lambda_errc::malformed_event, "headers value is not a string");
      req.headers.add(std::string(name), std::string(v.get_string()));
    }
  }
  if (const json::value* cookies = member(event, "cookies")) {
    if (!cookies->is_array()) return fail(lambda_errc::malformed_event, "cookies is not an array");
    std::string joined;
    for (const auto& c : cookies->get_array()) {
      if (!c.is_string()) return fail(lambda_errc::malformed_event, "cookies entry is not a string");
      if (!joined.empty()) joined += "; ";
      joined += c.get_string();
    }
    // 2.0 moves the Cookie header into `cookies`; put it back as one header.
    if (!joined.empty()) req.headers.set("cookie", std::move(joined));
  }

  if (auto ip = string_member(*http_ctx, "sourceIp")) req.remote_address = std::string(*ip);
  if (auto r = read_body(event, req); !r) return fail(r.error());
  return req;
}

std::optional<payload_format> detect(const json::object& event) {
  auto version = string_member(event, "version");
  if (version == "2.0") return payload_format::http_v2;
  if (version == "1.0") return payload_format::rest_v1;
  if (version) return std::nullopt;  // a version we do not speak
  // Fixtures and older REST APIs leave `version` out of 1.0 events.
  if (member(event, "httpMethod")) return payload_format::rest_v1;
  if (const json::object* ctx = object_member(event, "requestContext"); ctx && object_member(*ctx, "http"))
    return payload_format::http_v2;
  return std::nullopt;
}

}  // namespace

result<proxy_event> parse_event(std::string_view text, std::optional<payload_format>* detected) {
  if (detected) detected->reset();
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return fail(lambda_errc::malformed_event, "event is not JSON: " + ec.message());
  if (!doc.is_object()) return fail(lambda_errc::malformed_event, "event is not a JSON object");
  const json::object& event = doc.get_object();
  auto format = detect(event);
  if (!format) return fail(lambda_errc::unsupported_event);
  if (detected) *detected = format;
  auto req = *format == payload_format::http_v2 ? from_v2(event) : from_v1(event);
  if (!req) return fail(std::move(req).error());
  req->secure = true;
  return proxy_event{*format, std::move(req).value()};
}

}  // namespace dropslot::lambda
