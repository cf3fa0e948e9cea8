#pragma once
// The HTTP exchange under the AWS JSON client (aws_json.hpp), as an interface, so the
// process that owns the client picks how requests travel: libcurl by default
// (make_curl_transport), a Beast client under `dropslot lambda`
// (lambda/beast_http_transport.hpp), which loads none of libcurl's ~30 libraries on
// the way to a cold start's first answer. The signing and the retries stay in the
// client: a transport sends one request and reads one answer.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <dropslot/util/result.hpp>

namespace dropslot::s3 {

struct http_request {
  std::string method;  ///< "POST"
  std::string url;     ///< "https://dynamodb.eu-west-1.amazonaws.com/", fully encoded
  /// Sent as given (Host among them, as signed); the transport adds Content-Length.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct http_response {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lowercased
  std::string body;
};

/// One HTTP/1.1 exchange. The result tells the two kinds of failure apart: an error
/// means NO answer came (DNS, connect, TLS, timeout, a connection closed before the
/// answer's status line) and the request may or may not have reached the server, so
/// the caller must not blindly send it again; every HTTP answer, 4xx and 5xx
/// included, is an http_response. Thread-safe: `perform` may run on many threads.
class http_transport {
 public:
  virtual ~http_transport() = default;
  virtual result<http_response> perform(const http_request& r) = 0;
};

/// Makes a transport with these timeouts: `connect` for the connection (TCP and TLS),
/// `total` for a whole exchange.
using http_transport_factory =
    std::function<std::unique_ptr<http_transport>(std::chrono::milliseconds connect, std::chrono::milliseconds total)>;

/// The default: the S3 client's libcurl transport (pooled easy handles; libcurl is
/// opened on the first request).
std::unique_ptr<http_transport> make_curl_transport(std::chrono::milliseconds connect, std::chrono::milliseconds total);

}  // namespace dropslot::s3
