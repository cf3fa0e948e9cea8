// Shot lists and upload receipts (issue 22) end to end against a real `dropslot serve`
// and its embedded store, on SQLite and PostgreSQL (DynamoDB: tests/dynamo): the
// job's shots and missing_shots, upload-url's shot and caption, PATCH of a photo's
// labels, POST .../complete (received, 422 content_mismatch with the object and its
// thumbnail deleted, idempotent), and the store's in-process event receiving a photo
// whose page never called complete.
#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "api_fixture.hpp"
#include "dropslot/api/reconcile.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/s3/client.hpp"
#include "dropslot/store/object_store.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string str(const json::value& v) { return std::string(v.as_string()); }

header_list headers_of(const json::value& grant) {
  header_list h;
  for (const auto& kv : grant.at("headers").as_object())
    h.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
  return h;
}

header_list json_bearer(const std::string& token) {
  auto h = bearer(token);
  h.emplace_back("Content-Type", "application/json");
  return h;
}

json::object photo_body(const std::string& job, std::size_t size) {
  return json::object{{"job_id", job}, {"filename", "IMG_1.jpg"}, {"content_type", "image/jpeg"}, {"size", size}};
}

std::string name_of(const std::string& key) { return key.substr(key.rfind('/') + 1); }

class receipts_test : public api_test {
 protected:
  std::string api(const std::string& path) { return s().api() + "/api" + path; }

  /// Asks for a grant with `extra` fields and PUTs `bytes` under image/jpeg; the key.
  std::string put_photo(const std::string& token, const std::string& job, const std::string& bytes,
                        json::object extra = {}) {
    json::object b = photo_body(job, bytes.size());
    for (auto& kv : extra) b[kv.key()] = kv.value();
    auto grant = upload_url(s(), token, b);
    EXPECT_EQ(grant.status, 200) << grant.body;
    if (grant.status != 200) return {};
    auto g = grant.json();
    if (g.as_object().contains("thumb"))
      EXPECT_EQ(http_request("PUT", str(g.at("thumb").at("url")), headers_of(g.at("thumb")), thumb_).status, 200);
    EXPECT_EQ(http_request("PUT", str(g.at("url")), headers_of(g), bytes).status, 200);
    return str(g.at("key"));
  }

  reply complete(const std::string& token, const std::string& job, const std::string& key) {
    return http_request("POST", api("/jobs/" + job + "/photos/" + name_of(key) + "/complete"), bearer(token));
  }

  json::value job_json(const std::string& token, const std::string& job) {
    auto r = http_request("GET", api("/jobs/" + job), bearer(token));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().at("job");
  }

  /// The listing entry of `key`; null when it is not listed.
  json::value listed(const std::string& token, const std::string& job, const std::string& key) {
    auto r = http_request("GET", api("/jobs/" + job + "/photos"), bearer(token));
    EXPECT_EQ(r.status, 200) << r.body;
    const json::value doc = r.json();  // the loop below refers into it
    for (const auto& p : doc.at("photos").as_array())
      if (p.at("key").as_string() == key) return p;
    return nullptr;
  }

  /// The embedded store through a real S3 client with its own key (what an admin sees).
  s3::client& bucket() {
    if (!client_) {
      auto key = store::load_or_create_access_key(std::filesystem::path(s().data()) / "s3", nullptr, nullptr);
      EXPECT_TRUE(key);
      s3::client_config cc;
      cc.endpoint = *s3::make_bucket_endpoint(s().s3(), "uploads", "us-east-1", true);
      sigv4::credentials creds;
      creds.access_key = sigv4::access_key_id(key->id);
      creds.secret = sigv4::secret_access_key(key->secret);
      cc.credentials = [creds] { return result<sigv4::credentials>(creds); };
      client_ = std::make_unique<s3::client>(cc);
    }
    return *client_;
  }

  std::string thumb_ = std::string(2048, 't');
  std::unique_ptr<s3::client> client_;
};

