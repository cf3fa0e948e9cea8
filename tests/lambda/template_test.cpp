// deploy/template.yaml must be creatable and keep its security properties (issues 6
// and 14): a later edit that opens a bucket, widens the function's role or brings
// back a dependency cycle fails here.
// - cfn-lint (AWS's own linter, run offline) must report nothing: no error, no
//   warning. It is part of these machines (pip, Python 3.11); a missing cfn-lint
//   fails the test rather than skipping it.
// - A resource dependency graph (Ref, GetAtt, Sub, DependsOn) built here must have
//   no cycle (CloudFormation refuses such a stack before it creates anything).
// - Every property is asserted on the template with its conditions resolved for a
//   given set of parameters (the DynamoDB default, and PostgreSQL in a VPC), so the
//   least-privilege checks hold on each path.
// The YAML (with CloudFormation's short tags) is turned into JSON by cfn_to_json.py
// (/usr/bin/python3 + python3-yaml). Not exercised here: CloudFormation itself (a
// real deployment needs an AWS account; see docs/deploy.md).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "child_process.hpp"
#if DROPSLOT_HAVE_CLI
#include "dropslot/api/app.hpp"
#include "dropslot/db/dynamodb_schema.hpp"
#endif

namespace dropslot::test {
namespace {

namespace json = boost::json;

using params = std::map<std::string, json::value>;

// The template with its conditions evaluated for `given` parameters (the rest take
// their defaults): Fn::If replaced by its branch, AWS::NoValue removed, and the
// resources whose Condition is false dropped. Refs and Subs stay as written.
class resolved_template {
 public:
  resolved_template(const json::object& doc, const params& given) : doc_(doc), given_(given) {
    if (doc.contains("Conditions"))
      for (const auto& [name, _] : doc.at("Conditions").as_object()) condition(name);
    json::object out;
    for (const auto& [key, value] : doc) {
      if (key == "Resources") {
        json::object res;
        for (const auto& [name, r] : value.as_object()) {
          const auto& ro = r.as_object();
          if (ro.contains("Condition") && !condition(ro.at("Condition").as_string())) continue;
          res[name] = resolve(r);
        }
        out[key] = std::move(res);
      } else if (key == "Outputs" || key == "Parameters") {
        out[key] = resolve(value);
      } else {
        out[key] = value;
      }
    }
    resolved_ = std::move(out);
  }
  const json::object& doc() const { return resolved_; }
  bool condition(std::string_view name) {
    auto it = conditions_.find(std::string(name));
    if (it != conditions_.end()) return it->second;
    bool v = truth(doc_.at("Conditions").at(name));
    conditions_[std::string(name)] = v;
    return v;
  }

