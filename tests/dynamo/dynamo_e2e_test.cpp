// DynamoDB end to end, against dynalite (npm, tests/package.json), which each test
// starts on a free loopback port with a data dir of its own:
//   - `dropslot serve --database dynamodb://…` with the embedded store: log in, ask
//     for an upload URL, PUT the photo, list it; another customer gets 404;
//   - dynalite killed mid-run: 503 with a JSON error, then answers again once it is
//     back (same port, same data);
//   - `dropslot lambda` through the Runtime API emulator: the same flow, and a
//     missing table is an init error naming it (Lambda never creates tables).
// Not exercised here (needs AWS): DynamoDB itself, TTL deletion, IAM.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "dynalite_server.hpp"
#include "dynamodb_table.hpp"
#include "runtime_emulator.hpp"
#include "serve_fixture.hpp"
#include "shell_helpers.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using db::testing::dynalite_server;

std::string unique_prefix(const std::string& what) {
  static int n = 0;
  return what + "-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

json::object upload_body(const std::string& job, std::size_t size) {
  return json::object{{"job_id", job}, {"filename", "roof.jpg"}, {"content_type", "image/jpeg"}, {"size", size}};
}

header_list grant_headers(const json::value& grant) {
  header_list h;
  for (const auto& kv : grant.at("headers").as_object())
    h.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
  return h;
}

class dynamo_serve : public ::testing::Test {
 protected:
  void SetUp() override {
    dynalite_ = std::make_unique<dynalite_server>(data_.path());
    ASSERT_TRUE(dynalite_->running()) << dynalite_->error();
    dynalite_->export_environment();  // serve and admin inherit it
    url_ = "dynamodb://" + unique_prefix("serve");
    serve_ = std::make_unique<serve_process>(url_, std::vector<std::string>{"--no-access-log"});
  }

  std::string first_job(const std::string& token) {
    auto r = http_request("GET", serve_->api() + "/api/jobs", bearer(token));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    return std::string(r.json().at("jobs").at(0).at("id").as_string());
  }

  temp_dir data_;
  std::unique_ptr<dynalite_server> dynalite_;
  std::string url_;
  std::unique_ptr<serve_process> serve_;
};

TEST_F(dynamo_serve, login_upload_list_and_another_customers_job_is_404) {
  auto health = http_request("GET", serve_->api() + "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  auto me = serve_->login(serve_->demo_code());
  ASSERT_EQ(me.status, 200);
  std::string job = first_job(me.token);
  ASSERT_FALSE(job.empty());
  std::string jpeg = sample_jpeg();

  auto grant = upload_url(*serve_, me.token, upload_body(job, jpeg.size()));
  ASSERT_EQ(grant.status, 200) << grant.body;
  auto g = grant.json();
  EXPECT_EQ(g.at("key").as_string(), "jobs/" + job + "/photo-001.jpg");
  auto put = http_request("PUT", std::string(g.at("url").as_string()), grant_headers(g), jpeg);
  ASSERT_EQ(put.status, 200) << put.body;

  auto list = http_request("GET", serve_->api() + "/api/jobs/" + job + "/photos", bearer(me.token));
  ASSERT_EQ(list.status, 200) << list.body;
  auto photos = list.json().at("photos").as_array();
  ASSERT_EQ(photos.size(), 1u);
  EXPECT_EQ(photos[0].at("key").as_string(), "jobs/" + job + "/photo-001.jpg");
  auto second = upload_url(*serve_, me.token, upload_body(job, 10));
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json().at("key").as_string(), "jobs/" + job + "/photo-002.jpg");

  // Another customer, made by `dropslot admin` on the same table: the demo job is
  // theirs to neither list nor upload to, with the answer of a job that does not exist.
  std::string other = serve_->admin({"customer", "add", "--name", "Other", "--email", "other@example.com"});
  ASSERT_FALSE(other.empty());
  std::string own_job = serve_->admin({"job", "add", "--customer", other, "--title", "Theirs"});
  auto them = serve_->login(serve_->login_code_for(other));
  ASSERT_EQ(them.status, 200);
  auto theirs = http_request("GET", serve_->api() + "/api/jobs/" + job + "/photos", bearer(them.token));
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  auto missing = http_request("GET", serve_->api() + "/api/jobs/no-such-job/photos", bearer(them.token));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(theirs.body, missing.body);
  auto steal = upload_url(*serve_, them.token, upload_body(job, 10));
  EXPECT_EQ(steal.status, 404) << steal.body;
  auto own = upload_url(*serve_, them.token, upload_body(own_job, 10));
  EXPECT_EQ(own.status, 200) << own.body;

  // Logging out revokes at once (this process's session cache included).
  auto out = http_request("POST", serve_->api() + "/api/logout", bearer(them.token));
  EXPECT_LT(out.status, 300) << out.body;
  EXPECT_EQ(http_request("GET", serve_->api() + "/api/jobs", bearer(them.token)).status, 401);
}

// Shot lists and receipts (issue 22) on DynamoDB: every state change through the
// API (received by the store's event or complete, rejected and deleted, pending
// before the PUT), the job's missing_shots, and a relabel.
TEST_F(dynamo_serve, receipts_received_rejected_pending_and_missing_shots) {
  auto me = serve_->login(serve_->demo_code());
  ASSERT_EQ(me.status, 200);
  std::string job = first_job(me.token);
  ASSERT_FALSE(job.empty());
  auto complete = [&](const std::string& key) {
    return http_request("POST", serve_->api() + "/api/jobs/" + job + "/photos/" + key.substr(key.rfind('/') + 1) +
                                    "/complete", bearer(me.token));
  };
  std::string jpeg = sample_jpeg();
  auto body = upload_body(job, jpeg.size());
  body["shot"] = "wide";
  body["caption"] = "From the driveway";
  auto grant = upload_url(*serve_, me.token, body);
  ASSERT_EQ(grant.status, 200) << grant.body;
  std::string key(grant.json().at("key").as_string());
  EXPECT_EQ(complete(key).status, 409);  // pending: nothing PUT yet
  auto g = grant.json();
  ASSERT_EQ(http_request("PUT", std::string(g.at("url").as_string()), grant_headers(g), jpeg).status, 200);
  auto done = complete(key);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json().at("state").as_string(), "received");
  EXPECT_EQ(complete(key).body, done.body);  // idempotent

  std::string fake(64, 'x');
  auto bad = upload_url(*serve_, me.token, upload_body(job, fake.size()));
  ASSERT_EQ(bad.status, 200);
  auto b = bad.json();
  ASSERT_EQ(http_request("PUT", std::string(b.at("url").as_string()), grant_headers(b), fake).status, 200);
  auto rejected = complete(std::string(b.at("key").as_string()));
  EXPECT_EQ(rejected.status, 422) << rejected.body;
  EXPECT_EQ(rejected.json().at("error").at("code").as_string(), "content_mismatch");

  auto j = http_request("GET", serve_->api() + "/api/jobs/" + job, bearer(me.token));
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(j.json().at("job").at("missing_shots"), json::parse(R"(["closeup","access"])"));
  auto list = http_request("GET", serve_->api() + "/api/jobs/" + job + "/photos", bearer(me.token));
  ASSERT_EQ(list.status, 200);
  auto photos = list.json().at("photos").as_array();
  ASSERT_EQ(photos.size(), 1u);  // the rejected one is gone
  EXPECT_EQ(photos[0].at("state").as_string(), "received");
  EXPECT_EQ(photos[0].at("shot").as_string(), "wide");
  EXPECT_EQ(photos[0].at("caption").as_string(), "From the driveway");

  auto h = bearer(me.token);
  h.emplace_back("Content-Type", "application/json");
  auto relabel = http_request("PATCH", serve_->api() + "/api/jobs/" + job + "/photos/" + key.substr(key.rfind('/') + 1),
                              h, R"({"shot":"closeup","caption":""})");
  ASSERT_EQ(relabel.status, 200) << relabel.body;
  EXPECT_EQ(relabel.json().at("photo").at("shot").as_string(), "closeup");
  EXPECT_TRUE(relabel.json().at("photo").at("caption").is_null());
}

