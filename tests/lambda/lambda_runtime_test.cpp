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
#include <thread>

#include <unistd.h>

#include "child_process.hpp"
#include "runtime_emulator.hpp"
#include "shell_helpers.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string fixture(const std::string& name) {
  return slurp(fs::path(DROPSLOT_SHARED_DIR) / "testdata/apigw" / name);
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

const fixture_case fixture_cases[] = {
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

TEST_F(EchoFunction, AnswersEveryFixtureInItsFormat) {
  for (const auto& c : fixture_cases) {
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

// ------------------------------------------------------- dropslot lambda (the API)
#if DROPSLOT_HAVE_LAMBDA_CLI && DROPSLOT_HAVE_STORE

const std::string dropslot_bin = DROPSLOT_BINARY_DIR "/src/cli/dropslot";

// How the function is started: the binary from the build, or `bootstrap` from
// the zip deploy/package makes, unpacked into an empty folder.
enum class launch { built_binary, unpacked_zip };

class ApiFunction : public ::testing::TestWithParam<launch> {
 protected:
  static void SetUpTestSuite() {
    zip_dir_ = new temp_dir();
    // Package the very binary under test (Debug here; deploy.sh packages Release).
    auto [rc, out] = run_shell(std::string(DROPSLOT_SOURCE_DIR) + "/deploy/package --binary " + dropslot_bin +
                               " --out " + zip_dir_->path() + "/out");
    package_log_ = out;
    package_ok_ = rc == 0;
    if (package_ok_) {
      fs::create_directories(zip_dir_->path() + "/task");
      auto [urc, uout] = run_shell("cd " + zip_dir_->path() + "/task && unzip -q ../out/dropslot-lambda.zip");
      package_ok_ = urc == 0;
      package_log_ += uout;
    }
  }
  static void TearDownTestSuite() {
    delete zip_dir_;
    zip_dir_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == launch::unpacked_zip) {
      ASSERT_TRUE(package_ok_) << package_log_;
    }
    // The object store standing in for S3, with the uploads bucket.
    fs::create_directories(dir_.path() + "/store");
    store_ = std::make_unique<child_process>(
        std::vector<std::string>{dropslot_bin, "s3", "--data", dir_.path() + "/store", "--listen", "127.0.0.1:0"},
        std::vector<std::string>{"PATH=/usr/bin:/bin", "AWS_REGION=us-east-1"}, dir_.path() + "/store.log");
    for (int i = 0; i < 400 && endpoint_.empty(); ++i) {
      std::smatch m;
      std::string log = store_->output();
      if (std::regex_search(log, m, std::regex("dropslot s3 listening on (http://[0-9.:]+)")))
        endpoint_ = m[1];
      else
        std::this_thread::sleep_for(25ms);
    }
    ASSERT_FALSE(endpoint_.empty()) << store_->output();
    auto creds = json::parse(slurp(dir_.path() + "/store/credentials")).as_object();
    key_id_ = creds.at("access_key_id").as_string();
    secret_ = creds.at("secret_access_key").as_string();
    must_run("env -u AWS_CA_BUNDLE -u AWS_PROFILE AWS_ACCESS_KEY_ID=" + key_id_ + " AWS_SECRET_ACCESS_KEY=" + secret_ +
             " AWS_REGION=us-east-1 /usr/bin/aws --endpoint-url " + endpoint_ + " s3 mb s3://uploads");

    // A customer with a job and a one-time login code, made the way an operator would.
    db_url_ = "sqlite://" + dir_.path() + "/dropslot.db";
    std::string admin = dropslot_bin + " admin --database " + db_url_ + " ";
    admin = dropslot_bin + " admin ";
    std::string db = " --database " + db_url_;
    customer_ = must_run(admin + "customer add --name 'Lambda Test' --email lambda@example.com" + db);
    job_ = must_run(admin + "job add --customer " + customer_ + " --title 'Roof'" + db);
    std::string link = must_run(admin + "login-link --customer " + customer_ + db);
    code_ = link.substr(link.find("code=") + 5);

    start_function({});
  }

  void start_function(std::vector<std::string> extra) {
    std::vector<std::string> env = lambda_env(emu_, task_root(),
                                              {"DROPSLOT_BUCKET=uploads", "DROPSLOT_DATABASE_URL=" + db_url_,
                                               "DROPSLOT_API_BASE=", "AWS_ENDPOINT_URL_S3=" + endpoint_,
                                               "AWS_ACCESS_KEY_ID=" + key_id_, "AWS_SECRET_ACCESS_KEY=" + secret_});
    // An extra "NAME=value" replaces NAME (getenv would see the first of two).
    for (const auto& e : extra) {
      std::string name = e.substr(0, e.find('=') + 1);
      std::erase_if(env, [&](const std::string& v) { return v.starts_with(name); });
      env.push_back(e);
    }
    std::vector<std::string> argv = GetParam() == launch::built_binary
                                        ? std::vector<std::string>{dropslot_bin, "lambda"}
                                        : std::vector<std::string>{task_root() + "/bootstrap"};
    function_ = std::make_unique<child_process>(argv, env, dir_.path() + "/function.log", task_root());
  }

  std::string task_root() const {
    return GetParam() == launch::unpacked_zip ? zip_dir_->path() + "/task" : dir_.path();
  }

  // POST {base}/login with the code; returns the session token.
  std::string login() {
    json::object ev{{"httpMethod", "POST"},
                    {"path", "/login"},
                    {"multiValueHeaders", {{"Content-Type", json::array{"application/json"}}}},
                    {"body", json::serialize(json::object{{"code", code_}})}};
    auto r = parse_response(emu_.invoke(json::serialize(ev)));
    EXPECT_EQ(r.status, 200) << json::serialize(r.doc);
    auto& cookies = r.doc["multiValueHeaders"].as_object()["Set-Cookie"];
    EXPECT_TRUE(cookies.is_array() && !cookies.as_array().empty());
    if (cookies.is_array() && !cookies.as_array().empty()) {
      std::string c(cookies.as_array()[0].as_string());
      EXPECT_TRUE(c.starts_with("dropslot_session=")) << c;
      EXPECT_NE(c.find("HttpOnly"), std::string::npos) << c;
      EXPECT_NE(c.find("Secure"), std::string::npos) << c;  // API Gateway is HTTPS
    }
    return r.body.contains("session_token") ? std::string(r.body["session_token"].as_string()) : "";
  }

  response_doc upload_url(const std::string& token) {
    json::object body{{"job_id", job_}, {"filename", "roof.jpg"}, {"content_type", "image/jpeg"}, {"size", 3}};
    json::object ev{{"resource", "/upload-url"},
                    {"httpMethod", "POST"},
                    {"path", "/upload-url"},
                    {"headers", {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}}},
                    {"multiValueHeaders",
                     {{"Authorization", json::array{"Bearer " + token}}, {"Content-Type", json::array{"application/json"}}}},
                    {"queryStringParameters", nullptr},
                    {"multiValueQueryStringParameters", nullptr},
                    {"pathParameters", nullptr},
                    {"stageVariables", nullptr},
                    {"requestContext", {{"requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}, {"stage", "api"},
                                        {"identity", {{"sourceIp", "203.0.113.7"}}}}},
                    {"body", json::serialize(body)},
                    {"isBase64Encoded", false}};
    return parse_response(emu_.invoke(json::serialize(ev)));
  }

  static inline temp_dir* zip_dir_ = nullptr;
  static inline bool package_ok_ = false;
  static inline std::string package_log_;

  runtime_emulator emu_;
  temp_dir dir_;
  std::unique_ptr<child_process> store_, function_;
  std::string endpoint_, key_id_, secret_, db_url_, customer_, job_, code_;
};

TEST_P(ApiFunction, HealthzInBothFormats) {
  auto v1 = parse_response(emu_.invoke(R"({"httpMethod":"GET","path":"/healthz"})"));
  EXPECT_EQ(v1.status, 200);
  auto v2 = parse_response(
      emu_.invoke(R"({"version":"2.0","rawPath":"/healthz","requestContext":{"http":{"method":"GET"}}})"));
  EXPECT_EQ(v2.status, 200);
  EXPECT_TRUE(v2.doc.contains("cookies"));
}

// The shared fixtures name routes the API does not have (/hello/world, /my/path):
// the API's own JSON error must come back, in each event's format: 404, or 413
// when the fixture carries a body (an unknown route's body limit is 0, the same
// answer `dropslot serve` gives before reading such a body).
TEST_P(ApiFunction, AnswersEveryFixtureInItsFormat) {
  for (const auto& c : fixture_cases) {
    SCOPED_TRACE(c.file);
    auto r = parse_response(emu_.invoke(fixture(c.file)));
    EXPECT_TRUE(r.status == 404 || r.status == 413) << json::serialize(r.doc);
    EXPECT_TRUE(r.body.contains("error")) << json::serialize(r.doc);
    EXPECT_EQ(r.doc.contains("multiValueHeaders"), !c.v2);
    EXPECT_EQ(r.doc.contains("cookies"), c.v2);
  }
  EXPECT_EQ(function_->wait_for(0ms), std::nullopt) << function_->output();
}

TEST_P(ApiFunction, UploadUrlIsPresignedAndThePutLandsInTheStore) {
  std::string token = login();
  ASSERT_FALSE(token.empty());
  auto grant = upload_url(token);
  ASSERT_EQ(grant.status, 200) << json::serialize(grant.doc);
  std::string url(grant.body["url"].as_string());
  std::string key(grant.body["key"].as_string());
  EXPECT_EQ(key, "jobs/" + job_ + "/photo-001.jpg");
  EXPECT_TRUE(url.starts_with(endpoint_ + "/uploads/" + key + "?")) << url;  // path style on a custom endpoint
  EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos);

  // PUT exactly the headers the API returned, as the browser does.
  std::ofstream(dir_.path() + "/photo.jpg", std::ios::binary) << "\xff\xd8\xff";
  std::string curl = "curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary @" + dir_.path() + "/photo.jpg";
  for (const auto& [name, value] : grant.body["headers"].as_object())
    curl += " -H '" + std::string(name) + ": " + std::string(value.as_string()) + "'";
  EXPECT_EQ(must_run(curl + " '" + url + "'"), "200");
  EXPECT_TRUE(fs::exists(dir_.path() + "/store") );

  // The photo list (HTTP API payload 2.0, cookie auth) shows it with a GET URL.
  json::object photos_ev{{"version", "2.0"},
                         {"routeKey", "GET /jobs/{id}/photos"},
                         {"rawPath", "/jobs/" + job_ + "/photos"},
                         {"rawQueryString", ""},
                         {"cookies", json::array{"dropslot_session=" + token}},
                         {"headers", {{"accept", "application/json"}}},
                         {"requestContext", {{"requestId", "id"}, {"stage", "$default"},
                                             {"http", {{"method", "GET"}, {"path", "/jobs/" + job_ + "/photos"},
                                                       {"sourceIp", "203.0.113.7"}}}}},
                         {"isBase64Encoded", false}};
  auto photos = parse_response(emu_.invoke(json::serialize(photos_ev)));
  ASSERT_EQ(photos.status, 200) << json::serialize(photos.doc);
  auto& list = photos.body["photos"].as_array();
  ASSERT_EQ(list.size(), 1u) << json::serialize(photos.body);
  EXPECT_EQ(list[0].as_object()["key"].as_string(), key);
  EXPECT_EQ(list[0].as_object()["size"], 3);
  std::string get_url(list[0].as_object()["url"].as_string());
  EXPECT_EQ(must_run("curl -sS -o /dev/null -w '%{http_code}' '" + get_url + "'"), "200");

  // The second grant for the job takes the next number.
  auto second = upload_url(token);
  EXPECT_EQ(json::value_to<std::string>(second.body["key"]), "jobs/" + job_ + "/photo-002.jpg");
}

TEST_P(ApiFunction, ErrorsComeBackAsApiErrorsAndTheLoopGoesOn) {
  auto unauth = upload_url("not-a-session");
  EXPECT_EQ(unauth.status, 401);
  EXPECT_TRUE(unauth.body["error"].as_object().contains("code"));
  auto missing = parse_response(emu_.invoke(R"({"httpMethod":"GET","path":"/no/such/route"})"));
  EXPECT_EQ(missing.status, 404);
  auto bad = emu_.invoke("{not json");
  EXPECT_EQ(bad.kind, "error");
  EXPECT_EQ(bad.error_type, "InvalidEventDataException");
  EXPECT_EQ(parse_response(emu_.invoke(R"({"httpMethod":"GET","path":"/healthz"})")).status, 200);
  EXPECT_EQ(function_->wait_for(0ms), std::nullopt) << function_->output();
}

TEST_P(ApiFunction, LogsAreJsonLinesWithoutSecrets) {
  std::string token = login();
  auto grant = upload_url(token);
  ASSERT_EQ(grant.status, 200);
  std::string log = function_->output();
  std::istringstream in(log);
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    EXPECT_FALSE(ec) << "not a JSON line: " << line;
    ++lines;
    if (!ec && v.as_object().contains("status")) {
      EXPECT_TRUE(v.as_object().contains("request_id")) << line;
    }
  }
  EXPECT_GE(lines, 3);
  for (const std::string& secret : {token, code_, secret_, std::string(grant.body["url"].as_string())})
    EXPECT_EQ(log.find(secret), std::string::npos) << "a secret reached the log";
  EXPECT_EQ(log.find("X-Amz-Signature"), std::string::npos);
}

