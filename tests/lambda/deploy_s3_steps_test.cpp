// deploy/deploy.sh's S3 steps (stage, promote) for real, against `dropslot s3`
// through AWS_ENDPOINT_URL_S3, with the real aws CLI. What needs AWS itself
// (CloudFormation, API Gateway, CloudFront) is covered by the dry run only.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "child_process.hpp"

namespace dropslot::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string deploy_sh = DROPSLOT_SOURCE_DIR "/deploy/deploy.sh";

// Stage and promote for real, against the embedded store.
TEST(DeployS3Steps, StageThenPromoteAgainstDropslotS3) {
  temp_dir dir;
  fs::create_directories(dir.path() + "/store");
  child_process store({DROPSLOT_BINARY_DIR "/src/cli/dropslot", "s3", "--data", dir.path() + "/store", "--listen",
                       "127.0.0.1:0"},
                      {"PATH=/usr/bin:/bin", "AWS_REGION=us-east-1"}, dir.path() + "/store.log");
  std::string endpoint;
  for (int i = 0; i < 400 && endpoint.empty(); ++i) {
    std::smatch m;
    std::string log = store.output();
    if (std::regex_search(log, m, std::regex("dropslot s3 listening on (http://[0-9.:]+)"))) endpoint = m[1];
    else std::this_thread::sleep_for(25ms);
  }
  ASSERT_FALSE(endpoint.empty()) << store.output();
  std::ifstream cred_in(dir.path() + "/store/credentials");
  std::stringstream cred;
  cred << cred_in.rdbuf();
  auto creds = boost::json::parse(cred.str()).as_object();
  std::string env = "env -u AWS_CA_BUNDLE -u AWS_PROFILE AWS_ACCESS_KEY_ID=" +
                    std::string(creds.at("access_key_id").as_string()) +
                    " AWS_SECRET_ACCESS_KEY=" + std::string(creds.at("secret_access_key").as_string()) +
                    " AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_S3=" + endpoint + " ";
  std::string aws = env + "/usr/bin/aws --endpoint-url " + endpoint + " ";

  // A site with a nested file, and a stale file at the root that promote removes.
  fs::create_directories(dir.path() + "/web/js");
  std::ofstream(dir.path() + "/web/index.html") << "<!doctype html><title>dropslot v2</title>";
  std::ofstream(dir.path() + "/web/js/app.js") << "export const version = 2;";
  std::ofstream(dir.path() + "/old.js") << "stale";
  ASSERT_EQ(run_shell(aws + "s3 mb s3://dash").first, 0);
  ASSERT_EQ(run_shell(aws + "s3 cp " + dir.path() + "/old.js s3://dash/old.js").first, 0);

  auto [rc, out] = run_shell(env + deploy_sh + " --steps stage,promote --dashboard-bucket dash --web " + dir.path() + "/web");
  ASSERT_EQ(rc, 0) << out;
  auto [lrc, listing] = run_shell(aws + "s3 ls --recursive s3://dash/");
  ASSERT_EQ(lrc, 0) << listing;
  for (const char* key : {"staging/index.html", "staging/js/app.js", " index.html", " js/app.js"})
    EXPECT_NE(listing.find(key), std::string::npos) << key << " missing:\n" << listing;
  EXPECT_EQ(listing.find("old.js"), std::string::npos) << "promote kept a stale file:\n" << listing;
  auto [grc, page] = run_shell(aws + "s3 cp s3://dash/index.html -");
  EXPECT_EQ(page, "<!doctype html><title>dropslot v2</title>");
}


