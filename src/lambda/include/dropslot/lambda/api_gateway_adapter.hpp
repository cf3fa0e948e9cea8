#pragma once
// Connects the Runtime API loop to an http::service: each invocation's API
// Gateway event becomes an http::request, the service answers it, and the
// response goes back in the event's payload format. The same service object
// serves `dropslot serve`; it never learns that it runs in Lambda.
#include <memory>

#include "dropslot/http/server.hpp"
#include "dropslot/lambda/runtime_loop.hpp"

namespace dropslot::lambda {

/// An `invocation_handler`. Owns a reference to the service (created once per
/// sandbox, at init). Never throws:
///   - an event that is no proxy event -> invocation error `InvalidEventDataException`;
///   - a proxy event with bad content (bad base64, wrong field types) -> 400;
///   - a body over `service.body_limit` -> 413;
///   - an exception from the service -> 500 with a generic body (detail logged);
/// errors use the API's body shape {"error": {"code", "message"}}.
/// Logs one JSON line per invocation: method, path, status, duration. Never the
/// query, headers or body (they carry session tokens and signatures).
class api_gateway_adapter {
 public:
  explicit api_gateway_adapter(std::shared_ptr<http::service> service) : service_(std::move(service)) {}
  invocation_outcome operator()(const invocation& inv) const;

 private:
  std::shared_ptr<http::service> service_;
};

}  // namespace dropslot::lambda
