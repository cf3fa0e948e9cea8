// deploy/deploy.sh --dry-run prints the seed's sequence and runs nothing (the S3
// steps run for real in deploy_s3_steps_test.cpp). Not exercised here (needs AWS): CloudFormation
// validate/deploy/describe, the smoke test against API Gateway, and the CloudFront
// invalidation; their commands are checked in the dry run only.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "child_process.hpp"

namespace dropslot::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string deploy_sh = DROPSLOT_SOURCE_DIR "/deploy/deploy.sh";

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(prefix)) out.push_back(line);
  return out;
}

// The dry run must not call anything: AWS_CLI points at a program that does not
// exist, so a real aws call would fail the script (set -e).
std::pair<int, std::string> dry_run(const std::string& args, const std::string& env = "") {
  return run_shell("env -u AWS_ENDPOINT_URL_S3 AWS_CLI=/nonexistent/aws " + env + " " + deploy_sh + " --dry-run " + args);
}

TEST(DeployDryRun, PrintsTheSeedSequenceInOrder) {
  auto [rc, out] = dry_run("--stack prod --region eu-west-1 --artifact-bucket my-artifacts "
                           "--database-url postgres://app:hunter2@db.example/dropslot");
  ASSERT_EQ(rc, 0) << out;
  auto cmds = lines_starting(out, "+ ");
  const std::vector<std::string> expected = {
      "cloudformation validate-template",          // 1 validate
      "cmake -S",                                  // 2 build
      "cmake --build --preset release",            //
      "deploy/package --binary",                   //   package
      "s3 cp",                                     //   upload the zip
      "cloudformation deploy --stack-name prod",   // 3 deploy
      "cloudformation describe-stacks",            //   outputs
      "s3 sync",                                   // 4 stage
      "deploy/smoke.sh --api",                     // 5 smoke
      "s3 cp s3://",                               // 6 promote
      "s3api list-objects-v2",                     //   then remove stale files
      "cloudfront create-invalidation",            // 7 invalidate
  };
  ASSERT_EQ(cmds.size(), expected.size()) << out;
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NE(cmds[i].find(expected[i]), std::string::npos) << cmds[i];
  for (const auto& c : cmds)
    if (c.find("/nonexistent/aws") != std::string::npos) {
      EXPECT_NE(c.find("--region eu-west-1"), std::string::npos) << c;
    }
  EXPECT_NE(cmds[1].find("--preset release"), std::string::npos);
  EXPECT_NE(cmds[4].find("s3://my-artifacts/dropslot-lambda-"), std::string::npos);
  EXPECT_NE(cmds[5].find("--capabilities CAPABILITY_IAM"), std::string::npos);
  EXPECT_NE(cmds[5].find("CodeS3Bucket=my-artifacts"), std::string::npos);
  EXPECT_NE(cmds[5].find("DatabaseUrl=***"), std::string::npos) << cmds[5];
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << "the database password leaked into the output";
  EXPECT_NE(cmds[7].find("s3://\\<DashboardBucketName\\>/staging/"), std::string::npos) << cmds[7];
  EXPECT_NE(cmds[8].find("--bucket \\<UploadsBucketName\\>"), std::string::npos) << cmds[8];
  EXPECT_NE(cmds[9].find("s3 cp s3://\\<DashboardBucketName\\>/staging/ s3://\\<DashboardBucketName\\>/ --recursive"),
            std::string::npos) << cmds[9];
  EXPECT_NE(cmds[11].find("--distribution-id \\<DistributionId\\> --paths /\\*"), std::string::npos) << cmds[11];
}

TEST(DeployDryRun, CustomS3EndpointGoesToS3CommandsOnly) {
  auto [rc, out] = dry_run("--artifact-bucket a --database-url sqlite:///x.db",
                           "AWS_ENDPOINT_URL_S3=http://127.0.0.1:9999");
  ASSERT_EQ(rc, 0) << out;
  for (const auto& c : lines_starting(out, "+ /nonexistent/aws")) {
    bool s3 = c.find(" s3 ") != std::string::npos || c.find(" s3api ") != std::string::npos;
    EXPECT_EQ(c.find("--endpoint-url http://127.0.0.1:9999") != std::string::npos, s3) << c;
  }
}

TEST(DeployDryRun, StepsRunASubsetAndRefuseMissingInputs) {
  auto [rc, out] = dry_run("--steps stage,promote --dashboard-bucket dash --web /tmp/site");
  ASSERT_EQ(rc, 0) << out;
  auto cmds = lines_starting(out, "+ ");
  ASSERT_EQ(cmds.size(), 3u) << out;  // stage; promote: copy, list
  EXPECT_NE(cmds[0].find("s3 sync /tmp/site/ s3://dash/staging/"), std::string::npos) << cmds[0];
  EXPECT_NE(cmds[1].find("s3 cp s3://dash/staging/ s3://dash/ --recursive"), std::string::npos) << cmds[1];

  EXPECT_EQ(dry_run("--steps stage").first, 2);                 // no dashboard bucket
  EXPECT_EQ(dry_run("--steps deploy --artifact-bucket a").first, 2);  // no package, no database
  EXPECT_EQ(dry_run("--steps launch").first, 2);                // unknown step
  EXPECT_EQ(dry_run("--bogus").first, 2);
}


}  // namespace
}  // namespace dropslot::test
