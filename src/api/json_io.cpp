#include "dropslot/api/json_io.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace dropslot::api {

namespace json = boost::json;

http::response json_response(int status, const json::value& body) {
  http::response r;
  r.status = status;
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Cache-Control", "no-store");
  r.body = json::serialize(body);
  return r;
}

http::response error_response(api_errc code, std::string_view message) {
  json::object err;
  err["code"] = to_string(code);
  err["message"] = message;
  json::object body;
  body["error"] = std::move(err);
  return json_response(http_status(code), body);
}

result<json::object> parse_object(std::string_view body, bool allow_empty) {
  if (body.empty()) {
    if (allow_empty) return json::object{};
    return fail(api_errc::malformed_json, "the request body must be a JSON object");
  }
  json::parse_options opt;
  opt.max_depth = 16;  // a deeply nested body is an attack, not a request
  std::error_code ec;
  json::value v = json::parse(body, ec, {}, opt);
  if (ec) return fail(api_errc::malformed_json, "the request body is not valid JSON");
  if (!v.is_object()) return fail(api_errc::malformed_json, "the request body must be a JSON object");
  return std::move(v.as_object());
}

namespace {
unexpected<error> bad_field(std::string_view name, std::string_view what) {
  return fail(api_errc::invalid_field, fmt::format("{} {}", name, what));
}
}  // namespace

result<std::optional<std::string>> field_reader::optional_string(std::string_view name, std::size_t max_bytes) const {
  auto it = o_.find(name);
  if (it == o_.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string()) return bad_field(name, "must be a string");
  const auto& s = it->value().get_string();
  if (s.size() > max_bytes) return bad_field(name, fmt::format("must be at most {} bytes", max_bytes));
  return std::optional<std::string>(std::string(s));
}

result<std::string> field_reader::required_string(std::string_view name, std::size_t max_bytes) const {
  auto v = optional_string(name, max_bytes);
  if (!v) return fail(v.error());
  if (!*v) return bad_field(name, "is required");
  return std::move(**v);
}

result<std::optional<std::uint64_t>> field_reader::optional_uint(std::string_view name) const {
  auto it = o_.find(name);
  if (it == o_.end() || it->value().is_null()) return std::optional<std::uint64_t>{};
  const auto& v = it->value();
  if (v.is_uint64()) return std::optional<std::uint64_t>(v.get_uint64());
  if (v.is_int64()) {
    if (v.get_int64() < 0) return bad_field(name, "must not be negative");
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(v.get_int64()));
  }
  return bad_field(name, "must be a whole number");
}

result<std::uint64_t> field_reader::required_uint(std::string_view name) const {
  auto v = optional_uint(name);
  if (!v) return fail(v.error());
  if (!*v) return bad_field(name, "is required");
  return **v;
}

result<void> field_reader::only(std::initializer_list<std::string_view> known) const {
  for (const auto& kv : o_) {
    bool ok = false;
    for (auto k : known) ok = ok || kv.key() == k;
    if (!ok) {
      // The unknown name is echoed only when it is short and printable.
      std::string_view key = kv.key();
      bool printable = key.size() <= 40;
      for (char c : key) printable = printable && c >= 0x20 && c < 0x7f;
      return fail(api_errc::invalid_field,
                  printable ? fmt::format("unknown field \"{}\"", key) : std::string("unknown field"));
    }
  }
  return {};
}

}  // namespace dropslot::api
