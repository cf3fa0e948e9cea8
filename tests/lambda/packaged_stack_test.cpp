// The packaged zip (deploy/package, unpacked into an empty folder and started
// through its `bootstrap`) under the Runtime API emulator, configured as
// deploy/template.yaml configures the function: DynamoDB (dynalite, npm) for the
// database, `dropslot s3` for the uploads bucket, and Secrets Manager for the
// origin header's value and, on the PostgreSQL path, the database URL.
//   - login, upload-url, PUT, list photos, all with CloudFront's origin header;
//   - a request without the header is refused (403);
//   - the secrets are read once, at start, with GetSecretValue requests whose
//     signatures the local Secrets Manager checks; a refused signature is an init
//     error that never shows a secret.
// Not exercised here (needs AWS): CloudFront adding the header, IAM, real
// Secrets Manager and DynamoDB.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "dropslot/http/server.hpp"
#include "dropslot/sigv4/crypto.hpp"
#include "dropslot/sigv4/signer.hpp"
#include "dynalite_server.hpp"
#include "runtime_emulator.hpp"
#include "shell_helpers.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string dropslot_bin = DROPSLOT_BINARY_DIR "/src/cli/dropslot";
const std::string origin_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod-origin-AbCdEf";
const std::string database_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod-database-GhIjKl";
const std::string origin_value = "T3JpZ2luVmFsdWVHZW5lcmF0ZWRCeVNlY3JldHNNYW5hZ2VyNDg";

// Stands in for AWS Secrets Manager (it is AWS itself, which the tests cannot
// reach): GetSecretValue over the JSON protocol 1.1. It checks each request's
// SigV4 signature with our src/sigv4: the canonical request is rebuilt from the
// headers the request says it signed and the body's SHA-256, signed again with
// the secret key it knows, and the two Authorization values compared in constant
// time. (sigv4::verifier expects S3's x-amz-content-sha256 header, which the JSON
// protocols do not send, so the signer's stages do the check here.)
class secrets_manager_standin final : public http::service {
 public:
  secrets_manager_standin(sigv4::credentials creds, std::map<std::string, std::string> secrets)
      : creds_(std::move(creds)), secrets_(std::move(secrets)) {}

  std::size_t body_limit(const http::request&) const override { return 64 * 1024; }
  bool access_log_enabled() const override { return false; }

  http::response handle(const http::request& req) override {
    if (req.method != "POST" || req.path != "/") return error(404, "UnknownOperationException", "POST / only");
    if (req.headers.get("X-Amz-Target").value_or("") != "secretsmanager.GetSecretValue")
      return error(400, "UnknownOperationException", "GetSecretValue only");
    if (req.headers.get("Content-Type").value_or("") != "application/x-amz-json-1.1")
      return error(400, "SerializationException", "application/x-amz-json-1.1 expected");
    if (!signature_ok(req)) {
      ++rejected;
      return error(400, "InvalidSignatureException", "The request signature we calculated does not match");
    }
    ++verified;
    boost::system::error_code ec;
    auto body = json::parse(req.body, ec);
    if (ec || !body.is_object() || !body.as_object().contains("SecretId"))
      return error(400, "ValidationException", "SecretId is required");
    std::string id(body.at("SecretId").as_string());
    auto it = secrets_.find(id);
    if (it == secrets_.end()) return error(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    http::response res;
    res.headers.set("Content-Type", "application/x-amz-json-1.1");
    res.body = json::serialize(json::object{{"ARN", id}, {"Name", "secret"}, {"SecretString", it->second},
                                            {"VersionId", "v1"}});
    return res;
  }

  std::atomic<int> verified{0}, rejected{0};

 private:
  bool signature_ok(const http::request& req) const {
    std::string auth(req.headers.get("Authorization").value_or(""));
    std::smatch m;
    static const std::regex shape(
        R"(AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/secretsmanager/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64})");
    if (!std::regex_match(auth, m, shape)) return false;
    if (m[1] != std::string(creds_.access_key.value())) return false;
    auto time = sigv4::parse_amz_date(req.headers.get("X-Amz-Date").value_or(""));
    if (!time) return false;
    sigv4::signing_request r;
    r.method = req.method;
    r.path = req.path;
    r.payload_hash = sigv4::sha256_hex(req.body);
    r.region = m[3];
    r.service = "secretsmanager";
    r.credentials = creds_;
    r.time = *time;
    r.add_content_sha256 = false;
    std::string names = m[4];
    for (std::size_t start = 0; start <= names.size();) {
      auto end = names.find(';', start);
      if (end == std::string::npos) end = names.size();
      std::string name = names.substr(start, end - start);
      if (name != "x-amz-date" && name != "x-amz-security-token") {
        auto v = req.headers.get(name);
        if (!v) return false;
        r.headers.push_back({name, std::string(*v)});
      }
      start = end + 1;
    }
    auto added = sigv4::sign_headers(r, nullptr);
    if (!added) return false;
    for (const auto& h : *added)
      if (h.name == "Authorization" || h.name == "authorization") return sigv4::constant_time_equal(h.value, auth);
    return false;
  }

  static http::response error(int status, std::string_view type, std::string_view message) {
    http::response res;
    res.status = status;
    res.headers.set("Content-Type", "application/x-amz-json-1.1");
    res.body = json::serialize(json::object{{"__type", type}, {"message", message}});
    return res;
  }

  sigv4::credentials creds_;
  std::map<std::string, std::string> secrets_;
};

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

class PackagedStack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    zip_dir_ = new temp_dir();
    auto [rc, out] = run_shell(DROPSLOT_SOURCE_DIR "/deploy/package --binary " + dropslot_bin + " --out " +
                               zip_dir_->path() + "/out 2>&1");
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
    ASSERT_TRUE(package_ok_) << package_log_;
    dynalite_ = std::make_unique<db::testing::dynalite_server>();
    ASSERT_TRUE(dynalite_->running()) << dynalite_->error();