 private:
  json::value parameter(std::string_view name) {
    if (auto it = given_.find(std::string(name)); it != given_.end()) return it->second;
    const auto& p = doc_.at("Parameters").at(name).as_object();
    json::value def = p.contains("Default") ? p.at("Default") : json::value("");
    if (p.at("Type") == "CommaDelimitedList" && def.is_string()) {
      json::array list;
      std::string s(def.as_string());
      std::size_t start = 0;
      for (;;) {
        auto comma = s.find(',', start);
        list.emplace_back(s.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return list;
    }
    return def;
  }
  // A scalar a condition compares: a literal, a parameter, or a Join of one.
  json::value scalar(const json::value& v) {
    if (!v.is_object()) return v;
    const auto& o = v.as_object();
    if (o.contains("Ref")) {
      std::string_view name = o.at("Ref").as_string();
      if (name == "AWS::Region") return json::value(region_);
      return parameter(name);
    }
    if (o.contains("Fn::Join")) {
      const auto& args = o.at("Fn::Join").as_array();
      json::value list = scalar(args[1]);
      std::string joined;
      bool first = true;
      for (const auto& e : list.as_array()) {
        if (!first) joined += args[0].as_string();
        first = false;
        joined += e.as_string();
      }
      return json::value(joined);
    }
    ADD_FAILURE() << "condition operand not understood: " << json::serialize(v);
    return nullptr;
  }
  static std::string text(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    return json::serialize(v);
  }
  bool truth(const json::value& v) {
    const auto& o = v.as_object();
    if (o.contains("Condition")) return condition(o.at("Condition").as_string());
    if (o.contains("Fn::Equals")) {
      const auto& a = o.at("Fn::Equals").as_array();
      return text(scalar(a[0])) == text(scalar(a[1]));
    }
    if (o.contains("Fn::Not")) return !truth(o.at("Fn::Not").as_array()[0]);
    if (o.contains("Fn::And")) {
      for (const auto& c : o.at("Fn::And").as_array())
        if (!truth(c)) return false;
      return true;
    }
    if (o.contains("Fn::Or")) {
      for (const auto& c : o.at("Fn::Or").as_array())
        if (truth(c)) return true;
      return false;
    }
    ADD_FAILURE() << "condition not understood: " << json::serialize(v);
    return false;
  }
  static bool is_no_value(const json::value& v) { return v == json::value{{"Ref", "AWS::NoValue"}}; }
  json::value resolve(const json::value& v) {
    if (v.is_array()) {
      json::array out;
      for (const auto& e : v.as_array()) {
        json::value r = resolve(e);
        if (!is_no_value(r)) out.push_back(std::move(r));
      }
      return out;
    }
    if (!v.is_object()) return v;
    const auto& o = v.as_object();
    if (o.size() == 1 && o.contains("Fn::If")) {
      const auto& a = o.at("Fn::If").as_array();
      return resolve(condition(a[0].as_string()) ? a[1] : a[2]);
    }
    json::object out;
    for (const auto& [k, e] : o) {
      json::value r = resolve(e);
      if (!is_no_value(r)) out[k] = std::move(r);
    }
    return out;
  }

  const json::object& doc_;
  params given_;
  std::string region_ = "eu-west-1";
  std::map<std::string, bool> conditions_;
  json::object resolved_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string template_path = DROPSLOT_SOURCE_DIR "/deploy/template.yaml";

std::pair<int, std::string> template_as_json(const std::string& path) {
  return run_shell("/usr/bin/python3 " DROPSLOT_SOURCE_DIR "/tests/lambda/cfn_to_json.py " + path);
}

class Template : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto [rc, out] = template_as_json(template_path);
    if (rc != 0) {
      error_ = out;
      return;
    }
    raw_ = new json::object(json::parse(out).as_object());
  }
  void SetUp() override {
    if (!raw_) {
      if (error_.find("No module named 'yaml'") != std::string::npos) GTEST_SKIP() << "python3-yaml is not installed";
      FAIL() << "template did not parse: " << error_;
    }
    use({});
  }
  // Resolve the template for these parameters; the accessors below then read it.
  void use(const params& p) {
    resolved_ = std::make_unique<resolved_template>(*raw_, p);
    doc_ = &resolved_->doc();
  }
  static params postgres_in_vpc() {
    return {{"DatabaseSecretArn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"},
            {"SubnetIds", json::array{"subnet-1", "subnet-2"}},
            {"SecurityGroupIds", json::array{"sg-1"}},
            {"VpcId", "vpc-1"},
            {"RouteTableIds", json::array{"rtb-1"}}};
  }
  const json::object& resources() const { return doc_->at("Resources").as_object(); }
  bool has(std::string_view name) const { return resources().contains(name); }
  const json::object& resource(std::string_view name) const { return resources().at(name).as_object(); }
  const json::object& props(std::string_view name) const { return resource(name).at("Properties").as_object(); }
  std::vector<std::string> of_type(std::string_view type) const {
    std::vector<std::string> names;
    for (const auto& [name, r] : resources())
      if (r.as_object().at("Type").as_string() == type) names.emplace_back(name);
    return names;
  }
  // The REST API's routes, "VERB /path" per AWS::ApiGateway::Method, the path rebuilt
  // from the Resources' ParentId chains up to the root; duplicates kept.
  std::vector<std::string> rest_api_routes() const {
    auto path_of = [&](auto& self, const json::value& id) -> std::string {
      if (id.is_object() && id.as_object().contains("Fn::GetAtt")) return "";  // RootResourceId
      std::string name(id.at("Ref").as_string());
      const auto& p = props(name);
      return self(self, p.at("ParentId")) + "/" + std::string(p.at("PathPart").as_string());
    };
    std::vector<std::string> routes;
    for (const auto& m : of_type("AWS::ApiGateway::Method")) {
      const auto& p = props(m);
      routes.push_back(std::string(p.at("HttpMethod").as_string()) + " " + path_of(path_of, p.at("ResourceId")));
    }
    return routes;
  }
  // A policy statement list as an array, whether the template wrote one or many.
  static json::array as_list(const json::value& v) { return v.is_array() ? v.as_array() : json::array{v}; }
  json::array bucket_statements(std::string_view bucket) const {
    for (const auto& name : of_type("AWS::S3::BucketPolicy")) {
      const auto& p = props(name);
      if (p.at("Bucket") == json::value{{"Ref", bucket}}) return p.at("PolicyDocument").at("Statement").as_array();
    }
    return {};
  }
  // action -> resources, over a role's one inline policy (the API function's by default).
  std::map<std::string, std::set<std::string>> role_grants(std::string_view role = "FunctionRole") const {
    std::map<std::string, std::set<std::string>> grants;
    const auto& policies = props(role).at("Policies").as_array();
    EXPECT_EQ(policies.size(), 1u);
    for (const auto& s : policies[0].at("PolicyDocument").at("Statement").as_array()) {
      const auto& st = s.as_object();
      EXPECT_EQ(st.at("Effect"), "Allow");
      EXPECT_FALSE(st.contains("NotAction"));
      EXPECT_FALSE(st.contains("NotResource"));
      for (const auto& a : as_list(st.at("Action")))
        for (const auto& r : as_list(st.at("Resource"))) grants[std::string(a.as_string())].insert(json::serialize(r));
    }
    return grants;
  }

  static inline json::object* raw_ = nullptr;
  static inline std::string error_;
  std::unique_ptr<resolved_template> resolved_;
  const json::object* doc_ = nullptr;
};

// ------------------------------------------------------------------ creatable

// cfn-lint on PATH, or where pyenv puts pip's scripts (CI runs without ~/.bashrc).
std::string cfn_lint_command() {
  auto [rc, path] = run_shell("command -v cfn-lint || ls \"${PYENV_ROOT:-$HOME/.pyenv}\"/shims/cfn-lint 2>/dev/null");
  if (rc != 0 || path.empty()) return "";
  return path.substr(0, path.find('\n'));
}

TEST(TemplateLint, CfnLintReportsNoErrorAndNoWarning) {
  std::string lint = cfn_lint_command();
  ASSERT_FALSE(lint.empty()) << "cfn-lint is not installed: the template cannot be checked (docs/deploy.md, "
                                "\"Checks\", says where it comes from)";
  // Exit status 0 means nothing at all was reported (2: errors, 4: warnings, 8: info).
  auto [rc, out] = run_shell(lint + " --format parseable " + template_path + " 2>&1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "") << out;
}

// Every resource a resource's definition names: Ref, Fn::GetAtt, ${X} or ${X.Attr}
// in Fn::Sub (not ${!X}, not the Sub's own variables), and DependsOn.
void collect_references(const json::value& v, const json::object& resources, std::set<std::string>& out,
                        const std::set<std::string>& sub_vars = {}) {
  auto add = [&](std::string name) {
    if (resources.contains(name) && !sub_vars.contains(name)) out.insert(std::move(name));
  };
  if (v.is_array()) {
    for (const auto& e : v.as_array()) collect_references(e, resources, out, sub_vars);
    return;
  }
  if (!v.is_object()) return;
  for (const auto& [k, e] : v.as_object()) {
    if (k == "Ref" && e.is_string()) {
      add(std::string(e.as_string()));
    } else if (k == "Fn::GetAtt") {
      add(std::string(e.as_array()[0].as_string()));
    } else if (k == "Fn::Sub") {
      std::string text;
      std::set<std::string> vars = sub_vars;
      if (e.is_string()) {
        text = e.as_string();
      } else {
        text = e.as_array()[0].as_string();
        for (const auto& [var, value] : e.as_array()[1].as_object()) {
          vars.insert(std::string(var));
          collect_references(value, resources, out, sub_vars);
        }
      }
      static const std::regex placeholder(R"(\$\{([^!}][^}.]*)(\.[^}]*)?\})");
      for (std::sregex_iterator it(text.begin(), text.end(), placeholder), end; it != end; ++it)
        if (!vars.contains((*it)[1])) add((*it)[1]);
    } else {
      collect_references(e, resources, out, sub_vars);
    }
  }
}

// A cycle in the graph, as "A -> B -> A", or "" when there is none.
std::string find_cycle(const json::object& doc) {
  const auto& resources = doc.at("Resources").as_object();
  std::map<std::string, std::set<std::string>> edges;
  for (const auto& [name, r] : resources) {
    auto& deps = edges[std::string(name)];
    const auto& ro = r.as_object();
    if (ro.contains("Properties")) collect_references(ro.at("Properties"), resources, deps);
    if (ro.contains("DependsOn")) {
      for (const auto& d : ro.at("DependsOn").is_array() ? ro.at("DependsOn").as_array() : json::array{ro.at("DependsOn")})
        deps.insert(std::string(d.as_string()));
    }
  }
  std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  std::string cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& n) {
    state[n] = 1;
    path.push_back(n);
    for (const auto& d : edges[n]) {
      if (state[d] == 1) {
        auto from = std::find(path.begin(), path.end(), d);
        for (auto it = from; it != path.end(); ++it) cycle += *it + " -> ";
        cycle += d;
        return true;
      }
      if (state[d] == 0 && visit(d)) return true;
    }
    path.pop_back();
    state[n] = 2;
    return false;
  };
  for (const auto& [name, _] : edges)
    if (state[name] == 0 && visit(name)) return cycle;
  return "";
}

TEST_F(Template, ResourcesHaveNoDependencyCycle) {
  // The raw template: every resource, whatever the conditions.
  EXPECT_EQ(find_cycle(*raw_), "");
  for (const auto& p : {params{}, postgres_in_vpc(), params{{"LoginRateLimit", 100}, {"DomainName", "photos.example.com"},
                                                             {"CertificateArn", "arn:aws:acm:us-east-1:1:certificate/x"}}}) {
    use(p);
    EXPECT_EQ(find_cycle(*doc_), "");
  }
}

// The graph check itself finds the cycle issue 14 reported (CORS -> distribution ->
// headers policy -> bucket), written as the template had it.
TEST(TemplateCycles, TheOldCorsCspCycleIsFound) {
  json::object doc = json::parse(R"({"Resources": {
    "UploadsBucket": {"Type": "AWS::S3::Bucket", "Properties": {"CorsConfiguration": {"CorsRules": [
      {"AllowedOrigins": [{"Fn::Sub": "https://${DashboardDistribution.DomainName}"}]}]}}},
    "DashboardDistribution": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
      "DefaultCacheBehavior": {"ResponseHeadersPolicyId": {"Ref": "DashboardHeadersPolicy"}}}}},
    "DashboardHeadersPolicy": {"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {
      "ContentSecurityPolicy": {"Fn::Sub": "img-src https://${UploadsBucket}.s3.${AWS::Region}.amazonaws.com ${!Literal}"}}}
  }})").as_object();
  EXPECT_NE(find_cycle(doc), "");
  doc["Resources"].as_object()["DashboardHeadersPolicy"].as_object()["Properties"] =
      json::parse(R"({"ContentSecurityPolicy": {"Fn::Sub": ["https://${B}.s3", {"B": "fixed"}]}})");
  EXPECT_EQ(find_cycle(doc), "");
}

