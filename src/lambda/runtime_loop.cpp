// The Runtime API loop (README "Loop": next -> handler -> response/error, forever).
#include "dropslot/lambda/runtime_loop.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <exception>

#include "dropslot/lambda/log.hpp"

namespace dropslot::lambda {

std::string error_document(const function_error& err) {
  boost::json::object doc;
  doc["errorMessage"] = err.message;
  doc["errorType"] = err.type;
  doc["stackTrace"] = boost::json::array{};
  return boost::json::serialize(doc);
}

namespace {

// The status of a post: 202 is done; 400/403/413 concern this invocation only;
// 500 means the sandbox is broken and the runtime must exit.
bool fatal(const result<int>& status) { return !status || *status == 500; }

void set_trace_id(const std::string& trace_id) {
  // setenv is not thread-safe; the loop is the only thread that touches the
  // environment while it runs (handlers read it, at most).
  if (trace_id.empty()) {
    ::unsetenv("_X_AMZN_TRACE_ID");
  } else {
    ::setenv("_X_AMZN_TRACE_ID", trace_id.c_str(), 1);
  }
}

invocation_outcome call(const invocation_handler& handler, const invocation& inv) {
  try {
    return handler(inv);
  } catch (const std::exception& e) {
    log_line("error", inv.request_id, "handler threw", {{"detail", e.what()}});
  } catch (...) {
    log_line("error", inv.request_id, "handler threw a non-exception");
  }
  // The caller sees a generic message; the detail is in the log only.
  return {std::nullopt, {"Runtime.UnhandledException", "internal error"}};
}

}  // namespace

int run_loop(runtime_api& api, const invocation_handler& handler, std::optional<std::size_t> max_invocations) {
  for (std::size_t done = 0; !max_invocations || done < *max_invocations; ++done) {
    auto inv = api.next();
    if (!inv) {
      log_line("error", "", "runtime api next failed", {{"detail", inv.error().message()}});
      return 1;
    }
    set_trace_id(inv->trace_id);
    invocation_outcome outcome = call(handler, *inv);

    result<int> status = 0;
    if (outcome.response) {
      status = api.post_response(inv->request_id, *outcome.response);
      if (status && *status == 413) {
        log_line("error", inv->request_id, "response too large for Lambda",
                 {{"bytes", static_cast<std::uint64_t>(outcome.response->size())}});
        status = api.post_error(inv->request_id, {"Function.ResponseSizeTooLarge", "response too large"});
      }
    } else {
      status = api.post_error(inv->request_id, outcome.error);
    }
    if (fatal(status)) {
      log_line("error", inv->request_id, "runtime api post failed",
               {{"detail", status ? "status " + std::to_string(*status) : status.error().message()}});
      return 1;
    }
    if (*status != 202)
      log_line("warn", inv->request_id, "runtime api refused the result", {{"status", *status}});
  }
  return 0;
}

int report_init_error(runtime_api& api, function_error err) {
  if (err.type.empty()) err.type = "Runtime.InitError";
  log_line("error", "", "init failed", {{"error_type", err.type}, {"detail", err.message}});
  auto status = api.post_init_error(err);
  if (!status) log_line("error", "", "runtime api init/error failed", {{"detail", status.error().message()}});
  return 1;
}

}  // namespace dropslot::lambda