    // The uploads bucket: the embedded store, with the uploads bucket.
    fs::create_directories(dir_.path() + "/store");
    store_ = std::make_unique<child_process>(
        std::vector<std::string>{dropslot_bin, "s3", "--data", dir_.path() + "/store", "--listen", "127.0.0.1:0"},
        std::vector<std::string>{"PATH=/usr/bin:/bin", "AWS_REGION=us-east-1"}, dir_.path() + "/store.log");
    for (int i = 0; i < 400 && s3_.empty(); ++i) {
      std::smatch m;
      std::string log = store_->output();
      if (std::regex_search(log, m, std::regex("dropslot s3 listening on (http://[0-9.:]+)"))) s3_ = m[1];
      else std::this_thread::sleep_for(25ms);
    }
    ASSERT_FALSE(s3_.empty()) << store_->output();
    auto creds = json::parse(slurp(dir_.path() + "/store/credentials")).as_object();
    key_id_ = creds.at("access_key_id").as_string();
    secret_ = creds.at("secret_access_key").as_string();
    // One identity for every service, as the execution role is under Lambda.
    aws_env_ = "env -u AWS_CA_BUNDLE -u AWS_PROFILE -u DROPSLOT_DATABASE_URL AWS_ACCESS_KEY_ID=" + key_id_ +
               " AWS_SECRET_ACCESS_KEY=" + secret_ + " AWS_REGION=us-east-1 AWS_ENDPOINT_URL_DYNAMODB=" +
               dynalite_->endpoint() + " ";
    must_run(aws_env_ + "/usr/bin/aws --endpoint-url " + s3_ + " s3 mb s3://uploads");