#if DROPSLOT_HAVE_SERVE
// deploy/smoke.sh, the script deploy.sh runs against API Gateway, run here against
// `dropslot serve` (same API under /api, embedded store): it must pass, clean up
// its object (with the real aws CLI against the embedded store), and fail when the
// URL does not point at the bucket it was told.
TEST(DeploySmoke, PassesAgainstServeCleansUpAndCatchesTheWrongBucket) {
  temp_dir dir;
  const std::string key_id = "AKIDSMOKETEST0000001", secret = "smoke-test-secret-key-0123456789abcdefghij";
  child_process serve({DROPSLOT_BINARY_DIR "/src/cli/dropslot", "serve", "--data", dir.path() + "/data", "--listen",
                       "127.0.0.1:0", "--s3-listen", "127.0.0.1:0"},
                      {"PATH=/usr/bin:/bin", "AWS_REGION=us-east-1", "DROPSLOT_S3_ACCESS_KEY_ID=" + key_id,
                       "DROPSLOT_S3_SECRET_ACCESS_KEY=" + secret},
                      dir.path() + "/serve.log");
  std::string api, s3;
  for (int i = 0; i < 400 && api.empty(); ++i) {
    std::smatch m;
    std::string log = serve.output();
    if (std::regex_search(log, m, std::regex("dropslot api listening on (http://[0-9.:]+)"))) api = m[1];
    else std::this_thread::sleep_for(25ms);
  }
  ASSERT_FALSE(api.empty()) << serve.output();
  std::smatch m;
  std::string log = serve.output();
  ASSERT_TRUE(std::regex_search(log, m, std::regex("dropslot s3 listening on (http://[0-9.:]+)"))) << log;
  s3 = m[1];
  std::string env = "env -u AWS_CA_BUNDLE -u AWS_PROFILE AWS_CLI=/usr/bin/aws AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 "
                    "AWS_ACCESS_KEY_ID=" + key_id + " AWS_SECRET_ACCESS_KEY=" + secret + " AWS_ENDPOINT_URL_S3=" + s3 +
                    " DROPSLOT_DATABASE_URL=sqlite://" + dir.path() + "/data/dropslot.db DROPSLOT_BIN=" DROPSLOT_BINARY_DIR
                    "/src/cli/dropslot ";
  std::string smoke = env + DROPSLOT_SOURCE_DIR "/deploy/smoke.sh --api " + api + "/api/ --staging-url " + api + "/";
  auto [rc, out] = run_shell(smoke + " --bucket uploads");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("smoke: OK"), std::string::npos) << out;
  EXPECT_EQ(out.find("X-Amz-Signature"), std::string::npos) << "smoke printed a signature";
  EXPECT_NE(out.find("smoke: cleanup: object jobs/"), std::string::npos) << out;
  EXPECT_NE(out.find("smoke: cleanup: removed customer "), std::string::npos) << out;
  // Nothing of the smoke test stays in the database: no customer, no job (its session,
  // code and upload record go with the customer: db's delete_customer test).
  auto leftovers = [&] {
    auto [crc, customers] = run_shell(env + DROPSLOT_BINARY_DIR "/src/cli/dropslot admin customer list");
    EXPECT_EQ(crc, 0) << customers;
    auto [jrc, jobs] = run_shell(env + DROPSLOT_BINARY_DIR "/src/cli/dropslot admin job list");
    EXPECT_EQ(jrc, 0) << jobs;
    return customers.find("smoke") != std::string::npos || jobs.find("smoke") != std::string::npos
               ? customers + jobs
               : std::string();
  };
  EXPECT_EQ(leftovers(), "") << "the smoke test left its customer or job";
  auto [lrc, listing] = run_shell(env + "/usr/bin/aws --endpoint-url " + s3 + " s3 ls --recursive s3://uploads/");
  EXPECT_EQ(listing.find("photo-"), std::string::npos) << "the smoke test left its object:\n" << listing;
  auto [bad_rc, bad_out] = run_shell(smoke + " --bucket some-other-bucket");
  EXPECT_EQ(bad_rc, 1) << bad_out;
  EXPECT_NE(bad_out.find("does not point at bucket some-other-bucket"), std::string::npos) << bad_out;
  EXPECT_NE(bad_out.find("smoke: cleanup: removed customer "), std::string::npos) << "no cleanup after a failure:\n" << bad_out;
  EXPECT_EQ(leftovers(), "") << "the failed smoke test left its customer or job";
}
#endif

}  // namespace
}  // namespace dropslot::test
