// deploy/deploy.sh end to end against a recording stand-in for the `aws` CLI
// (tests/lambda/aws_standin.py, put first on PATH as `aws`). The stand-in stands
// in for AWS itself, which CI cannot reach: it answers like the AWS CLI, failure
// states included, and keeps a model of the stack, the function's versions and
// aliases, and the API deployments. The smoke step is real: deploy/smoke.sh runs
// against `dropslot serve` (the same API, embedded store, SQLite), which the
// stand-in's stack outputs name as the smoke stage.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "shell_helpers.hpp"

namespace dropslot::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

const std::string deploy_sh = DROPSLOT_SOURCE_DIR "/deploy/deploy.sh";
const std::string dropslot_bin = DROPSLOT_BINARY_DIR "/src/cli/dropslot";
constexpr std::string_view origin_secret = "origin-SECRET-7f3a9c1e5b";

class DeployStandIn : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() + "/bin");
    fs::create_symlink(DROPSLOT_SOURCE_DIR "/tests/lambda/aws_standin.py", dir_.path() + "/bin/aws");
    fs::create_directories(dir_.path() + "/web/staging");
    std::ofstream(dir_.path() + "/web/staging/index.html") << "<!doctype html><title>staged</title>";
    serve_ = std::make_unique<child_process>(
        std::vector<std::string>{dropslot_bin, "serve", "--data", dir_.path() + "/data", "--listen", "127.0.0.1:0",
                                 "--s3-listen", "127.0.0.1:0", "--web", dir_.path() + "/web"},
        std::vector<std::string>{"PATH=/usr/bin:/bin", "AWS_REGION=us-east-1"}, dir_.path() + "/serve.log");
    for (int i = 0; i < 400 && api_.empty(); ++i) {
      std::smatch m;
      std::string log = serve_->output();
      if (std::regex_search(log, m, std::regex("dropslot api listening on (http://[0-9.:]+)"))) api_ = m[1];
      else std::this_thread::sleep_for(25ms);
    }
    ASSERT_FALSE(api_.empty()) << serve_->output();
    json::object state;
    state["seed_outputs"] = json::object{
        {"ApiUrl", api_ + "/api/"},
        {"SmokeApiUrl", api_ + "/api/"},
        {"DashboardUrl", api_ + "/"},
        {"UploadsBucketName", "uploads"},
        {"DashboardBucketName", "dash"},
        {"DistributionId", "E2QWRUHEXAMPLE"},
        {"FunctionName", "prod-api"},
        {"DatabaseUrl", "sqlite://" + dir_.path() + "/data/dropslot.db"},
        {"OriginSecretArn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-AbC"}};
    state["secrets"] = json::object{{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-AbC", origin_secret}};
    state["dashboard_keys"] = json::array{"staging/index.html", "index.html", "old.js"};
    write_state(state);
    zip("v1");
  }

  void write_state(const json::object& state) { std::ofstream(dir_.path() + "/state.json") << json::serialize(state); }
  json::object state() const { return json::parse(slurp(dir_.path() + "/state.json")).as_object(); }
  void zip(const std::string& content) { std::ofstream(dir_.path() + "/code.zip") << content; }
  std::vector<json::array> calls() const {
    std::vector<json::array> out;
    std::istringstream in(slurp(dir_.path() + "/calls.jsonl"));
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line).as_array());
    return out;
  }
  // The calls whose argv contains every one of `words`.
  std::size_t count_calls(std::initializer_list<std::string_view> words) const {
    std::size_t n = 0;
    for (const auto& c : calls()) {
      bool all = true;
      for (auto w : words) all = all && std::find(c.begin(), c.end(), json::value(w)) != c.end();
      n += all;
    }
    return n;
  }
  std::string live() const { return std::string(state().at("function").at("aliases").at("live").at("version").as_string()); }

  std::pair<int, std::string> deploy(const std::string& args) {
    fs::remove(dir_.path() + "/calls.jsonl");
    // The secret must never show, so stdout and stderr are both captured and checked.
    auto result = run_shell("env -u DROPSLOT_DATABASE_URL -u AWS_ENDPOINT_URL_S3 -u AWS_CLI PATH=" + dir_.path() +
                            "/bin:/usr/bin:/bin AWS_STANDIN_DIR=" + dir_.path() +
                            " CFN_LINT=true DROPSLOT_DEPLOY_POLL_SECONDS=0 " + deploy_sh +
                            " --stack prod --region eu-west-1 --artifact-bucket artifacts --binary " + dropslot_bin +
                            " --web " + dir_.path() + "/web --zip " + dir_.path() + "/code.zip " + args + " 2>&1");
    EXPECT_EQ(result.second.find(origin_secret), std::string::npos) << "the origin secret leaked:\n" << result.second;
    return result;
  }

  // What the smoke tests left in the stack's database (serve's SQLite): the customer
  // and job lines that name "smoke"; empty when they cleaned up.
  std::string smoke_leftovers() const {
    std::string admin = "env -u DROPSLOT_DATA DROPSLOT_DATABASE_URL=sqlite://" + dir_.path() + "/data/dropslot.db " +
                        dropslot_bin + " admin ";
    auto [crc, customers] = run_shell(admin + "customer list 2>&1");
    EXPECT_EQ(crc, 0) << customers;
    auto [jrc, jobs] = run_shell(admin + "job list 2>&1");
    EXPECT_EQ(jrc, 0) << jobs;
    bool left = customers.find("smoke") != std::string::npos || jobs.find("smoke") != std::string::npos;
    return left ? customers + jobs : std::string();
  }

  temp_dir dir_;
  std::unique_ptr<child_process> serve_;
  std::string api_;
};

