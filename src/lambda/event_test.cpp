// API Gateway events (the fixtures in shared/testdata/apigw) -> http::request.
#include "dropslot/lambda/event.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace dropslot::lambda {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(DROPSLOT_SHARED_DIR) + "/testdata/apigw/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

proxy_event parse_ok(const std::string& text) {
  auto ev = parse_event(text);
  EXPECT_TRUE(ev) << (ev ? "" : ev.error().message());
  return ev ? std::move(ev).value() : proxy_event{};
}

TEST(Event, RestV1FromAwsLambdaGo) {
  auto ev = parse_ok(fixture("aws-lambda-go/apigw-request.json"));
  EXPECT_EQ(ev.format, payload_format::rest_v1);
  const auto& r = ev.request;
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hello/world");
  EXPECT_EQ(r.query, "name=me");
  EXPECT_EQ(r.query_param("name"), "me");
  EXPECT_EQ(r.headers.get("content-type"), "application/json");
  EXPECT_EQ(r.headers.get("x-forwarded-for"), "54.240.196.186, 54.182.214.83");
  EXPECT_EQ(r.body, "{\r\n\t\"a\": 1\r\n}");  // no isBase64Encoded key: plain text
  EXPECT_EQ(r.remote_address, "192.168.196.186");
  EXPECT_TRUE(r.secure);
}

TEST(Event, RestV1OpenApiVariant) {
  auto ev = parse_ok(fixture("aws-lambda-go/apigw-restapi-openapi-request.json"));
  EXPECT_EQ(ev.format, payload_format::rest_v1);
  EXPECT_EQ(ev.request.method, "POST");
}

TEST(Event, RestV1MultiValueAndNullFields) {
  auto ev = parse_ok(fixture("powertools-lambda-python/apiGatewayProxyEvent.json"));
  EXPECT_EQ(ev.format, payload_format::rest_v1);
  const auto& r = ev.request;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/my/path");
  // Repeated header values stay separate fields, from multiValueHeaders.
  auto h2 = r.headers.get_all("header2");
  ASSERT_EQ(h2.size(), 2u);
  EXPECT_EQ(h2[0], "value1");
  EXPECT_EQ(h2[1], "value2");
  EXPECT_EQ(r.headers.get("origin"), "https://aws.amazon.com");
  EXPECT_EQ(r.query, "parameter1=value1&parameter1=value2&parameter2=value");
  EXPECT_EQ(r.body, "Hello from Lambda!");
  EXPECT_EQ(r.remote_address, "192.168.0.1/32");
}

TEST(Event, HttpV2WithCookiesAndRepeatedQuery) {
  auto ev = parse_ok(fixture("aws-lambda-go/apigw-v2-request-iam.json"));
  EXPECT_EQ(ev.format, payload_format::http_v2);
  const auto& r = ev.request;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/my/path");
  EXPECT_EQ(r.query, "parameter1=value1&parameter1=value2&parameter2=value");  // raw, as sent
  EXPECT_EQ(r.headers.get("cookie"), "cookie1; cookie2");
  EXPECT_EQ(r.headers.get("header1"), "value1");
  EXPECT_EQ(r.remote_address, "IP");
  EXPECT_EQ(r.body, "{\r\n\t\"a\": 1\r\n}");
}

TEST(Event, HttpV2WithoutBodyQueryOrCookies) {
  auto ev = parse_ok(fixture("aws-lambda-go/apigw-v2-request-no-authorizer.json"));
  EXPECT_EQ(ev.format, payload_format::http_v2);
  EXPECT_EQ(ev.request.path, "/");
  EXPECT_EQ(ev.request.query, "");
  EXPECT_EQ(ev.request.body, "");
  EXPECT_FALSE(ev.request.headers.contains("cookie"));
}

TEST(Event, EveryFixtureParses) {
  for (const char* name :
       {"aws-lambda-go/apigw-v2-request-jwt-authorizer.json", "aws-lambda-go/apigw-v2-request-lambda-authorizer.json",
        "aws-lambda-go/lambda-urls-request.json", "powertools-lambda-python/apiGatewayProxyV2Event.json",
        "powertools-lambda-python/apiGatewayProxyV2Event_GET.json"}) {
    auto ev = parse_event(fixture(name));
    ASSERT_TRUE(ev) << name << ": " << ev.error().message();
    EXPECT_EQ(ev->format, payload_format::http_v2) << name;
    EXPECT_FALSE(ev->request.method.empty()) << name;
  }
}

TEST(Event, FunctionUrlPost) {
  auto ev = parse_ok(fixture("aws-lambda-go/lambda-urls-request.json"));
  EXPECT_EQ(ev.request.method, "POST");
  EXPECT_EQ(ev.request.body, "Hello from client!");
}

