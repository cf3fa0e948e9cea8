#include "dropslot/s3/endpoint.hpp"

#include <gtest/gtest.h>

namespace dropslot::s3 {
namespace {

TEST(Endpoint, AwsIsVirtualHostedRegional) {
  auto e = make_bucket_endpoint("", "uploads", "eu-west-1", false);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->origin(), "https://uploads.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(e->object_path("jobs/J1/photo-001.jpg"), "/jobs/J1/photo-001.jpg");
  EXPECT_EQ(e->bucket_path(), "/");
  auto e1 = make_bucket_endpoint("", "uploads", "us-east-1", false);
  EXPECT_EQ(e1->host, "uploads.s3.us-east-1.amazonaws.com");
}

TEST(Endpoint, DottedBucketFallsBackToPathStyle) {
  auto e = make_bucket_endpoint("", "my.bucket", "eu-west-1", false);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->path_style);
  EXPECT_EQ(e->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(e->object_path("k"), "/my.bucket/k");
}

TEST(Endpoint, CustomEndpointPathStyle) {
  auto e = make_bucket_endpoint("http://127.0.0.1:9000/", "uploads", "us-east-1", true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->origin(), "http://127.0.0.1:9000");
  EXPECT_EQ(e->object_path("a b/c+d"), "/uploads/a%20b/c%2Bd");
  EXPECT_EQ(e->bucket_path(), "/uploads");
}

TEST(Endpoint, RejectsBadInput) {
  EXPECT_FALSE(make_bucket_endpoint("127.0.0.1:9000", "uploads", "us-east-1", true));
  EXPECT_FALSE(make_bucket_endpoint("ftp://x", "uploads", "us-east-1", true));
  EXPECT_FALSE(make_bucket_endpoint("http://x/path", "uploads", "us-east-1", true));
  EXPECT_FALSE(make_bucket_endpoint("", "Up", "us-east-1", false));
  EXPECT_FALSE(make_bucket_endpoint("", "uploads", "us east", false));
}

}  // namespace
}  // namespace dropslot::s3
