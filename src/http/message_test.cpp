#include "dropslot/http/message.hpp"

#include <gtest/gtest.h>

using namespace dropslot::http;

TEST(Headers, CaseInsensitiveAndRepeated) {
  headers h;
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  h.add("Content-Type", "text/plain");
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get_all("SET-COOKIE").size(), 2u);
  h.set("SET-COOKIE", "c=3");
  EXPECT_EQ(h.get_all("set-cookie").size(), 1u);
  h.erase("Content-Type");
  EXPECT_FALSE(h.contains("content-type"));
}

TEST(Request, QueryParamsAndCookies) {
  request r;
  r.query = "a=1&b=x%20y&c=p+q&flag";
  EXPECT_EQ(r.query_param("b"), "x y");
  EXPECT_EQ(r.query_param("c"), "p q");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_FALSE(r.query_param("z"));
  r.headers.add("Cookie", "x=1; dropslot_session=\"tok\"; y=2");
  EXPECT_EQ(r.cookie("dropslot_session"), "tok");
  EXPECT_FALSE(r.cookie("dropslot"));
}

TEST(Request, QueryWithABadEscapeHasNoParameters) {
  request r;
  r.query = "job=J1&x=%zz";
  EXPECT_FALSE(r.query_param("job"));
  r.query = "job=J%31&x=a+b";
  EXPECT_EQ(r.query_param("job"), "J1");
  EXPECT_EQ(r.query_param("x"), "a b");
}