TEST_F(dynamo_serve, a_dead_dynamodb_is_a_503_json_error_and_service_comes_back) {
  auto me = serve_->login(serve_->demo_code());
  ASSERT_EQ(me.status, 200);
  std::string job = first_job(me.token);
  auto first = upload_url(*serve_, me.token, upload_body(job, 10));
  ASSERT_EQ(first.status, 200) << first.body;

  dynalite_->kill();
  for (int i = 0; i < 3; ++i) {
    auto down = upload_url(*serve_, me.token, upload_body(job, 10));
    EXPECT_EQ(down.status, 503) << down.body;
    EXPECT_TRUE(down.json().is_object() && down.json().as_object().contains("error")) << down.body;
  }
  auto jobs_down = http_request("GET", serve_->api() + "/api/jobs", bearer(me.token));
  EXPECT_EQ(jobs_down.status, 503) << jobs_down.body;

  ASSERT_TRUE(dynalite_->restart()) << dynalite_->error();
  auto back = upload_url(*serve_, me.token, upload_body(job, 10));
  ASSERT_EQ(back.status, 200) << back.body;
  // Nothing was half-written while it was down: the next number follows the last one issued.
  EXPECT_EQ(back.json().at("key").as_string(), "jobs/" + job + "/photo-002.jpg");
}

