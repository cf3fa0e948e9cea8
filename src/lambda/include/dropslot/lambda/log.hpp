#pragma once
// JSON log lines on stdout, which Lambda ships to CloudWatch Logs one line per
// event: {"time", "level", "request_id", "message", ...fields}. Callers pass only
// values that are safe to log: never a token, a secret, a signature, a cookie, a
// header value or a body.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/value.hpp>

namespace dropslot::lambda {

/// One extra key of a log line. Strings are copied into the line.
struct log_field {
  template <class T>
  log_field(std::string_view k, T&& v) : key(k), value(std::forward<T>(v)) {}
  log_field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  std::string_view key;
  boost::json::value value;
};

/// Writes one line and flushes it (a frozen sandbox must not hold back log text).
/// Thread-safe: the line is written with one call.
void log_line(std::string_view level, std::string_view request_id, std::string_view message,
              std::initializer_list<log_field> fields = {});

/// `text` with every password replaced by "***": error details from a database driver
/// may quote its URL (userinfo or libpq's `?password=`) or conninfo (util::redact_passwords).
std::string redact_url_passwords(std::string text);

}  // namespace dropslot::lambda