// Each invocation prints one CloudWatch Embedded Metric Format document (issue 24,
// docs/metrics.md), valid against the EMF specification's structure: _aws.Timestamp
// (epoch ms), CloudWatchMetrics with Namespace, Dimensions and Metrics, and a number
// for every metric and a value for every dimension it names. Operation is the route
// template, never an id.
TEST_P(ApiFunction, EachInvocationPrintsOneEmfDocument) {
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  std::string token = login();
  ASSERT_EQ(upload_url(token).status, 200);
  ASSERT_EQ(parse_response(emu_.invoke(R"({"httpMethod":"GET","path":"/no/such/route"})")).status, 404);
  auto log = function_->output();
  std::vector<json::object> docs;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"_aws\"") == std::string::npos) continue;
    EXPECT_EQ(line.find(job_), std::string::npos) << "an id in a metric line: " << line;
    EXPECT_EQ(line.find(token), std::string::npos);
    docs.push_back(json::parse(line).as_object());
  }
  ASSERT_EQ(docs.size(), 3u) << log;  // login, upload-url, the unknown route
  std::vector<std::string> operations;
  for (const auto& doc : docs) {
    const auto& aws = doc.at("_aws").as_object();
    ASSERT_TRUE(aws.at("Timestamp").is_int64());
    EXPECT_GE(aws.at("Timestamp").as_int64(), before);
    const auto& directives = aws.at("CloudWatchMetrics").as_array();
    ASSERT_EQ(directives.size(), 1u);
    const auto& d = directives[0].as_object();
    EXPECT_EQ(d.at("Namespace").as_string(), "dropslot");
    EXPECT_EQ(json::serialize(d.at("Dimensions")), R"([["Operation"]])");
    for (const auto& set : d.at("Dimensions").as_array())
      for (const auto& dim : set.as_array()) EXPECT_TRUE(doc.at(dim.as_string()).is_string());
    ASSERT_GE(d.at("Metrics").as_array().size(), 7u);
    for (const auto& m : d.at("Metrics").as_array()) {
      std::string name(m.as_object().at("Name").as_string());
      ASSERT_TRUE(doc.contains(name)) << name;
      EXPECT_TRUE(doc.at(name).is_number()) << name;
    }
    EXPECT_EQ(doc.at("Requests").to_number<double>(), 1);
    operations.emplace_back(doc.at("Operation").as_string());
  }
  EXPECT_EQ(operations, (std::vector<std::string>{"POST /login", "POST /upload-url", "other"}));
  EXPECT_EQ(docs[1].at("UploadsIssued").to_number<double>(), 1);
  EXPECT_EQ(docs[0].at("UploadsIssued").to_number<double>(), 0);
  EXPECT_EQ(docs[1].at("Errors").to_number<double>(), 0);
  EXPECT_EQ(docs[2].at("ClientErrors").to_number<double>(), 1);
  EXPECT_GT(docs[1].at("Latency").to_number<double>(), 0);
}

