// The Lambda runtime end to end: a Runtime API emulator (runtime_emulator.hpp)
// feeds API Gateway events to real processes started with `env -i` plus only the
// Lambda variables:
//   - lambda_echo_function: the real loop around an echo service (always built);
//   - `dropslot lambda`: the API itself (when api, db and s3 are built);
//   - the packaged zip, unpacked into an empty folder (bootstrap + bundled libs).
// Not exercised here (needs AWS): the real Runtime API service, API Gateway's own
// event construction, IAM, and S3 itself (dropslot s3 stands in for it).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "child_process.hpp"
#include "runtime_emulator.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fixture(const std::string& name) {
  return read_file(fs::path(DROPSLOT_SHARED_DIR) / "testdata/apigw" / name);
}

// The variables Lambda sets for a provided.al2023 function (the subset the
// runtime reads), plus the function's own configuration.
std::vector<std::string> lambda_env(const runtime_emulator& emu, const std::string& task_root,
                                    std::vector<std::string> extra = {}) {
  std::vector<std::string> env{"AWS_LAMBDA_RUNTIME_API=" + emu.endpoint(),
                               "LAMBDA_TASK_ROOT=" + task_root,
                               "LAMBDA_RUNTIME_DIR=/var/runtime",
                               "_HANDLER=bootstrap",
                               "AWS_LAMBDA_FUNCTION_NAME=dropslot-api",
                               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
                               "AWS_REGION=us-east-1",
                               "AWS_DEFAULT_REGION=us-east-1",
                               "TZ=:UTC"};
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

struct response_doc {
  int status = 0;
  json::object doc;
  json::object body;  // parsed when JSON
};

response_doc parse_response(const runtime_emulator::outcome& out) {
  response_doc r;
  EXPECT_EQ(out.kind, "response") << out.body;
  if (out.kind != "response") return r;
  r.doc = json::parse(out.body).as_object();
  r.status = static_cast<int>(r.doc["statusCode"].as_int64());
  std::string_view body = r.doc["body"].as_string();
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) r.body = v.as_object();
  return r;
}

// ----------------------------------------------------------------- echo function

class EchoFunction : public ::testing::Test {
 protected:
  void SetUp() override {
    child_ = std::make_unique<child_process>(std::vector<std::string>{DROPSLOT_LAMBDA_ECHO},
                                             lambda_env(emu_, dir_.path()), dir_.path() + "/out.log");
  }
  runtime_emulator emu_;
  temp_dir dir_;
  std::unique_ptr<child_process> child_;
};

struct fixture_case {
  const char* file;
  const char* method;
  const char* path;
  bool v2;
};

TEST_F(EchoFunction, AnswersEveryFixtureInItsFormat) {
  const fixture_case cases[] = {
      {"aws-lambda-go/apigw-request.json", "POST", "/hello/world", false},
      {"aws-lambda-go/apigw-restapi-openapi-request.json", "POST", "/hello/world", false},
      {"aws-lambda-go/apigw-v2-request-iam.json", "GET", "/my/path", true},
      {"aws-lambda-go/apigw-v2-request-jwt-authorizer.json", "GET", "/my/path", true},
      {"aws-lambda-go/apigw-v2-request-lambda-authorizer.json", "GET", "/my/path", true},
      {"aws-lambda-go/apigw-v2-request-no-authorizer.json", "GET", "/", true},
      {"aws-lambda-go/lambda-urls-request.json", "POST", "/my/path", true},
      {"powertools-lambda-python/apiGatewayProxyEvent.json", "GET", "/my/path", false},
      {"powertools-lambda-python/apiGatewayProxyV2Event.json", "POST", "/my/path", true},
      {"powertools-lambda-python/apiGatewayProxyV2Event_GET.json", "GET", "/my/path", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto r = parse_response(emu_.invoke(fixture(c.file)));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body["method"], c.method);
    EXPECT_EQ(r.body["path"], c.path);
    EXPECT_EQ(r.body["secure"], true);
    EXPECT_EQ(r.doc.contains("multiValueHeaders"), !c.v2);
    EXPECT_EQ(r.doc.contains("cookies"), c.v2);
    EXPECT_EQ(r.doc["isBase64Encoded"], false);
  }
  EXPECT_EQ(child_->wait_for(0ms), std::nullopt) << child_->output();  // still serving
}