TEST_P(receipts_test, ShotsCountReceivedPhotosAndMissingShotsShrink) {
  DROPSLOT_START({"--no-access-log"});
  std::string token = demo_token();
  std::string job = first_job(token);
  auto j = job_json(token, job);
  json::array shots = j.at("shots").as_array();
  ASSERT_EQ(shots.size(), 4u);
  EXPECT_EQ(str(shots[0].at("id")), "wide");
  EXPECT_EQ(str(shots[0].at("label")), "Everything, from a distance");
  EXPECT_TRUE(shots[0].at("required").as_bool());
  EXPECT_EQ(shots[0].at("count").as_int64(), 0);
  EXPECT_FALSE(shots[3].at("required").as_bool());
  EXPECT_EQ(j.at("missing_shots"), json::parse(R"(["wide","closeup","access"])"));

  std::string key = put_photo(token, job, sample_jpeg(), {{"shot", "wide"}, {"caption", "The whole garage"}});
  ASSERT_FALSE(key.empty());
  auto done = complete(token, job, key);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(str(done.json().at("state")), "received");
  std::string received_at = str(done.json().at("received_at"));
  EXPECT_EQ(received_at.size(), 20u);  // 2026-12-08T01:02:03Z

  // Idempotent: a second call changes nothing, the time included.
  auto again = complete(token, job, key);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(str(again.json().at("received_at")), received_at);

  j = job_json(token, job);
  EXPECT_EQ(j.at("shots").at(0).at("count").as_int64(), 1);
  EXPECT_EQ(j.at("missing_shots"), json::parse(R"(["closeup","access"])"));
  auto p = listed(token, job, key);
  ASSERT_TRUE(p.is_object());
  EXPECT_EQ(str(p.at("state")), "received");
  EXPECT_EQ(str(p.at("received_at")), received_at);
  EXPECT_EQ(str(p.at("shot")), "wide");
  EXPECT_EQ(str(p.at("caption")), "The whole garage");
}

TEST_P(receipts_test, AJobsOwnShotListReplacesTheDefault) {
  DROPSLOT_START({"--no-access-log"});
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string out = s().admin({"shots", "--job", job, "--set",
                               R"([{"id":"roof","label":"The roof, from the street","required":true},{"id":"yard","label":"The yard"}])"});
  EXPECT_EQ(json::parse(out).as_array().size(), 2u) << out;
  auto j = job_json(token, job);
  EXPECT_EQ(j.at("shots").as_array().size(), 2u);
  EXPECT_EQ(str(j.at("shots").at(0).at("label")), "The roof, from the street");
  EXPECT_EQ(j.at("missing_shots"), json::parse(R"(["roof"])"));
  auto body = photo_body(job, 10);
  body["shot"] = "wide";  // the default list's, not this job's
  EXPECT_EQ(upload_url(s(), token, body).status, 400);
  body["shot"] = "yard";
  EXPECT_EQ(upload_url(s(), token, body).status, 200);
  // A bad list is refused with the rule it broke; --reset goes back to the default.
  EXPECT_THROW(s().admin({"shots", "--job", job, "--set", R"([{"id":"Roof","label":"x"}])"}), std::runtime_error);
  EXPECT_EQ(job_json(token, job).at("shots").as_array().size(), 2u);  // unchanged
  out = s().admin({"shots", "--job", job, "--reset"});
  EXPECT_EQ(json::parse(out).as_array().size(), 4u) << out;
  EXPECT_EQ(job_json(token, job).at("missing_shots"), json::parse(R"(["wide","closeup","access"])"));
}

