#pragma once
// The access log: one JSON object per line (JSON Lines) on stdout by default.
// It holds the method, the path without its query string (a presigned URL's query
// is a bearer token), the status, the body bytes sent, the duration, the request id
// and the peer address; never headers, cookies or tokens.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace dropslot::http {

struct access_record {
  std::string_view method;
  std::string_view path;        // without '?' and the query; the server strips it
  int status = 0;
  std::uint64_t bytes = 0;      // response body bytes
  std::chrono::microseconds duration{0};
  std::string_view request_id;
  std::string_view remote_address;
};

/// The line written for `r` (no trailing newline); exposed for tests.
std::string format_access_record(const access_record& r);

/// Writes one line for `r` to the current sink. Thread-safe; a line is written
/// with one write(2), so lines of concurrent requests never interleave.
void write_access_log(const access_record& r);

/// Replaces the sink (default: stdout). An empty function turns the log off for
/// every listener. Not thread-safe: call it before the server runs.
void set_access_log_sink(std::function<void(std::string_view line)> sink);

/// A fresh request id: 16 lowercase hex digits, random (not secret: it names a
/// request in logs and in the X-Request-Id header).
std::string new_request_id();

}  // namespace dropslot::http
