// GET {base}/jobs/{id}/photos lists through ListObjectsV2 past 1,000 keys (S3 pages
// at 1,000), each photo with a presigned GET that works.
#include <boost/json.hpp>
#include <filesystem>

#include <fmt/format.h>

#include "api_fixture.hpp"
#include "dropslot/s3/client.hpp"
#include "dropslot/store/object_store.hpp"

namespace dropslot::test {
namespace {

TEST_P(api_test, PhotoListPaginatesPastOneThousandKeys) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);

  // Fill the job's prefix straight through the S3 client (as an admin tool would),
  // with the embedded store's own key.
  auto key = store::load_or_create_access_key(std::filesystem::path(s().data()) / "s3", nullptr, nullptr);
  ASSERT_TRUE(key) << key.error().message();
  auto ep = s3::make_bucket_endpoint(s().s3(), "uploads", "us-east-1", true);
  ASSERT_TRUE(ep);
  s3::client_config cc;
  cc.endpoint = *ep;
  sigv4::credentials creds;
  creds.access_key = sigv4::access_key_id(key->id);
  creds.secret = sigv4::secret_access_key(key->secret);
  cc.credentials = [creds] { return result<sigv4::credentials>(creds); };
  s3::client client(cc);
  constexpr int n = 1005;
  for (int i = 1; i <= n; ++i) {
    auto put = client.put_object(fmt::format("jobs/{}/photo-{:04}.jpg", job, i), fmt::format("bytes of {}", i),
                                 "image/jpeg");
    ASSERT_TRUE(put) << i << ": " << put.error().message();
  }
  // Another job's prefix that shares the first characters is not listed.
  ASSERT_TRUE(client.put_object(fmt::format("jobs/{}x/photo-001.jpg", job), "other", "image/jpeg"));

  auto list = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(token));
  ASSERT_EQ(list.status, 200) << list.body.substr(0, 300);
  auto photos = list.json().at("photos").as_array();
  ASSERT_EQ(photos.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(photos[0].at("key").as_string(), fmt::format("jobs/{}/photo-0001.jpg", job));
  EXPECT_EQ(photos[n - 1].at("key").as_string(), fmt::format("jobs/{}/photo-{:04}.jpg", job, n));
  // The 1,001st photo (second page) downloads with its presigned GET.
  auto get = http_request("GET", std::string(photos[1000].at("url").as_string()));
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "bytes of 1001");
}

}  // namespace
}  // namespace dropslot::test