TEST(Event, PowertoolsV2PostAndGet) {
  auto post = parse_ok(fixture("powertools-lambda-python/apiGatewayProxyV2Event.json"));
  EXPECT_EQ(post.request.method, "POST");
  EXPECT_FALSE(post.request.body.empty());
  EXPECT_TRUE(post.request.headers.contains("cookie"));
  auto get = parse_ok(fixture("powertools-lambda-python/apiGatewayProxyV2Event_GET.json"));
  EXPECT_EQ(get.request.method, "GET");
  EXPECT_EQ(get.request.body, "");
}

TEST(Event, Base64BodyIsDecoded) {
  auto v1 = parse_ok(R"({"httpMethod":"PUT","path":"/x","isBase64Encoded":true,"body":"AAEC/w=="})");
  EXPECT_EQ(v1.request.body, std::string("\x00\x01\x02\xff", 4));
  auto v2 = parse_ok(
      R"({"version":"2.0","rawPath":"/x","requestContext":{"http":{"method":"PUT"}},"isBase64Encoded":true,"body":"SGVsbG8="})");
  EXPECT_EQ(v2.request.body, "Hello");
}

TEST(Event, BadBase64IsAnErrorInTheDetectedFormat) {
  std::optional<payload_format> detected;
  auto ev = parse_event(R"({"version":"1.0","httpMethod":"POST","path":"/x","isBase64Encoded":true,"body":"Hello from Lambda!"})",
                        &detected);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, lambda_errc::bad_base64);
  EXPECT_EQ(detected, payload_format::rest_v1);
}

TEST(Event, NotAProxyEvent) {
  for (const char* text : {"", "not json", "[]", "42", "{}", R"({"version":"3.0"})", R"({"Records":[]})"}) {
    std::optional<payload_format> detected;
    auto ev = parse_event(text, &detected);
    EXPECT_FALSE(ev) << text;
    EXPECT_FALSE(detected) << text;
  }
}

TEST(Event, WrongFieldTypesAreErrorsNotCrashes) {
  for (const char* text : {
           R"({"httpMethod":1,"path":"/"})",
           R"({"httpMethod":"GET"})",
           R"({"httpMethod":"GET","path":"/","multiValueHeaders":{"a":"b"}})",
           R"({"httpMethod":"GET","path":"/","multiValueHeaders":{"a":[1]}})",
           R"({"httpMethod":"GET","path":"/","headers":{"a":[1]}})",
           R"({"httpMethod":"GET","path":"/","multiValueQueryStringParameters":{"a":"b"}})",
           R"({"httpMethod":"GET","path":"/","body":{}})",
           R"({"httpMethod":"GET","path":"/","body":"x","isBase64Encoded":"yes"})",
           R"({"version":"2.0","requestContext":{"http":{}}})",
           R"({"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},"cookies":"a=b"})",
           R"({"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},"cookies":[1]})",
           R"({"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},"headers":{"a":1}})",
       }) {
    std::optional<payload_format> detected;
    auto ev = parse_event(text, &detected);
    EXPECT_FALSE(ev) << text;
  }
}

TEST(Event, NullFieldsAreAbsent) {
  auto ev = parse_ok(R"({"httpMethod":"GET","path":"/jobs","headers":null,"multiValueHeaders":null,
    "queryStringParameters":null,"multiValueQueryStringParameters":null,"pathParameters":null,
    "stageVariables":null,"requestContext":null,"body":null,"isBase64Encoded":null})");
  EXPECT_EQ(ev.request.path, "/jobs");
  EXPECT_TRUE(ev.request.headers.empty());
  EXPECT_EQ(ev.request.query, "");
  EXPECT_EQ(ev.request.body, "");
}

TEST(Event, DecodedPathAndQueryAreReEncoded) {
  auto ev = parse_ok(R"({"httpMethod":"GET","path":"/a b/%/é","queryStringParameters":{"q":"a&b=c d"}})");
  EXPECT_EQ(ev.request.path, "/a%20b/%25/%C3%A9");
  EXPECT_EQ(ev.request.query, "q=a%26b%3Dc%20d");
  EXPECT_EQ(ev.request.query_param("q"), "a&b=c d");
}

TEST(Event, HttpV2NamedStagePrefixIsStripped) {
  auto ev = parse_ok(
      R"({"version":"2.0","rawPath":"/prod/jobs/J1/photos","requestContext":{"stage":"prod","http":{"method":"GET"}}})");
  EXPECT_EQ(ev.request.path, "/jobs/J1/photos");
  auto def = parse_ok(
      R"({"version":"2.0","rawPath":"/prod/jobs","requestContext":{"stage":"$default","http":{"method":"GET"}}})");
  EXPECT_EQ(def.request.path, "/prod/jobs");
  auto partial = parse_ok(
      R"({"version":"2.0","rawPath":"/production","requestContext":{"stage":"prod","http":{"method":"GET"}}})");
  EXPECT_EQ(partial.request.path, "/production");
}

}  // namespace
}  // namespace dropslot::lambda