// Lambda hands the role's temporary credentials over with AWS_SESSION_TOKEN; a URL
// signed with them must carry the token, or S3 rejects it.
TEST_P(ApiFunction, SessionTokenFromTheEnvironmentIsSignedIntoTheUrl) {
  function_->stop();
  start_function({"AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+x="});
  auto grant = upload_url(login());
  ASSERT_EQ(grant.status, 200) << json::serialize(grant.doc);
  std::string url(grant.body["url"].as_string());
  EXPECT_NE(url.find("X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2FTOKEN%2Bx%3D"), std::string::npos) << url;
  EXPECT_EQ(function_->output().find("IQoJb3JpZ2luX2VjEXAMPLE"), std::string::npos) << "the token reached the log";
}

TEST_P(ApiFunction, InitFailureIsReportedWithoutThePassword) {
  function_->stop();
  // A database that cannot be reached (port 1): init fails, once, and the runtime exits.
  start_function({"DROPSLOT_DATABASE_URL=postgres://app:hunter2@127.0.0.1:1/dropslot?connect_timeout=2"});
  auto init = emu_.wait_init_error(30s);
  ASSERT_TRUE(init) << function_->output();
  EXPECT_EQ(init->error_type, "Runtime.InitError");
  // libpq's own words: it was loaded (dlopen; from the bundle for the zip) and tried.
  EXPECT_NE(init->body.find("connection to server"), std::string::npos) << init->body;
  EXPECT_EQ(init->body.find("hunter2"), std::string::npos) << init->body;
  EXPECT_EQ(function_->wait_for(30s), 1);
  EXPECT_EQ(function_->output().find("hunter2"), std::string::npos) << function_->output();
}