// ------------------------------------------------------------------ buckets

TEST_F(Template, EveryBucketBlocksAllPublicAccessAndEncrypts) {
  auto buckets = of_type("AWS::S3::Bucket");
  ASSERT_EQ(buckets.size(), 3u);
  for (const auto& b : buckets) {
    SCOPED_TRACE(b);
    const auto& p = props(b);
    const auto& block = p.at("PublicAccessBlockConfiguration").as_object();
    for (const char* k : {"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"})
      EXPECT_EQ(block.at(k), true) << k;
    // CloudFront's standard logs need ACLs on their bucket; every other bucket has none.
    EXPECT_EQ(p.at("OwnershipControls").at("Rules").at(0).at("ObjectOwnership"),
              b == "AccessLogsBucket" ? "BucketOwnerPreferred" : "BucketOwnerEnforced");
    const auto& sse = p.at("BucketEncryption").at("ServerSideEncryptionConfiguration").at(0).at("ServerSideEncryptionByDefault");
    std::string_view alg = sse.at("SSEAlgorithm").as_string();
    EXPECT_TRUE(alg == "AES256" || alg == "aws:kms" || alg == "aws:kms:dsse") << alg;
    EXPECT_FALSE(p.contains("AccessControl")) << "no canned ACL";
    EXPECT_FALSE(p.contains("WebsiteConfiguration")) << "a website endpoint is public";
    // TLS only, on every bucket.
    bool tls = false;
    for (const auto& s : bucket_statements(b))
      if (s.at("Effect") == "Deny" && s.as_object().contains("Condition") &&
          s.at("Condition").as_object().contains("Bool"))
        tls = s.at("Condition").at("Bool").at("aws:SecureTransport") == "false";
    EXPECT_TRUE(tls);
  }
}

// Kept when the stack is deleted or the resource replaced, but not left behind by a
// failed first create, which would make --replace-failed fail with "already exists"
// (issue 20; deploy_standin_test.cpp: AFailedFirstCreateCanBeRetried).
TEST_F(Template, UploadsBucketAndTableOutliveTheStackButNotAFailedCreate) {
  for (const char* r : {"UploadsBucket", "Table"}) {
    EXPECT_EQ(resource(r).at("DeletionPolicy"), "RetainExceptOnCreate") << r;
    EXPECT_EQ(resource(r).at("UpdateReplacePolicy"), "Retain") << r;
  }
}

TEST_F(Template, UploadsCorsAllowsOnlyTheDashboardOrigin) {
  for (const auto& [p, origin] : std::vector<std::pair<params, json::value>>{
           {{}, {{"Fn::Sub", "https://${DashboardDistribution.DomainName}"}}},
           {{{"DomainName", "photos.example.com"}, {"CertificateArn", "arn:aws:acm:us-east-1:1:certificate/x"}},
            {{"Fn::Sub", "https://${DomainName}"}}}}) {
    use(p);
    const auto& rules = props("UploadsBucket").at("CorsConfiguration").at("CorsRules").as_array();
    ASSERT_EQ(rules.size(), 1u);
    const auto& rule = rules[0].as_object();
    EXPECT_EQ(rule.at("AllowedOrigins"), json::array{origin});
    // The function's CSRF origin is the same one.
    EXPECT_EQ(props("Function").at("Environment").at("Variables").at("DROPSLOT_DASHBOARD_ORIGIN"), origin);
    std::vector<std::string> m;
    for (auto& v : rule.at("AllowedMethods").as_array()) m.emplace_back(v.as_string());
    std::sort(m.begin(), m.end());
    EXPECT_EQ(m, (std::vector<std::string>{"GET", "HEAD", "PUT"}));
    EXPECT_EQ(rule.at("ExposedHeaders"), (json::array{"ETag", "x-amz-meta-captured-at"}));
    for (const auto& h : rule.at("AllowedHeaders").as_array()) EXPECT_NE(h, "*");
  }
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
  // At most an hour: the Lambda role's credentials sign the URLs, and their expiry
  // is not published (issue 20, item 5; docs/deploy.md).
  EXPECT_EQ(doc_->at("Parameters").at("UrlExpirySeconds").at("MaxValue"), 3600);
}

TEST_F(Template, DashboardBucketIsReadOnlyByItsDistributionThroughOac) {
  auto statements = bucket_statements("DashboardBucket");
  int allows = 0;
  for (const auto& s : statements) {
    const auto& st = s.as_object();
    if (st.at("Effect") == "Allow") {
      ++allows;
      EXPECT_EQ(st.at("Principal"), (json::value{{"Service", "cloudfront.amazonaws.com"}}));
      EXPECT_EQ(st.at("Action"), "s3:GetObject");
      EXPECT_EQ(st.at("Condition").at("StringEquals").at("AWS:SourceArn"),
                (json::value{{"Fn::Sub",
                              "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${DashboardDistribution}"}}));
    }
  }
  EXPECT_EQ(allows, 1);
  EXPECT_EQ(props("DashboardOriginAccessControl").at("OriginAccessControlConfig").at("SigningBehavior"), "always");
  EXPECT_EQ(props("DashboardOriginAccessControl").at("OriginAccessControlConfig").at("OriginAccessControlOriginType"), "s3");
  // The logs bucket grants nothing either (CloudFront writes through its ACL).
  for (const auto& s : bucket_statements("AccessLogsBucket")) EXPECT_EQ(s.at("Effect"), "Deny");
}

// ------------------------------------------------------------------ CloudFront

TEST_F(Template, DistributionServesIndexOverHttpsOnlyWithManagedPolicies) {
  const auto& cfg = props("DashboardDistribution").at("DistributionConfig").as_object();
  EXPECT_EQ(cfg.at("DefaultRootObject"), "index.html");
  EXPECT_EQ(cfg.at("DefaultCacheBehavior").at("ViewerProtocolPolicy"), "https-only");
  EXPECT_EQ(cfg.at("DefaultCacheBehavior").at("CachePolicyId"), "658327ea-f89d-4fab-a63d-7e88639e58f6");
  for (const auto& b : cfg.at("CacheBehaviors").as_array()) {
    EXPECT_EQ(b.at("ViewerProtocolPolicy"), "https-only");
    EXPECT_EQ(b.at("CachePolicyId"), "4135ea2d-6df8-44a3-9df3-4b5a84be39ad");           // CachingDisabled
    EXPECT_EQ(b.at("OriginRequestPolicyId"), "b689b0a8-53d0-40ab-baf2-68738e2966ac");   // AllViewerExceptHostHeader
  }
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
  EXPECT_EQ(cfg.at("Logging").at("Bucket"), (json::value{{"Fn::GetAtt", {"AccessLogsBucket", "RegionalDomainName"}}}));
  EXPECT_EQ(cfg.at("Logging").at("IncludeCookies"), false) << "cookies carry the session";
  EXPECT_EQ(cfg.at("ViewerCertificate"), (json::object{{"CloudFrontDefaultCertificate", true}}));
}

TEST_F(Template, CustomDomainUsesItsAcmCertificateOverSni) {
  use({{"DomainName", "photos.example.com"}, {"CertificateArn", "arn:aws:acm:us-east-1:1:certificate/x"}});
  const auto& cfg = props("DashboardDistribution").at("DistributionConfig").as_object();
  EXPECT_EQ(cfg.at("Aliases"), (json::array{{{"Ref", "DomainName"}}}));
  EXPECT_EQ(cfg.at("ViewerCertificate").at("AcmCertificateArn"), (json::value{{"Ref", "CertificateArn"}}));
  EXPECT_EQ(cfg.at("ViewerCertificate").at("SslSupportMethod"), "sni-only");
  EXPECT_EQ(cfg.at("ViewerCertificate").at("MinimumProtocolVersion"), "TLSv1.2_2021");
}

