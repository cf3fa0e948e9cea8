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

}  // namespace
}  // namespace dropslot::sigv4
