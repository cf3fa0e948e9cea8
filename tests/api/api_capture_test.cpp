// The field-capture API (issue 15) end to end against a real `dropslot serve` and its
// embedded store, driven with libcurl: one upload-url request returns two presigned
// PUTs (photo and thumbnail) with the same terms; a retry with the same client_id gets
// the same key; the listing pairs thumbnails; GET URLs are stable and cacheable
// (private); the owner can delete a photo and its thumbnail, nobody else can; the
// settings endpoint publishes the photo limits.
#include <boost/json.hpp>
#include <cstdlib>

#include "api_fixture.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;

json::object capture_body(const std::string& job, std::size_t size, std::size_t thumb_size,
                          const std::string& client_id = "phone-photo-1") {
  json::object b;
  b["job_id"] = job;
  b["filename"] = "IMG_0001.jpg";
  b["content_type"] = "image/jpeg";
  b["size"] = size;
  b["client_id"] = client_id;
  b["captured_at"] = "2026-12-06T13:03:07Z";
  json::object t;
  t["size"] = thumb_size;
  t["content_type"] = "image/jpeg";
  b["thumbnail"] = std::move(t);
  return b;
}

header_list headers_of(const json::value& grant) {
  header_list h;
  for (const auto& kv : grant.at("headers").as_object())
    h.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
  return h;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

std::string thumb_bytes() { return std::string(12 * 1024, 't') + "end-of-thumb"; }

// The Cache-Control of a GET through the store: "private, max-age=N".
long max_age_of(const std::string& cache_control) {
  const std::string prefix = "private, max-age=";
  if (!cache_control.starts_with(prefix)) return -1;
  return std::stol(cache_control.substr(prefix.size()));
}

class capture_test : public api_test {
 protected:
  /// Uploads one photo (and its thumbnail unless `with_thumb` is false) through the
  /// API's grants; returns the photo key.
  std::string put_photo(const std::string& token, const std::string& job, const std::string& client_id,
                        bool with_thumb = true) {
    std::string jpeg = sample_jpeg(), thumb = thumb_bytes();
    json::object body = capture_body(job, jpeg.size(), thumb.size(), client_id);
    if (!with_thumb) body.erase("thumbnail");
    auto grant = upload_url(s(), token, body);
    EXPECT_EQ(grant.status, 200) << grant.body;
    auto g = grant.json();
    EXPECT_EQ(http_request("PUT", str(g.at("url")), headers_of(g), jpeg).status, 200);
    if (with_thumb) {
      EXPECT_EQ(http_request("PUT", str(g.at("thumb").at("url")), headers_of(g.at("thumb")), thumb).status, 200);
    }
    return str(g.at("key"));
  }
};

TEST_P(capture_test, OneRequestTwoUrlsBothPutsWorkAsSigned) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string jpeg = sample_jpeg(), thumb = thumb_bytes();

  auto grant = upload_url(s(), token, capture_body(job, jpeg.size(), thumb.size()));
  ASSERT_EQ(grant.status, 200) << grant.body;
  auto g = grant.json();
  EXPECT_EQ(str(g.at("key")), "jobs/" + job + "/photo-001.jpg");
  EXPECT_FALSE(g.at("reused").as_bool());
  ASSERT_TRUE(g.as_object().contains("thumb"));
  const auto& t = g.at("thumb");
  EXPECT_EQ(str(t.at("key")), "jobs/" + job + "/thumbs/photo-001.jpg");
  EXPECT_EQ(str(t.at("method")), "PUT");
  EXPECT_TRUE(str(t.at("url")).starts_with(s().s3() + "/uploads/jobs/" + job + "/thumbs/photo-001.jpg?"));

  // Both sign the same terms: type, length, no overwrite, and the capture time.
  auto ph = headers_of(g), th = headers_of(t);
  auto value = [](const header_list& h, const std::string& name) {
    for (const auto& [n, v] : h)
      if (n == name) return v;
    return std::string("<absent>");
  };
  EXPECT_EQ(ph.size(), 4u);
  EXPECT_EQ(th.size(), 4u);
  EXPECT_EQ(value(ph, "Content-Length"), std::to_string(jpeg.size()));
  EXPECT_EQ(value(th, "Content-Length"), std::to_string(thumb.size()));
  for (const auto* h : {&ph, &th}) {
    EXPECT_EQ(value(*h, "Content-Type"), "image/jpeg");
    EXPECT_EQ(value(*h, "If-None-Match"), "*");
    EXPECT_EQ(value(*h, "x-amz-meta-captured-at"), "2026-12-06T13:03:07Z");
  }
  for (const std::string url : {str(g.at("url")), str(t.at("url"))})
    EXPECT_NE(url.find("if-none-match%3Bx-amz-meta-captured-at"), std::string::npos) << url;

  ASSERT_EQ(http_request("PUT", str(g.at("url")), ph, jpeg).status, 200);
  ASSERT_EQ(http_request("PUT", str(t.at("url")), th, thumb).status, 200);

  // The store kept the capture time with each object.
  auto list = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(token));
  ASSERT_EQ(list.status, 200) << list.body;
  auto photos = list.json().at("photos").as_array();
  ASSERT_EQ(photos.size(), 1u);
  auto got = http_request("GET", str(photos[0].at("url")));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, jpeg);
  EXPECT_EQ(got.header("x-amz-meta-captured-at"), "2026-12-06T13:03:07Z");
  auto got_thumb = http_request("GET", str(photos[0].at("thumb_url")));
  ASSERT_EQ(got_thumb.status, 200);
  EXPECT_EQ(got_thumb.body, thumb);
  EXPECT_EQ(got_thumb.header("x-amz-meta-captured-at"), "2026-12-06T13:03:07Z");
}

