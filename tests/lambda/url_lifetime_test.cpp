// The proof of issue 20: with the uploads bucket's policy taken from
// deploy/template.yaml itself, a GET URL the API lists works for its whole
// `expires_in` and not a second longer, and a PUT URL for its whole `expires_in`.
//
// The template's UploadsBucketPolicy (YAML -> JSON by cfn_to_json.py, its !GetAtt
// and !Sub filled in for a bucket and a UrlExpirySeconds) is (1) the same document
// as store::uploads_bucket_policy(), which `dropslot serve` enforces, so the two
// cannot drift, and (2) loaded into the embedded store's engine, which is then
// asked, on a pinned clock, for the object with the URLs api::bucket_access
// issues at every point of a URL window. The request is checked as S3 checks it:
// the signature (X-Amz-Expires) and then the bucket policy (s3:signatureAge).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "bucket_access.hpp"
#include "child_process.hpp"
#include "engine.hpp"
#include "memory_store.hpp"
#include "dropslot/s3/client.hpp"
#include "dropslot/s3/endpoint.hpp"
#include "dropslot/sigv4/signer.hpp"
#include "dropslot/store/bucket_policy.hpp"

namespace dropslot::test {
namespace {

namespace json = boost::json;
using namespace std::chrono;

constexpr std::string_view bucket = "uploads";
const std::string bucket_arn = "arn:aws:s3:::uploads";

// ${Name} in a Fn::Sub string, from `vars`.
std::string substitute(std::string s, const std::map<std::string, std::string>& vars) {
  for (std::size_t at = s.find("${"); at != std::string::npos; at = s.find("${", at)) {
    auto end = s.find('}', at);
    auto it = vars.find(s.substr(at + 2, end - at - 2));
    if (it == vars.end()) throw std::runtime_error("no value for " + s.substr(at, end - at + 1));
    s.replace(at, end - at + 1, it->second);
    at += it->second.size();
  }
  return s;
}

// The policy document with the intrinsic functions it uses filled in.
json::value fill(const json::value& v, const std::map<std::string, std::string>& vars) {
  if (v.is_array()) {
    json::array out;
    for (const auto& e : v.as_array()) out.push_back(fill(e, vars));
    return out;
  }
  if (!v.is_object()) return v;
  const auto& o = v.as_object();
  if (o.size() == 1 && o.contains("Fn::Sub")) return json::string(substitute(std::string(o.at("Fn::Sub").as_string()), vars));
  if (o.size() == 1 && o.contains("Fn::GetAtt")) {
    const auto& a = o.at("Fn::GetAtt").as_array();
    return json::string(vars.at(std::string(a[0].as_string()) + "." + std::string(a[1].as_string())));
  }
  if (o.size() == 1 && o.contains("Ref")) return json::string(vars.at(std::string(o.at("Ref").as_string())));
  json::object out;
  for (const auto& [k, e] : o) out[k] = fill(e, vars);
  return out;
}

// The template's uploads bucket policy for a UrlExpirySeconds.
json::value template_policy(seconds url_expiry) {
  static const json::value doc = [] {
    auto [rc, out] = run_shell("/usr/bin/python3 " DROPSLOT_SOURCE_DIR "/tests/lambda/cfn_to_json.py " DROPSLOT_SOURCE_DIR
                               "/deploy/template.yaml");
    EXPECT_EQ(rc, 0) << out;
    return json::parse(out);
  }();
  const auto& props = doc.at("Resources").at("UploadsBucketPolicy").at("Properties");
  EXPECT_EQ(props.at("Bucket"), (json::object{{"Ref", "UploadsBucket"}}));
  return fill(props.at("PolicyDocument"),
              {{"UploadsBucket.Arn", bucket_arn}, {"UrlExpirySeconds", std::to_string(url_expiry.count())}});
}

TEST(UrlLifetime, TheTemplatesPolicyIsTheOneTheStoreEnforces) {
  for (seconds e : {seconds(900), seconds(1), seconds(604800)})
    EXPECT_EQ(template_policy(e), json::parse(store::uploads_bucket_policy(bucket_arn, e))) << e.count();
}

// The store's engine with the template's policy on `uploads`, on a clock the test sets.
class UrlLifetime : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    expiry_ = seconds(GetParam());
    store::store_config c;
    c.key = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
    c.now = [this] { return system_clock::time_point(now_); };
    auto policy = store::bucket_policy::parse(json::serialize(template_policy(expiry_)));
    ASSERT_TRUE(policy) << policy.error().message();
    c.bucket_policies[std::string(bucket)] = std::make_shared<const store::bucket_policy>(std::move(*policy));
    engine_ = std::make_unique<store::store_engine>(c, std::make_unique<store::memory_store>());

