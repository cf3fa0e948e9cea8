#pragma once
// The real Runtime API client: plain HTTP/1.1 to
// http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/..., one kept-alive connection.
//
// Beast over a blocking socket rather than libcurl: the Runtime API is a local,
// plain-HTTP endpoint, and libcurl's ~30 shared libraries (GnuTLS, Kerberos, LDAP...)
// cost about 3 ms of every cold start to load and relocate (docs/benchmarks/lambda.md).
#include <memory>
#include <string>

#include "dropslot/lambda/runtime_api.hpp"

namespace dropslot::lambda {

/// `endpoint` is the value of AWS_LAMBDA_RUNTIME_API ("127.0.0.1:9001", a host name
/// or "[::1]:9001"). No proxy is ever used: the Runtime API is local to the sandbox.
/// No timeout either: `next` is a long poll and the sandbox may be frozen between
/// invocations. Not thread-safe (one connection).
class http_runtime_api final : public runtime_api {
 public:
  explicit http_runtime_api(std::string endpoint);
  ~http_runtime_api() override;
  http_runtime_api(const http_runtime_api&) = delete;
  http_runtime_api& operator=(const http_runtime_api&) = delete;

  result<invocation> next() override;
  result<int> post_response(const std::string& request_id, std::string_view body) override;
  result<int> post_error(const std::string& request_id, const function_error& err) override;
  result<int> post_init_error(const function_error& err) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dropslot::lambda
