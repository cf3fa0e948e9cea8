#pragma once
// Plain request and response values shared by the HTTP server (`dropslot serve`),
// the Lambda adapter and the API handlers. No sockets, no Beast types: a handler is
// a function `response handle(const request&)` and can be tested with values.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dropslot/util/codec.hpp>
#include <dropslot/util/utf8.hpp>

namespace dropslot::http {

/// Header fields in arrival order. Names compare case-insensitively; repeated
/// names are kept as separate fields (Set-Cookie, for one, must not be joined).
class headers {
 public:
  struct field {
    std::string name;
    std::string value;
  };

  /// The first value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  /// Every value of `name`, in order.
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  /// Appends a field (keeps existing ones of the same name).
  void add(std::string name, std::string value);
  /// Replaces every field of `name` with one.
  void set(std::string name, std::string value);
  void erase(std::string_view name);

  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<field> fields_;
};

/// Case-insensitive ASCII comparison for header names (util/codec.hpp's).
using util::iequals;

/// One HTTP request as a handler sees it. `path` is the raw, still percent-encoded
/// path of the target; `query` the raw text after '?', without it.
struct request {
  std::string method;       // "GET", "POST", ...
  std::string path;         // "/api/jobs/J1"
  std::string query;        // "a=1&b=2"
  http::headers headers;
  std::string body;
  std::string remote_address;  // for logs and rate limits; may be empty
  bool secure = false;         // came over TLS (sets the cookie's Secure flag)
  std::string request_id;      // set by the transport (server or Lambda) for logs

  /// The decoded value of query parameter `name`, or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
  /// The value of cookie `name` from the Cookie header(s), or nullopt.
  std::optional<std::string> cookie(std::string_view name) const;
};

/// One HTTP response. `body` is sent as is; set Content-Type in `headers`.
struct response {
  int status = 200;
  http::headers headers;
  std::string body;
};

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
/// S3 keys and JSON text must be; the store and the Lambda adapter both ask.
using util::valid_utf8;

}  // namespace dropslot::http
