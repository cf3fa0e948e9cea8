#include "dropslot/api/router.hpp"

#include <gtest/gtest.h>

namespace dropslot::api {
namespace {

TEST(Router, MatchesTemplatesExactly) {
  router<int> r;
  r.add("GET", "/jobs", 1, 0);
  r.add("GET", "/jobs/{id}", 2, 0);
  r.add("PATCH", "/jobs/{id}", 3, 100);
  r.add("GET", "/jobs/{id}/photos", 4, 0);

  auto m = r.find("GET", "/jobs");
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.found->handler, 1);

  m = r.find("GET", "/jobs/J1");
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.found->handler, 2);
  EXPECT_EQ(m.params.get("id"), "J1");

  m = r.find("PATCH", "/jobs/J1");
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.found->body_limit, 100u);

  m = r.find("GET", "/jobs/J1/photos");
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.found->handler, 4);
  EXPECT_EQ(m.params.get("id"), "J1");
}

TEST(Router, NotFoundAndWrongMethod) {
  router<int> r;
  r.add("GET", "/jobs/{id}", 2, 0);
  EXPECT_EQ(r.find("GET", "/jobs/").found, nullptr);
  EXPECT_EQ(r.find("GET", "/jobs/J1/").found, nullptr);
  EXPECT_EQ(r.find("GET", "/jobs//").found, nullptr);
  EXPECT_EQ(r.find("GET", "/jobsX").found, nullptr);
  EXPECT_EQ(r.find("GET", "").found, nullptr);
  auto m = r.find("DELETE", "/jobs/J1");
  EXPECT_EQ(m.found, nullptr);
  EXPECT_TRUE(m.other_method);
  EXPECT_FALSE(r.find("DELETE", "/nope").other_method);
}

// The metrics' route label: the template a path fits, never the path (docs/metrics.md).
TEST(Router, TemplateOfNamesTheTemplateNotThePath) {
  router<int> r;
  r.add("GET", "/jobs", 1, 0);
  r.add("GET", "/jobs/{id}", 2, 0);
  r.add("DELETE", "/jobs/{id}/photos/{name}", 3, 0);
  ASSERT_NE(r.template_of("/jobs/J1"), nullptr);
  EXPECT_EQ(*r.template_of("/jobs/J1"), "/jobs/{id}");
  EXPECT_EQ(*r.template_of("/jobs/a%2Fb/photos/x.jpg"), "/jobs/{id}/photos/{name}");
  EXPECT_EQ(*r.template_of("/jobs"), "/jobs");
  EXPECT_EQ(r.template_of("/jobs/"), nullptr);
  EXPECT_EQ(r.template_of("/jobs/J1/photos"), nullptr);
  EXPECT_EQ(r.template_of("/nope"), nullptr);
  EXPECT_TRUE(fits_template("/a/{x}", "/a/b"));
  EXPECT_FALSE(fits_template("/a/{x}", "/a/"));
}

TEST(Router, ParamsArePercentDecoded) {
  router<int> r;
  r.add("GET", "/jobs/{id}", 2, 0);
  auto m = r.find("GET", "/jobs/%2e%2e");
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.params.get("id"), "..");
  m = r.find("GET", "/jobs/a%2Fb");
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.params.get("id"), "a/b");
}

}  // namespace
}  // namespace dropslot::api
