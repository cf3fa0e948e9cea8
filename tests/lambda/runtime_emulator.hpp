#pragma once
// A Lambda Runtime API emulator for tests and benchmarks: an HTTP server on
// 127.0.0.1:<free port> that speaks the 2018-06-01 protocol
// (shared/testdata/apigw/runtime-api): `next` blocks until the test invokes,
// then hands the event over with the request id, deadline, function ARN and trace
// headers; `/response`, `/error` and `/init/error` are recorded for the test.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace dropslot::test {

class runtime_emulator {
 public:
  /// What the runtime answered for one invocation.
  struct outcome {
    std::string kind;        // "response", "error", "timeout"
    std::string body;        // the response document or the error document
    std::string error_type;  // Lambda-Runtime-Function-Error-Type (errors)
  };

  runtime_emulator();
  ~runtime_emulator();
  runtime_emulator(const runtime_emulator&) = delete;
  runtime_emulator& operator=(const runtime_emulator&) = delete;

  /// The value for AWS_LAMBDA_RUNTIME_API ("127.0.0.1:port").
  const std::string& endpoint() const;

  /// Queues `event` for the next `next` and waits for its outcome.
  outcome invoke(const std::string& event, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                 const std::string& trace_id = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");

  /// Waits for an init error report; nullopt when none came within `timeout`.
  std::optional<outcome> wait_init_error(std::chrono::milliseconds timeout);

  /// How many `next` calls arrived so far (a long poll counts when it starts).
  int next_calls() const;

  class state;

 private:
  std::shared_ptr<state> state_;
  struct server_holder;
  std::unique_ptr<server_holder> server_;
  std::string endpoint_;
};

}  // namespace dropslot::test
