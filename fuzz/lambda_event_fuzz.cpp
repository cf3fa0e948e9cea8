// Target 12: the API Gateway event parser (lambda/event.hpp) and the adapter around a
// service. Properties:
//   - parse_event answers with a value for any text; an event it accepts has `secure` set;
//   - format_response of any response is JSON that parses, with the status and a body
//     that decodes back to the bytes given (text or base64);
//   - the adapter turns any invocation into an outcome (never throws), and a proxy
//     event with bad content is a 400 in the event's format.
#include <string>

#include <boost/json.hpp>

#include <dropslot/lambda/api_gateway_adapter.hpp>
#include <dropslot/lambda/event.hpp>
#include <dropslot/util/codec.hpp>

#include "fuzz_check.hpp"

using namespace dropslot;

namespace {

// Answers with what it was given, so the adapter's whole path runs.
class echo_service final : public http::service {
 public:
  http::response handle(const http::request& req) override {
    http::response r;
    r.status = req.body.size() % 2 ? 201 : 200;
    r.headers.add("Content-Type", req.path.size() % 2 ? "application/octet-stream" : "text/plain");
    r.headers.add("Set-Cookie", "a=1");
    r.headers.add("Set-Cookie", "b=2");
    r.body = req.body;
    return r;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string json = in.ConsumeRemainingBytesAsString();

  static const lambda::api_gateway_adapter adapter(std::make_shared<echo_service>());
  lambda::invocation inv;
  inv.request_id = "fuzz";
  inv.event = json;
  const lambda::invocation_outcome outcome = adapter(inv);

  std::optional<lambda::payload_format> detected;
  auto ev = lambda::parse_event(json, &detected);
  if (!ev) {
    if (detected) {
      // A proxy event with bad content: answered (not an invocation error) with 400.
      FUZZ_CHECK(outcome.response.has_value());
      boost::system::error_code ec;
      auto v = boost::json::parse(*outcome.response, ec);
      FUZZ_CHECK(!ec && v.is_object() && v.as_object().contains("statusCode"));
      FUZZ_CHECK(v.as_object().at("statusCode").to_number<int>() == 400);
    } else {
      FUZZ_CHECK(!outcome.response.has_value());
    }
    return 0;
  }
  FUZZ_CHECK(outcome.response.has_value());
  // (An empty method or a rawPath without a leading '/' is passed on as is; API Gateway
  // never sends one, and the API answers such a request 404.)
  FUZZ_CHECK(ev->request.secure);

  http::response res;
  res.status = 200;
  res.headers.add("Content-Type", ev->request.path.size() % 2 ? "application/octet-stream" : "text/plain");
  res.body = ev->request.body;
  const std::string out = lambda::format_response(res, ev->format);
  boost::system::error_code ec;
  auto v = boost::json::parse(out, ec);
  FUZZ_CHECK(!ec && v.is_object());
  const auto& o = v.as_object();
  FUZZ_CHECK(o.contains("statusCode") && o.at("statusCode").to_number<int>() == 200);
  const auto* body = o.if_contains("body");
  FUZZ_CHECK(body && body->is_string());
  const auto* b64 = o.if_contains("isBase64Encoded");
  std::string decoded(body->as_string());
  if (b64 && b64->is_bool() && b64->as_bool()) {
    auto d = util::base64_decode(body->as_string());
    FUZZ_CHECK(d.has_value());
    decoded = *d;
  }
  FUZZ_CHECK(decoded == res.body);
  return 0;
}