    // The table, as the stack creates it (`admin migrate` sends the same CreateTable),
    // and a customer with a job and a login code, made the way an operator would.
    prefix_ = "stack" + std::to_string(::getpid());
    database_url_ = "dynamodb://" + prefix_;
    std::string admin = aws_env_ + dropslot_bin + " admin --database " + database_url_ + " ";
    must_run(admin + "migrate");
    customer_ = must_run(admin + "customer add --name 'Packaged Test' --email packaged@example.com");
    job_ = must_run(admin + "job add --customer " + customer_ + " --title Roof");
    std::string link = must_run(admin + "login-link --customer " + customer_);
    code_ = link.substr(link.find("code=") + 5);
  }

  void TearDown() override {
    function_.reset();
    if (server_) {
      server_->stop();
      server_->join();
    }
  }

  // Starts the local Secrets Manager, signing key `signing_secret` (the function's
  // own unless a test wants its signatures refused).
  void start_secrets(const std::string& signing_secret) {
    sigv4::credentials c;
    c.access_key = sigv4::access_key_id(key_id_);
    c.secret = sigv4::secret_access_key(signing_secret);
    secrets_ = std::make_shared<secrets_manager_standin>(
        c, std::map<std::string, std::string>{{origin_arn, origin_value}, {database_arn, database_url_}});
    server_ = std::make_unique<http::server>(2);
    auto bound = server_->listen("127.0.0.1:0", secrets_, http::limits{});
    ASSERT_TRUE(bound) << bound.error().message();
    secrets_endpoint_ = "http://" + *bound;
    server_->start();
  }

  // The function from the zip, configured as the template configures it.
  void start_function(bool database_from_secret) {
    std::vector<std::string> env{"AWS_LAMBDA_RUNTIME_API=" + emu_.endpoint(),
                                 "LAMBDA_TASK_ROOT=" + zip_dir_->path() + "/task",
                                 "AWS_LAMBDA_FUNCTION_NAME=prod-api",
                                 "AWS_REGION=us-east-1",
                                 "TZ=:UTC",
                                 "AWS_ACCESS_KEY_ID=" + key_id_,
                                 "AWS_SECRET_ACCESS_KEY=" + secret_,
                                 "AWS_ENDPOINT_URL_S3=" + s3_,
                                 "AWS_ENDPOINT_URL_DYNAMODB=" + dynalite_->endpoint(),
                                 "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + secrets_endpoint_,
                                 "DROPSLOT_BUCKET=uploads",
                                 "DROPSLOT_API_BASE=",
                                 "DROPSLOT_ORIGIN_SECRET_ARN=" + origin_arn};
    env.push_back(database_from_secret ? "DROPSLOT_DATABASE_SECRET_ARN=" + database_arn
                                       : "DROPSLOT_DATABASE_URL=" + database_url_);
    function_ = std::make_unique<child_process>(std::vector<std::string>{zip_dir_->path() + "/task/bootstrap"}, env,
                                                dir_.path() + "/function.log", zip_dir_->path() + "/task");
  }

  response_doc call(const std::string& method, const std::string& path, const std::string& token, const json::value& body,
                    bool with_origin = true) {
    json::object headers{{"Content-Type", "application/json"}};
    if (with_origin) headers["X-Dropslot-Origin-Verify"] = origin_value;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    json::object ev{{"httpMethod", method},
                    {"path", path},
                    {"headers", headers},
                    {"requestContext", {{"requestId", "r"}, {"stage", "api"}, {"identity", {{"sourceIp", "203.0.113.7"}}}}},
                    {"body", body.is_null() ? json::value(nullptr) : json::value(json::serialize(body))},
                    {"isBase64Encoded", false}};
    return parse_response(emu_.invoke(json::serialize(ev)));
  }

  static inline temp_dir* zip_dir_ = nullptr;
  static inline bool package_ok_ = false;
  static inline std::string package_log_;

  runtime_emulator emu_;
  temp_dir dir_;
  std::unique_ptr<db::testing::dynalite_server> dynalite_;
  std::unique_ptr<child_process> store_, function_;
  std::shared_ptr<secrets_manager_standin> secrets_;
  std::unique_ptr<http::server> server_;
  std::string s3_, key_id_, secret_, aws_env_, prefix_, database_url_, customer_, job_, code_, secrets_endpoint_;
};

TEST_F(PackagedStack, OnDynamoDbBehindTheOriginHeaderLoginUploadAndList) {
  start_secrets(secret_);
  start_function(false);

  // Straight to execute-api, without CloudFront's header: refused, whatever the route.
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{{"GET", "/healthz"}, {"POST", "/login"}}) {
    auto direct = call(method, path, "", method == "POST" ? json::value(json::object{{"code", code_}}) : json::value(nullptr), false);
    EXPECT_EQ(direct.status, 403) << json::serialize(direct.doc);
    EXPECT_EQ(direct.body["error"].at("code"), "forbidden");
  }

  auto login = call("POST", "/login", "", json::object{{"code", code_}});
  ASSERT_EQ(login.status, 200) << json::serialize(login.doc) << slurp(dir_.path() + "/function.log");
  std::string token(login.body["session_token"].as_string());

  auto grant = call("POST", "/upload-url", token,
                    json::object{{"job_id", job_}, {"filename", "roof.jpg"}, {"content_type", "image/jpeg"}, {"size", 3}});
  ASSERT_EQ(grant.status, 200) << json::serialize(grant.doc);
  std::string url(grant.body["url"].as_string()), key(grant.body["key"].as_string());
  EXPECT_TRUE(std::regex_match(key, std::regex("jobs/" + job_ + "/photo-[0-9]{3,}\\.jpg"))) << key;

  std::ofstream(dir_.path() + "/photo.jpg", std::ios::binary) << "\xff\xd8\xff";
  std::string curl = "curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary @" + dir_.path() + "/photo.jpg";
  for (const auto& [name, value] : grant.body["headers"].as_object())
    curl += " -H '" + std::string(name) + ": " + std::string(value.as_string()) + "'";
  EXPECT_EQ(must_run(curl + " '" + url + "'"), "200");

  auto photos = call("GET", "/jobs/" + job_ + "/photos", token, nullptr);
  ASSERT_EQ(photos.status, 200) << json::serialize(photos.doc);
  bool listed = false;
  for (const auto& p : photos.body["photos"].as_array()) listed |= p.at("key") == json::value(key);
  EXPECT_TRUE(listed) << json::serialize(photos.body);

  // The origin secret was read once, at start, with a signature that checked out;
  // no log line carries it.
  EXPECT_EQ(secrets_->verified.load(), 1);
  EXPECT_EQ(secrets_->rejected.load(), 0);
  std::string log = slurp(dir_.path() + "/function.log");
  EXPECT_EQ(log.find(origin_value), std::string::npos) << log;
  EXPECT_NE(log.find("\"origin_check\":true"), std::string::npos) << log;
}

