#pragma once
// A client for AWS's JSON protocol (DynamoDB, Secrets Manager, ...): one signed POST
// per call, `X-Amz-Target: <prefix>.<Action>`, a JSON body in and a JSON body out.
//
// It sends through an http_transport (http_transport.hpp): the S3 client's libcurl
// transport unless the config names another, and signs with SigV4. Throttling and 5xx
// answers are retried with capped exponential backoff and full jitter, as the AWS
// SDKs do, within a bounded total time; every other answer (a conditional check
// failure above all) is returned at once.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include <dropslot/s3/credentials.hpp>
#include <dropslot/s3/http_transport.hpp>
#include <dropslot/sigv4/credentials.hpp>
#include <dropslot/util/error_category.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::s3 {

/// What kind of failure an AWS JSON call ended in.
enum class aws_json_errc {
  unavailable = 1,  ///< no answer (connect, DNS, TLS, timeout), or 5xx after the retries
  throttled,        ///< still throttled when the retry budget ran out
  service_error,    ///< the service refused the request (4xx): see aws_error::type
  bad_response,     ///< the answer was not the JSON object the protocol promises
  no_credentials,   ///< the credentials provider failed
};

const char* aws_json_errc_message(aws_json_errc e) noexcept;

/// A failed call. `type` is the `__type` of the answer without its namespace
/// ("ConditionalCheckFailedException"), empty when there was no answer; `status` the
/// HTTP status (0 without an answer); `message` the service's or curl's text, never a
/// signature or a secret.
struct aws_error {
  aws_json_errc code = aws_json_errc::unavailable;
  std::string type;
  long status = 0;
  std::string message;

  /// "ResourceNotFoundException (HTTP 400): Requested resource not found".
  std::string describe() const;
};

/// Retries of throttling and 5xx answers: attempt n (from 0) sleeps a uniformly random
/// time in [0, min(cap, base * 2^n)] ("full jitter"), and no sleep may end past
/// `budget` after the first attempt started.
struct retry_policy {
  int max_attempts = 8;
  std::chrono::milliseconds base{25};
  std::chrono::milliseconds cap{1000};
  std::chrono::milliseconds budget{3000};
};

/// Supplies the credentials to sign with, on every call (so rotated ones are used).
using credentials_provider = std::function<result<sigv4::credentials>()>;

struct aws_json_config {
  std::string service;        ///< the signing name: "dynamodb", "secretsmanager"
  std::string target_prefix;  ///< "DynamoDB_20120810", "secretsmanager"
  /// "application/x-amz-json-1.0" (DynamoDB) or "application/x-amz-json-1.1" (most others).
  std::string content_type = "application/x-amz-json-1.0";
  std::string endpoint;  ///< "https://dynamodb.eu-west-1.amazonaws.com", "http://127.0.0.1:8000"
  std::string region;
  credentials_provider credentials;
  retry_policy retry;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{10000};
  /// Makes the transport, given the two timeouts above; empty: make_curl_transport.
  http_transport_factory transport;
  /// The signing clock; tests may fix it.
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
};

/// Thread-safe: `call` may run on many threads at once (pooled connections).
class aws_json_client {
 public:
  explicit aws_json_client(aws_json_config config);
  ~aws_json_client();
  aws_json_client(const aws_json_client&) = delete;
  aws_json_client& operator=(const aws_json_client&) = delete;

  /// POSTs `body` as action `action` ("GetItem") and returns the answer's JSON object.
  result<boost::json::object, aws_error> call(std::string_view action, const boost::json::object& body);

  const aws_json_config& config() const noexcept { return config_; }

 private:
  aws_json_config config_;
  std::string host_;  // as signed and sent in Host
  std::string url_;   // endpoint with a "/" path
  std::unique_ptr<http_transport> transport_;
};

/// True for the answers worth another try: throttling (`ThrottlingException`,
/// `ProvisionedThroughputExceededException`, `RequestLimitExceeded`,
/// `TooManyRequestsException`, HTTP 429) and 5xx.
bool is_retryable(const aws_error& e) noexcept;

/// The endpoint of a service as the AWS SDKs resolve it: AWS_ENDPOINT_URL_<ENV_ID>
/// (e.g. AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SECRETS_MANAGER), then
/// AWS_ENDPOINT_URL, else https://<host_prefix>.<region>.amazonaws.com.
std::string resolve_service_endpoint(const env_lookup& env, std::string_view env_id, std::string_view host_prefix,
                                     std::string_view region);

/// The default credentials chain (default_credentials) behind a provider that
/// resolves once and again only when the credentials are about to expire.
credentials_provider cached_default_credentials(env_lookup env);

}  // namespace dropslot::s3

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::s3, aws_json_errc)
