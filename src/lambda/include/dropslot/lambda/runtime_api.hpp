#pragma once
// The Lambda Runtime API (2018-06-01) as an interface, so the invocation loop can
// be tested against an in-memory fake and run against the real endpoint
// (`http_runtime_api`). See /work/shared/testdata/apigw/README.md for the protocol.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dropslot/util/result.hpp"

namespace dropslot::lambda {

/// One invocation as `GET /runtime/invocation/next` hands it over.
struct invocation {
  std::string request_id;                 // Lambda-Runtime-Aws-Request-Id
  std::optional<std::int64_t> deadline_ms;  // Lambda-Runtime-Deadline-Ms, Unix epoch ms
  std::string function_arn;               // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;                   // Lambda-Runtime-Trace-Id (X-Ray), may be empty
  std::string event;                      // the body: an API Gateway event
};

/// A failure reported to Lambda: `errorType` and `errorMessage` of the error
/// document, and the Lambda-Runtime-Function-Error-Type header. The message must
/// not hold secrets: Lambda returns it to the caller.
struct function_error {
  std::string type;     // "InvalidEventDataException", "Runtime.InitError", ...
  std::string message;
};

/// The four calls a custom runtime makes. Not thread-safe: one loop owns it.
/// The post calls return the HTTP status Lambda answered (202 is success; see
/// `run_loop` for what the others mean); an error only when no answer came.
class runtime_api {
 public:
  virtual ~runtime_api() = default;
  /// Blocks until an invocation arrives (long poll, no timeout). Fails with
  /// `runtime_unreachable`, `runtime_rejected` (a status other than 200) or
  /// `bad_invocation` (no request id).
  virtual result<invocation> next() = 0;
  virtual result<int> post_response(const std::string& request_id, std::string_view body) = 0;
  virtual result<int> post_error(const std::string& request_id, const function_error& err) = 0;
  virtual result<int> post_init_error(const function_error& err) = 0;
};

/// The JSON error document the error endpoints take:
/// {"errorMessage": ..., "errorType": ..., "stackTrace": []}.
std::string error_document(const function_error& err);

}  // namespace dropslot::lambda
