#pragma once
// The custom runtime's loop: next -> handler -> response or error, for the life of
// the sandbox. Init (database, signing-key cache) happens before, once.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "dropslot/lambda/runtime_api.hpp"

namespace dropslot::lambda {

/// What a handler makes of an invocation: the response document for
/// `/response`, or a function error for `/error`.
struct invocation_outcome {
  std::optional<std::string> response;  // set: success
  function_error error;                 // used when `response` is empty
};

/// Must not throw for a bad event (it answers an error instead); an exception
/// that escapes anyway is reported as `Runtime.UnhandledException` with a generic
/// message, and the loop goes on.
using invocation_handler = std::function<invocation_outcome(const invocation&)>;

/// Runs the loop until the Runtime API fails (unreachable, or a status it
/// documents as fatal: 500 on any call, anything but 200 on `next`) or, when
/// given, after `max_invocations`. Before each handler call `_X_AMZN_TRACE_ID` is
/// set to the invocation's trace header (unset when it has none). A response
/// Lambda refuses with 413 is replaced by a `Function.ResponseSizeTooLarge` error.
/// Returns the process exit code: 0 after `max_invocations`, 1 on a fatal
/// Runtime API failure (Lambda then starts a new sandbox).
int run_loop(runtime_api& api, const invocation_handler& handler, std::optional<std::size_t> max_invocations = {});

/// Reports an init failure (`Runtime.InitError` unless `err.type` is set) and
/// returns the exit code 1 the runtime should exit with.
int report_init_error(runtime_api& api, function_error err);

}  // namespace dropslot::lambda