TEST_P(receipts_test, UploadUrlRefusesAnUnknownShotAndALongCaption) {
  DROPSLOT_START({"--no-access-log"});
  std::string token = demo_token();
  std::string job = first_job(token);
  auto body = photo_body(job, 100);
  body["shot"] = "roof";
  auto r = upload_url(s(), token, body);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(str(r.json().at("error").at("code")), "invalid_field");
  body["shot"] = "Wide Shot";
  EXPECT_EQ(upload_url(s(), token, body).status, 400);
  body.erase("shot");
  std::string e_acute;
  for (int i = 0; i < 500; ++i) e_acute += "\xc3\xa9";
  body["caption"] = e_acute;  // 500 characters in 1,000 bytes: fine
  EXPECT_EQ(upload_url(s(), token, body).status, 200);
  body["caption"] = e_acute + "x";
  r = upload_url(s(), token, body);
  EXPECT_EQ(r.status, 400) << r.body;
  // Invalid UTF-8 never gets that far: the body is not JSON.
  auto bad = http_request("POST", api("/upload-url"), json_bearer(token),
                          R"({"job_id":")" + job + R"(","content_type":"image/jpeg","size":5,"caption":"\xff"})");
  EXPECT_EQ(bad.status, 400);
}

TEST_P(receipts_test, ANonJpegBodyUnderImageJpegIsRejectedAndDeletedWithItsThumbnail) {
  DROPSLOT_START({"--no-access-log"});
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string fake = "GIF89a this is not a JPEG at all, though it was signed as one";
  json::object thumb{{"size", thumb_.size()}, {"content_type", "image/jpeg"}};
  std::string key = put_photo(token, job, fake, {{"thumbnail", thumb}, {"shot", "closeup"}});
  ASSERT_FALSE(key.empty());
  // The store's event may have rejected it already; complete answers the same.
  auto done = complete(token, job, key);
  ASSERT_EQ(done.status, 422) << done.body;
  EXPECT_EQ(str(done.json().at("error").at("code")), "content_mismatch");
  auto again = complete(token, job, key);
  EXPECT_EQ(again.status, 422) << again.body;
  // Gone from the bucket, thumbnail too, and from the listing; no shot is covered.
  auto head = bucket().head_object(key);
  ASSERT_TRUE(head) << head.error().message();
  EXPECT_FALSE(*head);
  std::string tkey = "jobs/" + job + "/thumbs/" + name_of(key).substr(0, name_of(key).rfind('.')) + ".jpg";
  auto thead = bucket().head_object(tkey);
  ASSERT_TRUE(thead);
  EXPECT_FALSE(*thead);
  EXPECT_TRUE(listed(token, job, key).is_null());
  EXPECT_EQ(job_json(token, job).at("shots").at(1).at("count").as_int64(), 0);
}

TEST_P(receipts_test, CompleteBeforeThePutIsAConflictAndOthersGet404) {
  DROPSLOT_START({"--no-access-log"});
  std::string token = demo_token();
  std::string job = first_job(token);
  auto grant = upload_url(s(), token, photo_body(job, 100));
  ASSERT_EQ(grant.status, 200);
  std::string key = str(grant.json().at("key"));
  auto early = complete(token, job, key);
  EXPECT_EQ(early.status, 409) << early.body;
  // Still pending in the database: a PUT later is received.
  std::string other = s().admin({"customer", "add", "--name", "Other", "--email", "other@example.com"});
  auto them = s().login(s().login_code_for(other));
  ASSERT_EQ(them.status, 200);
  auto theirs = complete(them.token, job, key);
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  auto patch = http_request("PATCH", api("/jobs/" + job + "/photos/" + name_of(key)), json_bearer(them.token),
                            R"({"caption":"mine now"})");
  EXPECT_EQ(patch.status, 404) << patch.body;
  EXPECT_EQ(complete(token, job, "jobs/" + job + "/photo-999.jpg").status, 404);
  EXPECT_EQ(complete(token, job, "jobs/" + job + "/photo-001.png").status, 404);  // another extension
  EXPECT_EQ(http_request("POST", api("/jobs/" + job + "/photos/..%2fx/complete"), bearer(token)).status / 100, 4);
}

