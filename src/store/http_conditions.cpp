#include "http_conditions.hpp"

#include <ctime>
#include <vector>

#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// An entity-tag list ("a", W/"b", *) matches when any member equals `etag`. S3 compares
// strong tags; clients sometimes send them unquoted, so quotes are optional here.
bool etag_list_matches(std::string_view list, std::string_view etag) {
  auto strip = [](std::string_view t) {
    t = trim(t);
    if (t.size() > 2 && t.substr(0, 2) == "W/") t.remove_prefix(2);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    return t;
  };
  std::string_view want = strip(etag);
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = strip(list.substr(0, comma));
    if (item == "*" || item == want) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

result<std::optional<byte_range>> parse_range(std::optional<std::string_view> header, std::uint64_t size) {
  if (!header) return std::optional<byte_range>{};
  std::string_view h = trim(*header);
  if (h.substr(0, 6) != "bytes=") return std::optional<byte_range>{};
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return std::optional<byte_range>{};
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return std::optional<byte_range>{};
  std::string_view a = trim(h.substr(0, dash)), b = trim(h.substr(dash + 1));
  byte_range r;
  if (a.empty()) {  // suffix: the last n bytes
    auto n = parse_u64(b);
    if (!n) return std::optional<byte_range>{};
    if (*n == 0 || size == 0) return fail(s3_errc::invalid_range);
    r.first = *n >= size ? 0 : size - *n;
    r.last = size - 1;
    return std::optional<byte_range>{r};
  }
  auto first = parse_u64(a);
  if (!first) return std::optional<byte_range>{};
  std::optional<std::uint64_t> last;
  if (!b.empty()) {
    last = parse_u64(b);
    if (!last || *last < *first) return std::optional<byte_range>{};
  }
  if (*first >= size) return fail(s3_errc::invalid_range);
  r.first = *first;
  r.last = last && *last < size ? *last : size - 1;
  return std::optional<byte_range>{r};
}

condition_outcome evaluate_conditions(const conditions& c, std::string_view method, bool exists,
                                      std::string_view etag, sys_seconds last_modified) {
  const bool read = method == "GET" || method == "HEAD";
  // RFC 9110 §13.2.2: If-Match, else If-Unmodified-Since; then If-None-Match, else
  // If-Modified-Since (GET/HEAD only).
  if (c.if_match) {
    if (!exists || !etag_list_matches(*c.if_match, etag)) return condition_outcome::precondition_failed;
  } else if (c.if_unmodified_since && exists) {
    if (auto t = parse_http_date(*c.if_unmodified_since); t && last_modified > *t)
      return condition_outcome::precondition_failed;
  }
  if (c.if_none_match) {
    if (exists && etag_list_matches(*c.if_none_match, etag))
      return read ? condition_outcome::not_modified : condition_outcome::precondition_failed;
  } else if (c.if_modified_since && read && exists) {
    if (auto t = parse_http_date(*c.if_modified_since); t && last_modified <= *t)
      return condition_outcome::not_modified;
  }
  return condition_outcome::proceed;
}

std::optional<sys_seconds> parse_http_date(std::string_view text) {
  std::string s(trim(text));
  static const char* formats[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"};
  for (const char* f : formats) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), f, &tm);
    if (end && *end == '\0') return sys_seconds{std::chrono::seconds{timegm(&tm)}};
  }
  return std::nullopt;
}

std::string format_http_date(sys_seconds t) {
  std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  // strftime's %a/%b follow the C locale, which is what HTTP wants.
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string format_iso8601(sys_seconds t) {
  std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

}  // namespace dropslot::store
