#pragma once
// JSON in and out of the API (Boost.JSON only; never string concatenation).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "dropslot/api/error.hpp"
#include "dropslot/http/message.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::api {

/// A response with `body` serialized and `Content-Type: application/json`, plus
/// `Cache-Control: no-store` (the bodies hold session tokens and presigned URLs).
http::response json_response(int status, const boost::json::value& body);

/// The error response {"error": {"code", "message"}} with the status of `code`.
/// `message` goes to the client: it must never carry a secret or internal detail.
http::response error_response(api_errc code, std::string_view message);

/// Parses a request body that must be one JSON object. malformed_json when it is
/// not (bad syntax, an array, a bare value, nesting deeper than 16, or an empty
/// body when `allow_empty` is false; an empty body with allow_empty is {}).
result<boost::json::object> parse_object(std::string_view body, bool allow_empty = false);

/// Reads typed fields of a request object. Each getter fails with invalid_field and
/// a message naming the field when the value has the wrong type or breaks a limit;
/// a missing optional field (or JSON null) is nullopt.
class field_reader {
 public:
  explicit field_reader(const boost::json::object& o) : o_(o) {}

  /// A string of at most `max_bytes` UTF-8 bytes (Boost.JSON has already
  /// validated the encoding).
  result<std::optional<std::string>> optional_string(std::string_view name, std::size_t max_bytes) const;
  result<std::string> required_string(std::string_view name, std::size_t max_bytes) const;
  /// A non-negative integer; a JSON number with a fraction or a string is refused.
  result<std::optional<std::uint64_t>> optional_uint(std::string_view name) const;
  result<std::uint64_t> required_uint(std::string_view name) const;
  /// Fails when the object holds a field not in `known` (catches typos such as
  /// "content-type" that would otherwise be silently ignored).
  result<void> only(std::initializer_list<std::string_view> known) const;

 private:
  const boost::json::object& o_;
};

}  // namespace dropslot::api
