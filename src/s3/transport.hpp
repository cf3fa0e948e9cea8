#pragma once
// The HTTP exchange under the S3 client (internal): libcurl easy handles kept in a
// pool, so consecutive requests from any thread reuse warm connections (libcurl
// keeps a handle's connection cache alive between transfers).
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dropslot/util/result.hpp"

namespace dropslot::s3::detail {

struct wire_request {
  std::string method;
  std::string url;  // fully encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool head_only = false;  // HEAD: no response body
};

struct wire_response {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
};

/// Thread-safe. Failures of the exchange itself (connect, DNS, TLS, timeout) are
/// s3_errc::unavailable with curl's message; any HTTP status is a response.
class transport {
 public:
  explicit transport(std::chrono::milliseconds connect_timeout = std::chrono::seconds(3),
                     std::chrono::milliseconds total_timeout = std::chrono::seconds(60));
  ~transport();
  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;

  result<wire_response> perform(const wire_request& r);

 private:
  void* acquire();
  void release(void* handle);

  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds total_timeout_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL*
};

}  // namespace dropslot::s3::detail
