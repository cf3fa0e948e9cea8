// The presigner the API uses: what it signs, where the URL points, and that no URL
// outlives credentials with a known expiry. Pure: no request leaves the process.
#include "bucket_access.hpp"

#include <gtest/gtest.h>

#include <ctime>

#include "dropslot/api/error.hpp"

namespace dropslot::api {
namespace {

using namespace std::chrono;

app_config local_config() {
  app_config c;
  c.bucket = "uploads";
  c.region = "us-east-1";
  c.s3_endpoint = "http://127.0.0.1:9000";
  c.path_style = true;
  c.database_url = "sqlite:///unused.db";
  c.credentials = explicit_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
  return c;
}

const system_clock::time_point t0 = sys_days{year{2026} / 11 / 29} + hours(5);

TEST(BucketAccess, PresignedPutSignsTheTerms) {
  auto b = make_bucket_access(local_config(), t0);
  ASSERT_TRUE(b) << b.error().message();
  auto p = (*b)->presign_put("jobs/J1/photo-001.jpg", {"image/jpeg", 1234, std::nullopt, std::nullopt}, t0);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->url.starts_with("http://127.0.0.1:9000/uploads/jobs/J1/photo-001.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"))
      << p->url;
  EXPECT_NE(p->url.find("X-Amz-Expires=900&"), std::string::npos);
  EXPECT_NE(p->url.find("X-Amz-Date=20261129T050000Z"), std::string::npos);
  EXPECT_NE(p->url.find("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match&"), std::string::npos)
      << p->url;
  EXPECT_EQ(p->url.find("wJalr"), std::string::npos);  // the secret never leaves
  ASSERT_EQ(p->headers.size(), 3u);
  EXPECT_EQ(p->headers[0], (std::pair<std::string, std::string>{"Content-Length", "1234"}));
  EXPECT_EQ(p->headers[1], (std::pair<std::string, std::string>{"Content-Type", "image/jpeg"}));
  EXPECT_EQ(p->headers[2], (std::pair<std::string, std::string>{"If-None-Match", "*"}));
  EXPECT_EQ(p->expires_in, seconds(900));
  EXPECT_EQ(p->expires_at, t0 + seconds(900));
}

TEST(BucketAccess, ChecksumIsSignedWhenGiven) {
  auto b = make_bucket_access(local_config(), t0);
  ASSERT_TRUE(b);
  auto p = (*b)->presign_put("k.jpg", {"image/jpeg", 5, std::string("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="), std::nullopt}, t0);
  ASSERT_TRUE(p);
  EXPECT_NE(p->url.find("if-none-match%3Bx-amz-checksum-sha256"), std::string::npos) << p->url;
  ASSERT_EQ(p->headers.size(), 4u);
  EXPECT_EQ(p->headers[3].first, "x-amz-checksum-sha256");
}

TEST(BucketAccess, SameInputsSameUrlAcrossThreadsAndInstances) {
  auto a = make_bucket_access(local_config(), t0);
  auto b = make_bucket_access(local_config(), t0);
  ASSERT_TRUE(a && b);
  auto pa = (*a)->presign_get("jobs/J1/photo-001.jpg", t0);
  auto pb = (*b)->presign_get("jobs/J1/photo-001.jpg", t0);
  ASSERT_TRUE(pa && pb);
  EXPECT_EQ(pa->url, pb->url);
  // Another instance with other credentials on the same thread must not reuse the
  // first one's per-thread signing state.
  auto other_cfg = local_config();
  other_cfg.credentials->access_key_id = "AKIDOTHER";
  auto c = make_bucket_access(other_cfg, t0);
  ASSERT_TRUE(c);
  auto pc = (*c)->presign_get("jobs/J1/photo-001.jpg", t0);
  ASSERT_TRUE(pc);
  EXPECT_NE(pc->url.find("AKIDOTHER"), std::string::npos);
  auto pa2 = (*a)->presign_get("jobs/J1/photo-001.jpg", t0);
  EXPECT_EQ(pa2->url, pa->url);
}

TEST(BucketAccess, AwsIsVirtualHostedRegional) {
  auto c = local_config();
  c.s3_endpoint.clear();
  c.path_style = false;
  c.region = "eu-west-1";
  auto b = make_bucket_access(c, t0);
  ASSERT_TRUE(b);
  auto p = (*b)->presign_get("jobs/J1/photo 1.jpg", t0);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->url.starts_with("https://uploads.s3.eu-west-1.amazonaws.com/jobs/J1/photo%201.jpg?")) << p->url;
}

