// A stand-in function for the Lambda runtime tests and the cold-start benchmark
// when the API is not built: the real loop (src/lambda) around a small service
// that echoes what it received, so the tests see the event conversion end to end.
//   ECHO_INIT_FAIL=1   reports an init error instead of serving
#include <boost/json.hpp>

#include <cstdlib>
#include <memory>

#include "dropslot/lambda/api_gateway_adapter.hpp"
#include "dropslot/lambda/http_runtime_api.hpp"
#include "dropslot/lambda/runtime_loop.hpp"

namespace {

class echo_service final : public dropslot::http::service {
 public:
  dropslot::http::response handle(const dropslot::http::request& req) override {
    dropslot::http::response res;
    if (req.path == "/binary") {
      res.headers.add("Content-Type", "application/octet-stream");
      res.body = std::string("\x00\xff\x10\x80", 4);
      return res;
    }
    if (req.path == "/login") {
      res.headers.add("Set-Cookie", "dropslot_session=tok; HttpOnly; Secure; SameSite=Strict; Path=/");
      res.headers.add("Set-Cookie", "second=2; Path=/");
    }
    boost::json::object headers;
    for (const auto& f : req.headers) headers[f.name] = f.value;  // last wins; enough for tests
    const char* trace = std::getenv("_X_AMZN_TRACE_ID");
    boost::json::object o{{"method", req.method},
                          {"path", req.path},
                          {"query", req.query},
                          {"body", req.body},
                          {"secure", req.secure},
                          {"remote_address", req.remote_address},
                          {"request_id", req.request_id},
                          {"cookie", req.cookie("dropslot_session").value_or("")},
                          {"trace", trace ? trace : ""},
                          {"headers", headers}};
    res.headers.add("Content-Type", "application/json");
    res.body = boost::json::serialize(o);
    return res;
  }
};

}  // namespace

int main() {
  const char* endpoint = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (!endpoint) return 2;
  dropslot::lambda::http_runtime_api runtime(endpoint);
  if (const char* f = std::getenv("ECHO_INIT_FAIL"); f && std::string_view(f) == "1")
    return dropslot::lambda::report_init_error(runtime, {"", "ECHO_INIT_FAIL is set"});
  dropslot::lambda::api_gateway_adapter adapter(std::make_shared<echo_service>());
  return dropslot::lambda::run_loop(runtime, adapter);
}