// The CSP and the other page headers `dropslot serve` sends must also reach browsers
// through CloudFront, with the uploads bucket the only other origin the page may use.
TEST_F(Template, DashboardPagesCarryTheSecurityHeaders) {
  const auto& cfg = props("DashboardDistribution").at("DistributionConfig").as_object();
  EXPECT_EQ(cfg.at("DefaultCacheBehavior").at("ResponseHeadersPolicyId"), (json::value{{"Ref", "DashboardHeadersPolicy"}}));
  const auto& sec = props("DashboardHeadersPolicy").at("ResponseHeadersPolicyConfig").at("SecurityHeadersConfig").as_object();
  for (const char* h : {"ContentSecurityPolicy", "ContentTypeOptions", "FrameOptions", "ReferrerPolicy", "StrictTransportSecurity"})
    EXPECT_EQ(sec.at(h).at("Override"), true) << h;
  EXPECT_EQ(sec.at("FrameOptions").at("FrameOption"), "DENY");
  EXPECT_EQ(sec.at("ReferrerPolicy").at("ReferrerPolicy"), "no-referrer");
  const auto& sub = sec.at("ContentSecurityPolicy").at("ContentSecurityPolicy").at("Fn::Sub").as_array();
  const std::string csp(sub[0].as_string());
  // ${Bucket} is exactly the uploads bucket's name, written out (not a Ref: that was the cycle).
  EXPECT_EQ(sub[1].at("Bucket"), props("UploadsBucket").at("BucketName"));
  const std::string bucket = "https://${Bucket}.s3.${AWS::Region}.amazonaws.com";
  for (const std::string& d : std::vector<std::string>{"default-src 'self';", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none';",
                              "base-uri 'none';", "img-src 'self' " + bucket + " blob: data:;", "connect-src 'self' " + bucket + ";"})
    EXPECT_NE(csp.find(d), std::string::npos) << d << " missing from " << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(csp.find('*'), std::string::npos) << csp;
}

// ------------------------------------------------------------------ origin header

TEST_F(Template, ExecuteApiIsReachedOnlyWithCloudFrontsSecretOriginHeader) {
  const auto& cfg = props("DashboardDistribution").at("DistributionConfig").as_object();
  int api_origins = 0;
  for (const auto& o : cfg.at("Origins").as_array()) {
    if (!o.as_object().contains("CustomOriginConfig")) continue;
    ++api_origins;
    const auto& headers = o.at("OriginCustomHeaders").as_array();
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].at("HeaderName"), "X-Dropslot-Origin-Verify");
    // A dynamic reference to the generated secret: CloudFormation resolves it at deploy time.
    EXPECT_EQ(headers[0].at("HeaderValue"),
              (json::value{{"Fn::Sub", "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}"}}));
  }
  EXPECT_EQ(api_origins, 1);
  EXPECT_EQ(resource("OriginVerifySecret").at("Type"), "AWS::SecretsManager::Secret");
  EXPECT_TRUE(props("OriginVerifySecret").contains("GenerateSecretString"));
  EXPECT_FALSE(props("OriginVerifySecret").contains("SecretString")) << "the value is generated, never written";
  // The function is given where the value is, not the value.
  EXPECT_EQ(props("Function").at("Environment").at("Variables").at("DROPSLOT_ORIGIN_SECRET_ARN"),
            (json::value{{"Ref", "OriginVerifySecret"}}));
  // No output and no parameter carries the value.
  std::string outputs = json::serialize(doc_->at("Outputs"));
  EXPECT_EQ(outputs.find("resolve:secretsmanager"), std::string::npos) << outputs;
  EXPECT_EQ(outputs.find("SecretString"), std::string::npos) << outputs;
  for (const auto& [name, _] : doc_->at("Parameters").as_object())
    EXPECT_EQ(std::string(name).find("Origin"), std::string::npos) << name;
}

// ------------------------------------------------------------------ REST API

// Upload receipts (issue 22): the bucket's events go to EventBridge, whose rule sends
// Object Created under jobs/ to the live alias, and only that rule may invoke it so.
TEST_F(Template, BucketObjectCreatedGoesToTheLiveAlias) {
  EXPECT_EQ(props("UploadsBucket").at("NotificationConfiguration").at("EventBridgeConfiguration").at("EventBridgeEnabled"),
            true);
  const auto& rule = props("ObjectCreatedRule");
  const auto& pattern = rule.at("EventPattern");
  EXPECT_EQ(pattern.at("source"), (json::array{"aws.s3"}));
  EXPECT_EQ(pattern.at("detail-type"), (json::array{"Object Created"}));
  EXPECT_EQ(pattern.at("detail").at("bucket").at("name"), (json::array{json::value{{"Ref", "UploadsBucket"}}}));
  EXPECT_EQ(pattern.at("detail").at("object").at("key"), (json::array{json::value{{"prefix", "jobs/"}}}));
  const auto& targets = rule.at("Targets").as_array();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].at("Arn"), (json::value{{"Ref", "LiveAlias"}}));
  const auto& perm = props("ObjectCreatedInvokePermission");
  EXPECT_EQ(perm.at("Principal"), "events.amazonaws.com");
  EXPECT_EQ(perm.at("FunctionName"), (json::value{{"Ref", "LiveAlias"}}));
  EXPECT_EQ(perm.at("SourceArn"), (json::value{{"Fn::GetAtt", {"ObjectCreatedRule", "Arn"}}}));
}

TEST_F(Template, RestApiRoutesAreProxyIntegrationsIntoTheAlias) {
  for (const auto& m : of_type("AWS::ApiGateway::Method")) {
    const auto& p = props(m);
    const auto& integ = p.at("Integration").as_object();
    EXPECT_EQ(integ.at("Type"), "AWS_PROXY") << m;
    EXPECT_EQ(integ.at("IntegrationHttpMethod"), "POST") << m;
    // The alias the stage names (live or smoke), never $LATEST.
    EXPECT_NE(std::string_view(integ.at("Uri").at("Fn::Sub").as_string()).find("/functions/${Function.Arn}:${!stageVariables.alias}/invocations"),
              std::string_view::npos) << m;
  }
  // Only the aliases may be invoked by API Gateway, each from its own stage.
  for (const auto& [perm, alias, stage] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"LiveInvokePermission", "LiveAlias", "api"}, {"SmokeInvokePermission", "SmokeAlias", "smoke"}}) {
    const auto& p = props(perm);
    EXPECT_EQ(p.at("Principal"), "apigateway.amazonaws.com");
    EXPECT_EQ(p.at("FunctionName"), (json::value{{"Ref", alias}}));
    EXPECT_NE(std::string_view(p.at("SourceArn").at("Fn::Sub").as_string()).find("${RestApi}/" + stage + "/*/*"),
              std::string_view::npos);
  }
  // The third: EventBridge's, for the upload receipts (BucketObjectCreatedGoesToTheLiveAlias);
  // the fourth, the schedule's, on the reconcile function (ReconcileRunsDaily...), not the API.
  EXPECT_EQ(of_type("AWS::Lambda::Permission").size(), 4u);
  use({{"ReconcileSchedule", ""}});
  EXPECT_EQ(of_type("AWS::Lambda::Permission").size(), 3u);
  use({});
  EXPECT_EQ(props("LiveAlias").at("Name"), "live");
  EXPECT_EQ(props("SmokeAlias").at("Name"), "smoke");
  EXPECT_EQ(props("LiveAlias").at("FunctionVersion"), (json::value{{"Fn::GetAtt", {"FunctionFirstVersion", "Version"}}}));
  use({{"LiveVersion", "7"}});
  EXPECT_EQ(props("LiveAlias").at("FunctionVersion"), (json::value{{"Ref", "LiveVersion"}}));
}

