// deploy/deploy.sh --dry-run prints the whole sequence and runs nothing (the S3
// steps run for real in deploy_s3_steps_test.cpp; the whole script runs against the
// recording aws stand-in in deploy_standin_test.cpp).
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

TEST(DeployDryRun, PrintsTheSequenceInOrder) {
  auto [rc, out] = dry_run("--stack prod --region eu-west-1 --artifact-bucket my-artifacts "
                           "--database-secret-arn arn:aws:secretsmanager:eu-west-1:1:secret:db");
  ASSERT_EQ(rc, 0) << out;
  auto cmds = lines_starting(out, "+ ");
  const std::vector<std::string> expected = {
      "cfn-lint ",                                 // 1 validate offline
      "cloudformation validate-template",          //   and with AWS
      "cmake -S",                                  // 2 build
      "cmake --build --preset release",            //
      "deploy/package --binary",                   //   package
      "s3 cp",                                     //   upload the zip
      "apigateway get-account",                    // 3 is the account's CloudWatch role set?
      "cloudformation deploy --stack-name prod",   //   deploy
      "cloudformation describe-stacks",            //   outputs
      "lambda publish-version",                    // 4 publish
      "lambda get-alias",                          //   what is live now
      "lambda update-alias --function-name \\<FunctionName\\> --name smoke",
      "s3 sync",                                   // 5 stage
      "secretsmanager get-secret-value",           // 6 smoke: the origin header's value
      "deploy/smoke.sh --api \\<SmokeApiUrl\\>",   //   against the smoke stage
      "lambda update-alias --function-name \\<FunctionName\\> --name live",  // 7 release
      "deploy/smoke.sh --api \\<DashboardUrl\\>/api/",  // 8 verify through CloudFront
      "s3 cp s3://",                               // 9 promote
      "s3api list-objects-v2",                     //   then remove stale files
      "cloudfront create-invalidation",            // 10 invalidate
      "cloudfront get-invalidation",               //   and wait for it
  };
  ASSERT_EQ(cmds.size(), expected.size()) << out;
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NE(cmds[i].find(expected[i]), std::string::npos) << cmds[i];
  for (const auto& c : cmds)
    if (c.find("/nonexistent/aws") != std::string::npos) {
      EXPECT_NE(c.find("--region eu-west-1"), std::string::npos) << c;
    }
  EXPECT_NE(cmds[2].find("--preset release"), std::string::npos);
  EXPECT_NE(cmds[5].find("s3://my-artifacts/dropslot-lambda-"), std::string::npos);
  EXPECT_NE(cmds[7].find("--capabilities CAPABILITY_IAM"), std::string::npos);
  EXPECT_NE(cmds[7].find("CodeS3Bucket=my-artifacts"), std::string::npos);
  EXPECT_NE(cmds[7].find("DatabaseSecretArn=arn:aws:secretsmanager:eu-west-1:1:secret:db"), std::string::npos) << cmds[7];
  // The template CloudFormation gets is the rendered one (deployment renamed after the routes).
  EXPECT_EQ(cmds[7].find("deploy/template.yaml"), std::string::npos) << cmds[7];
  EXPECT_NE(cmds[12].find("s3://\\<DashboardBucketName\\>/staging/"), std::string::npos) << cmds[12];
  EXPECT_NE(cmds[13].find("(value kept out of the output)"), std::string::npos) << cmds[13];
  EXPECT_NE(cmds[14].find("--bucket \\<UploadsBucketName\\>"), std::string::npos) << cmds[14];
  EXPECT_NE(cmds[17].find("s3 cp s3://\\<DashboardBucketName\\>/staging/ s3://\\<DashboardBucketName\\>/ --recursive"),
            std::string::npos) << cmds[17];
  EXPECT_NE(cmds[16].find("--origin \\<DashboardUrl\\>"), std::string::npos) << cmds[16];
  EXPECT_NE(cmds[7].find("ApiAccessLogs=true"), std::string::npos) << cmds[7];
  EXPECT_NE(cmds[19].find("--distribution-id \\<DistributionId\\> --paths /\\*"), std::string::npos) << cmds[19];
}

// --help is the header comment, and only that (issue 17: it used to end with the
// script's first line of code).
TEST(DeployDryRun, HelpPrintsTheUsageOnly) {
  for (const std::string script : {"deploy.sh", "smoke.sh", "package"}) {
    auto [rc, out] = run_shell(DROPSLOT_SOURCE_DIR "/deploy/" + script + " --help");
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(out.find("set -euo pipefail"), std::string::npos) << script << ":\n" << out;
    EXPECT_EQ(out.find("#!"), std::string::npos) << script;
    EXPECT_NE(out.find(script == "package" ? "deploy/package" : "deploy/" + script), std::string::npos) << out;
  }
}

TEST(DeployDryRun, CustomS3EndpointGoesToS3CommandsOnly) {
  auto [rc, out] = dry_run("--artifact-bucket a",
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
  EXPECT_EQ(dry_run("--steps deploy --artifact-bucket a").first, 2);  // no package
  EXPECT_EQ(dry_run("--artifact-bucket a --database-url postgres://u:p@h/d").first, 2);  // a URL is never an argument
  EXPECT_EQ(dry_run("--artifact-bucket a --parameter LiveVersion=3").first, 2);  // deploy.sh's own
  EXPECT_EQ(dry_run("--steps launch").first, 2);                // unknown step
  EXPECT_EQ(dry_run("--bogus").first, 2);
}


}  // namespace
}  // namespace dropslot::test