TEST(BucketAccess, NoUrlOutlivesTemporaryCredentials) {
  auto c = local_config();
  c.credentials->session_token = "FQoGZXIvYXdzEXAMPLETOKEN";
  c.credentials->expires_at = t0 + seconds(300);
  auto b = make_bucket_access(c, t0);
  ASSERT_TRUE(b);
  auto p = (*b)->presign_put("k.jpg", {"image/jpeg", 1, std::nullopt, std::nullopt}, t0);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->expires_in, seconds(300));
  EXPECT_NE(p->url.find("X-Amz-Expires=300&"), std::string::npos);
  EXPECT_NE(p->url.find("X-Amz-Security-Token="), std::string::npos);
  // Later, less is left.
  EXPECT_EQ(*(*b)->expiry_at(t0 + seconds(200)), seconds(100));
  // Expired (or about to): no URL at all.
  auto late = (*b)->presign_get("k.jpg", t0 + seconds(290));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, api_errc::storage_unavailable);
}

TEST(BucketAccess, ExpiryIsCappedAtSevenDays) {
  auto c = local_config();
  c.url_expiry = seconds(604800);
  auto b = make_bucket_access(c, t0);
  ASSERT_TRUE(b);
  EXPECT_EQ(*(*b)->expiry_at(t0), seconds(604800));
}

TEST(BucketAccess, CapturedAtIsSignedAsObjectMetadata) {
  auto b = make_bucket_access(local_config(), t0);
  ASSERT_TRUE(b);
  auto p = (*b)->presign_put("k.jpg", {"image/jpeg", 5, std::nullopt, std::string("2026-12-06T13:03:07Z")}, t0);
  ASSERT_TRUE(p);
  EXPECT_NE(p->url.find("if-none-match%3Bx-amz-meta-captured-at&"), std::string::npos) << p->url;
  ASSERT_EQ(p->headers.size(), 4u);
  EXPECT_EQ(p->headers[3], (std::pair<std::string, std::string>{"x-amz-meta-captured-at", "2026-12-06T13:03:07Z"}));
}

/// X-Amz-Date + X-Amz-Expires of a presigned URL: when it stops working.
sys_seconds url_expiry_time(const std::string& url) {
  auto date = url.substr(url.find("X-Amz-Date=") + 11, 16);
  auto expires = std::stol(url.substr(url.find("X-Amz-Expires=") + 14));
  std::tm tm{};
  strptime(date.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  return sys_seconds(seconds(timegm(&tm))) + seconds(expires);
}

// Stable, cacheable GET URLs (issue 15) under one rule with the bucket's policy
// (issue 20): the same URL all window long, signed at the window's start for the
// configured expiry and no longer (s3:signatureAge), so its `expires_in` shrinks
// over the window. tests/lambda/url_lifetime_test.cpp runs these URLs against the
// template's own policy.
TEST(BucketAccess, GetUrlIsStableWithinAWindowAndNeverOlderThanTheExpiry) {
  auto b = make_bucket_access(local_config(), t0);
  ASSERT_TRUE(b);
  const seconds w = (*b)->get_url_window();
  EXPECT_EQ(w, seconds(300));  // 900 s / 3
  // t0 is 05:00:00, a window boundary; walk one whole window and into the next.
  auto first = (*b)->presign_get("jobs/J1/photo-001.jpg", t0);
  ASSERT_TRUE(first);
  for (seconds at : {seconds(0), seconds(1), seconds(150), w - seconds(1)}) {
    auto now = t0 + at + milliseconds(999);
    auto p = (*b)->presign_get("jobs/J1/photo-001.jpg", now);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->url, first->url) << at.count();
    EXPECT_NE(p->url.find("X-Amz-Expires=900&"), std::string::npos) << p->url;
    EXPECT_EQ(url_expiry_time(p->url), t0 + seconds(900)) << at.count();
    EXPECT_EQ(p->expires_in, seconds(899) - at) << at.count() << ": whole seconds left, rounded down";
    EXPECT_EQ(*(*b)->get_url_expires_in(now), p->expires_in) << "the listing's expires_in is the URLs'";
    EXPECT_EQ(p->expires_at, url_expiry_time(p->url));
  }
  auto next = (*b)->presign_get("jobs/J1/photo-001.jpg", t0 + w);
  ASSERT_TRUE(next);
  EXPECT_NE(next->url, first->url);
  EXPECT_NE(next->url.find("X-Amz-Date=20261129T050500Z"), std::string::npos) << next->url;
  EXPECT_EQ(next->expires_in, seconds(900));
  // Another key, another URL.
  EXPECT_NE((*b)->presign_get("jobs/J1/photo-002.jpg", t0)->url, first->url);
}