// ------------------------------------------------------------- dropslot lambda
struct response_doc {
  int status = 0;
  json::object doc;
  json::object body;
};

response_doc parse_response(const runtime_emulator::outcome& out) {
  response_doc r;
  EXPECT_EQ(out.kind, "response") << out.body;
  if (out.kind != "response") return r;
  r.doc = json::parse(out.body).as_object();
  r.status = static_cast<int>(r.doc["statusCode"].as_int64());
  boost::system::error_code ec;
  auto v = json::parse(r.doc["body"].as_string(), ec);
  if (!ec && v.is_object()) r.body = v.as_object();
  return r;
}

class dynamo_lambda : public ::testing::Test {
 protected:
  void SetUp() override {
    dynalite_ = std::make_unique<dynalite_server>();
    ASSERT_TRUE(dynalite_->running()) << dynalite_->error();
    dynalite_->export_environment();  // for `dropslot admin` below
    prefix_ = unique_prefix("lambda");

    // The object store standing in for S3, with the uploads bucket.
    fs::create_directories(dir_.path() + "/store");
    store_ = std::make_unique<child_process>(
        std::vector<std::string>{dropslot_bin(), "s3", "--data", dir_.path() + "/store", "--listen", "127.0.0.1:0"},
        std::vector<std::string>{"PATH=/usr/bin:/bin", "AWS_REGION=us-east-1"}, dir_.path() + "/store.log");
    for (int i = 0; i < 400 && s3_.empty(); ++i) {
      std::smatch m;
      std::string log = store_->output();
      if (std::regex_search(log, m, std::regex("dropslot s3 listening on (http://[0-9.:]+)")))
        s3_ = m[1];
      else
        std::this_thread::sleep_for(25ms);
    }
    ASSERT_FALSE(s3_.empty()) << store_->output();
    auto creds = json::parse(slurp(dir_.path() + "/store/credentials")).as_object();
    key_id_ = creds.at("access_key_id").as_string();
    secret_ = creds.at("secret_access_key").as_string();
    must_run("env -u AWS_CA_BUNDLE -u AWS_PROFILE -u AWS_ENDPOINT_URL_DYNAMODB AWS_ACCESS_KEY_ID=" + key_id_ +
             " AWS_SECRET_ACCESS_KEY=" + secret_ + " AWS_REGION=us-east-1 /usr/bin/aws --endpoint-url " + s3_ +
             " s3 mb s3://uploads");
  }