TEST_P(capture_test, CapturedAtIsSignedSoAnotherValueIsRefused) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string jpeg = sample_jpeg();
  auto g = upload_url(s(), token, capture_body(job, jpeg.size(), 100)).json();
  auto h = headers_of(g);
  for (auto& [n, v] : h)
    if (n == "x-amz-meta-captured-at") v = "2020-01-01T00:00:00Z";
  EXPECT_EQ(http_request("PUT", str(g.at("url")), h, jpeg).status, 403);
}

TEST_P(capture_test, RetryWithTheSameClientIdGetsTheSameKey) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string jpeg = sample_jpeg(), thumb = thumb_bytes();

  auto first = upload_url(s(), token, capture_body(job, jpeg.size(), thumb.size(), "retry-me"));
  ASSERT_EQ(first.status, 200) << first.body;
  auto f = first.json();
  ASSERT_EQ(http_request("PUT", str(f.at("url")), headers_of(f), jpeg).status, 200);

  // The tab died before it heard back; the queue asks again with the same ID.
  auto again = upload_url(s(), token, capture_body(job, jpeg.size(), thumb.size(), "retry-me"));
  ASSERT_EQ(again.status, 200) << again.body;
  auto a = again.json();
  EXPECT_TRUE(a.at("reused").as_bool());
  EXPECT_EQ(a.at("key"), f.at("key"));
  EXPECT_EQ(a.at("thumb").at("key"), f.at("thumb").at("key"));
  // The photo already arrived: 412 means done. The thumbnail still goes up.
  EXPECT_EQ(http_request("PUT", str(a.at("url")), headers_of(a), jpeg).status, 412);
  EXPECT_EQ(http_request("PUT", str(a.at("thumb").at("url")), headers_of(a.at("thumb")), thumb).status, 200);

  // Another ID is another photo; the job counts two photos, not three.
  auto other = upload_url(s(), token, capture_body(job, jpeg.size(), thumb.size(), "another"));
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(str(other.json().at("key")), "jobs/" + job + "/photo-002.jpg");
  EXPECT_FALSE(other.json().at("reused").as_bool());
  auto j = http_request("GET", s().api() + "/api/jobs/" + job, bearer(token)).json();
  EXPECT_EQ(j.at("job").at("photo_count").as_int64(), 2);

  // The same ID with another type would sign a type that contradicts the key.
  auto png = capture_body(job, 10, 10, "retry-me");
  png["content_type"] = "image/png";
  auto conflict = upload_url(s(), token, png);
  EXPECT_EQ(conflict.status, 409) << conflict.body;
}

