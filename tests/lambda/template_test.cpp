// deploy/template.yaml must keep its security properties (issue 6): a later edit
// that opens a bucket or widens the function's role fails here. The YAML (with
// CloudFormation's short tags) is turned into JSON by cfn_to_json.py
// (/usr/bin/python3 + python3-yaml), then every property is asserted in C++.
// Not exercised here: CloudFormation itself (`aws cloudformation validate-template`
// and a real deployment need an AWS account; see docs/deploy.md).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "child_process.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;

class Template : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto [rc, out] = run_shell("/usr/bin/python3 " DROPSLOT_SOURCE_DIR "/tests/lambda/cfn_to_json.py " DROPSLOT_SOURCE_DIR
                               "/deploy/template.yaml");
    if (rc != 0) {
      error_ = out;
      return;
    }
    doc_ = new json::object(json::parse(out).as_object());
  }
  void SetUp() override {
    if (!doc_) {
      if (error_.find("No module named 'yaml'") != std::string::npos) GTEST_SKIP() << "python3-yaml is not installed";
      FAIL() << "template did not parse: " << error_;
    }
  }
  static const json::object& resources() { return doc_->at("Resources").as_object(); }
  static const json::object& resource(std::string_view name) { return resources().at(name).as_object(); }
  static const json::object& props(std::string_view name) { return resource(name).at("Properties").as_object(); }
  static std::vector<std::string> of_type(std::string_view type) {
    std::vector<std::string> names;
    for (const auto& [name, r] : resources())
      if (r.as_object().at("Type").as_string() == type) names.emplace_back(name);
    return names;
  }
  // A policy statement list as an array, whether the template wrote one or many.
  static json::array as_list(const json::value& v) { return v.is_array() ? v.as_array() : json::array{v}; }
  static json::array bucket_statements(std::string_view bucket) {
    for (const auto& name : of_type("AWS::S3::BucketPolicy")) {
      const auto& p = props(name);
      if (p.at("Bucket") == json::value{{"Ref", bucket}}) return p.at("PolicyDocument").at("Statement").as_array();
    }
    return {};
  }

  static inline json::object* doc_ = nullptr;
  static inline std::string error_;
};

TEST_F(Template, EveryBucketBlocksAllPublicAccessAndEnforcesOwnerAndEncrypts) {
  auto buckets = of_type("AWS::S3::Bucket");
  ASSERT_EQ(buckets.size(), 2u);
  for (const auto& b : buckets) {
    SCOPED_TRACE(b);
    const auto& p = props(b);
    const auto& block = p.at("PublicAccessBlockConfiguration").as_object();
    for (const char* k : {"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"})
      EXPECT_EQ(block.at(k), true) << k;
    EXPECT_EQ(p.at("OwnershipControls").at("Rules").at(0).at("ObjectOwnership"), "BucketOwnerEnforced");
    const auto& sse = p.at("BucketEncryption").at("ServerSideEncryptionConfiguration").at(0).at("ServerSideEncryptionByDefault");
    std::string_view alg = sse.at("SSEAlgorithm").as_string();
    EXPECT_TRUE(alg == "AES256" || alg == "aws:kms" || alg == "aws:kms:dsse") << alg;
    EXPECT_FALSE(p.contains("AccessControl")) << "canned ACLs cannot apply under BucketOwnerEnforced";
    EXPECT_FALSE(p.contains("WebsiteConfiguration")) << "a website endpoint is public";
  }
}

TEST_F(Template, UploadsCorsAllowsOnlyTheDashboardOrigin) {
  const auto& rules = props("UploadsBucket").at("CorsConfiguration").at("CorsRules").as_array();
  ASSERT_EQ(rules.size(), 1u);
  const auto& rule = rules[0].as_object();
  const auto& origins = rule.at("AllowedOrigins").as_array();
  ASSERT_EQ(origins.size(), 1u);
  EXPECT_EQ(origins[0], (json::value{{"Fn::Sub", "https://${DashboardDistribution.DomainName}"}}));
  json::array methods = rule.at("AllowedMethods").as_array();
  std::vector<std::string> m;
  for (auto& v : methods) m.emplace_back(v.as_string());
  std::sort(m.begin(), m.end());
  EXPECT_EQ(m, (std::vector<std::string>{"GET", "HEAD", "PUT"}));
  EXPECT_EQ(rule.at("ExposedHeaders"), (json::array{"ETag"}));
  for (const auto& h : rule.at("AllowedHeaders").as_array()) EXPECT_NE(h, "*");
}