TEST_F(DeployStandIn, FirstDeployCreatesTheStackSmokeTestsAndReleasesVersionOne) {
  auto [rc, out] = deploy("");
  ASSERT_EQ(rc, 0) << out;
  auto s = state();
  EXPECT_EQ(s.at("stack").at("status"), "CREATE_COMPLETE");
  EXPECT_EQ(s.at("stack").at("api_deployments").as_array().size(), 1u);
  EXPECT_EQ(s.at("stack").at("params").at("LiveVersion"), "");
  EXPECT_EQ(live(), "1");
  // The steps, in order: lint+validate, upload, deploy, publish, smoke alias, stage,
  // smoke (secret read), release, promote, invalidate and its wait.
  std::vector<std::string> seen;
  for (const auto& c : calls()) {
    std::size_t first = c[0] == "--region" ? 2 : 0;  // the global flag deploy.sh puts first
    seen.push_back(std::string(c[first].as_string()) + " " + std::string(c[first + 1].as_string()));
  }
  std::vector<std::string> order = {"cloudformation validate-template", "s3 cp", "cloudformation deploy",
                                    "lambda publish-version", "lambda update-alias", "s3 sync",
                                    "secretsmanager get-secret-value", "s3api delete-object", "s3 cp",
                                    "cloudfront create-invalidation", "cloudfront get-invalidation"};
  auto at = seen.begin();
  for (const auto& o : order) {
    at = std::find(at, seen.end(), o);
    ASSERT_NE(at, seen.end()) << o << " missing or out of order:\n" << out;
  }
  EXPECT_NE(out.find("smoke: OK"), std::string::npos) << out;
  // Smoke cleanup: its object is deleted, its customer (with job and sessions) removed.
  // (the smoke stage's and the check through CloudFront's).
  const auto& deleted = s.at("deleted_objects").as_array();
  ASSERT_EQ(deleted.size(), 2u);
  for (const auto& d : deleted)
    EXPECT_TRUE(std::regex_match(std::string(d.as_string()), std::regex("uploads/jobs/[A-Za-z0-9_-]+/photo-[0-9]{3,}\\.jpg")))
        << d;
  // Both fetched a listed GET URL; the second through the dashboard's /api/ with its Origin.
  EXPECT_NE(out.find("smoke: GET of the listed URL -> 200\n"), std::string::npos) << out;
  EXPECT_NE(out.find("smoke: GET of the listed URL -> 200, allowed for " + api_), std::string::npos) << out;
  EXPECT_NE(out.find("smoke: cleanup: removed customer "), std::string::npos) << out;
  EXPECT_EQ(smoke_leftovers(), "") << "the smoke test left its customer or job";
  // Promote removed the stale root file; the invalidation was waited for.
  EXPECT_EQ(count_calls({"s3", "rm", "s3://dash/old.js"}), 1u);
  EXPECT_EQ(count_calls({"get-invalidation"}), 2u);
  EXPECT_NE(out.find("invalidation I0001 completed"), std::string::npos) << out;
  // The template CloudFormation got names the deployment after the routes, not the placeholder.
  EXPECT_TRUE(std::regex_match(std::string(s.at("stack").at("api_deployments").at(0).as_string()),
                               std::regex("ApiDeployment[0-9a-f]{8}")));
}

