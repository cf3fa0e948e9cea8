#include <gtest/gtest.h>

#include <dropslot/sigv4/post_policy.hpp>
#include <dropslot/sigv4/signer.hpp>
#include <dropslot/sigv4/verify.hpp>

namespace dropslot::sigv4 {
namespace {

using std::chrono::seconds;
const std::chrono::sys_seconds t0 = *parse_amz_date("20260105T101500Z");

std::string field(const post_form& f, std::string_view name) {
  for (const auto& x : f.fields)
    if (x.name == name) return x.value;
  return {};
}

TEST(post_policy, presign_then_verify_and_check) {
  post_presign p;
  p.bucket = "uploads";
  p.key = "jobs/j1/${filename}";
  p.fields = {{"Content-Type", "image/jpeg"}};
  p.conditions = {{policy_condition::kind::content_length_range, {}, {}, 1, 1000}};
  p.region = "eu-west-1";
  p.credentials = {access_key_id("AK"), secret_access_key("SK"), session_token("TOK"), std::nullopt};
  p.time = t0;
  p.expires = seconds(600);
  auto form = presign_post(p);
  ASSERT_TRUE(form) << form.error().message();
  EXPECT_EQ(field(*form, "x-amz-credential"), "AK/20260105/eu-west-1/s3/aws4_request");
  EXPECT_EQ(field(*form, "x-amz-security-token"), "TOK");

  verifier_config cfg;
  cfg.lookup = [](const access_key_id&) { return std::optional<secret_access_key>(secret_access_key("SK")); };
  cfg.region = "eu-west-1";
  verifier v(std::move(cfg));
  auto ok = v.verify_post_policy(field(*form, "policy"), field(*form, "x-amz-credential"), field(*form, "x-amz-date"),
                                 field(*form, "x-amz-signature"), t0);
  ASSERT_TRUE(ok) << ok.error().message();

  std::vector<form_field> submitted = form->fields;
  for (auto& f : submitted)
    if (f.name == "key") f.value = "jobs/j1/cat.jpg";  // after ${filename} substitution
  EXPECT_TRUE(check_post_form(ok->policy, "uploads", submitted, t0));
  EXPECT_TRUE(check_content_length(ok->policy, 1000));
  EXPECT_EQ(check_content_length(ok->policy, 1001).error().code, sigv4_errc::policy_content_length);
  EXPECT_EQ(check_content_length(ok->policy, 0).error().code, sigv4_errc::policy_content_length);
  EXPECT_EQ(check_post_form(ok->policy, "uploads", submitted, t0 + seconds(601)).error().code, sigv4_errc::policy_expired);
  for (auto& f : submitted)
    if (f.name == "key") f.value = "jobs/j2/cat.jpg";
  EXPECT_EQ(check_post_form(ok->policy, "uploads", submitted, t0).error().code, sigv4_errc::policy_condition_failed);

  auto tampered = field(*form, "x-amz-signature");
  tampered[0] = tampered[0] == 'a' ? 'b' : 'a';
  auto bad = v.verify_post_policy(field(*form, "policy"), field(*form, "x-amz-credential"), field(*form, "x-amz-date"),
                                  tampered, t0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, sigv4_errc::signature_mismatch);
  EXPECT_EQ(v.verify_post_policy(field(*form, "policy"), "AK/20260105/us-east-1/s3/aws4_request",
                                 field(*form, "x-amz-date"), field(*form, "x-amz-signature"), t0)
                .error()
                .code,
            sigv4_errc::wrong_region);
  auto late = v.verify_post_policy(field(*form, "policy"), field(*form, "x-amz-credential"), field(*form, "x-amz-date"),
                                   field(*form, "x-amz-signature"), t0 + seconds(601));
  EXPECT_EQ(late.error().code, sigv4_errc::policy_expired);
}

TEST(post_policy, json_round_trip_and_malformed) {
  post_policy p;
  p.expiration = t0;
  p.conditions = {{policy_condition::kind::eq, "bucket", "b\"q", 0, 0},
                  {policy_condition::kind::starts_with, "key", "a/", 0, 0},
                  {policy_condition::kind::content_length_range, {}, {}, 5, 10}};
  std::string j = post_policy_json(p);
  EXPECT_NE(j.find("\"2026-01-05T10:15:00Z\""), std::string::npos) << j;
  auto back = parse_post_policy(j);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->conditions.size(), 3u);
  EXPECT_EQ(back->conditions[0].value, "b\"q");
  EXPECT_EQ(back->conditions[2].max, 10u);
  EXPECT_EQ(back->expiration, t0);
  for (const char* bad : {"", "[]", "{\"conditions\":[]}", "{\"expiration\":\"x\",\"conditions\":[]}",
                          "{\"expiration\":\"2026-01-05T10:15:00Z\",\"conditions\":[[\"in\",\"$key\",\"a\"]]}",
                          "{\"expiration\":\"2026-01-05T10:15:00Z\",\"conditions\":[[\"content-length-range\",9,1]]}",
                          "{\"expiration\":\"2026-01-05T10:15:00Z\",\"conditions\":[{\"a\":\"1\",\"b\":\"2\"}]}"}) {
    auto r = parse_post_policy(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, sigv4_errc::malformed_policy);
  }
}

TEST(post_policy, invalid_expiry) {
  post_presign p;
  p.bucket = "b";
  p.key = "k";
  p.region = "us-east-1";
  p.credentials = {access_key_id("AK"), secret_access_key("SK"), std::nullopt, std::nullopt};
  p.expires = seconds(0);
  EXPECT_EQ(presign_post(p).error().code, sigv4_errc::invalid_expiry);
}

// Finding F6: text that is not UTF-8 went into the policy JSON as is, and the policy
// then did not parse (the form was refused when used). Now it is refused up front;
// UTF-8 text of any kind still round-trips.
TEST(post_policy, text_that_is_not_utf8_is_refused_and_utf8_round_trips) {
  post_presign base;
  base.bucket = "uploads";
  base.key = "jobs/j1/photo.jpg";
  base.fields = {{"Content-Type", "image/jpeg"}};
  base.region = "eu-west-1";
  base.credentials = {access_key_id("AK"), secret_access_key("SK"), std::nullopt, std::nullopt};
  base.time = t0;

  const std::vector<std::string> bad_texts = {
      "\xff",             // never in UTF-8
      "caf\xe9",          // Latin-1
      "\xc3",             // truncated sequence
      "\xc0\xaf",         // overlong '/'
      "\xed\xa0\x80",     // a UTF-16 surrogate
      "\xf4\x90\x80\x80",  // past U+10FFFF
  };
  for (const std::string& bad : bad_texts) {
    std::vector<post_presign> cases(6, base);
    cases[0].bucket += bad;
    cases[1].key += bad;
    cases[2].fields.push_back({"x-amz-meta-" + bad, "v"});
    cases[3].fields.push_back({"x-amz-meta-note", bad});
    cases[4].conditions.push_back({policy_condition::kind::starts_with, "x-amz-meta-tag", bad, 0, 0});
    cases[5].credentials.token = session_token("tok" + bad);
    for (const post_presign& c : cases) {
      auto form = presign_post(c);
      ASSERT_FALSE(form) << bad;
      EXPECT_EQ(form.error().code, sigv4_errc::invalid_argument);
      EXPECT_NE(form.error().detail.find("UTF-8"), std::string::npos);
    }
  }

  post_presign ok = base;
  ok.key = "jobs/j1/caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \"q\" \\ \x01.jpg";
  ok.fields.push_back({"x-amz-meta-note", "\xf4\x8f\xbf\xbf"});  // U+10FFFF, the last code point
  auto form = presign_post(ok);
  ASSERT_TRUE(form) << form.error().message();
  auto p = parse_post_policy(form->policy_json);
  ASSERT_TRUE(p) << p.error().detail;
  EXPECT_EQ(p->conditions[1].value, ok.key);
  EXPECT_EQ(p->conditions[3].value, "\xf4\x8f\xbf\xbf");
}

}  // namespace
}  // namespace dropslot::sigv4
