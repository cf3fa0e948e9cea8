// http::response -> proxy integration response, checked against the shapes of
// shared/testdata/apigw/aws-lambda-go/{apigw-response,lambda-urls-response}.json.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dropslot/lambda/event.hpp"

namespace dropslot::lambda {
namespace {

namespace json = boost::json;

json::object fixture_object(const std::string& name) {
  std::ifstream in(std::string(DROPSLOT_SHARED_DIR) + "/testdata/apigw/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

http::response login_response() {
  http::response res;
  res.status = 201;
  res.headers.add("Content-Type", "application/json");
  res.headers.add("Set-Cookie", "dropslot_session=abc; HttpOnly; Secure; SameSite=Strict; Path=/");
  res.headers.add("Set-Cookie", "other=1; Max-Age=78000");
  res.headers.add("Vary", "Origin");
  res.headers.add("vary", "Cookie");
  res.body = R"({"customer":{"id":"c1"}})";
  return res;
}

TEST(Response, RestV1HasFixtureKeysAndSeparateSetCookies) {
  auto out = json::parse(format_response(login_response(), payload_format::rest_v1)).as_object();
  // Every top-level key we send is one the fixture response uses, plus isBase64Encoded.
  auto fixture = fixture_object("aws-lambda-go/apigw-response.json");
  for (const auto& [key, value] : out)
    EXPECT_TRUE(fixture.contains(key) || key == "isBase64Encoded") << key;
  EXPECT_EQ(out["statusCode"], 201);
  EXPECT_EQ(out["body"], R"({"customer":{"id":"c1"}})");
  EXPECT_EQ(out["isBase64Encoded"], false);
  auto& multi = out["multiValueHeaders"].as_object();
  ASSERT_EQ(multi["Set-Cookie"].as_array().size(), 2u);
  EXPECT_EQ(multi["Set-Cookie"].as_array()[0], "dropslot_session=abc; HttpOnly; Secure; SameSite=Strict; Path=/");
  EXPECT_EQ(multi["Set-Cookie"].as_array()[1], "other=1; Max-Age=78000");
  EXPECT_EQ(multi["Vary"].as_array().size(), 2u);  // case-insensitive grouping
  auto& single = out["headers"].as_object();
  EXPECT_EQ(single["Content-Type"], "application/json");
  EXPECT_FALSE(single.contains("Set-Cookie"));  // repeated: only in multiValueHeaders
}

TEST(Response, HttpV2PutsSetCookieInCookiesAndJoinsOthers) {
  auto out = json::parse(format_response(login_response(), payload_format::http_v2)).as_object();
  auto fixture = fixture_object("aws-lambda-go/lambda-urls-response.json");
  for (const auto& [key, value] : out) EXPECT_TRUE(fixture.contains(key)) << key;
  auto& cookies = out["cookies"].as_array();
  ASSERT_EQ(cookies.size(), 2u);
  EXPECT_EQ(cookies[0], "dropslot_session=abc; HttpOnly; Secure; SameSite=Strict; Path=/");
  auto& headers = out["headers"].as_object();
  EXPECT_FALSE(headers.contains("Set-Cookie"));
  EXPECT_EQ(headers["Vary"], "Origin,Cookie");
  EXPECT_FALSE(out.contains("multiValueHeaders"));
}

TEST(Response, BinaryBodyGoesBase64) {
  http::response res;
  res.headers.add("Content-Type", "image/jpeg");
  res.body = std::string("\xff\xd8\xff\xe0", 4);
  for (auto format : {payload_format::rest_v1, payload_format::http_v2}) {
    auto out = json::parse(format_response(res, format)).as_object();
    EXPECT_EQ(out["isBase64Encoded"], true);
    EXPECT_EQ(out["body"], "/9j/4A==");
  }
}

TEST(Response, TextTypeWithInvalidUtf8GoesBase64) {
  http::response res;
  res.headers.add("Content-Type", "text/plain; charset=utf-8");
  res.body = "caf\xe9";  // Latin-1, not UTF-8: cannot be a JSON string
  auto out = json::parse(format_response(res, payload_format::http_v2)).as_object();
  EXPECT_EQ(out["isBase64Encoded"], true);
  res.body = "caf\xc3\xa9";
  out = json::parse(format_response(res, payload_format::http_v2)).as_object();
  EXPECT_EQ(out["isBase64Encoded"], false);
  EXPECT_EQ(out["body"], "caf\xc3\xa9");
}

TEST(Response, BodyIsText) {
  http::headers json_h, none, svg;
  json_h.add("content-type", "Application/JSON; charset=utf-8");
  svg.add("Content-Type", "image/svg+xml");
  EXPECT_TRUE(body_is_text(json_h, "{}"));
  EXPECT_TRUE(body_is_text(svg, "<svg/>"));
  EXPECT_TRUE(body_is_text(none, ""));
  EXPECT_FALSE(body_is_text(none, "abc"));
}

// A cookie set in one response comes back on the next request in both formats.
TEST(Response, CookiesRoundTrip) {
  auto v2 = json::parse(format_response(login_response(), payload_format::http_v2)).as_object();
  json::object next{{"version", "2.0"}, {"rawPath", "/jobs"}, {"requestContext", {{"http", {{"method", "GET"}}}}}};
  json::array cookies;
  for (const auto& c : v2["cookies"].as_array()) {
    std::string_view s = c.as_string();
    cookies.emplace_back(s.substr(0, s.find(';')));  // what a browser sends back
  }
  next["cookies"] = cookies;
  auto ev = parse_event(json::serialize(next));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->request.cookie("dropslot_session"), "abc");
  EXPECT_EQ(ev->request.cookie("other"), "1");

  auto v1 = json::parse(format_response(login_response(), payload_format::rest_v1)).as_object();
  std::string header;
  for (const auto& c : v1["multiValueHeaders"].as_object()["Set-Cookie"].as_array()) {
    std::string_view s = c.as_string();
    if (!header.empty()) header += "; ";
    header += s.substr(0, s.find(';'));
  }
  json::object next1{{"httpMethod", "GET"}, {"path", "/jobs"}, {"multiValueHeaders", {{"Cookie", json::array{header}}}}};
  auto ev1 = parse_event(json::serialize(next1));
  ASSERT_TRUE(ev1);
  EXPECT_EQ(ev1->request.cookie("dropslot_session"), "abc");
}

}  // namespace
}  // namespace dropslot::lambda
