// The adapter with a small service standing in for the API.
#include "dropslot/lambda/api_gateway_adapter.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdexcept>

namespace dropslot::lambda {
namespace {

namespace json = boost::json;

class echo_service final : public http::service {
 public:
  std::size_t body_limit(const http::request&) const override { return 16; }
  bool has_route(const http::request& head) const override { return head.path != "/nowhere"; }
  http::response handle(const http::request& req) override {
    if (req.path == "/throw") throw std::runtime_error("detail for the log only");
    http::response res;
    res.headers.add("Content-Type", "application/json");
    res.headers.add("Set-Cookie", "a=1");
    json::object o{{"method", req.method}, {"path", req.path}, {"query", req.query},
                   {"body", req.body},     {"request_id", req.request_id}};
    res.body = json::serialize(o);
    return res;
  }
};

invocation make(std::string event) {
  invocation inv;
  inv.request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
  inv.deadline_ms = 1542409706888;
  inv.event = std::move(event);
  return inv;
}

json::object run(const std::string& event) {
  api_gateway_adapter adapter(std::make_shared<echo_service>());
  auto out = adapter(make(event));
  EXPECT_TRUE(out.response);
  return out.response ? json::parse(*out.response).as_object() : json::object{};
}

TEST(Adapter, RoutesV1AndAnswersV1) {
  auto out = run(R"({"httpMethod":"POST","path":"/upload-url","body":"{}"})");
  EXPECT_EQ(out["statusCode"], 200);
  EXPECT_TRUE(out.contains("multiValueHeaders"));
  auto body = json::parse(out["body"].as_string()).as_object();
  EXPECT_EQ(body["path"], "/upload-url");
  EXPECT_EQ(body["request_id"], "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
}

TEST(Adapter, RoutesV2AndAnswersV2) {
  auto out = run(R"({"version":"2.0","rawPath":"/jobs/J1/photos","rawQueryString":"a=1",
    "requestContext":{"http":{"method":"GET"}}})");
  EXPECT_EQ(out["statusCode"], 200);
  EXPECT_EQ(out["cookies"].as_array().size(), 1u);
  auto body = json::parse(out["body"].as_string()).as_object();
  EXPECT_EQ(body["query"], "a=1");
}

TEST(Adapter, NonProxyEventIsAnInvocationError) {
  api_gateway_adapter adapter(std::make_shared<echo_service>());
  auto out = adapter(make(R"({"Records":[]})"));
  EXPECT_FALSE(out.response);
  EXPECT_EQ(out.error.type, "InvalidEventDataException");
  out = adapter(make("\x01garbage"));
  EXPECT_FALSE(out.response);
}

TEST(Adapter, BadProxyEventIs400InItsFormat) {
  auto out = run(R"({"version":"2.0","rawPath":"/x","requestContext":{"http":{"method":"PUT"}},
    "isBase64Encoded":true,"body":"Hello from Lambda!"})");
  EXPECT_EQ(out["statusCode"], 400);
  EXPECT_TRUE(out.contains("cookies"));
  auto body = json::parse(out["body"].as_string()).as_object();
  EXPECT_EQ(body["error"].as_object()["code"], "bad_request");
}

TEST(Adapter, BodyOverTheServiceLimitIs413) {
  auto out = run(R"({"httpMethod":"POST","path":"/upload-url","body":"01234567890123456789"})");
  EXPECT_EQ(out["statusCode"], 413);
}

// A body to a route that does not exist: the service's answer without the body, not 413.
TEST(Adapter, BodyToNoRouteIsAnsweredAsWithoutOne) {
  auto out = run(R"({"httpMethod":"POST","path":"/nowhere","body":"01234567890123456789"})");
  EXPECT_EQ(out["statusCode"], 200);
  auto body = json::parse(out["body"].as_string()).as_object();
  EXPECT_EQ(body["path"], "/nowhere");
  EXPECT_EQ(body["body"], "");
}

TEST(Adapter, ServiceExceptionIsAGeneric500) {
  auto out = run(R"({"httpMethod":"GET","path":"/throw"})");
  EXPECT_EQ(out["statusCode"], 500);
  EXPECT_EQ(out["body"].as_string().find("detail for the log only"), json::string::npos);
}

// A service that says whether it saw the origin header (it must not: the adapter
// removes it) and counts its calls.
class header_service final : public http::service {
 public:
  std::size_t body_limit(const http::request&) const override { return 1024; }
  http::response handle(const http::request& req) override {
    ++calls;
    http::response res;
    res.headers.set("Content-Type", "text/plain");
    res.body = req.headers.contains("X-Dropslot-Origin-Verify") ? "saw it" : "clean";
    return res;
  }
  int calls = 0;
};

constexpr std::string_view origin_value = "Qm9yaWNHZW5lcmF0ZWRTZWNyZXRWYWx1ZTQ4Y2hhcnNsb25n";

json::object call_with(api_gateway_adapter& adapter, const json::object& headers) {
  json::object ev{{"httpMethod", "GET"}, {"path", "/jobs"}, {"headers", headers}};
  auto out = adapter(make(json::serialize(ev)));
  EXPECT_TRUE(out.response);
  return out.response ? json::parse(*out.response).as_object() : json::object{};
}

TEST(AdapterOrigin, ARequestWithoutCloudFrontsHeaderIsA403AndNeverReachesTheService) {
  auto service = std::make_shared<header_service>();
  api_gateway_adapter adapter(service, origin_check{"X-Dropslot-Origin-Verify", std::string(origin_value)});
  std::string wrong(origin_value);
  wrong.back() = wrong.back() == 'g' ? 'h' : 'g';
  for (const auto& headers : {json::object{}, json::object{{"X-Dropslot-Origin-Verify", ""}},
                              json::object{{"X-Dropslot-Origin-Verify", wrong}},
                              json::object{{"X-Dropslot-Origin-Verify", std::string(origin_value) + "x"}},
                              json::object{{"X-Dropslot-Origin-Verify", origin_value.substr(0, 10)}},
                              json::object{{"X-Other", origin_value}}}) {
    auto out = call_with(adapter, headers);
    EXPECT_EQ(out["statusCode"], 403) << json::serialize(headers);
    auto body = json::parse(out["body"].as_string()).as_object();
    EXPECT_EQ(body["error"].as_object()["code"], "forbidden");
  }
  EXPECT_EQ(service->calls, 0);
}

TEST(AdapterOrigin, TheRightValuePassesAndTheServiceNeverSeesItNorDoesTheLog) {
  auto service = std::make_shared<header_service>();
  api_gateway_adapter adapter(service, origin_check{"X-Dropslot-Origin-Verify", std::string(origin_value)});
  ::testing::internal::CaptureStdout();
  // Header names are case-insensitive (CloudFront and API Gateway may change the case).
  auto out = call_with(adapter, json::object{{"x-dropslot-origin-verify", origin_value}});
  std::string log = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out["statusCode"], 200);
  EXPECT_EQ(out["body"], "clean");
  EXPECT_EQ(service->calls, 1);
  EXPECT_NE(log.find("\"status\":200"), std::string::npos) << log;  // the access log line
  EXPECT_EQ(log.find(origin_value), std::string::npos) << log;
  EXPECT_EQ(log.find("Origin-Verify"), std::string::npos) << log;
  EXPECT_EQ(log.find("origin-verify"), std::string::npos) << log;
}

TEST(AdapterOrigin, WithoutACheckConfiguredEveryRequestPasses) {
  auto service = std::make_shared<header_service>();
  api_gateway_adapter adapter(service);
  EXPECT_EQ(call_with(adapter, json::object{})["statusCode"], 200);
}

}  // namespace
}  // namespace dropslot::lambda
