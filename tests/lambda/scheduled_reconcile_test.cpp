// The daily reconcile under AWS (issue 22; deploy/template.yaml, ReconcileRule):
// `dropslot lambda` under the Runtime API emulator, configured as the template
// configures ReconcileFunction, against DynamoDB (dynalite) and the embedded store
// (`dropslot s3`) standing in for S3. The bucket and table are seeded with an orphan
// and a stale pending record, both older than 24 h (the orphan's footer and the
// record's created_at are moved back two days, since neither store nor dynalite lets
// a client date a write); then EventBridge's "Scheduled Event" is invoked:
//   - the response is one JSON summary, and the log has the same summary line;
//   - the orphan is deleted and the record is expired (--fix's effects);
//   - with less time left than the reserve, the run stops before its first page and
//     says "partial", changing nothing.
// Not exercised here (needs AWS): the rule firing, IAM.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "dynalite_server.hpp"
#include "runtime_emulator.hpp"
#include "shell_helpers.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string dropslot_bin = DROPSLOT_BINARY_DIR "/src/cli/dropslot";

// EventBridge's event for a rule with a ScheduleExpression, as AWS documents it.
const std::string scheduled_event = R"({"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
  "time": "2026-12-08T03:00:00Z", "region": "us-east-1",
  "resources": ["arn:aws:events:us-east-1:123456789012:rule/stack-ReconcileRule-1"], "detail": {}})";

// Moves an object file's Last-Modified back by `by` (the store keeps it in the
// file's JSON footer: json, u32 length, "DSO1"; src/store/posix_file.cpp).
void age_object_file(const fs::path& file, std::chrono::seconds by) {
  std::string bytes = slurp(file);
  ASSERT_GE(bytes.size(), 8u);
  ASSERT_EQ(bytes.substr(bytes.size() - 4), "DSO1");
  std::uint32_t len;
  std::memcpy(&len, bytes.data() + bytes.size() - 8, 4);
  std::size_t data = bytes.size() - 8 - len;
  auto meta = json::parse(bytes.substr(data, len)).as_object();
  meta["last_modified"] = meta["last_modified"].as_int64() - by.count();
  std::string footer = json::serialize(meta);
  std::uint32_t new_len = static_cast<std::uint32_t>(footer.size());
  char tail[8];
  std::memcpy(tail, &new_len, 4);
  std::memcpy(tail + 4, "DSO1", 4);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes.substr(0, data) << footer << std::string(tail, 8);
}

class ScheduledReconcile : public ::testing::Test {
 protected:
  void SetUp() override {
    dynalite_ = std::make_unique<db::testing::dynalite_server>();
    ASSERT_TRUE(dynalite_->running()) << dynalite_->error();
    start_store();
    auto creds = json::parse(slurp(dir_.path() + "/store/credentials")).as_object();
    key_id_ = creds.at("access_key_id").as_string();
    secret_ = creds.at("secret_access_key").as_string();
    aws_env_ = "env -u AWS_CA_BUNDLE -u AWS_PROFILE -u DROPSLOT_DATABASE_URL AWS_ACCESS_KEY_ID=" + key_id_ +
               " AWS_SECRET_ACCESS_KEY=" + secret_ + " AWS_REGION=us-east-1 AWS_ENDPOINT_URL_DYNAMODB=" +
               dynalite_->endpoint() + " ";
    must_run(s3("mb s3://uploads"));
    prefix_ = "sched" + std::to_string(::getpid());
    database_url_ = "dynamodb://" + prefix_;
    std::string admin = aws_env_ + dropslot_bin + " admin --database " + database_url_ + " ";
    must_run(admin + "migrate");
    std::string customer = must_run(admin + "customer add --name 'Sched Test' --email sched@example.com");
    job_ = must_run(admin + "job add --customer " + customer + " --title Roof");
    std::string link = must_run(admin + "login-link --customer " + customer);
    code_ = link.substr(link.find("code=") + 5);
  }

  void TearDown() override { function_.reset(); }

  void start_store() {
    fs::create_directories(dir_.path() + "/store");
    endpoint_.clear();
    store_ = std::make_unique<child_process>(
        std::vector<std::string>{dropslot_bin, "s3", "--data", dir_.path() + "/store", "--listen", "127.0.0.1:0"},
        std::vector<std::string>{"PATH=/usr/bin:/bin", "AWS_REGION=us-east-1"},
        dir_.path() + "/store" + std::to_string(++stores_) + ".log");
    for (int i = 0; i < 400 && endpoint_.empty(); ++i) {
      std::smatch m;
      std::string log = store_->output();
      if (std::regex_search(log, m, std::regex("dropslot s3 listening on (http://[0-9.:]+)"))) endpoint_ = m[1];
      else std::this_thread::sleep_for(25ms);
    }
    ASSERT_FALSE(endpoint_.empty()) << store_->output();
  }