TEST_P(capture_test, OldClientsGetTodaysAnswerPlusReusedFalse) {
  DROPSLOT_START();
  std::string token = demo_token();
  json::object b;
  b["job_id"] = first_job(token);
  b["content_type"] = "image/jpeg";
  b["size"] = 10;
  auto r = upload_url(s(), token, b);
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = r.json().as_object();
  EXPECT_EQ(o.size(), 7u) << r.body;  // url, method, headers, key, expires_at, expires_in, reused
  EXPECT_FALSE(o.at("reused").as_bool());
  EXPECT_FALSE(o.contains("thumb"));
  EXPECT_EQ(o.at("headers").as_object().size(), 3u);
}

TEST_P(capture_test, StoreRefusesAThumbnailOfAnotherSizeOrTypeAndAnOverwrite) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string thumb = thumb_bytes();
  auto g = upload_url(s(), token, capture_body(job, 1000, thumb.size())).json();
  std::string url = str(g.at("thumb").at("url"));
  auto h = headers_of(g.at("thumb"));

  auto png = h;
  for (auto& [n, v] : png)
    if (n == "Content-Type") v = "image/png";
  EXPECT_EQ(http_request("PUT", url, png, thumb).status, 403);
  header_list own_length;
  for (auto& kv : h)
    if (kv.first != "Content-Length") own_length.push_back(kv);
  EXPECT_EQ(http_request("PUT", url, own_length, thumb + "x").status, 403);
  EXPECT_EQ(http_request("PUT", url, own_length, thumb.substr(1)).status, 403);
  header_list no_inm;
  for (auto& kv : h)
    if (kv.first != "If-None-Match") no_inm.push_back(kv);
  EXPECT_EQ(http_request("PUT", url, no_inm, thumb).status, 403);
  EXPECT_EQ(http_request("PUT", url, h, thumb).status, 200);
  EXPECT_EQ(http_request("PUT", url, h, thumb).status, 412);
}

TEST_P(capture_test, BadCaptureFieldsAreRefusedBeforeAnyKeyIsTaken) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  auto status_code = [&](json::object b) {
    auto r = upload_url(s(), token, b);
    return std::pair{r.status, r.status == 200 ? std::string() : str(r.json().at("error").at("code"))};
  };
  auto with = [&](const char* field, json::value v) {
    auto b = capture_body(job, 1000, 1000);
    b[field] = std::move(v);
    return status_code(b);
  };
  auto thumb = [&](json::value size, json::value type) {
    json::object t;
    t["size"] = std::move(size);
    t["content_type"] = std::move(type);
    return with("thumbnail", std::move(t));
  };
  using res = std::pair<long, std::string>;
  EXPECT_EQ(with("client_id", "a/b"), (res{400, "invalid_field"}));
  EXPECT_EQ(with("client_id", ""), (res{400, "invalid_field"}));
  EXPECT_EQ(with("client_id", json::string(std::string(65, 'x'))), (res{400, "invalid_field"}));
  EXPECT_EQ(with("client_id", 7), (res{400, "invalid_field"}));
  EXPECT_EQ(with("captured_at", "2026-12-06T13:03:07+01:00"), (res{400, "invalid_field"}));
  EXPECT_EQ(with("captured_at", "2026-02-30T13:03:07Z"), (res{400, "invalid_field"}));
  EXPECT_EQ(with("captured_at", "yesterday"), (res{400, "invalid_field"}));
  EXPECT_EQ(with("thumbnail", "small"), (res{400, "invalid_field"}));
  EXPECT_EQ(thumb(1000, "image/png"), (res{415, "unsupported_media_type"}));
  EXPECT_EQ(thumb(512 * 1024 + 1, "image/jpeg"), (res{413, "payload_too_large"}));
  EXPECT_EQ(thumb(0, "image/jpeg"), (res{400, "invalid_field"}));
  EXPECT_EQ(thumb(-5, "image/jpeg"), (res{400, "invalid_field"}));
  auto extra = capture_body(job, 1000, 1000);
  extra["thumbnail"].as_object()["checksum"] = "x";
  EXPECT_EQ(status_code(extra), (res{400, "invalid_field"}));
  EXPECT_EQ(thumb(512 * 1024, "image/jpeg").first, 200);
  // Only the accepted request took a number.
  auto j = http_request("GET", s().api() + "/api/jobs/" + job, bearer(token)).json();
  EXPECT_EQ(j.at("job").at("photo_count").as_int64(), 1);
}