TEST_F(DeployStandIn, ARerunWithNoChangeDeploysNothingNew) {
  ASSERT_EQ(deploy("").first, 0);
  auto before = state();
  auto [rc, out] = deploy("");
  ASSERT_EQ(rc, 0) << out;
  auto after = state();
  EXPECT_EQ(after.at("stack").at("api_deployments"), before.at("stack").at("api_deployments"));
  EXPECT_EQ(after.at("function").at("versions"), before.at("function").at("versions"));
  EXPECT_EQ(live(), "1");
  EXPECT_EQ(count_calls({"update-alias", "live"}), 0u) << "nothing to release";
  EXPECT_NE(out.find("version 1 is already live"), std::string::npos) << out;
  // From now on the parameters are the same too (LiveVersion was empty on the first
  // create): CloudFormation has no change to make at all.
  auto [rc3, out3] = deploy("");
  ASSERT_EQ(rc3, 0) << out3;
  EXPECT_NE(out3.find("No changes to deploy"), std::string::npos) << out3;
  EXPECT_EQ(state().at("function").at("versions"), before.at("function").at("versions"));
}

TEST_F(DeployStandIn, NewCodeIsANewVersionAndRollbackReturnsToThePreviousOne) {
  ASSERT_EQ(deploy("").first, 0);
  zip("v2");
  auto [rc, out] = deploy("");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(live(), "2");
  // The stack was told to keep live where it was (1); deploy.sh moved it after the smoke test.
  EXPECT_EQ(state().at("stack").at("params").at("LiveVersion"), "1");
  EXPECT_EQ(state().at("function").at("aliases").at("live").at("description"), "dropslot: previous=1");
  EXPECT_EQ(state().at("stack").at("api_deployments").as_array().size(), 1u) << "no route changed";

  auto [rrc, rout] = deploy("--rollback");
  ASSERT_EQ(rrc, 0) << rout;
  EXPECT_EQ(live(), "1");
  EXPECT_NE(rout.find("live is version 1 again (was 2)"), std::string::npos) << rout;
  EXPECT_EQ(count_calls({"cloudformation", "deploy"}), 0u) << "a rollback does not touch the stack";
}

TEST_F(DeployStandIn, ARouteChangeGivesANewApiDeployment) {
  ASSERT_EQ(deploy("").first, 0);
  std::string text = slurp(DROPSLOT_SOURCE_DIR "/deploy/template.yaml");
  std::string route =
      "  PhotoDelete:\n    Type: AWS::ApiGateway::Method\n"
      "    Properties: {RestApiId: !Ref RestApi, ResourceId: !Ref JobPhotosResource, HttpMethod: DELETE, "
      "AuthorizationType: NONE, Integration: *proxy}\n";
  auto end = text.find("  # routes:end");
  ASSERT_NE(end, std::string::npos);
  text.insert(end, route);
  std::ofstream(dir_.path() + "/template.yaml") << text;
  auto [rc, out] = deploy("--template " + dir_.path() + "/template.yaml");
  ASSERT_EQ(rc, 0) << out;
  auto s = state();
  const auto& deployments = s.at("stack").at("api_deployments").as_array();
  ASSERT_EQ(deployments.size(), 2u) << out;
  EXPECT_NE(deployments[0], deployments[1]);
  EXPECT_EQ(live(), "1") << "same code: no new version";
  // The new routes were smoke-tested first, then went live with the release.
  EXPECT_NE(out.find("the api stage keeps " + std::string(deployments[0].as_string()) + " until the release"),
            std::string::npos) << out;
  EXPECT_EQ(s.at("stack").at("stages").at("api"), deployments[1]);
  EXPECT_EQ(s.at("stack").at("stages").at("smoke"), deployments[1]);
  EXPECT_EQ(s.at("stack").at("outputs").at("LiveApiDeployment"), deployments[1]);
  EXPECT_EQ(count_calls({"cloudformation", "deploy"}), 2u) << "the stack update, then the routes' release";
}