TEST_F(EchoFunction, PassesRequestIdAndTraceIdPerInvocation) {
  auto r = parse_response(emu_.invoke(fixture("aws-lambda-go/apigw-v2-request-iam.json"), 30s, "Root=1-abc;Sampled=1"));
  EXPECT_EQ(r.body["trace"], "Root=1-abc;Sampled=1");
  EXPECT_TRUE(std::string_view(r.body["request_id"].as_string()).starts_with("req-"));
  auto r2 = parse_response(emu_.invoke(fixture("aws-lambda-go/apigw-v2-request-iam.json"), 30s, ""));
  EXPECT_EQ(r2.body["trace"], "");  // not carried over from the previous invocation
  // Logs are JSON lines with the request id.
  auto log = child_->output();
  EXPECT_NE(log.find(R"("request_id":")" + std::string(r.body["request_id"].as_string())), std::string::npos) << log;
}

TEST_F(EchoFunction, CookiesRoundTripInBothFormats) {
  auto v2 = parse_response(emu_.invoke(
      R"({"version":"2.0","rawPath":"/login","requestContext":{"http":{"method":"POST","sourceIp":"1.2.3.4"}}})"));
  ASSERT_EQ(v2.doc["cookies"].as_array().size(), 2u);
  EXPECT_FALSE(v2.doc["headers"].as_object().contains("Set-Cookie"));
  std::string sent(v2.doc["cookies"].as_array()[0].as_string());
  json::object next{{"version", "2.0"},
                    {"rawPath", "/jobs"},
                    {"cookies", json::array{sent.substr(0, sent.find(';'))}},
                    {"requestContext", {{"http", {{"method", "GET"}}}}}};
  EXPECT_EQ(parse_response(emu_.invoke(json::serialize(next))).body["cookie"], "tok");

  auto v1 = parse_response(emu_.invoke(R"({"httpMethod":"POST","path":"/login"})"));
  auto& set_cookies = v1.doc["multiValueHeaders"].as_object()["Set-Cookie"].as_array();
  ASSERT_EQ(set_cookies.size(), 2u);
  std::string c1(set_cookies[0].as_string());
  json::object next1{{"httpMethod", "GET"}, {"path", "/jobs"},
                     {"multiValueHeaders", {{"Cookie", json::array{c1.substr(0, c1.find(';'))}}}}};
  EXPECT_EQ(parse_response(emu_.invoke(json::serialize(next1))).body["cookie"], "tok");
}

TEST_F(EchoFunction, BinaryBodiesTravelAsBase64) {
  auto r = parse_response(emu_.invoke(R"({"httpMethod":"GET","path":"/binary"})"));
  EXPECT_EQ(r.doc["isBase64Encoded"], true);
  EXPECT_EQ(r.doc["body"], "AP8QgA==");
  auto in = parse_response(emu_.invoke(
      R"({"version":"2.0","rawPath":"/upload","requestContext":{"http":{"method":"PUT"}},"isBase64Encoded":true,"body":"SGVsbG8="})"));
  EXPECT_EQ(in.body["body"], "Hello");
}

TEST_F(EchoFunction, MalformedEventsNeverCrashTheLoop) {
  auto bad = emu_.invoke("this is not json");
  EXPECT_EQ(bad.kind, "error");
  EXPECT_EQ(bad.error_type, "InvalidEventDataException");
  EXPECT_NE(bad.body.find(R"("errorType":"InvalidEventDataException")"), std::string::npos);
  auto other = emu_.invoke(R"({"Records":[{"eventSource":"aws:s3"}]})");
  EXPECT_EQ(other.kind, "error");
  auto bad64 = parse_response(
      emu_.invoke(R"({"httpMethod":"POST","path":"/x","isBase64Encoded":true,"body":"Hello from Lambda!"})"));
  EXPECT_EQ(bad64.status, 400);
  EXPECT_EQ(bad64.body["error"].as_object()["code"], "bad_request");
  // ...and the next good event is still answered by the same process.
  EXPECT_EQ(parse_response(emu_.invoke(fixture("aws-lambda-go/apigw-request.json"))).status, 200);
  EXPECT_EQ(child_->wait_for(0ms), std::nullopt);
}

TEST(EchoFunctionInit, InitErrorIsReportedAndTheProcessExits) {
  runtime_emulator emu;
  temp_dir dir;
  child_process child({DROPSLOT_LAMBDA_ECHO}, lambda_env(emu, dir.path(), {"ECHO_INIT_FAIL=1"}), dir.path() + "/out.log");
  auto init = emu.wait_init_error(20s);
  ASSERT_TRUE(init);
  EXPECT_EQ(init->error_type, "Runtime.InitError");
  EXPECT_NE(init->body.find("errorMessage"), std::string::npos);
  EXPECT_EQ(child.wait_for(20s), 1);
}

}  // namespace
}  // namespace dropslot::test