    api::app_config a;
    a.bucket = std::string(bucket);
    a.region = "us-east-1";
    a.s3_endpoint = "http://s3.local";
    a.path_style = true;
    a.url_expiry = expiry_;
    a.credentials = api::explicit_credentials{c.key.id, c.key.secret, {}, {}};
    auto b = api::make_bucket_access(a, system_clock::time_point(now_));
    ASSERT_TRUE(b) << b.error().message();
    access_ = std::move(*b);

    // The bucket and one photo, put with header auth (the owner's own calls).
    ASSERT_EQ(header_call("PUT", "/uploads", ""), 200);
    ASSERT_EQ(header_call("PUT", "/uploads/jobs/J1/photo-001.jpg", "jpeg"), 200);
  }

  int header_call(const std::string& method, const std::string& path, const std::string& body) {
    http::request h;
    h.method = method;
    h.path = path;
    h.headers.add("host", "s3.local");
    h.headers.add("content-length", std::to_string(body.size()));
    sigv4::signing_request r;
    r.method = method;
    r.path = path;
    for (const auto& f : h.headers) r.headers.push_back({f.name, f.value});
    r.region = "us-east-1";
    r.credentials.access_key = sigv4::access_key_id("AKIDEXAMPLE");
    r.credentials.secret = sigv4::secret_access_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    r.time = now_;
    auto added = sigv4::sign_headers(r);
    EXPECT_TRUE(added);
    if (added)
      for (const auto& a : *added) h.headers.add(a.name, a.value);
    return finish(engine_->begin(h), body);
  }

  static int finish(store::dispatch d, const std::string& body) {
    if (!d.consumer) return d.response.status;
    std::optional<error> err;
    if (auto w = d.consumer->write(body); !w) err = w.error();
    return d.consumer->finish(err).status;
  }

  // A presigned URL used as a browser uses it, at the store's current time.
  int use(const std::string& method, const std::string& url,
          const std::vector<std::pair<std::string, std::string>>& headers = {}, const std::string& body = "") {
    auto rest = url.substr(url.find("://") + 3);
    auto slash = rest.find('/'), q = rest.find('?');
    http::request h;
    h.method = method;
    h.path = rest.substr(slash, q - slash);
    h.query = rest.substr(q + 1);
    h.headers.add("host", rest.substr(0, slash));
    for (const auto& [n, v] : headers) h.headers.add(n, v);
    return finish(engine_->begin(h), body);
  }

  seconds expiry_{900};
  sys_seconds now_ = sys_days{year{2026} / 12 / 8} + hours(1) + seconds(7);  // just after a window start
  std::unique_ptr<store::store_engine> engine_;
  std::unique_ptr<api::bucket_access> access_;
};

TEST_P(UrlLifetime, AListedGetUrlWorksForItsWholeExpiresInAndNotASecondLonger) {
  const seconds w = access_->get_url_window();
  const sys_seconds start = now_;
  // Listings at every interesting point of two windows: their first and last
  // seconds and the middle.
  std::vector<seconds> offsets{seconds(0), seconds(1)};
  if (w.count() > 1) offsets.insert(offsets.end(), {w / 2, w - seconds(1), w, w + w - seconds(1)});
  for (seconds at : offsets) {
    const sys_seconds listed = start + at;
    now_ = listed;
    auto listed_for = access_->get_url_expires_in(listed);
    ASSERT_TRUE(listed_for);
    auto get = access_->presign_get("jobs/J1/photo-001.jpg", listed);
    ASSERT_TRUE(get);
    EXPECT_EQ(get->expires_in, *listed_for) << "the listing's expires_in is each URL's";
    EXPECT_GT(get->expires_in.count(), 0);
    EXPECT_LE(get->expires_in, expiry_) << "never promised longer than the policy allows";
    EXPECT_EQ(use("GET", get->url), 200) << "listed at +" << at.count() << " s, used at once";
    now_ = listed + get->expires_in;
    EXPECT_EQ(use("GET", get->url), 200) << "listed at +" << at.count() << " s, used " << get->expires_in.count()
                                         << " s later, its last promised second";
    now_ = listed + get->expires_in + seconds(1);
    EXPECT_EQ(use("GET", get->url), 403) << "listed at +" << at.count() << " s, used a second after its expires_in";
  }
}