#if DROPSLOT_HAVE_CLI
// The REST API has exactly the API's routes: each route of the code's table
// (dropslot::api::route_table(), the one api_service dispatches) is a Method in the
// template, and each Method is a route of the table, once. A route added to the code
// alone would answer 403 from API Gateway on AWS; one left in the template alone
// would reach the function for nothing. Path parameters compare by position, not by
// name (`{id}` and `{job}` both match one segment in either router); a greedy
// `{proxy+}` or an `ANY` method is no route of the table, so it fails here. Handled
// on purpose, not listed: OPTIONS. The service answers a CORS preflight for any of
// its paths itself (not a table route), and the template has no OPTIONS method: the
// dashboard calls /api/* on its own origin through CloudFront, so never preflights.
// GET /healthz is a table route like any other (the service also serves it at the
// root, which API Gateway's stage path never reaches).
TEST_F(Template, RestApiRoutesAreExactlyTheApisRouteTable) {
  auto unnamed = [](const std::string& route) {
    static const std::regex param(R"(\{[A-Za-z_][A-Za-z0-9_]*\})");
    return std::regex_replace(route, param, "{}");
  };
  std::multiset<std::string> code;
  for (const auto& r : api::route_table()) {
    EXPECT_NE(r.method, "OPTIONS") << "the preflight is not a table route";
    code.insert(unnamed(r.method + " " + r.path));
  }
  ASSERT_FALSE(code.empty());
  std::multiset<std::string> gateway;
  for (const auto& r : rest_api_routes()) gateway.insert(unnamed(r));
  for (const auto& r : code) {
    EXPECT_EQ(code.count(r), 1u) << "the code lists a route twice: " << r;
    EXPECT_EQ(gateway.count(r), 1u) << "an API route that API Gateway does not have (add its Resource/Method to "
                                       "deploy/template.yaml between the routes markers): " << r;
  }
  for (const auto& r : gateway)
    EXPECT_EQ(code.count(r), 1u) << "a template method that is no API route: " << r;
}
#endif

// deploy.sh renames the deployment after a hash of the text between the routes
// markers; that works only if every Method and Resource sits between them and the
// deployment keeps the placeholder name it replaces.
TEST_F(Template, DeploymentIsRenamedAfterEveryRouteDefinition) {
  std::string text = read_file(template_path);
  auto begin = text.find("# routes:begin");
  auto end = text.find("# routes:end");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  ASSERT_LT(begin, end);
  std::string routes = text.substr(begin, end - begin);
  for (const auto& type : {"AWS::ApiGateway::Method", "AWS::ApiGateway::Resource"})
    for (const auto& name : of_type(type)) EXPECT_NE(routes.find("\n  " + name + ":\n"), std::string::npos) << name;
  auto deployments = of_type("AWS::ApiGateway::Deployment");
  ASSERT_EQ(deployments, (std::vector<std::string>{"ApiDeployment00000000"}));
  // The deployment waits for every method, or a route can be missing from the stage.
  const auto& depends = resource("ApiDeployment00000000").at("DependsOn").as_array();
  std::set<std::string> waits_for;
  for (const auto& d : depends) waits_for.insert(std::string(d.as_string()));
  auto methods = of_type("AWS::ApiGateway::Method");
  EXPECT_EQ(depends.size(), methods.size());
  EXPECT_EQ(waits_for, std::set<std::string>(methods.begin(), methods.end()));
  for (const char* stage : {"RestApiStage", "SmokeStage"})
    EXPECT_EQ(props(stage).at("DeploymentId"), (json::value{{"Ref", "ApiDeployment00000000"}}));
}

TEST_F(Template, StagesAreThrottledLoggedWithoutHeadersAndNameTheirAlias) {
  for (const auto& [stage, name, alias] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"RestApiStage", "api", "live"}, {"SmokeStage", "smoke", "smoke"}}) {
    SCOPED_TRACE(stage);
    const auto& p = props(stage);
    EXPECT_EQ(p.at("StageName"), json::value(name));
    EXPECT_EQ(p.at("Variables").at("alias"), json::value(alias));
    const auto& settings = p.at("MethodSettings").as_array();
    ASSERT_EQ(settings.size(), 1u) << "one stage-wide throttle; login is limited per IP by WAF";
    EXPECT_EQ(settings[0].at("ResourcePath"), "/*");
    EXPECT_EQ(settings[0].at("HttpMethod"), "*");
    EXPECT_TRUE(settings[0].as_object().contains("ThrottlingRateLimit"));
    // No access log unless asked: it needs the account's CloudWatch role, which
    // this stack never sets (deploy/apigateway-account.yaml does, once per region).
    EXPECT_FALSE(p.contains("AccessLogSetting"));
    EXPECT_FALSE(has("ApiAccessLogGroup"));
    EXPECT_TRUE(of_type("AWS::ApiGateway::Account").empty());
    use({{"ApiAccessLogs", "true"}});
    const auto& logged = props(stage);
    // The access log: no header, no query string, no body (the origin header,
    // cookies, bearer tokens and presigned signatures stay out).
    const auto& log = logged.at("AccessLogSetting").as_object();
    EXPECT_EQ(log.at("DestinationArn"), (json::value{{"Fn::GetAtt", {"ApiAccessLogGroup", "Arn"}}}));
    std::string format(log.at("Format").as_string());
    EXPECT_NO_THROW(json::parse(format)) << format;
    for (const char* leak : {"header", "Header", "querystring", "path", "authorizer", "body"})
      EXPECT_EQ(format.find(leak), std::string::npos) << leak << " in " << format;
    EXPECT_TRUE(of_type("AWS::ApiGateway::Account").empty());
    use({});
  }
}

// The account-wide CloudWatch role lives in its own stack, retained (issue 20, item 6).
TEST(AccountTemplate, SetsTheApiGatewayRoleOnceAndRetainsIt) {
  auto [rc, out] = template_as_json(DROPSLOT_SOURCE_DIR "/deploy/apigateway-account.yaml");
  ASSERT_EQ(rc, 0) << out;
  const json::value doc = json::parse(out);
  const auto& res = doc.at("Resources").as_object();
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res.at("ApiGatewayAccount").at("Type"), "AWS::ApiGateway::Account");
  EXPECT_EQ(res.at("ApiGatewayAccount").at("Properties").at("CloudWatchRoleArn"),
            (json::value{{"Fn::GetAtt", {"ApiGatewayLogsRole", "Arn"}}}));
  for (const char* r : {"ApiGatewayAccount", "ApiGatewayLogsRole"}) EXPECT_EQ(res.at(r).at("DeletionPolicy"), "Retain");
}

TEST_F(Template, LoginIsRateLimitedPerIpAtCloudFrontWhenAsked) {
  EXPECT_FALSE(has("LoginWebAcl"));
  EXPECT_FALSE(props("DashboardDistribution").at("DistributionConfig").as_object().contains("WebACLId"));
  use({{"LoginRateLimit", 100}});
  EXPECT_EQ(props("DashboardDistribution").at("DistributionConfig").at("WebACLId"),
            (json::value{{"Fn::GetAtt", {"LoginWebAcl", "Arn"}}}));
  const auto& acl = props("LoginWebAcl");
  EXPECT_EQ(acl.at("Scope"), "CLOUDFRONT");
  EXPECT_TRUE(acl.at("DefaultAction").as_object().contains("Allow"));
  const auto& rules = acl.at("Rules").as_array();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_TRUE(rules[0].at("Action").as_object().contains("Block"));
  const auto& rate = rules[0].at("Statement").at("RateBasedStatement").as_object();
  EXPECT_EQ(rate.at("AggregateKeyType"), "IP");
  EXPECT_EQ(rate.at("Limit"), (json::value{{"Ref", "LoginRateLimit"}}));
  const auto& match = rate.at("ScopeDownStatement").at("ByteMatchStatement").as_object();
  EXPECT_EQ(match.at("SearchString"), "/api/login");
  EXPECT_EQ(match.at("PositionalConstraint"), "EXACTLY");
  EXPECT_TRUE(match.at("FieldToMatch").as_object().contains("UriPath"));
}