  std::string s3(const std::string& args) {
    return aws_env_ + "/usr/bin/aws --endpoint-url " + endpoint_ + " s3 " + args;
  }
  std::string dynamodb(const std::string& args) {
    return aws_env_ + "/usr/bin/aws --endpoint-url " + dynalite_->endpoint() + " --output json dynamodb " + args;
  }

  // `dropslot lambda` as the template configures ReconcileFunction (no origin secret).
  void start_function(const std::string& reserve_seconds) {
    std::vector<std::string> env{"AWS_LAMBDA_RUNTIME_API=" + emu_.endpoint(),
                                 "AWS_LAMBDA_FUNCTION_NAME=stack-reconcile",
                                 "AWS_REGION=us-east-1",
                                 "TZ=:UTC",
                                 "AWS_ACCESS_KEY_ID=" + key_id_,
                                 "AWS_SECRET_ACCESS_KEY=" + secret_,
                                 "AWS_ENDPOINT_URL_S3=" + endpoint_,
                                 "AWS_ENDPOINT_URL_DYNAMODB=" + dynalite_->endpoint(),
                                 "DROPSLOT_BUCKET=uploads",
                                 "DROPSLOT_API_BASE=",
                                 "DROPSLOT_DATABASE_URL=" + database_url_,
                                 "DROPSLOT_RECONCILE_RESERVE_SECONDS=" + reserve_seconds};
    function_ = std::make_unique<child_process>(std::vector<std::string>{dropslot_bin, "lambda"}, env,
                                                dir_.path() + "/function.log");
  }

  json::object api(const std::string& method, const std::string& path, const std::string& token,
                   const json::object& body) {
    json::object headers{{"Content-Type", "application/json"}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    json::object ev{{"httpMethod", method},
                    {"path", path},
                    {"headers", headers},
                    {"requestContext", {{"requestId", "r"}, {"stage", "api"}, {"identity", {{"sourceIp", "203.0.113.7"}}}}},
                    {"body", body.empty() ? json::value(nullptr) : json::value(json::serialize(body))},
                    {"isBase64Encoded", false}};
    auto out = emu_.invoke(json::serialize(ev));
    EXPECT_EQ(out.kind, "response") << out.body;
    auto doc = json::parse(out.body).as_object();
    EXPECT_EQ(doc.at("statusCode"), 200) << out.body << slurp(dir_.path() + "/function.log");
    return json::parse(doc.at("body").as_string()).as_object();
  }

  // The upload record the API's upload-url leaves pending, created two days ago.
  std::string seed_stale_pending() {
    auto login = api("POST", "/login", "", {{"code", code_}});
    std::string token(login["session_token"].as_string());
    auto grant = api("POST", "/upload-url", token,
                     {{"job_id", job_}, {"filename", "roof.jpg"}, {"content_type", "image/jpeg"}, {"size", 3}});
    std::string key(grant.at("key").as_string());
    std::smatch m;
    EXPECT_TRUE(std::regex_search(key, m, std::regex("photo-([0-9]+)\\.jpg$"))) << key;
    char sk[32];
    std::snprintf(sk, sizeof sk, "UPLOAD#%010lld", std::stoll(m[1]));
    auto two_days_ago = std::chrono::duration_cast<std::chrono::seconds>(
                            (std::chrono::system_clock::now() - 48h).time_since_epoch()).count();
    std::ofstream(dir_.path() + "/key.json") << json::serialize(json::object{{"pk", {{"S", "JOB#" + job_}}}, {"sk", {{"S", sk}}}});
    std::ofstream(dir_.path() + "/values.json") << json::serialize(json::object{{":t", {{"N", std::to_string(two_days_ago)}}}});
    must_run(dynamodb("update-item --table-name " + prefix_ + "-main --key file://" + dir_.path() +
                      "/key.json --update-expression 'SET created_at = :t' --expression-attribute-values file://" +
                      dir_.path() + "/values.json"));
    return key;
  }

  std::string state_of(const std::string& key) {
    std::smatch m;
    std::regex_search(key, m, std::regex("photo-([0-9]+)\\.jpg$"));
    char sk[32];
    std::snprintf(sk, sizeof sk, "UPLOAD#%010lld", std::stoll(m[1]));
    std::ofstream(dir_.path() + "/key.json") << json::serialize(json::object{{"pk", {{"S", "JOB#" + job_}}}, {"sk", {{"S", sk}}}});
    auto item = json::parse(must_run(dynamodb("get-item --consistent-read --table-name " + prefix_ + "-main --key file://" +
                                              dir_.path() + "/key.json")));
    const auto* st = item.at("Item").as_object().if_contains("state");
    return st ? std::string(st->at("S").as_string()) : "pending";
  }

  // An object no record names, put two days ago: the store is stopped while its
  // footer is dated back, then started again (its index is rebuilt from footers).
  std::string seed_old_orphan() {
    const std::string key = "jobs/" + job_ + "/photo-050.jpg";
    std::ofstream(dir_.path() + "/orphan.jpg", std::ios::binary) << "\xff\xd8\xff";
    must_run(s3("cp " + dir_.path() + "/orphan.jpg s3://uploads/" + key));
    store_.reset();
    int aged = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path() + "/store"))
      if (e.is_regular_file() && slurp(e.path()).find("\"" + key + "\"") != std::string::npos) {
        age_object_file(e.path(), 48h);
        ++aged;
      }
    EXPECT_EQ(aged, 1);
    start_store();
    return key;
  }

  bool object_exists(const std::string& key) {
    auto [rc, out] = run_shell(s3("ls s3://uploads/" + key));
    return rc == 0 && out.find(fs::path(key).filename().string()) != std::string::npos;
  }

  runtime_emulator emu_;
  temp_dir dir_;
  std::unique_ptr<db::testing::dynalite_server> dynalite_;
  std::unique_ptr<child_process> store_, function_;
  int stores_ = 0;
  std::string endpoint_, key_id_, secret_, aws_env_, prefix_, database_url_, job_, code_;
};