TEST_F(PackagedStack, TheDatabaseUrlComesFromSecretsManager) {
  start_secrets(secret_);
  start_function(true);
  auto login = call("POST", "/login", "", json::object{{"code", code_}});
  ASSERT_EQ(login.status, 200) << json::serialize(login.doc) << slurp(dir_.path() + "/function.log");
  EXPECT_EQ(secrets_->verified.load(), 2) << "the origin secret and the database URL, once each";
  std::string log = slurp(dir_.path() + "/function.log");
  EXPECT_NE(log.find("\"database_from_secret\":true"), std::string::npos) << log;
  EXPECT_EQ(log.find(database_url_), std::string::npos) << "the database URL reached the log:\n" << log;
}

TEST_F(PackagedStack, ARefusedSignatureIsAnInitErrorWithoutTheSecret) {
  start_secrets("some-other-secret-key-than-the-functions-0000");
  start_function(false);
  auto init = emu_.wait_init_error(20s);
  ASSERT_TRUE(init) << slurp(dir_.path() + "/function.log");
  EXPECT_EQ(init->error_type, "Runtime.InitError");
  EXPECT_NE(init->body.find("InvalidSignatureException"), std::string::npos) << init->body;
  EXPECT_NE(init->body.find(origin_arn), std::string::npos) << init->body;
  EXPECT_GE(secrets_->rejected.load(), 1);
  EXPECT_EQ(secrets_->verified.load(), 0);
  EXPECT_EQ(init->body.find(origin_value), std::string::npos);
  EXPECT_TRUE(function_->wait_for(10s).has_value()) << "the runtime exits after an init error";
}

// deploy/template.yaml's table is the one `dropslot admin migrate` creates (SetUp
// ran it against dynalite): keys, attribute types and the index, read back with the
// AWS CLI's DescribeTable. (dynalite has no UpdateTimeToLive, so the TTL attribute
// is compared with the code's constant in template_test.cpp.)
TEST_F(PackagedStack, TheTemplatesTableIsTheOneAdminMigrateCreates) {
  auto [trc, text] = run_shell("/usr/bin/python3 " DROPSLOT_SOURCE_DIR "/tests/lambda/cfn_to_json.py " DROPSLOT_SOURCE_DIR
                               "/deploy/template.yaml");
  ASSERT_EQ(trc, 0) << text;
  auto tmpl = json::parse(text).at("Resources").at("Table").at("Properties").as_object();
  std::string aws = aws_env_ + "/usr/bin/aws --endpoint-url " + dynalite_->endpoint() + " --output json dynamodb ";
  auto table = json::parse(must_run(aws + "describe-table --table-name " + prefix_ + "-main")).at("Table").as_object();
  EXPECT_EQ(tmpl.at("TableName"), (json::value{{"Fn::Sub", "${AWS::StackName}-main"}}));
  EXPECT_EQ(table.at("KeySchema"), tmpl.at("KeySchema"));
  auto sorted = [](const json::value& v) {
    std::set<std::string> s;
    for (const auto& e : v.as_array()) s.insert(json::serialize(e));
    return s;
  };
  EXPECT_EQ(sorted(table.at("AttributeDefinitions")), sorted(tmpl.at("AttributeDefinitions")));
  json::array indexes;
  for (const auto& i : table.at("GlobalSecondaryIndexes").as_array())
    indexes.push_back(json::object{{"IndexName", i.at("IndexName")}, {"KeySchema", i.at("KeySchema")}, {"Projection", i.at("Projection")}});
  EXPECT_EQ(sorted(indexes), sorted(tmpl.at("GlobalSecondaryIndexes")));
  if (table.contains("BillingModeSummary"))
    EXPECT_EQ(table.at("BillingModeSummary").at("BillingMode"), tmpl.at("BillingMode"));
}

