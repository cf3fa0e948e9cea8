// `dropslot presign` from outside: its URL equals botocore's for the same inputs,
// and missing credentials or a bad argument give one line on stderr and exit != 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "peer.hpp"

namespace dropslot::sigv4 {
namespace {

const std::string binary = std::string(DROPSLOT_BINARY_DIR) + "/src/cli/dropslot";

std::vector<std::string> cli_args(const peer::presign_input& in) {
  std::vector<std::string> a{binary, "presign", "s3://" + in.bucket + "/" + in.key, "--method", in.method,
                             "--expires", std::to_string(in.expires), "--date", in.time};
  if (!in.content_type.empty()) a.insert(a.end(), {"--content-type", in.content_type});
  // Before the target: a repeatable option must not swallow the positional argument.
  for (const auto& [k, v] : in.meta) a.insert(a.begin() + 2, {"--header", "x-amz-meta-" + k + ": " + v});
  return a;
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(presign_cli, url_equals_botocore) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 (Debian's botocore) is not installed";
  // The CLI addresses objects like the AWS CLI: automatic style, or path style with
  // an endpoint. Take those inputs (no extra query parameters: the CLI has none).
  std::vector<peer::presign_input> inputs;
  for (auto& in : peer::generate_inputs(400, 7)) {
    if ((in.style == "auto" || in.style == "endpoint") && in.response_content_disposition.empty()) inputs.push_back(in);
    if (inputs.size() == 40) break;
  }
  std::string why;
  auto reference = peer::botocore_urls(inputs, why);
  ASSERT_TRUE(reference) << why;
  peer::temp_dir home;
  std::size_t checked = 0, via_env = 0, via_profile = 0, with_headers = 0, with_token = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    std::vector<std::string> env{"HOME=" + home.path.string(), "PATH=/usr/bin:/bin"};
    if (i % 2 == 0) {
      env.push_back("AWS_ACCESS_KEY_ID=" + in.access_key);
      env.push_back("AWS_SECRET_ACCESS_KEY=" + in.secret_key);
      if (!in.token.empty()) env.push_back("AWS_SESSION_TOKEN=" + in.token);
      ++via_env;
    } else {
      // The profile file, named by AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE.
      auto file = home.path / ("creds" + std::to_string(i));
      std::ofstream(file) << "[default]\naws_access_key_id=WRONG\naws_secret_access_key=WRONG\n\n[p" << i
                          << "]\naws_access_key_id = " << in.access_key << "\naws_secret_access_key = " << in.secret_key
                          << "\n" << (in.token.empty() ? "" : "aws_session_token = " + in.token + "\n");
      env.push_back("AWS_SHARED_CREDENTIALS_FILE=" + file.string());
      env.push_back("AWS_PROFILE=p" + std::to_string(i));
      ++via_profile;
    }
    // Region from the environment or the flag; endpoint from AWS_ENDPOINT_URL_S3 or the flag.
    auto args = cli_args(in);
    if (i % 3 == 0) env.push_back("AWS_REGION=" + in.region);
    else args.insert(args.end(), {"--region", in.region});
    if (!in.endpoint.empty()) {
      if (i % 4 < 2) env.push_back("AWS_ENDPOINT_URL_S3=" + in.endpoint);
      else args.insert(args.end(), {"--endpoint", in.endpoint});
    }
    auto r = peer::run_process(args, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, (*reference)[i] + "\n") << in.key;
    ++checked;
    with_headers += !in.meta.empty() || !in.content_type.empty();
    with_token += !in.token.empty();
  }
  EXPECT_GE(checked, 20u);
  EXPECT_GT(via_env, 0u);
  EXPECT_GT(via_profile, 0u);
  EXPECT_GT(with_headers, 0u);
  EXPECT_GT(with_token, 0u);
}

TEST(presign_cli, explain_prints_the_stages) {
  peer::temp_dir home;
  auto r = peer::run_process({binary, "presign", "s3://examplebucket/test.txt", "--expires", "86400", "--date",
                              "20130524T000000Z", "--region", "us-east-1", "--explain"},
                             {"HOME=" + home.path.string(), "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
                              "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The AWS documentation's presigned GET example.
  EXPECT_TRUE(r.out.starts_with(
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
      "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
      "&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404\n"))
      << r.out;
  EXPECT_NE(r.out.find("Canonical request:\nGET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&"), std::string::npos);
  EXPECT_NE(r.out.find("String to sign:\nAWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
                       "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04\n"),
            std::string::npos);
}

TEST(presign_cli, errors_are_one_line_and_nonzero) {
  peer::temp_dir home;
  const std::vector<std::string> no_creds{"HOME=" + home.path.string()};
  const std::vector<std::string> creds{"HOME=" + home.path.string(), "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK"};
  struct bad_case {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string needle;
  };
  const std::vector<bad_case> cases{
      {{binary, "presign", "s3://b/k"}, no_creds, "credentials"},
      {{binary, "presign", "s3://b/k"}, {"HOME=" + home.path.string(), "AWS_PROFILE=nope"}, "credentials"},
      {{binary, "presign", "s3://b/k"}, {"HOME=" + home.path.string(), "AWS_ACCESS_KEY_ID=AK"}, "credentials"},
      {{binary, "presign", "s3://b/k", "--expires", "0"}, creds, "604800"},
      {{binary, "presign", "s3://b/k", "--expires", "604801"}, creds, "604800"},
      {{binary, "presign", "s3://b/k", "--expires", "ten"}, creds, "expires"},
      {{binary, "presign", "s3://b"}, creds, "s3://BUCKET/KEY"},
      {{binary, "presign", "https://b/k"}, creds, "s3://BUCKET/KEY"},
      {{binary, "presign", "s3://b/k", "--method", "PATCH"}, creds, "method"},
      {{binary, "presign", "s3://b/k", "--date", "2026-01-05"}, creds, "--date"},
      {{binary, "presign", "s3://b/k", "--header", "no-colon"}, creds, "--header"},
      {{binary, "presign", "s3://b/k", "--endpoint", "ftp://x"}, creds, "endpoint"},
      {{binary, "presign"}, creds, "target"},
  };
  for (const auto& c : cases) {
    auto r = peer::run_process(c.args, c.env);
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    EXPECT_NE(r.exit_code, 0) << shown;
    EXPECT_EQ(lines(r.err), 1u) << shown << "\n" << r.err;
    EXPECT_TRUE(r.err.starts_with("dropslot: ")) << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << shown << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.find("SK"), std::string::npos) << "secret in an error: " << r.err;
  }
}

}  // namespace
}  // namespace dropslot::sigv4