// Issue 20, item 7: both stages used to share one API deployment, so a route change
// was live before the smoke test. Now a failed smoke test leaves the api stage on
// the routes it had.
TEST_F(DeployStandIn, NewRoutesReachOnlyTheSmokeStageUntilTheRelease) {
  ASSERT_EQ(deploy("--steps package,deploy").first, 0);
  const std::string before = std::string(state().at("stack").at("stages").at("api").as_string());
  std::string text = slurp(DROPSLOT_SOURCE_DIR "/deploy/template.yaml");
  auto end = text.find("  # routes:end");
  ASSERT_NE(end, std::string::npos);
  text.insert(end, "  PhotoDelete:\n    Type: AWS::ApiGateway::Method\n"
                   "    Properties: {RestApiId: !Ref RestApi, ResourceId: !Ref JobPhotosResource, HttpMethod: DELETE, "
                   "AuthorizationType: NONE, Integration: *proxy}\n");
  std::ofstream(dir_.path() + "/template.yaml") << text;
  auto s = state();
  s["stack"].as_object()["outputs"].as_object()["SmokeApiUrl"] = "http://127.0.0.1:1/api/";  // the smoke test fails
  write_state(s);
  auto [rc, out] = deploy("--template " + dir_.path() + "/template.yaml");
  EXPECT_EQ(rc, 1) << out;
  auto after = state();
  EXPECT_EQ(after.at("stack").at("stages").at("api"), json::value(before)) << "the live routes did not change";
  EXPECT_NE(after.at("stack").at("stages").at("smoke"), json::value(before)) << "the smoke stage has the new routes";
  EXPECT_EQ(after.at("stack").at("outputs").at("LiveApiDeployment"), json::value(before));
  EXPECT_EQ(count_calls({"cloudformation", "deploy"}), 1u) << "no release";
}

TEST_F(DeployStandIn, AFailedSmokeTestLeavesTheLiveAliasAndExitsNonZero) {
  ASSERT_EQ(deploy("").first, 0);
  auto s = state();
  // The smoke stage now answers nothing (a dead port): the new version fails its test.
  s["stack"].as_object()["outputs"].as_object()["SmokeApiUrl"] = "http://127.0.0.1:1/api/";
  write_state(s);
  zip("v2-broken");
  auto [rc, out] = deploy("");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("the live alias stays at version 1"), std::string::npos) << out;
  EXPECT_EQ(live(), "1");
  EXPECT_EQ(state().at("function").at("versions").as_array().size(), 2u) << "version 2 was published and tested";
  EXPECT_EQ(count_calls({"update-alias", "live"}), 0u);
  EXPECT_EQ(count_calls({"create-invalidation"}), 0u) << "nothing promoted";
  EXPECT_EQ(count_calls({"s3", "cp", "s3://dash/staging/"}), 0u) << "the dashboard was not promoted";
  // Cleanup ran on the failure too: the test customer is gone with its job and sessions.
  EXPECT_NE(out.find("smoke: cleanup: removed customer "), std::string::npos) << out;
  EXPECT_EQ(smoke_leftovers(), "") << "the failed smoke test left its customer or job";
}

TEST_F(DeployStandIn, AStackInRollbackCompleteIsReportedAndReplacedOnRequest) {
  auto s = state();
  s["stack"] = json::object{{"name", "prod"}, {"status", "ROLLBACK_COMPLETE"}, {"digest", ""},
                            {"outputs", json::object{}}, {"api_deployments", json::array{}}};
  write_state(s);
  auto [rc, out] = deploy("");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("ROLLBACK_COMPLETE"), std::string::npos) << out;
  EXPECT_NE(out.find("--replace-failed"), std::string::npos) << out;
  EXPECT_EQ(count_calls({"cloudformation", "deploy"}), 0u);
  EXPECT_EQ(count_calls({"delete-stack"}), 0u) << "never deleted without being asked";

  auto [rrc, rout] = deploy("--replace-failed");
  ASSERT_EQ(rrc, 0) << rout;
  EXPECT_EQ(count_calls({"delete-stack", "prod"}), 1u);
  EXPECT_EQ(count_calls({"wait", "stack-delete-complete"}), 1u);
  EXPECT_EQ(state().at("stack").at("status"), "CREATE_COMPLETE");
  EXPECT_EQ(live(), "1");
}

TEST_F(DeployStandIn, AFailedFirstCreateSaysWhatToDo) {
  auto s = state();
  s["fail_next_deploy"] = true;
  write_state(s);
  auto [rc, out] = deploy("");
  EXPECT_NE(rc, 0) << out;
  EXPECT_EQ(state().at("stack").at("status"), "ROLLBACK_COMPLETE");
  auto [rc2, out2] = deploy("");
  EXPECT_EQ(rc2, 1);
  EXPECT_NE(out2.find("Re-run with --replace-failed"), std::string::npos) << out2;
}

