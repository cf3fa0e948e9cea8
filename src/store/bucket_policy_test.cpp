// The bucket policy evaluator the store enforces the uploads bucket's policy with
// (issue 20): IAM's matching of Deny statements, and a refusal of what it cannot
// evaluate. The template's own policy is run against the API's URLs in
// tests/lambda/url_lifetime_test.cpp.
#include "dropslot/store/bucket_policy.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace dropslot::store {
namespace {

using namespace std::chrono_literals;

policy_request query_get(std::int64_t age_ms) {
  return {"s3:GetObject", "arn:aws:s3:::uploads/jobs/J1/photo-001.jpg", "REST-QUERY-STRING", age_ms, std::nullopt};
}

TEST(BucketPolicy, TheUploadsPolicyDeniesQuerySignaturesOlderThanTheLifetime) {
  auto p = bucket_policy::parse(uploads_bucket_policy("arn:aws:s3:::uploads", 900s));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_FALSE(p->denied_by(query_get(0)));
  EXPECT_FALSE(p->denied_by(query_get(900'000))) << "exactly the lifetime is not greater than it";
  EXPECT_EQ(p->denied_by(query_get(900'001)), "DenyQueryStringSignaturesOlderThanTheUrlLifetime");
  // Header-signed requests (the API's own listing) are not limited by it.
  auto header = query_get(3'600'000);
  header.auth_type = "REST-HEADER";
  EXPECT_FALSE(p->denied_by(header));
  // Another bucket's objects are not this policy's business.
  auto other = query_get(3'600'000);
  other.resource = "arn:aws:s3:::other/k";
  EXPECT_FALSE(p->denied_by(other));
  // The bucket itself is a resource of the statement too (ListBucket).
  auto list = query_get(900'001);
  list.action = "s3:ListBucket";
  list.resource = "arn:aws:s3:::uploads";
  EXPECT_TRUE(p->denied_by(list));
}

TEST(BucketPolicy, SecureTransportIsDeniedWhenKnownToBeFalseOnly) {
  auto p = bucket_policy::parse(uploads_bucket_policy("arn:aws:s3:::uploads", 900s));
  ASSERT_TRUE(p);
  auto r = query_get(1000);
  r.secure_transport = false;
  EXPECT_EQ(p->denied_by(r), "DenyInsecureTransport");
  r.secure_transport = true;
  EXPECT_FALSE(p->denied_by(r));
  r.secure_transport.reset();  // a missing key matches no condition but ...IfExists
  EXPECT_FALSE(p->denied_by(r));
}

TEST(BucketPolicy, ActionsAndResourcesMatchWithIamWildcards) {
  auto p = bucket_policy::parse(R"({"Version":"2012-10-17","Statement":[
    {"Sid":"NoDeletes","Effect":"Deny","Principal":{"AWS":"*"},"Action":["s3:Delete*"],
     "Resource":"arn:aws:s3:::b/jobs/?1/*"},
    {"Sid":"AllowIsIgnored","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},
    {"Sid":"OtherPrincipal","Effect":"Deny","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:*",
     "Resource":"*"}]})");
  ASSERT_TRUE(p) << p.error().message();
  policy_request r{"s3:DeleteObject", "arn:aws:s3:::b/jobs/J1/photo-001.jpg", "REST-HEADER", 0, true};
  EXPECT_EQ(p->denied_by(r), "NoDeletes");
  r.action = "S3:deleteobject";  // actions are case-insensitive
  EXPECT_TRUE(p->denied_by(r));
  r.resource = "arn:aws:s3:::b/jobs/JJ1/photo-001.jpg";
  EXPECT_FALSE(p->denied_by(r));
  r.resource = "arn:aws:s3:::b/jobs/J1/photo-001.jpg";
  r.action = "s3:GetObject";
  EXPECT_FALSE(p->denied_by(r));
}

TEST(BucketPolicy, IfExistsAndNegatedOperators) {
  auto p = bucket_policy::parse(R"({"Statement":{"Sid":"S","Effect":"Deny","Principal":"*","Action":"s3:*",
    "Resource":"*","Condition":{"StringNotEquals":{"s3:authType":["REST-HEADER"]},
                                "NumericLessThanIfExists":{"s3:signatureAge":"5"}}}})");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(p->denied_by({"s3:GetObject", "arn:aws:s3:::b/k", "REST-QUERY-STRING", std::nullopt, std::nullopt}));
  EXPECT_TRUE(p->denied_by({"s3:GetObject", "arn:aws:s3:::b/k", "REST-QUERY-STRING", 4, std::nullopt}));
  EXPECT_FALSE(p->denied_by({"s3:GetObject", "arn:aws:s3:::b/k", "REST-QUERY-STRING", 5, std::nullopt}));
  EXPECT_FALSE(p->denied_by({"s3:GetObject", "arn:aws:s3:::b/k", "REST-HEADER", 4, std::nullopt}));
}

TEST(BucketPolicy, WhatTheStoreCannotEvaluateIsRefusedNotIgnored) {
  for (const char* doc : {
           R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
               "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})",
           R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
               "Condition":{"StringEquals":{"s3:x-amz-acl":"public-read"}}}]})",
           R"({"Statement":[{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","Resource":"*"}]})",
           R"({"Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:*","Resource":"*"}]})",
           R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":7,"Resource":"*"}]})",
           R"({"Version":"2012-10-17"})",
           "not json",
       }) {
    auto p = bucket_policy::parse(doc);
    EXPECT_FALSE(p) << doc;
  }
}

TEST(BucketPolicy, TheDocumentIsBuiltByALibraryAndNamesTheLifetimeInMilliseconds) {
  auto doc = boost::json::parse(uploads_bucket_policy("arn:aws:s3:::a\"b", 1200s));
  const auto& old = doc.at("Statement").at(1).at("Condition").at("NumericGreaterThan").at("s3:signatureAge");
  EXPECT_EQ(old, "1200000");
  EXPECT_EQ(doc.at("Statement").at(0).at("Resource").at(1), "arn:aws:s3:::a\"b/*");
}

}  // namespace
}  // namespace dropslot::store