TEST_F(Template, UploadsAbortIncompleteMultipartAfterOneDay) {
  bool found = false;
  for (const auto& r : props("UploadsBucket").at("LifecycleConfiguration").at("Rules").as_array()) {
    const auto& rule = r.as_object();
    if (rule.contains("AbortIncompleteMultipartUpload") && rule.at("Status") == "Enabled") {
      EXPECT_EQ(rule.at("AbortIncompleteMultipartUpload").at("DaysAfterInitiation"), 1);
      EXPECT_FALSE(rule.contains("Prefix") || rule.contains("Filter")) << "must cover the whole bucket";
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(Template, UploadsPolicyDeniesPlainHttpAndStaleQuerySignatures) {
  auto statements = bucket_statements("UploadsBucket");
  ASSERT_FALSE(statements.empty());
  bool tls = false, age = false;
  for (const auto& s : statements) {
    const auto& st = s.as_object();
    EXPECT_EQ(st.at("Effect"), "Deny") << "the uploads bucket policy grants nothing";
    const auto& cond = st.at("Condition").as_object();
    const auto& res = st.at("Resource").as_array();
    EXPECT_EQ(res.size(), 2u);  // the bucket and its objects
    if (cond.contains("Bool") && cond.at("Bool").as_object().contains("aws:SecureTransport")) {
      EXPECT_EQ(cond.at("Bool").at("aws:SecureTransport"), "false");
      EXPECT_EQ(st.at("Principal"), "*");
      tls = true;
    }
    if (cond.contains("NumericGreaterThan")) {
      EXPECT_EQ(cond.at("NumericGreaterThan").at("s3:signatureAge"), (json::value{{"Fn::Sub", "${UrlExpirySeconds}000"}}));
      EXPECT_EQ(cond.at("StringEquals").at("s3:authType"), "REST-QUERY-STRING");
      EXPECT_EQ(st.at("Principal"), "*");
      age = true;
    }
  }
  EXPECT_TRUE(tls);
  EXPECT_TRUE(age);
  // The URL lifetime the bucket enforces is the one the function signs with.
  EXPECT_EQ(props("Function").at("Environment").at("Variables").at("DROPSLOT_URL_EXPIRY"),
            (json::value{{"Ref", "UrlExpirySeconds"}}));
  EXPECT_EQ(doc_->at("Parameters").at("UrlExpirySeconds").at("Default"), 900);
  EXPECT_EQ(doc_->at("Parameters").at("UrlExpirySeconds").at("MaxValue"), 604800);
}

TEST_F(Template, DashboardBucketIsReadOnlyByItsDistributionThroughOac) {
  auto statements = bucket_statements("DashboardBucket");
  int allows = 0;
  bool tls = false;
  for (const auto& s : statements) {
    const auto& st = s.as_object();
    if (st.at("Effect") == "Allow") {
      ++allows;
      EXPECT_EQ(st.at("Principal"), (json::value{{"Service", "cloudfront.amazonaws.com"}}));
      EXPECT_EQ(st.at("Action"), "s3:GetObject");
      EXPECT_EQ(st.at("Condition").at("StringEquals").at("AWS:SourceArn"),
                (json::value{{"Fn::Sub",
                              "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${DashboardDistribution}"}}));
    } else if (st.at("Condition").as_object().contains("Bool")) {
      tls = st.at("Condition").at("Bool").at("aws:SecureTransport") == "false";
    }
  }
  EXPECT_EQ(allows, 1);
  EXPECT_TRUE(tls);
  EXPECT_EQ(props("DashboardOriginAccessControl").at("OriginAccessControlConfig").at("SigningBehavior"), "always");
  EXPECT_EQ(props("DashboardOriginAccessControl").at("OriginAccessControlConfig").at("OriginAccessControlOriginType"), "s3");
}

TEST_F(Template, DistributionServesIndexOverHttpsOnly) {
  const auto& cfg = props("DashboardDistribution").at("DistributionConfig").as_object();
  EXPECT_EQ(cfg.at("DefaultRootObject"), "index.html");
  EXPECT_EQ(cfg.at("DefaultCacheBehavior").at("ViewerProtocolPolicy"), "https-only");
  for (const auto& b : cfg.at("CacheBehaviors").as_array()) EXPECT_EQ(b.at("ViewerProtocolPolicy"), "https-only");
  bool s3_origin = false;
  for (const auto& o : cfg.at("Origins").as_array()) {
    const auto& origin = o.as_object();
    if (origin.contains("S3OriginConfig")) {
      s3_origin = true;
      EXPECT_EQ(origin.at("OriginAccessControlId"), (json::value{{"Fn::GetAtt", {"DashboardOriginAccessControl", "Id"}}}));
      EXPECT_EQ(origin.at("S3OriginConfig").at("OriginAccessIdentity"), "");
      EXPECT_EQ(origin.at("DomainName"), (json::value{{"Fn::GetAtt", {"DashboardBucket", "RegionalDomainName"}}}));
    } else {
      EXPECT_EQ(origin.at("CustomOriginConfig").at("OriginProtocolPolicy"), "https-only");
    }
  }
  EXPECT_TRUE(s3_origin);
}

// The CSP and the other page headers `dropslot serve` sends must also reach browsers
// through CloudFront, with the uploads bucket the only other origin the page may use.
TEST_F(Template, DashboardPagesCarryTheSecurityHeaders) {
  const auto& cfg = props("DashboardDistribution").at("DistributionConfig").as_object();
  EXPECT_EQ(cfg.at("DefaultCacheBehavior").at("ResponseHeadersPolicyId"), (json::value{{"Ref", "DashboardHeadersPolicy"}}));
  EXPECT_EQ(resource("DashboardHeadersPolicy").at("Type"), "AWS::CloudFront::ResponseHeadersPolicy");
  const auto& sec = props("DashboardHeadersPolicy").at("ResponseHeadersPolicyConfig").at("SecurityHeadersConfig").as_object();
  for (const char* h : {"ContentSecurityPolicy", "ContentTypeOptions", "FrameOptions", "ReferrerPolicy", "StrictTransportSecurity"})
    EXPECT_EQ(sec.at(h).at("Override"), true) << h;
  EXPECT_EQ(sec.at("FrameOptions").at("FrameOption"), "DENY");
  EXPECT_EQ(sec.at("ReferrerPolicy").at("ReferrerPolicy"), "no-referrer");
  const std::string csp(sec.at("ContentSecurityPolicy").at("ContentSecurityPolicy").at("Fn::Sub").as_string());
  const std::string bucket = "https://${UploadsBucket}.s3.${AWS::Region}.amazonaws.com";
  for (const std::string& d : std::vector<std::string>{"default-src 'self';", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none';",
                              "base-uri 'none';", "img-src 'self' " + bucket + " blob: data:;", "connect-src 'self' " + bucket + ";"})
    EXPECT_NE(csp.find(d), std::string::npos) << d << " missing from " << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(csp.find('*'), std::string::npos) << csp;
}

TEST_F(Template, RestApiRoutesAreProxyIntegrationsIntoTheFunction) {
  // resource logical id -> path, rebuilt from ParentId chains.
  std::map<std::string, std::string> paths;
  auto path_of = [&](auto& self, const json::value& id) -> std::string {
    if (id.is_object() && id.as_object().contains("Fn::GetAtt")) return "";  // RootResourceId
    std::string name(id.at("Ref").as_string());
    const auto& p = props(name);
    return self(self, p.at("ParentId")) + "/" + std::string(p.at("PathPart").as_string());
  };
  std::set<std::string> routes;
  for (const auto& m : of_type("AWS::ApiGateway::Method")) {
    const auto& p = props(m);
    const auto& integ = p.at("Integration").as_object();
    EXPECT_EQ(integ.at("Type"), "AWS_PROXY") << m;
    EXPECT_EQ(integ.at("IntegrationHttpMethod"), "POST") << m;
    EXPECT_NE(std::string_view(integ.at("Uri").at("Fn::Sub").as_string()).find("${Function.Arn}"), std::string_view::npos);
    routes.insert(std::string(p.at("HttpMethod").as_string()) + " " + path_of(path_of, p.at("ResourceId")));
  }
  for (const char* r : {"POST /upload-url", "GET /jobs/{id}/photos", "GET /jobs", "GET /jobs/{id}", "PATCH /jobs/{id}",
                        "POST /login", "POST /logout", "POST /quotes", "GET /quotes", "GET /healthz"})
    EXPECT_TRUE(routes.contains(r)) << r;
  // The deployment waits for every method, or a route can be missing from the stage.
  const auto& depends = resource("RestApiDeployment").at("DependsOn").as_array();
  EXPECT_EQ(depends.size(), of_type("AWS::ApiGateway::Method").size());
}

TEST_F(Template, StageIsThrottled) {
  const auto& settings = props("RestApiStage").at("MethodSettings").as_array();
  bool all = false;
  for (const auto& s : settings) {
    const auto& o = s.as_object();
    EXPECT_TRUE(o.contains("ThrottlingRateLimit") && o.contains("ThrottlingBurstLimit"));
    if (o.at("ResourcePath") == "/*" && o.at("HttpMethod") == "*") all = true;
  }
  EXPECT_TRUE(all) << "a stage-wide throttle";
  EXPECT_EQ(props("RestApiStage").at("StageName"), "api");
}

TEST_F(Template, FunctionRoleIsLeastPrivilege) {
  const auto& policies = props("FunctionRole").at("Policies").as_array();
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_FALSE(props("FunctionRole").contains("ManagedPolicyArns")) << "managed policies would widen the role";
  std::set<std::string> granted;
  for (const auto& s : policies[0].at("PolicyDocument").at("Statement").as_array()) {
    const auto& st = s.as_object();
    EXPECT_EQ(st.at("Effect"), "Allow");
    EXPECT_FALSE(st.contains("NotAction"));
    EXPECT_FALSE(st.contains("NotResource"));
    for (const auto& a : as_list(st.at("Action"))) {
      std::string action(a.as_string());
      EXPECT_EQ(action.find('*'), std::string::npos) << "wildcard action " << action;
      granted.insert(action);
    }
    auto actions = as_list(st.at("Action"));
    auto resources = as_list(st.at("Resource"));
    ASSERT_EQ(resources.size(), 1u);
    bool objects = std::find(actions.begin(), actions.end(), json::value("s3:PutObject")) != actions.end() ||
                   std::find(actions.begin(), actions.end(), json::value("s3:GetObject")) != actions.end();
    if (objects) {
      EXPECT_EQ(resources[0], (json::value{{"Fn::Sub", "${UploadsBucket.Arn}/jobs/*"}}));
      EXPECT_FALSE(st.contains("Condition"));
    }
    if (actions.size() == 1 && actions[0] == "s3:ListBucket") {
      EXPECT_EQ(resources[0], (json::value{{"Fn::GetAtt", {"UploadsBucket", "Arn"}}}));
      EXPECT_EQ(st.at("Condition").at("StringLike").at("s3:prefix"), (json::array{"jobs/*"}));
    }
    if (std::string_view(actions[0].as_string()).starts_with("logs:")) {
      EXPECT_EQ(resources[0], (json::value{{"Fn::GetAtt", {"FunctionLogGroup", "Arn"}}}));
    }
  }
  EXPECT_EQ(granted, (std::set<std::string>{"s3:PutObject", "s3:GetObject", "s3:ListBucket", "logs:CreateLogStream",
                                            "logs:PutLogEvents"}));
  // Only Lambda assumes it.
  const auto& trust = props("FunctionRole").at("AssumeRolePolicyDocument").at("Statement").as_array();
  ASSERT_EQ(trust.size(), 1u);
  EXPECT_EQ(trust[0].at("Principal"), (json::value{{"Service", "lambda.amazonaws.com"}}));
}

TEST_F(Template, FunctionIsTheCustomRuntimeWithItsConfiguration) {
  const auto& p = props("Function");
  EXPECT_EQ(p.at("Runtime"), "provided.al2023");
  EXPECT_EQ(p.at("Role"), (json::value{{"Fn::GetAtt", {"FunctionRole", "Arn"}}}));
  const auto& vars = p.at("Environment").at("Variables").as_object();
  EXPECT_EQ(vars.at("DROPSLOT_BUCKET"), (json::value{{"Ref", "UploadsBucket"}}));
  EXPECT_EQ(vars.at("DROPSLOT_DATABASE_URL"), (json::value{{"Ref", "DatabaseUrl"}}));
  EXPECT_EQ(vars.at("DROPSLOT_API_BASE"), "");
  EXPECT_FALSE(vars.contains("AWS_ACCESS_KEY_ID")) << "credentials come from the role";
  EXPECT_FALSE(vars.contains("AWS_SECRET_ACCESS_KEY"));
  EXPECT_EQ(doc_->at("Parameters").at("DatabaseUrl").at("NoEcho"), true);
  // API Gateway may invoke it, from this API only.
  const auto& perm = props("FunctionInvokePermission");
  EXPECT_EQ(perm.at("Principal"), "apigateway.amazonaws.com");
  EXPECT_NE(std::string_view(perm.at("SourceArn").at("Fn::Sub").as_string()).find("${RestApi}"), std::string_view::npos);
}

TEST_F(Template, OutputsNameTheUrlsAndBuckets) {
  const auto& out = doc_->at("Outputs").as_object();
  for (const char* k : {"ApiUrl", "DashboardUrl", "UploadsBucketName", "DashboardBucketName", "DistributionId"})
    EXPECT_TRUE(out.contains(k)) << k;
  EXPECT_EQ(out.at("UploadsBucketName").at("Value"), (json::value{{"Ref", "UploadsBucket"}}));
  EXPECT_EQ(out.at("DashboardBucketName").at("Value"), (json::value{{"Ref", "DashboardBucket"}}));
}

}  // namespace
}  // namespace dropslot::test