TEST_P(UrlLifetime, APutUrlWorksForItsWholeExpiresIn) {
  auto put = access_->presign_put("jobs/J1/photo-002.jpg", {"image/jpeg", 4, std::nullopt, std::nullopt},
                                  system_clock::time_point(now_));
  ASSERT_TRUE(put);
  const sys_seconds issued = now_;
  now_ = issued + put->expires_in + seconds(1);
  EXPECT_EQ(use("PUT", put->url, put->headers, "jpeg"), 403);
  now_ = issued + put->expires_in;
  EXPECT_EQ(use("PUT", put->url, put->headers, "jpeg"), 200);
}

// The default, a lifetime with a one-second window, and the seven-day cap.
INSTANTIATE_TEST_SUITE_P(Expiries, UrlLifetime, ::testing::Values(900, 3, 604800));

// `dropslot s3 --uploads-bucket` enforces the same policy: a URL signed 120 s ago for
// 900 s is refused at a 60 s lifetime, one signed now is not (URLs by `dropslot presign`).
TEST(UrlLifetimeCli, TheS3CommandEnforcesTheUploadsPolicy) {
  const std::string bin = DROPSLOT_BINARY_DIR "/src/cli/dropslot";
  temp_dir dir;
  const std::vector<std::string> keys{"DROPSLOT_S3_ACCESS_KEY_ID=AKIDLIFETIME", "DROPSLOT_S3_SECRET_ACCESS_KEY=lifetime-secret-0123"};
  child_process s3({bin, "s3", "--data", dir.path() + "/s3", "--listen", "127.0.0.1:0", "--uploads-bucket", "uploads",
                    "--url-expiry", "60"},
                   keys, dir.path() + "/s3.log");
  std::string endpoint;
  for (int i = 0; i < 400 && endpoint.empty(); ++i) {
    auto out = s3.output();
    if (auto at = out.find("dropslot s3 listening on "); at != std::string::npos && out.find('\n', at) != std::string::npos)
      endpoint = out.substr(at + 25, out.find('\n', at) - at - 25);
    else
      std::this_thread::sleep_for(milliseconds(25));
  }
  ASSERT_FALSE(endpoint.empty()) << s3.output();
  const std::string env = "env -i PATH=/usr/bin:/bin AWS_ACCESS_KEY_ID=AKIDLIFETIME AWS_SECRET_ACCESS_KEY=lifetime-secret-0123 "
                          "AWS_REGION=us-east-1 ";
  // The bucket and the object, with header auth (the owner's own calls).
  auto ep = s3::make_bucket_endpoint(endpoint, "uploads", "us-east-1", true);
  ASSERT_TRUE(ep);
  sigv4::credentials creds;
  creds.access_key = sigv4::access_key_id("AKIDLIFETIME");
  creds.secret = sigv4::secret_access_key("lifetime-secret-0123");
  s3::client client(s3::client_config{*ep, [creds]() -> result<sigv4::credentials> { return creds; }});
  ASSERT_TRUE(client.create_bucket());
  ASSERT_TRUE(client.put_object("k", "x"));
  // The status of a GET of a URL presigned by `dropslot presign` with `args`.
  auto get = [&](const std::string& args) {
    auto [rc, out] = run_shell(env + "sh -c 'curl -s -o /dev/null -w %{http_code} \"$(" + bin +
                               " presign s3://uploads/k --endpoint " + endpoint + " " + args + ")\"'");
    EXPECT_EQ(rc, 0) << out;
    return out;
  };
  EXPECT_EQ(get(""), "200");
  auto old = sigv4::amz_date(time_point_cast<seconds>(system_clock::now() - seconds(120)));
  EXPECT_EQ(get("--date " + old), "403") << "a signature older than the 60 s lifetime";
}

}  // namespace
}  // namespace dropslot::test