TEST_F(DeployStandIn, TheSecretNeverShowsInAnyMode) {
  // deploy() checks every run's output for the origin secret; the dry run too,
  // and a dry run calls no aws command at all.
  auto [rc, out] = deploy("--dry-run");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_FALSE(fs::exists(dir_.path() + "/calls.jsonl")) << "a dry run called aws";
  EXPECT_NE(out.find("secretsmanager get-secret-value"), std::string::npos) << out;
  EXPECT_NE(out.find("(value kept out of the output)"), std::string::npos) << out;
  ASSERT_EQ(deploy("").first, 0);
  zip("v2");
  ASSERT_EQ(deploy("").first, 0);
  ASSERT_EQ(deploy("--rollback").first, 0);
  // A PostgreSQL stack: the secret's ARN is passed, never a URL.
  auto [prc, pout] = deploy("--dry-run --database-secret-arn arn:aws:secretsmanager:eu-west-1:1:secret:db");
  ASSERT_EQ(prc, 0) << pout;
  EXPECT_NE(pout.find("DatabaseSecretArn=arn:aws:secretsmanager:eu-west-1:1:secret:db"), std::string::npos) << pout;
  EXPECT_EQ(deploy("--database-url postgres://u:hunter2@db/x").first, 2);
}

// Issue 20, item 3: a first create that fails after the table exists. With
// DeletionPolicy Retain the rollback kept "prod-main", and the retry failed with
// "already exists"; RetainExceptOnCreate lets the rollback remove it.
TEST_F(DeployStandIn, AFailedFirstCreateCanBeRetried) {
  auto s = state();
  s["fail_next_deploy"] = true;
  write_state(s);
  auto [rc, out] = deploy("--steps package,deploy");
  ASSERT_NE(rc, 0) << out;
  EXPECT_FALSE(state().contains("leftovers")) << "the failed create left " << json::serialize(state().at("leftovers"));
  auto [rrc, rout] = deploy("--steps package,deploy --replace-failed");
  ASSERT_EQ(rrc, 0) << rout;
  EXPECT_EQ(state().at("stack").at("status"), "CREATE_COMPLETE");
  EXPECT_EQ(live(), "1");
}

// The stand-in's model itself: a Retain resource does outlive a failed create and
// blocks the retry (so the case above can fail).
TEST_F(DeployStandIn, TheStandInKeepsWhatRetainKeeps) {
  std::string text = slurp(DROPSLOT_SOURCE_DIR "/deploy/template.yaml");
  auto at = text.find("    DeletionPolicy: RetainExceptOnCreate\n    UpdateReplacePolicy: Retain\n    Properties:\n      TableName");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("    DeletionPolicy: RetainExceptOnCreate").size(), "    DeletionPolicy: Retain");
  std::ofstream(dir_.path() + "/template.yaml") << text;
  auto s = state();
  s["fail_next_deploy"] = true;
  write_state(s);
  ASSERT_NE(deploy("--template " + dir_.path() + "/template.yaml").first, 0);
  EXPECT_EQ(state().at("leftovers"), (json::object{{"prod-main", "Table"}}));
  auto [rc, out] = deploy("--replace-failed --template " + dir_.path() + "/template.yaml");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("prod-main already exists"), std::string::npos) << out;
}

// Issue 20, item 4: the live alias cannot be read on an existing stack. Going on
// would have passed an empty LiveVersion, and the stack update would have pointed
// live at version 1 before any smoke test.
TEST_F(DeployStandIn, AFailedAliasLookupStopsBeforeTheStackChanges) {
  ASSERT_EQ(deploy("--steps package,deploy").first, 0);
  // Version 2 is live (as a release would leave it).
  auto s = state();
  auto& fn = s["function"].as_object();
  fn["versions"].as_array().push_back(json::object{{"version", "2"}, {"code", "older"}});
  fn["aliases"].as_object()["live"].as_object()["version"] = "2";
  ASSERT_EQ(std::string(s.at("function").at("aliases").at("live").at("version").as_string()), "2");
  zip("v3");
  s["fail_get_alias"] = 1;  // the next lookup only
  write_state(s);
  auto [rc, out] = deploy("");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("cannot read the live alias of prod-api"), std::string::npos) << out;
  EXPECT_NE(out.find("TooManyRequestsException"), std::string::npos) << out;
  EXPECT_EQ(count_calls({"cloudformation", "deploy"}), 0u) << "the stack was not touched";
  EXPECT_EQ(live(), "2");
  EXPECT_EQ(count_calls({"publish-version"}), 0u);
}

