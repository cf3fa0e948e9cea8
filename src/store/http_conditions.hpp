#pragma once
// The HTTP header grammar a GET/HEAD/PUT needs: Range, the four conditional headers
// (RFC 9110 §13 evaluation order, as S3 applies it) and HTTP dates. Pure functions.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dropslot/util/result.hpp"

namespace dropslot::store {

using sys_seconds = std::chrono::sys_seconds;

/// An inclusive byte range [first, last] inside an object.
struct byte_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t length() const { return last - first + 1; }
};

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` against an object of `size` bytes.
/// nullopt (serve the whole object, as S3 does) when the header is absent, malformed
/// or names several ranges; InvalidRange when it cannot be satisfied.
result<std::optional<byte_range>> parse_range(std::optional<std::string_view> header, std::uint64_t size);

/// The conditional headers of a request.
struct conditions {
  std::optional<std::string> if_match;
  std::optional<std::string> if_none_match;
  std::optional<std::string> if_modified_since;
  std::optional<std::string> if_unmodified_since;
};

/// Outcome of evaluating `conditions` against an object (or its absence).
enum class condition_outcome { proceed, not_modified, precondition_failed };

/// Evaluates conditions for `method` on an object with `etag` (quoted) and
/// `last_modified`; `exists` false means no object is there (If-Match fails,
/// If-None-Match: * passes). 304 only for GET/HEAD; other methods get 412.
condition_outcome evaluate_conditions(const conditions& c, std::string_view method, bool exists,
                                      std::string_view etag, sys_seconds last_modified);

/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); also RFC 850 and asctime on input.
std::optional<sys_seconds> parse_http_date(std::string_view text);
std::string format_http_date(sys_seconds t);
/// ISO 8601 with milliseconds, as S3's XML uses: "2024-01-02T03:04:05.000Z".
std::string format_iso8601(sys_seconds t);

}  // namespace dropslot::store
