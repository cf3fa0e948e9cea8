#pragma once
// The real Runtime API client: plain HTTP/1.1 over libcurl to
// http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/..., one kept-alive connection.
#include <memory>
#include <string>

#include "dropslot/lambda/runtime_api.hpp"

namespace dropslot::lambda {

/// `endpoint` is the value of AWS_LAMBDA_RUNTIME_API ("127.0.0.1:9001"). Proxies
/// from the environment are ignored: the Runtime API is always local to the sandbox.
/// Not thread-safe (one curl easy handle).
class curl_runtime_api final : public runtime_api {
 public:
  explicit curl_runtime_api(std::string endpoint);
  ~curl_runtime_api() override;
  curl_runtime_api(const curl_runtime_api&) = delete;
  curl_runtime_api& operator=(const curl_runtime_api&) = delete;

  result<invocation> next() override;
  result<int> post_response(const std::string& request_id, std::string_view body) override;
  result<int> post_error(const std::string& request_id, const function_error& err) override;
  result<int> post_init_error(const function_error& err) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dropslot::lambda