TEST_P(capture_test, ListingPairsThumbnailsAndListsOriginalsOnly) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string with_thumb = put_photo(token, job, "a");
  std::string without = put_photo(token, job, "b", /*with_thumb=*/false);

  auto list = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(token));
  ASSERT_EQ(list.status, 200) << list.body;
  auto photos = list.json().at("photos").as_array();
  ASSERT_EQ(photos.size(), 2u) << list.body;  // the thumbnail is not a photo
  EXPECT_EQ(str(photos[0].at("key")), with_thumb);
  EXPECT_EQ(str(photos[1].at("key")), without);
  ASSERT_TRUE(photos[0].as_object().contains("thumb_url"));
  EXPECT_FALSE(photos[1].as_object().contains("thumb_url"));
  EXPECT_NE(str(photos[0].at("thumb_url")).find("/thumbs/photo-001.jpg?"), std::string::npos);
  EXPECT_EQ(http_request("GET", str(photos[0].at("thumb_url"))).body, thumb_bytes());
  EXPECT_EQ(http_request("GET", str(photos[1].at("url"))).body, sample_jpeg());
}

TEST_P(capture_test, GetUrlsAreStableAndCachedPrivately) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  put_photo(token, job, "a");
  auto urls = [&] {
    auto list = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(token));
    EXPECT_EQ(list.status, 200);
    auto p = list.json().at("photos").at(0);
    return std::pair{str(p.at("url")), str(p.at("thumb_url"))};
  };
  // Two listings in a row give the same URLs, unless they straddle a window
  // boundary (300 s windows): then the next two, seconds later, cannot.
  auto a = urls(), b = urls();
  if (a != b) a = urls(), b = urls();
  EXPECT_EQ(a, b);

  for (const auto& url : {a.first, a.second}) {
    auto get = http_request("GET", url);
    ASSERT_EQ(get.status, 200);
    std::string cc = get.header("cache-control");
    EXPECT_EQ(cc.find("public"), std::string::npos) << cc;
    long age = max_age_of(cc);
    // The URL's lifetime: the configured 900 s, never more (the bucket's policy
    // refuses older signatures; issue 20).
    EXPECT_EQ(age, 900) << cc;
    EXPECT_NE(url.find("X-Amz-Expires=" + std::to_string(age) + "&"), std::string::npos) << url;
  }
  // The API's own answer is never cached.
  auto list = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(token));
  EXPECT_EQ(list.header("cache-control"), "no-store");
}

TEST_P(capture_test, OwnerDeletesPhotoAndThumbnail) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  put_photo(token, job, "a");
  std::string keep = put_photo(token, job, "b");
  auto before = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(token)).json();
  std::string thumb_url = str(before.at("photos").at(0).at("thumb_url"));

  auto del = http_request("DELETE", s().api() + "/api/jobs/" + job + "/photos/photo-001.jpg", bearer(token));
  EXPECT_EQ(del.status, 204) << del.body;
  auto after = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(token)).json();
  auto photos = after.at("photos").as_array();
  ASSERT_EQ(photos.size(), 1u);
  EXPECT_EQ(str(photos[0].at("key")), keep);
  EXPECT_TRUE(photos[0].as_object().contains("thumb_url"));  // the other photo's thumbnail stays
  EXPECT_EQ(http_request("GET", thumb_url).status, 404);  // the deleted one's is gone
  // Deleting it again: the photo does not exist any more.
  auto again = http_request("DELETE", s().api() + "/api/jobs/" + job + "/photos/photo-001.jpg", bearer(token));
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(str(again.json().at("error").at("code")), "not_found");
  // A deleted number is never handed out again.
  auto next = upload_url(s(), token, capture_body(job, 10, 10, "c"));
  EXPECT_EQ(str(next.json().at("key")), "jobs/" + job + "/photo-003.jpg");
}