TEST_P(receipts_test, TheOwnerRelabelsAPhoto) {
  DROPSLOT_START({"--no-access-log"});
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string key = put_photo(token, job, sample_jpeg(), {{"shot", "wide"}});
  ASSERT_FALSE(key.empty());
  const std::string url = api("/jobs/" + job + "/photos/" + name_of(key));
  auto r = http_request("PATCH", url, json_bearer(token), R"({"shot":"access","caption":"Stairs to the attic"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(r.json().at("photo").at("shot")), "access");
  EXPECT_EQ(str(r.json().at("photo").at("caption")), "Stairs to the attic");
  EXPECT_EQ(http_request("PATCH", url, json_bearer(token), R"({"shot":"roof"})").status, 400);
  EXPECT_EQ(http_request("PATCH", url, json_bearer(token), R"({"colour":"red"})").status, 400);
  r = http_request("PATCH", url, json_bearer(token), R"({"caption":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json().at("photo").at("caption").is_null());
  EXPECT_EQ(str(r.json().at("photo").at("shot")), "access");
  auto p = listed(token, job, key);
  ASSERT_TRUE(p.is_object());
  EXPECT_EQ(str(p.at("shot")), "access");
  EXPECT_TRUE(p.at("caption").is_null());
}

TEST_P(receipts_test, TheStoresEventReceivesAPhotoWhosePageNeverCalledComplete) {
  DROPSLOT_START({"--no-access-log"});
  std::string token = demo_token();
  std::string job = first_job(token);
  std::string key = put_photo(token, job, sample_jpeg(), {{"shot", "access"}});
  ASSERT_FALSE(key.empty());
  // No complete: the tab "closed" right after the PUT. The event is asynchronous, so
  // wait for its outcome (bounded; what is asserted is the state, never the time).
  std::string state;
  for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
    auto p = listed(token, job, key);
    ASSERT_TRUE(p.is_object());
    state = str(p.at("state"));
    if (state != "pending") break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(state, "received");
  EXPECT_EQ(job_json(token, job).at("missing_shots"), json::parse(R"(["wide","closeup"])"));
}

// A thumbnail that never came: the server makes one for a received JPEG whose page
// sent none (DROPSLOT_THUMBNAIL_DELAY shortened from 2 minutes to 1 s for the test).
TEST_P(receipts_test, TheServerMakesTheThumbnailThatNeverCame) {
  ::setenv("DROPSLOT_THUMBNAIL_DELAY", "1", 1);  // serve inherits the environment
  start({"--no-access-log"});
  ::unsetenv("DROPSLOT_THUMBNAIL_DELAY");
  if (IsSkipped() || HasFatalFailure()) return;
  std::string token = demo_token();
  std::string job = first_job(token);
  const std::string jpeg = sample_jpeg();
  std::string key = put_photo(token, job, jpeg);  // no thumbnail asked for
  ASSERT_FALSE(key.empty());
  json::value p;
  for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
    p = listed(token, job, key);
    ASSERT_TRUE(p.is_object());
    if (p.as_object().contains("thumb_url")) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(p.as_object().contains("thumb_url")) << json::serialize(p);
  auto thumb = http_request("GET", str(p.at("thumb_url")));
  ASSERT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.body.substr(0, 3), "\xff\xd8\xff");
  EXPECT_LT(thumb.body.size(), jpeg.size());
  EXPECT_EQ(str(p.at("state")), "received");
}

// Reconcile on a bucket seeded with every kind of orphan: an object no record names
// (in a job, and under a job that does not exist), a thumbnail without its original,
// a received record whose object is gone, and a pending record whose PUT never came.
TEST_P(receipts_test, ReconcileFindsEveryOrphanAndFixesTheOldOnes) {
  DROPSLOT_START({"--no-access-log"});
  std::string token = demo_token();
  std::string job = first_job(token);
  json::object thumb{{"size", thumb_.size()}, {"content_type", "image/jpeg"}};
  std::string kept = put_photo(token, job, sample_jpeg(), {{"thumbnail", thumb}});
  ASSERT_EQ(complete(token, job, kept).status, 200);
  std::string lost = put_photo(token, job, sample_jpeg());
  ASSERT_EQ(complete(token, job, lost).status, 200);
  std::string bare = put_photo(token, job, sample_jpeg());  // its page never sent a thumbnail
  ASSERT_EQ(complete(token, job, bare).status, 200);
  const std::string bare_thumb = "jobs/" + job + "/thumbs/" + name_of(bare).substr(0, name_of(bare).rfind('.')) + ".jpg";
  ASSERT_TRUE(bucket().delete_object(lost));  // behind the API's back
  auto never = upload_url(s(), token, photo_body(job, 100));
  ASSERT_EQ(never.status, 200);
  std::string pending = str(never.json().at("key"));
  const std::string stray = "jobs/" + job + "/photo-050.jpg", lonely_thumb = "jobs/" + job + "/thumbs/photo-060.jpg",
                    no_job = "jobs/no-such-job/photo-001.jpg";
  for (const auto& k : {stray, lonely_thumb, no_job}) ASSERT_TRUE(bucket().put_object(k, sample_jpeg(), "image/jpeg"));

  // The command as an operator runs it: a report, nothing changed.
  std::string out = s().admin({"reconcile", "--s3-endpoint", s().s3()});
  EXPECT_NE(out.find("object_without_record	" + stray + "	reported"), std::string::npos) << out;
  EXPECT_NE(out.find("object_without_record	" + no_job + "	reported"), std::string::npos) << out;
  EXPECT_NE(out.find("thumbnail_without_original	" + lonely_thumb + "	reported"), std::string::npos) << out;
  EXPECT_NE(out.find("record_without_object	" + lost + "	reported"), std::string::npos) << out;
  EXPECT_EQ(out.find(kept), std::string::npos) << out;     // photo and thumbnail in order
  EXPECT_EQ(out.find(pending), std::string::npos) << out;  // younger than 24 h

  // A day later, with --fix (the library, to move its clock).
  auto key = store::load_or_create_access_key(std::filesystem::path(s().data()) / "s3", nullptr, nullptr);
  ASSERT_TRUE(key);
  api::app_config cfg;
  cfg.s3_endpoint = s().s3();
  cfg.path_style = true;
  cfg.credentials = api::explicit_credentials{key->id, key->secret, {}, {}};
  cfg.database_url = s().database_url().empty() ? db::default_database_url(s().data()) : s().database_url();
  api::app_services later;
  later.clock = [] { return std::chrono::system_clock::now() + 25h; };
  std::vector<api::finding> found;
  auto r = api::reconcile(cfg, later, true, [&](const api::finding& f) { found.push_back(f); });
  ASSERT_TRUE(r) << r.error().message();
  auto action_of = [&](const std::string& k) {
    for (const auto& f : found)
      if (f.key == k) return std::string(api::to_string(f.kind)) + " " + f.action;
    return std::string("none");
  };
  EXPECT_EQ(action_of(stray), "object_without_record deleted");
  EXPECT_EQ(action_of(no_job), "object_without_record deleted");
  EXPECT_EQ(action_of(lonely_thumb), "thumbnail_without_original deleted");
  EXPECT_EQ(action_of(lost), "record_without_object reported");
  EXPECT_EQ(action_of(pending), "stale_pending expired");
  EXPECT_EQ(action_of(kept), "none");
  EXPECT_EQ(action_of(bare_thumb), "thumbnail_made made");
  auto made = bucket().get_object(bare_thumb);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_EQ(made->body.substr(0, 3), "\xff\xd8\xff");
  for (const auto& k : {stray, lonely_thumb, no_job}) {
    auto h = bucket().head_object(k);
    ASSERT_TRUE(h);
    EXPECT_FALSE(*h) << k;
  }
  auto h = bucket().head_object(kept);
  ASSERT_TRUE(h);
  EXPECT_TRUE(*h);
  auto p = listed(token, job, kept);
  ASSERT_TRUE(p.is_object());
  EXPECT_EQ(str(p.at("state")), "received");

  // Once more: only what cannot be repaired is left to report.
  found.clear();
  r = api::reconcile(cfg, later, true, [&](const api::finding& f) { found.push_back(f); });
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].key, lost);
}

INSTANTIATE_TEST_SUITE_P(backends, receipts_test, ::testing::Values(backend::sqlite, backend::postgres), backend_name);

}  // namespace
}  // namespace dropslot::test