// Issue 20, item 2: S3 does not document whether it takes a signature dated before
// the session token existed, so none is: the first window's URLs are dated when
// the credentials were loaded (rounded up), and they are still one URL per window.
TEST(BucketAccess, NoSignatureIsDatedBeforeTheCredentialsWereLoaded) {
  const auto loaded = t0 + seconds(200) + milliseconds(1);  // 200 s into a window
  auto b = make_bucket_access(local_config(), loaded);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->not_before(), t0 + seconds(201));
  auto p = (*b)->presign_get("k.jpg", loaded);
  ASSERT_TRUE(p);
  EXPECT_NE(p->url.find("X-Amz-Date=20261129T050321Z"), std::string::npos) << p->url;
  EXPECT_EQ(p->expires_at, t0 + seconds(201) + seconds(900));
  EXPECT_EQ(p->expires_in, seconds(900)) << "900.999 s left, rounded down";
  auto later = (*b)->presign_get("k.jpg", t0 + seconds(299));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->url, p->url) << "still one URL for the rest of the window";
  auto put = (*b)->presign_put("k.jpg", {"image/jpeg", 1, std::nullopt, std::nullopt}, loaded);
  ASSERT_TRUE(put);
  EXPECT_NE(put->url.find("X-Amz-Date=20261129T050321Z"), std::string::npos) << put->url;
  // Past the first window, the window's start again.
  auto next = (*b)->presign_get("k.jpg", t0 + seconds(310));
  ASSERT_TRUE(next);
  EXPECT_NE(next->url.find("X-Amz-Date=20261129T050500Z"), std::string::npos) << next->url;
}

TEST(BucketAccess, GetUrlSignsAPrivateCacheControlForItsWholeLife) {
  auto b = make_bucket_access(local_config(), t0);
  ASSERT_TRUE(b);
  auto p = (*b)->presign_get("jobs/J1/photo-001.jpg", t0 + seconds(42));
  ASSERT_TRUE(p);
  EXPECT_NE(p->url.find("?response-cache-control=private%2C%20max-age%3D900&X-Amz-Algorithm="), std::string::npos)
      << p->url;
  EXPECT_NE(p->url.find("X-Amz-Expires=900&"), std::string::npos) << p->url;
  EXPECT_EQ(p->url.find("public"), std::string::npos);
}

TEST(BucketAccess, GetUrlNeverOutlivesTemporaryCredentials) {
  auto c = local_config();
  c.credentials->session_token = "FQoGZXIvYXdzEXAMPLETOKEN";
  c.credentials->expires_at = t0 + seconds(800);
  auto b = make_bucket_access(c, t0);
  ASSERT_TRUE(b);
  for (seconds at : {seconds(0), seconds(299)}) {
    auto p = (*b)->presign_get("k.jpg", t0 + at);
    ASSERT_TRUE(p);
    EXPECT_EQ(url_expiry_time(p->url), t0 + seconds(800)) << p->url;
    EXPECT_NE(p->url.find("max-age%3D800&"), std::string::npos) << p->url;
    EXPECT_EQ(p->expires_in, seconds(800) - at);
  }
}

TEST(BucketAccess, GetUrlAtTheSevenDayCapKeepsAnHourWindow) {
  auto c = local_config();
  c.url_expiry = seconds(604800);
  auto b = make_bucket_access(c, t0);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->get_url_window(), seconds(3600));
  auto p = (*b)->presign_get("k.jpg", t0 + seconds(7));
  ASSERT_TRUE(p);
  EXPECT_NE(p->url.find("X-Amz-Expires=604800&"), std::string::npos);
  EXPECT_EQ(url_expiry_time(p->url), t0 + seconds(604800));
  EXPECT_EQ(p->expires_in, seconds(604800 - 7));
  // A one-second lifetime: no window, a URL per second.
  c.url_expiry = seconds(1);
  auto tiny = make_bucket_access(c, t0);
  ASSERT_TRUE(tiny);
  EXPECT_EQ((*tiny)->get_url_window(), seconds(0));
}

TEST(BucketAccess, BadEndpointOrBucketIsAConfigError) {
  auto c = local_config();
  c.bucket = "Bad_Bucket";
  auto b = make_bucket_access(c, t0);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, api_errc::bad_config);
}

}  // namespace
}  // namespace dropslot::api