// The zip's CA roots (deploy/package, certs/aws-roots.pem): exactly the Amazon
// Trust Services roots, byte for byte the build machine's Debian copies, and
// bootstrap's choice of CA file. Only the zip is needed (no servers).
class PackagedCaRoots : public PackagedStack {
 protected:
  void SetUp() override { ASSERT_TRUE(package_ok_) << package_log_; }
  void TearDown() override {}

  // What `bootstrap` exports, with `env` set: the loader it execs is replaced by a
  // script that prints the CA variables, in a task root that has the zip's certs.
  std::string bootstrap_ca_env(const std::string& env) {
    const std::string root = dir_.path() + "/root";
    const std::string task = zip_dir_->path() + "/task";
    must_run("mkdir -p " + root + "/lib && cp -r " + task + "/certs " + root + "/ && for f in " + task +
             "/lib/ld-linux-*; do printf '#!/bin/sh\\necho \"AWS_CA_BUNDLE=${AWS_CA_BUNDLE:-} SSL_CERT_FILE=${SSL_CERT_FILE:-}\"\\n' > " +
             root + "/lib/$(basename $f); chmod 755 " + root + "/lib/$(basename $f); done");
    return must_run("env -i PATH=/usr/bin:/bin LAMBDA_TASK_ROOT=" + root + " " + env + " /bin/sh " + task + "/bootstrap");
  }
};

TEST_F(PackagedCaRoots, TheZipCarriesExactlyTheAmazonTrustServicesRoots) {
  const std::string bundle = zip_dir_->path() + "/task/certs/aws-roots.pem";
  ASSERT_TRUE(fs::exists(bundle)) << package_log_;
  // One line per certificate in the files: its SHA-256 fingerprint and subject.
  const std::string split = dir_.path() + "/split";
  auto certs_in = [&](const std::string& files) {
    return must_run("rm -rf " + split + " && mkdir " + split + " && cat " + files + " | csplit -s -z -f " + split +
                    "/c - '/-----BEGIN CERTIFICATE-----/' '{*}' && for c in " + split +
                    "/c*; do openssl x509 -in $c -noout -fingerprint -sha256 -subject | tr '\\n' ' '; echo; done | sort");
  };
  const std::string in_zip = certs_in(bundle);
  const std::string mozilla = "/usr/share/ca-certificates/mozilla/";
  const std::string expected = certs_in(mozilla + "Amazon_Root_CA_1.crt " + mozilla + "Amazon_Root_CA_2.crt " + mozilla +
                                        "Amazon_Root_CA_3.crt " + mozilla + "Amazon_Root_CA_4.crt " + mozilla +
                                        "Starfield_Services_Root_Certificate_Authority_-_G2.crt");
  EXPECT_EQ(in_zip, expected);
  std::size_t lines = std::count(in_zip.begin(), in_zip.end(), '\n') + (in_zip.empty() ? 0 : 1);
  EXPECT_EQ(lines, 5u) << in_zip;
  for (const char* cn : {"Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3", "Amazon Root CA 4",
                         "Starfield Services Root Certificate Authority - G2"})
    EXPECT_NE(in_zip.find(std::string("CN = ") + cn), std::string::npos) << cn << "\n" << in_zip;
}

TEST_F(PackagedCaRoots, BootstrapDefaultsToTheRootsButNeverOverridesTheOperator) {
  const std::string roots = dir_.path() + "/root/certs/aws-roots.pem";
  EXPECT_EQ(bootstrap_ca_env(""), "AWS_CA_BUNDLE=" + roots + " SSL_CERT_FILE=");
  // A VPC proxy's own CA, or a full bundle: the operator's file is used as set.
  EXPECT_EQ(bootstrap_ca_env("AWS_CA_BUNDLE=/opt/proxy-ca.pem"), "AWS_CA_BUNDLE=/opt/proxy-ca.pem SSL_CERT_FILE=");
  EXPECT_EQ(bootstrap_ca_env("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"),
            "AWS_CA_BUNDLE= SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(bootstrap_ca_env("SSL_CERT_DIR=/etc/ssl/certs"), "AWS_CA_BUNDLE= SSL_CERT_FILE=");
  // A non-AWS endpoint (here a local one) keeps the system's roots.
  EXPECT_EQ(bootstrap_ca_env("AWS_ENDPOINT_URL_S3=https://s3.example.test"), "AWS_CA_BUNDLE= SSL_CERT_FILE=");
}

}  // namespace
}  // namespace dropslot::test