// Issue 20, item 7: after live moves, the release is checked as the dashboard's
// browser sees it: through CloudFront (here the dashboard URL's /api/) with its
// Origin, fetching a listed GET URL. When that fails, live moves back by itself.
TEST_F(DeployStandIn, AFailedCheckThroughCloudFrontMovesLiveBack) {
  ASSERT_EQ(deploy("").first, 0);
  auto s = state();
  // The distribution serves the staged dashboard but does not route /api/* to the
  // API (here: the dashboard URL is a folder of serve's static files, where
  // /cdn/api/... is no route). The smoke stage, called directly, still works.
  fs::create_directories(dir_.path() + "/web/cdn/staging");
  std::ofstream(dir_.path() + "/web/cdn/staging/index.html") << "<!doctype html><title>staged</title>";
  s["stack"].as_object()["outputs"].as_object()["DashboardUrl"] = api_ + "/cdn/";
  write_state(s);
  zip("v2");
  auto [rc, out] = deploy("");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("smoke: OK"), std::string::npos) << "the smoke stage passed:\n" << out;
  EXPECT_NE(out.find("live moved back to version 1"), std::string::npos) << out;
  EXPECT_EQ(live(), "1");
  EXPECT_EQ(state().at("function").at("aliases").at("live").at("description"), "dropslot: previous=2 (failed verify)");
  EXPECT_EQ(count_calls({"update-alias", "live"}), 2u) << "moved to 2, then back to 1";
  EXPECT_EQ(count_calls({"create-invalidation"}), 0u) << "nothing promoted";
  EXPECT_EQ(count_calls({"s3", "cp", "s3://dash/staging/"}), 0u) << "the dashboard was not promoted";
  EXPECT_EQ(smoke_leftovers(), "") << "the failed check left its customer or job";
}

// A release of new routes whose check through CloudFront fails puts the old routes
// back on the api stage (their deployment was kept for this) with the old version.
TEST_F(DeployStandIn, AFailedCheckAfterARouteChangePutsTheOldRoutesBack) {
  ASSERT_EQ(deploy("").first, 0);
  const json::value before = state().at("stack").at("stages").at("api");
  std::string text = slurp(DROPSLOT_SOURCE_DIR "/deploy/template.yaml");
  text.insert(text.find("  # routes:end"), "  PhotoDelete:\n    Type: AWS::ApiGateway::Method\n"
                                            "    Properties: {RestApiId: !Ref RestApi, ResourceId: !Ref JobPhotosResource, "
                                            "HttpMethod: DELETE, AuthorizationType: NONE, Integration: *proxy}\n");
  std::ofstream(dir_.path() + "/template.yaml") << text;
  fs::create_directories(dir_.path() + "/web/cdn/staging");
  std::ofstream(dir_.path() + "/web/cdn/staging/index.html") << "<!doctype html><title>staged</title>";
  auto s = state();
  s["stack"].as_object()["outputs"].as_object()["DashboardUrl"] = api_ + "/cdn/";
  write_state(s);
  zip("v2");
  auto [rc, out] = deploy("--template " + dir_.path() + "/template.yaml");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("the api stage moves back to " + std::string(before.as_string())), std::string::npos) << out;
  auto after = state();
  EXPECT_EQ(after.at("stack").at("stages").at("api"), before);
  EXPECT_EQ(after.at("stack").at("params").at("LiveVersion"), "1");
  EXPECT_EQ(live(), "1");
}

// The stack step alone is enough here (no smoke test: it is the parameter that counts).
TEST_F(DeployStandIn, AccessLogsFollowTheAccountsCloudWatchRole) {
  auto [rc, out] = deploy("--steps package,deploy");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(state().at("stack").at("params").at("ApiAccessLogs"), "false");
  EXPECT_NE(out.find("deploy/apigateway-account.yaml"), std::string::npos) << out;
  auto s = state();
  s["apigateway_role"] = "arn:aws:iam::123456789012:role/apigw-logs";
  write_state(s);
  ASSERT_EQ(deploy("--steps package,deploy").first, 0);
  EXPECT_EQ(state().at("stack").at("params").at("ApiAccessLogs"), "true");
  ASSERT_EQ(deploy("--steps package,deploy --parameter ApiAccessLogs=false").first, 0);
  EXPECT_EQ(state().at("stack").at("params").at("ApiAccessLogs"), "false") << "the operator's choice wins";
}

}  // namespace
}  // namespace dropslot::test