  std::string admin(const std::string& args) {
    return must_run(dropslot_bin() + " admin --database dynamodb://" + prefix_ + " " + args);
  }

  // The function as Lambda starts it: `env -i` plus the Lambda variables. One set of
  // credentials (the execution role's) signs both the S3 URLs and the DynamoDB calls.
  void start_function() {
    std::vector<std::string> env{"AWS_LAMBDA_RUNTIME_API=" + emu_.endpoint(),
                                 "LAMBDA_TASK_ROOT=" + dir_.path(),
                                 "AWS_LAMBDA_FUNCTION_NAME=dropslot-api",
                                 "AWS_REGION=us-east-1",
                                 "TZ=:UTC",
                                 "DROPSLOT_BUCKET=uploads",
                                 "DROPSLOT_API_BASE=",
                                 "DROPSLOT_DATABASE_URL=dynamodb://" + prefix_,
                                 "AWS_ENDPOINT_URL_S3=" + s3_,
                                 "AWS_ENDPOINT_URL_DYNAMODB=" + dynalite_->endpoint(),
                                 "AWS_ACCESS_KEY_ID=" + key_id_,
                                 "AWS_SECRET_ACCESS_KEY=" + secret_};
    function_ = std::make_unique<child_process>(std::vector<std::string>{dropslot_bin(), "lambda"}, env,
                                                dir_.path() + "/function.log", dir_.path());
  }