TEST_F(ScheduledReconcile, TheScheduledEventRunsReconcileFixAndAnswersOneSummary) {
  const std::string orphan = seed_old_orphan();
  start_function("5");
  const std::string pending = seed_stale_pending();
  ASSERT_TRUE(object_exists(orphan));
  ASSERT_EQ(state_of(pending), "pending");

  auto out = emu_.invoke(scheduled_event);
  ASSERT_EQ(out.kind, "response") << out.body << slurp(dir_.path() + "/function.log");
  auto summary = json::parse(out.body).as_object();
  EXPECT_EQ(summary.at("reconcile"), "complete");
  EXPECT_EQ(summary.at("fix"), true);
  EXPECT_EQ(summary.at("objects"), 1);
  EXPECT_EQ(summary.at("records"), 1);
  EXPECT_EQ(summary.at("findings"), 2);
  EXPECT_EQ(summary.at("by_kind"), (json::object{{"object_without_record", 1}, {"stale_pending", 1}}));

  // --fix's effects: the orphan is gone, the record expired.
  EXPECT_FALSE(object_exists(orphan));
  EXPECT_EQ(state_of(pending), "expired");

  // The log: one line per finding, then the one summary line.
  std::string log = slurp(dir_.path() + "/function.log");
  int summaries = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object() || v.as_object()["message"] != "reconcile summary") continue;
    ++summaries;
    EXPECT_EQ(v.at("reconcile"), "complete");
    EXPECT_EQ(v.at("findings"), 2);
  }
  EXPECT_EQ(summaries, 1) << log;
  EXPECT_NE(log.find(orphan), std::string::npos);
  EXPECT_NE(log.find("\"deleted\""), std::string::npos) << log;

  // A second run: nothing left to do.
  out = emu_.invoke(scheduled_event);
  ASSERT_EQ(out.kind, "response") << out.body;
  EXPECT_EQ(json::parse(out.body).at("findings"), 0) << out.body;
}

TEST_F(ScheduledReconcile, WithLessTimeLeftThanTheReserveItStopsCleanlyAndSaysPartial) {
  const std::string orphan = seed_old_orphan();
  // The emulator's deadline is 30 s away: a 60 s reserve (the template's) is never met.
  start_function("60");
  const std::string pending = seed_stale_pending();
  auto out = emu_.invoke(scheduled_event);
  ASSERT_EQ(out.kind, "response") << out.body << slurp(dir_.path() + "/function.log");
  auto summary = json::parse(out.body).as_object();
  EXPECT_EQ(summary.at("reconcile"), "partial");
  EXPECT_EQ(summary.at("objects"), 0);
  EXPECT_EQ(summary.at("findings"), 0);
  EXPECT_TRUE(object_exists(orphan));
  EXPECT_EQ(state_of(pending), "pending");
  // The loop goes on: an API request after it is answered.
  auto healthz = api("GET", "/healthz", "", {});
  EXPECT_FALSE(healthz.empty());
}

}  // namespace
}  // namespace dropslot::test
