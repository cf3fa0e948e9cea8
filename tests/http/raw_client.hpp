#pragma once
// A blocking loopback client for the server tests: raw bytes in and out, so a test
// can send garbage, half a head, or pipelined requests, which an HTTP library would
// not. Every read has a generous timeout so a broken server fails the test instead
// of hanging it.
#include <map>
#include <optional>
#include <string>

namespace dropslot::test {

struct raw_response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

class raw_client {
 public:
  /// Connects to "host:port" (IPv4). Throws std::runtime_error when it cannot.
  explicit raw_client(const std::string& host_port, int timeout_seconds = 20);
  ~raw_client();
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  /// Sends all of `bytes`; false when the peer has closed.
  bool send(const std::string& bytes);
  /// Reads one response (Content-Length bodies; no body for HEAD when `head`).
  /// nullopt when the connection closes or times out first.
  std::optional<raw_response> read_response(bool head = false);
  /// Reads until the peer closes; true when it closed (false on timeout).
  bool wait_closed();
  /// Reads exactly `n` bytes or fewer if the peer closes.
  std::string read_bytes(std::size_t n);
  void close();
  /// The client's own port (diagnostics).
  int local_port() const;

 private:
  bool fill();  // reads more into buf_; false on close or timeout
  int fd_ = -1;
  std::string buf_;
  bool timed_out_ = false;
};

/// One request, one response, on a fresh connection.
std::optional<raw_response> fetch(const std::string& host_port, const std::string& request_bytes);

}  // namespace dropslot::test
