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

TEST(Adapter, ServiceExceptionIsAGeneric500) {
  auto out = run(R"({"httpMethod":"GET","path":"/throw"})");
  EXPECT_EQ(out["statusCode"], 500);
  EXPECT_EQ(out["body"].as_string().find("detail for the log only"), json::string::npos);
}

}  // namespace
}  // namespace dropslot::lambda
