#pragma once
// Connects the Runtime API loop to an http::service: each invocation's API
// Gateway event becomes an http::request, the service answers it, and the
// response goes back in the event's payload format. The same service object
// serves `dropslot serve`; it never learns that it runs in Lambda.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dropslot/http/service.hpp"
#include "dropslot/lambda/runtime_loop.hpp"

namespace dropslot::lambda {

/// The secret header CloudFront adds to every request it forwards to API Gateway
/// (deploy/template.yaml, OriginCustomHeaders): a request without it, or with
/// another value, came to the execute-api endpoint directly and is refused. The
/// value is read at init (Secrets Manager) and never logged.
struct origin_check {
  std::string header = "X-Dropslot-Origin-Verify";
  std::string value;
};

/// Takes one object named by a bucket event (s3_event.hpp): `dropslot lambda` runs
/// the upload receipt's confirmation. Returns false when it failed (logged by the
/// sink; the invocation then fails, so Lambda retries the event).
using bucket_event_sink = std::function<bool(std::string_view bucket, std::string_view key)>;

/// An `invocation_handler`. Owns a reference to the service (created once per
/// sandbox, at init). Never throws:
///   - with a `bucket_event_sink`: a bucket event (S3 notification or EventBridge)
///     -> each created object to the sink; {"objects": n} when all went, else the
///     invocation error `BucketEventFailed` (Lambda retries: the sink is idempotent);
///   - an event that is no proxy event -> invocation error `InvalidEventDataException`;
///   - with an `origin_check`: a request without the header's exact value -> 403
///     `forbidden` (compared in constant time); the header is removed before the
///     service sees the request;
///   - a proxy event with bad content (bad base64, wrong field types) -> 400;
///   - a body over `service.body_limit` -> 413;
///   - an exception from the service -> 500 with a generic body (detail logged);
/// errors use the API's body shape {"error": {"code", "message"}}.
/// Logs one JSON line per invocation: method, path, status, duration. Never the
/// query, headers or body (they carry session tokens and signatures).
class api_gateway_adapter {
 public:
  explicit api_gateway_adapter(std::shared_ptr<http::service> service, std::optional<origin_check> origin = std::nullopt,
                               bucket_event_sink bucket_events = {})
      : service_(std::move(service)), origin_(std::move(origin)), bucket_events_(std::move(bucket_events)) {}
  invocation_outcome operator()(const invocation& inv) const;

 private:
  bool from_origin(const http::request& req) const;

  std::shared_ptr<http::service> service_;
  std::optional<origin_check> origin_;
  bucket_event_sink bucket_events_;
};

}  // namespace dropslot::lambda