TEST_P(capture_test, OthersGet404AndNothingIsDeleted) {
  DROPSLOT_START();
  std::string a = demo_token();
  std::string job = first_job(a);
  put_photo(a, job, "a");
  std::string b_id = s().admin({"customer", "add", "--name", "Bea", "--email", "bea@example.com"});
  std::string b_job = s().admin({"job", "add", "--customer", b_id, "--title", "B's roof"});
  auto b = s().login(s().login_code_for(b_id));
  ASSERT_EQ(b.status, 200);

  for (const std::string& path : {"/api/jobs/" + job + "/photos/photo-001.jpg",  // A's photo
                                  "/api/jobs/" + b_job + "/photos/photo-001.jpg",  // B's job, no such photo
                                  std::string("/api/jobs/no-such-job/photos/photo-001.jpg")}) {
    auto r = http_request("DELETE", s().api() + path, bearer(b.token));
    EXPECT_EQ(r.status, 404) << path << " " << r.body;
    EXPECT_EQ(str(r.json().at("error").at("code")), "not_found");
  }
  // A's photo and thumbnail are both still there.
  auto list = http_request("GET", s().api() + "/api/jobs/" + job + "/photos", bearer(a)).json();
  ASSERT_EQ(list.at("photos").as_array().size(), 1u);
  EXPECT_EQ(http_request("GET", str(list.at("photos").at(0).at("thumb_url"))).status, 200);
  EXPECT_EQ(http_request("GET", str(list.at("photos").at(0).at("url"))).status, 200);
}

TEST_P(capture_test, DeleteChecksTheNameAndTheCsrfRule) {
  DROPSLOT_START();
  std::string token = demo_token();
  std::string job = first_job(token);
  put_photo(token, job, "a");
  auto del = [&](const std::string& name, const header_list& h) {
    return http_request("DELETE", s().api() + "/api/jobs/" + job + "/photos/" + name, h).status;
  };
  for (const char* bad : {"photo-1.jpg", "photo-0001.jpg", "photo-001.JPG", "..%2Fphoto-001.jpg", "photo-001.jpg%00",
                          "thumbs", "x"})
    EXPECT_EQ(del(bad, bearer(token)), 400) << bad;
  EXPECT_EQ(del("thumbs/photo-001.jpg", bearer(token)), 404);  // not a route
  EXPECT_EQ(del("photo-001.jpg", {}), 401);
  auto l = s().login(s().login_code_for(demo_id_));
  ASSERT_EQ(l.status, 200);
  header_list cookie{{"Cookie", "dropslot_session=" + l.cookie}};
  EXPECT_EQ(del("photo-001.jpg", cookie), 403);  // no CSRF proof
  auto proven = cookie;
  proven.emplace_back("X-Requested-With", "dropslot");
  EXPECT_EQ(del("photo-001.jpg", proven), 204);
}

TEST_P(capture_test, SettingsAreDefaultsWithoutAuth) {
  DROPSLOT_START();
  auto r = http_request("GET", s().api() + "/api/settings");
  ASSERT_EQ(r.status, 200) << r.body;
  auto p = r.json().at("photos");
  EXPECT_EQ(p.at("max_edge").to_number<int>(), 2560);
  EXPECT_DOUBLE_EQ(p.at("quality").to_number<double>(), 0.75);
  EXPECT_EQ(p.at("thumb_edge").to_number<int>(), 320);
  EXPECT_DOUBLE_EQ(p.at("thumb_quality").to_number<double>(), 0.7);
}

TEST_P(capture_test, SettingsFollowTheEnvironment) {
  setenv("DROPSLOT_PHOTO_MAX_EDGE", "0", 1);
  setenv("DROPSLOT_PHOTO_QUALITY", "0.6", 1);
  start();
  unsetenv("DROPSLOT_PHOTO_MAX_EDGE");
  unsetenv("DROPSLOT_PHOTO_QUALITY");
  if (IsSkipped() || HasFatalFailure()) return;
  auto r = http_request("GET", s().api() + "/api/settings");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("photos").at("max_edge").to_number<int>(), 0);
  EXPECT_DOUBLE_EQ(r.json().at("photos").at("quality").to_number<double>(), 0.6);
}

INSTANTIATE_TEST_SUITE_P(backends, capture_test, ::testing::Values(backend::sqlite, backend::postgres), backend_name);

}  // namespace
}  // namespace dropslot::test