// ------------------------------------------------------------------ function

TEST_F(Template, FunctionRoleIsLeastPrivilegeOnDynamoDb) {
  EXPECT_FALSE(props("FunctionRole").contains("ManagedPolicyArns")) << "managed policies would widen the role";
  const std::string objects = R"({"Fn::Sub":"${UploadsBucket.Arn}/jobs/*"})";
  const std::string table = R"({"Fn::GetAtt":["Table","Arn"]})";
  const std::string index = R"({"Fn::Sub":"${Table.Arn}/index/*"})";
  const std::string origin = R"({"Ref":"OriginVerifySecret"})";
  std::map<std::string, std::set<std::string>> expected = {
      {"s3:PutObject", {objects}},
      {"s3:GetObject", {objects}},
      {"s3:DeleteObject", {objects}},
      {"s3:ListBucket", {R"({"Fn::GetAtt":["UploadsBucket","Arn"]})"}},
      {"logs:CreateLogStream", {R"({"Fn::GetAtt":["FunctionLogGroup","Arn"]})"}},
      {"logs:PutLogEvents", {R"({"Fn::GetAtt":["FunctionLogGroup","Arn"]})"}},
      {"secretsmanager:GetSecretValue", {origin}},
  };
  // Exactly the DynamoDB calls the Lambda code path makes (issue 13's contract).
  for (const char* a : {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                        "dynamodb:Query", "dynamodb:DescribeTable"})
    expected[a] = {table, index};
  EXPECT_EQ(role_grants(), expected);
  // ListBucket only under jobs/.
  for (const auto& s : props("FunctionRole").at("Policies").at(0).at("PolicyDocument").at("Statement").as_array()) {
    if (s.at("Action") == "s3:ListBucket")
      EXPECT_EQ(s.at("Condition").at("StringLike").at("s3:prefix"), (json::array{"jobs/*"}));
    else
      EXPECT_FALSE(s.as_object().contains("Condition"));
  }
  // Only Lambda assumes it.
  const auto& trust = props("FunctionRole").at("AssumeRolePolicyDocument").at("Statement").as_array();
  ASSERT_EQ(trust.size(), 1u);
  EXPECT_EQ(trust[0].at("Principal"), (json::value{{"Service", "lambda.amazonaws.com"}}));
  EXPECT_FALSE(props("Function").contains("VpcConfig"));
  EXPECT_FALSE(has("S3GatewayEndpoint"));
}

TEST_F(Template, FunctionRoleIsLeastPrivilegeOnPostgresInAVpc) {
  use(postgres_in_vpc());
  EXPECT_FALSE(has("Table")) << "no table on the PostgreSQL path";
  auto grants = role_grants();
  for (const auto& [action, _] : grants) EXPECT_FALSE(action.starts_with("dynamodb:")) << action;
  // The database URL secret, and that one only, beside the origin secret.
  EXPECT_EQ(grants.at("secretsmanager:GetSecretValue"),
            (std::set<std::string>{R"({"Ref":"OriginVerifySecret"})", R"({"Ref":"DatabaseSecretArn"})"}));
  // The network interfaces Lambda needs in a VPC (these EC2 actions take no resource ARN).
  // Those of AWS's managed AWSLambdaVPCAccessExecutionRole, DescribeSubnets included.
  for (const char* a : {"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                        "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"})
    EXPECT_EQ(grants.at(a), std::set<std::string>{"\"*\""}) << a;
  std::set<std::string> actions;
  for (const auto& [a, _] : grants) actions.insert(a);
  EXPECT_EQ(actions.size(), 7u + 6u) << "s3 x4, logs x2, secretsmanager x1, ec2 x6";
  EXPECT_FALSE(grants.contains("kms:Decrypt")) << "the AWS managed key needs no grant";
  EXPECT_FALSE(has("DynamoDbGatewayEndpoint")) << "no table on the PostgreSQL path";
  const auto& vpc = props("Function").at("VpcConfig").as_object();
  EXPECT_EQ(vpc.at("SubnetIds"), (json::value{{"Ref", "SubnetIds"}}));
  EXPECT_EQ(vpc.at("SecurityGroupIds"), (json::value{{"Ref", "SecurityGroupIds"}}));
  EXPECT_EQ(props("S3GatewayEndpoint").at("VpcEndpointType"), "Gateway");
  EXPECT_EQ(props("S3GatewayEndpoint").at("ServiceName"), (json::value{{"Fn::Sub", "com.amazonaws.${AWS::Region}.s3"}}));
  EXPECT_EQ(props("SecretsManagerEndpoint").at("VpcEndpointType"), "Interface");
  // Outside a VPC, no EC2 rights at all.
  use({{"DatabaseSecretArn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"}});
  for (const auto& [action, _] : role_grants()) EXPECT_FALSE(action.starts_with("ec2:")) << action;
  EXPECT_FALSE(props("Function").contains("VpcConfig"));
}

TEST_F(Template, FunctionGetsItsDatabaseWithoutASecretInItsConfiguration) {
  const auto& vars = props("Function").at("Environment").at("Variables").as_object();
  EXPECT_EQ(vars.at("DROPSLOT_DATABASE_URL"), (json::value{{"Fn::Sub", "dynamodb://${AWS::StackName}"}}));
  EXPECT_FALSE(vars.contains("DROPSLOT_DATABASE_SECRET_ARN"));
  use(postgres_in_vpc());
  const auto& pg = props("Function").at("Environment").at("Variables").as_object();
  EXPECT_FALSE(pg.contains("DROPSLOT_DATABASE_URL")) << "the URL is read from Secrets Manager at start";
  EXPECT_EQ(pg.at("DROPSLOT_DATABASE_SECRET_ARN"), (json::value{{"Ref", "DatabaseSecretArn"}}));
  // No parameter is a database URL or password.
  for (const auto& [name, _] : doc_->at("Parameters").as_object()) {
    EXPECT_NE(name, "DatabaseUrl");
    EXPECT_EQ(std::string(name).find("Password"), std::string::npos) << name;
  }
}

TEST_F(Template, TableIsOnDemandWithTtlAndPointInTimeRecovery) {
  const auto& t = props("Table");
  // dynamodb://<prefix> -> table <prefix>-main (issue 13's naming).
  EXPECT_EQ(t.at("TableName"), (json::value{{"Fn::Sub", "${AWS::StackName}-main"}}));
  EXPECT_EQ(t.at("BillingMode"), "PAY_PER_REQUEST");
  EXPECT_EQ(t.at("TimeToLiveSpecification"), (json::object{{"AttributeName", "expires_at"}, {"Enabled", true}}));
  EXPECT_EQ(t.at("PointInTimeRecoverySpecification").at("PointInTimeRecoveryEnabled"), true);
  EXPECT_FALSE(t.contains("ProvisionedThroughput"));
}

#if DROPSLOT_HAVE_CLI
// The template's table is the one the code defines: `dropslot admin dynamodb-schema`
// prints the CreateTable input `dropslot admin migrate` sends (src/db).
TEST_F(Template, TableMatchesTheSchemaTheCodeCreates) {
  auto [rc, out] = run_shell(DROPSLOT_BINARY_DIR "/src/cli/dropslot admin dynamodb-schema --database dynamodb://teststack 2>&1");
  ASSERT_EQ(rc, 0) << "`dropslot admin dynamodb-schema` failed (issue 13 adds it):\n" << out;
  json::object code = json::parse(out).as_object();
  const auto& t = props("Table");
  EXPECT_EQ(code.at("TableName"), "teststack-main");
  EXPECT_EQ(code.at("BillingMode"), t.at("BillingMode"));
  EXPECT_EQ(code.at("KeySchema"), t.at("KeySchema"));
  auto sorted = [](const json::value& v) {
    std::set<std::string> s;
    for (const auto& e : v.as_array()) s.insert(json::serialize(e));
    return s;
  };
  EXPECT_EQ(sorted(code.at("AttributeDefinitions")), sorted(t.at("AttributeDefinitions")));
  EXPECT_EQ(sorted(code.at("GlobalSecondaryIndexes")), sorted(t.at("GlobalSecondaryIndexes")));
  EXPECT_FALSE(code.contains("LocalSecondaryIndexes"));
  EXPECT_FALSE(t.contains("LocalSecondaryIndexes"));
  // TTL is not part of CreateTable: `admin migrate` enables it on this attribute.
  EXPECT_EQ(t.at("TimeToLiveSpecification").at("AttributeName"), json::value(db::dynamodb_ttl_attribute));
  EXPECT_EQ(t.at("TimeToLiveSpecification").at("Enabled"), true);
}
#endif

TEST_F(Template, FunctionIsTheCustomRuntimeWithItsConfiguration) {
  const auto& p = props("Function");
  EXPECT_EQ(p.at("Runtime"), "provided.al2023");
  EXPECT_EQ(p.at("Role"), (json::value{{"Fn::GetAtt", {"FunctionRole", "Arn"}}}));
  const auto& vars = p.at("Environment").at("Variables").as_object();
  EXPECT_EQ(vars.at("DROPSLOT_BUCKET"), (json::value{{"Ref", "UploadsBucket"}}));
  EXPECT_EQ(vars.at("DROPSLOT_API_BASE"), "");
  EXPECT_FALSE(vars.contains("AWS_ACCESS_KEY_ID")) << "credentials come from the role";
  EXPECT_FALSE(vars.contains("AWS_SECRET_ACCESS_KEY"));
  EXPECT_FALSE(vars.contains("DROPSLOT_PHOTO_MAX_EDGE")) << "optional: the built-in default unless given";
  use({{"PhotoMaxEdge", "2048"}, {"PhotoQuality", "0.8"}});
  const auto& tuned = props("Function").at("Environment").at("Variables").as_object();
  EXPECT_EQ(tuned.at("DROPSLOT_PHOTO_MAX_EDGE"), (json::value{{"Ref", "PhotoMaxEdge"}}));
  EXPECT_EQ(tuned.at("DROPSLOT_PHOTO_QUALITY"), (json::value{{"Ref", "PhotoQuality"}}));
}

TEST_F(Template, AlarmsOnErrorsThrottlesAnd5xxNotifyTheTopicWhenGiven) {
  std::set<std::string> metrics;
  for (const auto& a : of_type("AWS::CloudWatch::Alarm")) {
    if (props(a).contains("Metrics")) {
      // Metric math (UploadUrlErrorRatioAlarm, on the function's EMF metrics: docs/metrics.md).
      for (const auto& m : props(a).at("Metrics").as_array()) {
        const auto& q = m.as_object();
        if (q.contains("Expression")) {
          EXPECT_EQ(q.at("Expression").as_string(), "IF(requests > 0, errors / requests, 0)");
          EXPECT_EQ(q.at("ReturnData"), true);
          continue;
        }
        const auto& metric = q.at("MetricStat").at("Metric").as_object();
        EXPECT_EQ(json::serialize(metric.at("Dimensions")), R"([{"Name":"Operation","Value":"POST /upload-url"}])");
        metrics.insert(std::string(metric.at("Namespace").as_string()) + "/" + std::string(metric.at("MetricName").as_string()));
      }
    } else {
      metrics.insert(std::string(props(a).at("Namespace").as_string()) + "/" + std::string(props(a).at("MetricName").as_string()));
    }
    EXPECT_FALSE(props(a).contains("AlarmActions")) << a;
  }
  EXPECT_EQ(metrics, (std::set<std::string>{"AWS/Lambda/Errors", "AWS/Lambda/Throttles", "AWS/ApiGateway/5XXError",
                                            "dropslot/Errors", "dropslot/Requests"}));
  use({{"AlarmTopicArn", "arn:aws:sns:eu-west-1:123456789012:ops"}});
  for (const auto& a : of_type("AWS::CloudWatch::Alarm"))
    EXPECT_EQ(props(a).at("AlarmActions"), (json::array{{{"Ref", "AlarmTopicArn"}}})) << a;
}

TEST_F(Template, OutputsNameTheUrlsAndBuckets) {
  const auto& out = doc_->at("Outputs").as_object();
  for (const char* k : {"ApiUrl", "SmokeApiUrl", "DashboardUrl", "UploadsBucketName", "DashboardBucketName", "DistributionId",
                        "FunctionName", "DatabaseUrl", "OriginSecretArn"})
    EXPECT_TRUE(out.contains(k)) << k;
  EXPECT_EQ(out.at("UploadsBucketName").at("Value"), (json::value{{"Ref", "UploadsBucket"}}));
  EXPECT_EQ(out.at("DashboardBucketName").at("Value"), (json::value{{"Ref", "DashboardBucket"}}));
  EXPECT_EQ(out.at("DatabaseUrl").at("Value"), (json::value{{"Fn::Sub", "dynamodb://${AWS::StackName}"}}));
}

// Issue 20, item 8: what a first real deploy would have found.
TEST_F(Template, VpcWithDynamoDbHasItsGatewayEndpoint) {
  auto vpc = postgres_in_vpc();
  vpc.erase("DatabaseSecretArn");
  use(vpc);
  ASSERT_TRUE(has("DynamoDbGatewayEndpoint")) << "without it the first DynamoDB call times out in a VPC";
  const auto& e = props("DynamoDbGatewayEndpoint");
  EXPECT_EQ(e.at("VpcEndpointType"), "Gateway");
  EXPECT_EQ(e.at("ServiceName"), (json::value{{"Fn::Sub", "com.amazonaws.${AWS::Region}.dynamodb"}}));
  EXPECT_EQ(e.at("RouteTableIds"), (json::value{{"Ref", "RouteTableIds"}}));
  use({});
  EXPECT_FALSE(has("DynamoDbGatewayEndpoint")) << "outside a VPC";
}

TEST_F(Template, ADatabaseSecretUnderACustomerKeyCanBeDecryptedThroughSecretsManagerOnly) {
  auto p = postgres_in_vpc();
  p["DatabaseSecretKmsKeyArn"] = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  use(p);
  auto grants = role_grants();
  EXPECT_EQ(grants.at("kms:Decrypt"), std::set<std::string>{R"({"Ref":"DatabaseSecretKmsKeyArn"})"});
  for (const auto& s : props("FunctionRole").at("Policies").at(0).at("PolicyDocument").at("Statement").as_array())
    if (s.at("Action") == "kms:Decrypt")
      EXPECT_EQ(s.at("Condition").at("StringEquals").at("kms:ViaService"),
                (json::value{{"Fn::Sub", "secretsmanager.${AWS::Region}.amazonaws.com"}}));
  // The key alone (DynamoDB path) grants nothing.
  use({{"DatabaseSecretKmsKeyArn", "arn:aws:kms:eu-west-1:123456789012:key/x"}});
  EXPECT_FALSE(role_grants().contains("kms:Decrypt"));
}

// CloudFormation checks AllowedPattern with Java's regex; this pattern means the same
// in ECMAScript. It must take what parse_quality takes (a decimal in (0, 1]).
TEST_F(Template, PhotoQualityTakesWhatTheFunctionAccepts) {
  std::regex pattern(std::string(doc_->at("Parameters").at("PhotoQuality").at("AllowedPattern").as_string()));
  for (const char* ok : {"", "0.85", "1", "1.0", ".5", "0.05"}) EXPECT_TRUE(std::regex_match(ok, pattern)) << ok;
  for (const char* bad : {"85", "0", "0.0", "1.5", "2", "-0.5", "0,85", "abc"})
    EXPECT_FALSE(std::regex_match(bad, pattern)) << bad;
}

TEST_F(Template, LoginRateLimitBelowWafsMinimumIsRefused) {
  const auto& rule = raw_->at("Rules").at("LoginRateLimitAtLeastWafMinimum");
  const auto& contains = rule.at("Assertions").at(0).at("Assert").at("Fn::Not").at(0).at("Fn::Contains").as_array();
  std::set<std::string> refused;
  for (const auto& v : contains[0].as_array()) refused.insert(std::string(v.as_string()));
  EXPECT_EQ(refused, (std::set<std::string>{"1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  EXPECT_EQ(contains[1], (json::value{{"Ref", "LoginRateLimit"}}));
  EXPECT_EQ(raw_->at("Parameters").at("LoginRateLimit").at("MinValue"), 0);
}

// ------------------------------------------------------------ scheduled reconcile

TEST_F(Template, ReconcileRunsDailyByDefaultInItsOwnFunctionAndNotAtAllWhenTheScheduleIsEmpty) {
  const auto& rule = props("ReconcileRule");
  EXPECT_EQ(rule.at("ScheduleExpression"), (json::value{{"Ref", "ReconcileSchedule"}}));
  EXPECT_EQ(doc_->at("Parameters").at("ReconcileSchedule").at("Default"), "rate(1 day)");
  EXPECT_FALSE(rule.contains("EventPattern")) << "a schedule, not a reaction to the bucket's events";
  const auto& targets = rule.at("Targets").as_array();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].at("Arn"), (json::value{{"Fn::GetAtt", {"ReconcileFunction", "Arn"}}}));
  const auto& perm = props("ReconcileInvokePermission");
  EXPECT_EQ(perm.at("Principal"), "events.amazonaws.com");
  EXPECT_EQ(perm.at("FunctionName"), (json::value{{"Ref", "ReconcileFunction"}}));
  EXPECT_EQ(perm.at("SourceArn"), (json::value{{"Fn::GetAtt", {"ReconcileRule", "Arn"}}}));
  // Its own function: the same zip and runtime, a timeout sized for a bucket walk
  // (no reserved concurrency, which a new account's limit of 10 refuses); the API keeps its 10 s.
  const auto& fn = props("ReconcileFunction");
  EXPECT_EQ(fn.at("Role"), (json::value{{"Fn::GetAtt", {"ReconcileRole", "Arn"}}}));
  EXPECT_EQ(fn.at("Code"), props("Function").at("Code"));
  EXPECT_EQ(fn.at("Runtime"), "provided.al2023");
  EXPECT_EQ(fn.at("Timeout"), 900);
  EXPECT_FALSE(fn.contains("ReservedConcurrentExecutions"));
  EXPECT_EQ(targets[0].at("RetryPolicy").at("MaximumRetryAttempts"), 0);
  EXPECT_EQ(props("Function").at("Timeout"), 10);
  const auto& vars = fn.at("Environment").at("Variables").as_object();
  EXPECT_EQ(vars.at("DROPSLOT_RECONCILE_RESERVE_SECONDS"), "60");
  EXPECT_FALSE(vars.contains("DROPSLOT_ORIGIN_SECRET_ARN")) << "it serves no API request";
  // Nothing but the schedule invokes it: the bucket's events go to the API alias.
  for (const auto& name : of_type("AWS::Events::Rule")) {
    if (name == "ReconcileRule") continue;
    EXPECT_EQ(json::serialize(props(name).at("Targets")).find("ReconcileFunction"), std::string::npos) << name;
  }
  // Empty: no rule, no function, no role.
  use({{"ReconcileSchedule", ""}});
  for (const char* r : {"ReconcileRule", "ReconcileInvokePermission", "ReconcileFunction", "ReconcileRole",
                        "ReconcileLogGroup"})
    EXPECT_FALSE(has(r)) << r;
  use({{"ReconcileSchedule", "cron(0 3 * * ? *)"}});
  EXPECT_EQ(props("ReconcileRule").at("ScheduleExpression"), (json::value{{"Ref", "ReconcileSchedule"}}));
}

TEST_F(Template, ReconcileRoleIsLeastPrivilegeOnDynamoDb) {
  const std::string objects = R"({"Fn::Sub":"${UploadsBucket.Arn}/jobs/*"})";
  const std::string table = R"({"Fn::GetAtt":["Table","Arn"]})";
  const std::string index = R"({"Fn::Sub":"${Table.Arn}/index/*"})";
  std::map<std::string, std::set<std::string>> expected = {
      {"s3:PutObject", {objects}},  // thumbnails it makes
      {"s3:GetObject", {objects}},
      {"s3:DeleteObject", {objects}},  // --fix
      {"s3:ListBucket", {R"({"Fn::GetAtt":["UploadsBucket","Arn"]})"}},
      {"logs:CreateLogStream", {R"({"Fn::GetAtt":["ReconcileLogGroup","Arn"]})"}},
      {"logs:PutLogEvents", {R"({"Fn::GetAtt":["ReconcileLogGroup","Arn"]})"}},
  };
  // What reconcile calls: Scan (every job), Query, GetItem, UpdateItem; no Put/Delete.
  for (const char* a : {"dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem",
                        "dynamodb:DescribeTable"})
    expected[a] = {table, index};
  EXPECT_EQ(role_grants("ReconcileRole"), expected);
  for (const auto& s : props("ReconcileRole").at("Policies").at(0).at("PolicyDocument").at("Statement").as_array()) {
    if (s.at("Action") == "s3:ListBucket")
      EXPECT_EQ(s.at("Condition").at("StringLike").at("s3:prefix"), (json::array{"jobs/*"}));
    else
      EXPECT_FALSE(s.as_object().contains("Condition"));
  }
  EXPECT_FALSE(props("ReconcileRole").contains("ManagedPolicyArns"));
  const auto& trust = props("ReconcileRole").at("AssumeRolePolicyDocument").at("Statement").as_array();
  ASSERT_EQ(trust.size(), 1u);
  EXPECT_EQ(trust[0].at("Principal"), (json::value{{"Service", "lambda.amazonaws.com"}}));
  // The API's role still has no Scan.
  EXPECT_FALSE(role_grants().contains("dynamodb:Scan"));
}

TEST_F(Template, ReconcileRoleOnPostgresInAVpcReadsTheDatabaseSecretOnly) {
  use(postgres_in_vpc());
  auto grants = role_grants("ReconcileRole");
  for (const auto& [action, _] : grants) EXPECT_FALSE(action.starts_with("dynamodb:")) << action;
  EXPECT_EQ(grants.at("secretsmanager:GetSecretValue"), (std::set<std::string>{R"({"Ref":"DatabaseSecretArn"})"}));
  EXPECT_EQ(grants.at("ec2:CreateNetworkInterface"), std::set<std::string>{"\"*\""});
  EXPECT_EQ(props("ReconcileFunction").at("VpcConfig"), props("Function").at("VpcConfig"));
  const auto& vars = props("ReconcileFunction").at("Environment").at("Variables").as_object();
  EXPECT_FALSE(vars.contains("DROPSLOT_DATABASE_URL"));
  EXPECT_EQ(vars.at("DROPSLOT_DATABASE_SECRET_ARN"), (json::value{{"Ref", "DatabaseSecretArn"}}));
}

}  // namespace
}  // namespace dropslot::test