  response_doc call(const std::string& method, const std::string& path, const std::string& token,
                    std::optional<json::object> body = std::nullopt) {
    json::object headers{{"Content-Type", "application/json"}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    json::object ev{{"version", "2.0"},
                    {"rawPath", path},
                    {"rawQueryString", ""},
                    {"headers", headers},
                    {"requestContext", {{"requestId", "id"}, {"stage", "$default"},
                                        {"http", {{"method", method}, {"path", path}, {"sourceIp", "203.0.113.7"}}}}},
                    {"isBase64Encoded", false}};
    if (body) ev["body"] = json::serialize(*body);
    return parse_response(emu_.invoke(json::serialize(ev)));
  }

  std::string login(const std::string& customer) {
    std::string link = admin("login-link --customer " + customer);
    auto r = call("POST", "/login", "", json::object{{"code", link.substr(link.find("code=") + 5)}});
    EXPECT_EQ(r.status, 200) << json::serialize(r.doc);
    return r.body.contains("session_token") ? std::string(r.body["session_token"].as_string()) : "";
  }

  temp_dir dir_;
  std::unique_ptr<dynalite_server> dynalite_;
  runtime_emulator emu_;
  std::unique_ptr<child_process> store_, function_;
  std::string prefix_, s3_, key_id_, secret_;
};

TEST_F(dynamo_lambda, a_missing_table_is_an_init_error_that_names_it) {
  start_function();
  auto init = emu_.wait_init_error(30s);
  ASSERT_TRUE(init) << function_->output();
  EXPECT_EQ(init->error_type, "Runtime.InitError");
  EXPECT_NE(init->body.find(prefix_ + "-main"), std::string::npos) << init->body;
  EXPECT_EQ(function_->wait_for(30s), 1);
  // Lambda created nothing: the table is still missing.
  db::detail::dynamodb_table table(db::detail::make_dynamodb_client(s3::process_environment()), prefix_ + "-main");
  auto described = table.call_raw("DescribeTable", {});
  ASSERT_FALSE(described);
  EXPECT_EQ(described.error().type, "ResourceNotFoundException");
}

// Jobs made before the staff board (issue 21) have no board entry; `admin migrate`
// adds one for each, and only for those.
TEST_F(dynamo_lambda, migrate_gives_older_jobs_their_board_entries) {
  EXPECT_EQ(admin("migrate"), "dynamodb: schema current");
  std::string me = admin("customer add --name Me --email me@example.com");
  std::string older = admin("job add --customer " + me + " --title Roof");
  std::string newer = admin("job add --customer " + me + " --title Shed");
  db::detail::dynamodb_table table(db::detail::make_dynamodb_client(s3::process_environment()), prefix_ + "-main");
  auto entry = [&](const std::string& job) {
    auto r = table.call("GetItem", {{"Key", db::detail::item_key(db::detail::job_pk(job), "BOARD")}, {"ConsistentRead", true}});
    EXPECT_TRUE(r) << (r ? std::string() : r.error().message());
    return r && r->contains("Item");
  };
  ASSERT_TRUE(table.call("DeleteItem", {{"Key", db::detail::item_key(db::detail::job_pk(older), "BOARD")}}));
  EXPECT_FALSE(entry(older));
  EXPECT_EQ(admin("migrate"), "dynamodb: board entries added for 1 older jobs\ndynamodb: schema current");
  EXPECT_TRUE(entry(older));
  EXPECT_TRUE(entry(newer));
  EXPECT_EQ(admin("migrate"), "dynamodb: schema current");
}

TEST_F(dynamo_lambda, login_upload_list_and_another_customers_job_is_404) {
  EXPECT_EQ(admin("migrate"), "dynamodb: schema current");
  std::string me = admin("customer add --name Me --email me@example.com");
  std::string job = admin("job add --customer " + me + " --title Roof");
  std::string other = admin("customer add --name Other --email other@example.com");
  start_function();

  std::string token = login(me);
  ASSERT_FALSE(token.empty()) << function_->output();
  auto grant = call("POST", "/upload-url", token, upload_body(job, 3));
  ASSERT_EQ(grant.status, 200) << json::serialize(grant.doc);
  std::string key(grant.body["key"].as_string());
  EXPECT_EQ(key, "jobs/" + job + "/photo-001.jpg");
  std::ofstream(dir_.path() + "/photo.jpg", std::ios::binary) << "\xff\xd8\xff";
  std::string curl = "curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary @" + dir_.path() + "/photo.jpg";
  for (const auto& [name, value] : grant.body["headers"].as_object())
    curl += " -H '" + std::string(name) + ": " + std::string(value.as_string()) + "'";
  EXPECT_EQ(must_run(curl + " '" + std::string(grant.body["url"].as_string()) + "'"), "200");

  auto photos = call("GET", "/jobs/" + job + "/photos", token);
  ASSERT_EQ(photos.status, 200) << json::serialize(photos.doc);
  ASSERT_EQ(photos.body["photos"].as_array().size(), 1u);
  EXPECT_EQ(photos.body["photos"].as_array()[0].as_object()["key"].as_string(), key);

  std::string their_token = login(other);
  ASSERT_FALSE(their_token.empty());
  auto theirs = call("GET", "/jobs/" + job + "/photos", their_token);
  EXPECT_EQ(theirs.status, 404) << json::serialize(theirs.doc);
  auto steal = call("POST", "/upload-url", their_token, upload_body(job, 3));
  EXPECT_EQ(steal.status, 404) << json::serialize(steal.doc);
  EXPECT_EQ(function_->wait_for(0ms), std::nullopt) << function_->output();
}

// Upload receipts (issue 22) through `dropslot lambda`: bucket events (S3's
// notification Records and EventBridge's shape) delivered before the object
// exists, then twice, and for a thumbnail, leave each record in one state.
TEST_F(dynamo_lambda, bucket_events_twice_and_out_of_order_leave_one_state) {
  EXPECT_EQ(admin("migrate"), "dynamodb: schema current");
  std::string me = admin("customer add --name Me --email me@example.com");
  std::string job = admin("job add --customer " + me + " --title Garage");
  start_function();
  std::string token = login(me);
  ASSERT_FALSE(token.empty()) << function_->output();

  auto put = [&](const response_doc& grant, const std::string& bytes) {
    std::ofstream(dir_.path() + "/body", std::ios::binary) << bytes;
    std::string curl = "curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary @" + dir_.path() + "/body";
    for (const auto& [name, value] : grant.body.at("headers").as_object())
      curl += " -H '" + std::string(name) + ": " + std::string(value.as_string()) + "'";
    return must_run(curl + " '" + std::string(grant.body.at("url").as_string()) + "'");
  };
  auto records = [](const std::vector<std::string>& keys) {
    json::array recs;
    for (const auto& k : keys)
      recs.push_back(json::object{{"eventSource", "aws:s3"}, {"eventName", "ObjectCreated:Put"},
                                  {"s3", {{"bucket", {{"name", "uploads"}}}, {"object", {{"key", k}}}}}});
    return json::serialize(json::object{{"Records", recs}});
  };
  auto bridge = [](const std::string& k) {
    return json::serialize(json::object{{"source", "aws.s3"}, {"detail-type", "Object Created"},
                                        {"detail", {{"bucket", {{"name", "uploads"}}}, {"object", {{"key", k}}}}}});
  };
  auto objects_of = [](const runtime_emulator::outcome& out) {
    EXPECT_EQ(out.kind, "response") << out.body;
    return out.kind == "response" ? json::parse(out.body).at("objects").as_int64() : -1;
  };

  const std::string jpeg = std::string("\xff\xd8\xff\xe0", 4) + std::string(60, 'j');
  auto good = call("POST", "/upload-url", token, upload_body(job, jpeg.size()));
  ASSERT_EQ(good.status, 200) << json::serialize(good.doc);
  const std::string fake(64, 'x');
  auto bad = call("POST", "/upload-url", token, upload_body(job, fake.size()));
  ASSERT_EQ(bad.status, 200);
  std::string good_key(good.body.at("key").as_string()), bad_key(bad.body.at("key").as_string());

  // Out of order: the event before the object is visible changes nothing.
  EXPECT_EQ(objects_of(emu_.invoke(bridge(good_key))), 1);
  EXPECT_EQ(put(good, jpeg), "200");
  EXPECT_EQ(put(bad, fake), "200");
  // Twice each, in both shapes, with a thumbnail's event mixed in.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(objects_of(emu_.invoke(records({bad_key, good_key, "jobs/" + job + "/thumbs/photo-001.jpg"}))), 3);
    EXPECT_EQ(objects_of(emu_.invoke(bridge(good_key))), 1);
  }
  auto photos = call("GET", "/jobs/" + job + "/photos", token);
  ASSERT_EQ(photos.status, 200) << json::serialize(photos.doc);
  auto list = photos.body.at("photos").as_array();
  ASSERT_EQ(list.size(), 1u);  // the rejected one was deleted
  EXPECT_EQ(list[0].at("key").as_string(), good_key);
  EXPECT_EQ(list[0].at("state").as_string(), "received");
  std::string received_at(list[0].at("received_at").as_string());
  auto name = [](const std::string& k) { return k.substr(k.rfind('/') + 1); };
  auto again = call("POST", "/jobs/" + job + "/photos/" + name(good_key) + "/complete", token);
  ASSERT_EQ(again.status, 200) << json::serialize(again.doc);
  EXPECT_EQ(again.body.at("received_at").as_string(), received_at);
  auto rejected = call("POST", "/jobs/" + job + "/photos/" + name(bad_key) + "/complete", token);
  EXPECT_EQ(rejected.status, 422) << json::serialize(rejected.doc);
  EXPECT_EQ(function_->wait_for(0ms), std::nullopt) << function_->output();
}

}  // namespace
}  // namespace dropslot::test
