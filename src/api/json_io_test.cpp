#include "dropslot/api/json_io.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dropslot::api {
namespace {

TEST(JsonIo, ErrorBodyShape) {
  auto r = error_response(api_errc::unsupported_media_type, "nope");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  auto v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("error").at("code").as_string(), "unsupported_media_type");
  EXPECT_EQ(v.at("error").at("message").as_string(), "nope");
}

TEST(JsonIo, StatusPerCode) {
  EXPECT_EQ(http_status(api_errc::malformed_json), 400);
  EXPECT_EQ(http_status(api_errc::unauthenticated), 401);
  EXPECT_EQ(http_status(api_errc::csrf_rejected), 403);
  EXPECT_EQ(http_status(api_errc::not_found), 404);
  EXPECT_EQ(http_status(api_errc::photo_limit), 409);
  EXPECT_EQ(http_status(api_errc::payload_too_large), 413);
  EXPECT_EQ(http_status(api_errc::rate_limited), 429);
  EXPECT_EQ(http_status(api_errc::storage_unavailable), 503);
}

TEST(JsonIo, ParseObjectRefusesNonObjects) {
  EXPECT_TRUE(parse_object("{}"));
  EXPECT_FALSE(parse_object(""));
  EXPECT_TRUE(parse_object("", true));
  EXPECT_FALSE(parse_object("[]"));
  EXPECT_FALSE(parse_object("3"));
  EXPECT_FALSE(parse_object("{\"a\":"));
  EXPECT_FALSE(parse_object("{\"a\":1} x"));
  EXPECT_FALSE(parse_object("\xff"));
  std::string deep(100, '[');
  EXPECT_FALSE(parse_object("{\"a\":" + deep + std::string(100, ']') + "}"));
  auto e = parse_object("nope");
  EXPECT_EQ(e.error().code, api_errc::malformed_json);
}

TEST(JsonIo, TypedFields) {
  auto o = parse_object(R"({"s":"x","n":5,"neg":-1,"f":1.5,"str_n":"5","nul":null})");
  ASSERT_TRUE(o);
  field_reader f(*o);
  EXPECT_EQ(*f.required_string("s", 10), "x");
  EXPECT_FALSE(f.required_string("n", 10));
  EXPECT_FALSE(f.required_string("missing", 10));
  EXPECT_FALSE(f.required_string("s", 0));  // too long
  EXPECT_EQ(*f.required_uint("n"), 5u);
  EXPECT_FALSE(f.required_uint("neg"));
  EXPECT_FALSE(f.required_uint("f"));
  EXPECT_FALSE(f.required_uint("str_n"));
  EXPECT_FALSE(f.optional_uint("nul")->has_value());
  EXPECT_FALSE(f.optional_string("missing", 3)->has_value());
  EXPECT_TRUE(f.only({"s", "n", "neg", "f", "str_n", "nul"}));
  EXPECT_FALSE(f.only({"s"}));
}

}  // namespace
}  // namespace dropslot::api