// The strongest local proof that the bundle needs nothing from the host: a chroot
// holding only the unpacked zip (at /var/task, as on Lambda) and an empty /tmp
// for the SQLite file. The command is the one `bootstrap` execs; only /bin/sh,
// which runs bootstrap itself on Lambda, is left out. Needs root (chroot).
TEST(PackagedFunction, ServesFromAChrootHoldingOnlyTheZip) {
  if (::geteuid() != 0) GTEST_SKIP() << "chroot needs root; the unpacked-zip tests above still ran";
  temp_dir dir;
  auto [prc, pout] = run_shell(std::string(DROPSLOT_SOURCE_DIR) + "/deploy/package --binary " + dropslot_bin +
                               " --out " + dir.path() + "/out");
  ASSERT_EQ(prc, 0) << pout;
  std::string root = dir.path() + "/root";
  fs::create_directories(root + "/var/task");
  fs::create_directories(root + "/tmp");
  must_run("cd " + root + "/var/task && unzip -q " + dir.path() + "/out/dropslot-lambda.zip");
  std::string db = " --database sqlite://" + root + "/tmp/dropslot.db";
  std::string customer = must_run(dropslot_bin + " admin customer add --name Chroot --email chroot@example.com" + db);
  std::string job = must_run(dropslot_bin + " admin job add --customer " + customer + " --title Roof" + db);
  std::string link = must_run(dropslot_bin + " admin login-link --customer " + customer + db);
  std::string code = link.substr(link.find("code=") + 5);

  runtime_emulator emu;
  child_process fn({"/usr/sbin/chroot", root, "/var/task/lib/ld-linux-x86-64.so.2", "--library-path", "/var/task/lib",
                    "/var/task/bin/dropslot", "lambda"},
                   lambda_env(emu, "/var/task",
                              {"DROPSLOT_BUCKET=uploads", "DROPSLOT_DATABASE_URL=sqlite:///tmp/dropslot.db",
                               "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
                               "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                               "AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE"}),
                   dir.path() + "/function.log");
  json::object login{{"httpMethod", "POST"}, {"path", "/login"}, {"body", json::serialize(json::object{{"code", code}})}};
  auto session = parse_response(emu.invoke(json::serialize(login)));
  ASSERT_EQ(session.status, 200) << json::serialize(session.doc) << fn.output();
  std::string token(session.body["session_token"].as_string());
  json::object grant_ev{
      {"httpMethod", "POST"},
      {"path", "/upload-url"},
      {"multiValueHeaders", {{"Authorization", json::array{"Bearer " + token}}}},
      {"body", json::serialize(json::object{{"job_id", job}, {"filename", "a.png"}, {"content_type", "image/png"}, {"size", 10}})}};
  auto grant = parse_response(emu.invoke(json::serialize(grant_ev)));
  ASSERT_EQ(grant.status, 200) << json::serialize(grant.doc);
  // Real AWS addressing (no custom endpoint): virtual-hosted, the bucket in the host.
  EXPECT_TRUE(std::string_view(grant.body["url"].as_string())
                  .starts_with("https://uploads.s3.us-east-1.amazonaws.com/jobs/" + job + "/photo-001.png?"))
      << grant.body["url"];
  EXPECT_EQ(fn.wait_for(0ms), std::nullopt) << fn.output();
}

INSTANTIATE_TEST_SUITE_P(Launch, ApiFunction, ::testing::Values(launch::built_binary, launch::unpacked_zip),
                         [](const auto& info) { return info.param == launch::built_binary ? "BuiltBinary" : "UnpackedZip"; });

#endif

}  // namespace
}  // namespace dropslot::test
