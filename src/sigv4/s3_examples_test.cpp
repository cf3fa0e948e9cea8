// The S3 worked examples from the AWS documentation (../shared/testdata/s3-examples):
// every case, signed and then verified.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <dropslot/sigv4/post_policy.hpp>
#include <dropslot/sigv4/signer.hpp>
#include <dropslot/util/codec.hpp>
#include <dropslot/sigv4/streaming.hpp>
#include <dropslot/sigv4/verify.hpp>

#include "test_files.hpp"

namespace dropslot::sigv4 {
namespace {

namespace json = boost::json;

json::object example(const char* name) {
  return json::parse(testing::read_file(testing::shared_dir() / "s3-examples" / name)).as_object();
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

credentials creds_of(const json::object& inputs) {
  const auto& c = inputs.at("credentials").as_object();
  credentials out;
  out.access_key = access_key_id(str(c.at("access_key_id")));
  out.secret = secret_access_key(str(c.at("secret_access_key")));
  return out;
}

verifier verifier_for(const credentials& c) {
  verifier_config cfg;
  cfg.lookup = [c](const access_key_id& id) -> std::optional<secret_access_key> {
    if (id == c.access_key) return c.secret;
    return std::nullopt;
  };
  cfg.region = "us-east-1";
  return verifier(std::move(cfg));
}

class header_example : public ::testing::TestWithParam<const char*> {};

TEST_P(header_example, signs_and_verifies) {
  json::object ex = example(GetParam());
  const auto& in = ex.at("inputs").as_object();
  const auto& want = ex.at("expected").as_object();

  signing_request r;
  r.method = str(in.at("method"));
  // Sign from the raw key so the S3 encoding is exercised ("test$file.text" -> "%24").
  r.path = util::percent_decode(str(in.at("canonical_uri"))).value();
  r.query = parse_query(str(in.at("canonical_query_string")));
  for (const auto& h : in.at("headers_to_sign_lowercase_sorted").as_array()) {
    std::string n = str(h.as_array()[0]);
    if (n == "x-amz-date" || n == "x-amz-content-sha256") continue;  // the signer adds them
    r.headers.push_back({n, str(h.as_array()[1])});
  }
  r.payload_hash = sha256_hex(str(in.at("payload_utf8")));
  EXPECT_EQ(r.payload_hash, str(want.at("payload_sha256")));
  r.region = str(in.at("region"));
  r.service = str(in.at("service"));
  r.credentials = creds_of(in);
  r.time = *parse_amz_date(str(in.at("x_amz_date")));

  signing_trace trace;
  auto added = sign_headers(r, nullptr, &trace);
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ(trace.canonical_request, str(want.at("canonical_request")));
  EXPECT_EQ(sha256_hex(trace.canonical_request), str(want.at("canonical_request_sha256")));
  EXPECT_EQ(trace.string_to_sign, str(want.at("string_to_sign")));
  EXPECT_EQ(trace.signature, str(want.at("signature")));
  EXPECT_EQ(hex(derive_signing_key_bytes(r.credentials.secret, "20130524", "us-east-1", "s3")),
            str(ex.at("derived_values_not_published_by_aws").at("signing_key_hex")));
  ASSERT_EQ(added->back().name, "Authorization");
  EXPECT_EQ(added->back().value, str(want.at("authorization_header_sdk_style")));

  // The verifier accepts both published forms of the Authorization header.
  verifier v = verifier_for(r.credentials);
  for (const char* form : {"authorization_header_sdk_style", "authorization_header_as_documented"}) {
    std::vector<header> hs = r.headers;
    hs.push_back({"x-amz-date", str(in.at("x_amz_date"))});
    hs.push_back({"x-amz-content-sha256", r.payload_hash});
    hs.push_back({"Authorization", str(want.at(form))});
    auto ok = v.verify(r.method, str(in.at("canonical_uri")), str(in.at("canonical_query_string")), hs, r.time);
    ASSERT_TRUE(ok) << form << ": " << ok.error().message() << "\n" << ok.error().canonical_request;
    EXPECT_EQ(ok->kind, auth_kind::header);
    EXPECT_EQ(ok->payload, payload_mode::hashed);
    EXPECT_EQ(ok->payload_hash, r.payload_hash);
    EXPECT_EQ(ok->access_key.value(), "AKIAIOSFODNN7EXAMPLE");
  }
}

INSTANTIATE_TEST_SUITE_P(s3, header_example,
                         ::testing::Values("header-get-object-range.json", "header-put-object.json",
                                           "header-get-bucket-lifecycle.json", "header-list-objects.json"),
                         [](const auto& i) {
                           std::string n = i.param;
                           n = n.substr(0, n.find('.'));
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(s3_example, presigned_get_object) {
  json::object ex = example("presign-get-object.json");
  const auto& in = ex.at("inputs").as_object();
  const auto& want = ex.at("expected").as_object();
  object_presign p;
  p.method = "GET";
  p.bucket = "examplebucket";
  p.key = "test.txt";
  p.region = "us-east-1";
  p.credentials = creds_of(in);
  p.time = *parse_amz_date(str(in.at("x_amz_date")));
  p.expires = std::chrono::seconds(in.at("expires_seconds").as_int64());
  signing_trace trace;
  key_cache cache;
  auto url = presign_object(p, &cache, &trace);
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_EQ(trace.canonical_request, str(want.at("canonical_request")));
  EXPECT_EQ(trace.string_to_sign, str(want.at("string_to_sign")));
  EXPECT_EQ(trace.signature, str(want.at("signature")));
  EXPECT_EQ(url->url, str(want.at("presigned_url")));
  EXPECT_EQ(url->expires_at, p.time + p.expires);

  // And the verifier accepts it within the window, and not after.
  verifier v = verifier_for(p.credentials);
  std::string u = url->url;
  std::string rest = u.substr(u.find(".com/") + 4);
  std::string path = rest.substr(0, rest.find('?')), query = rest.substr(rest.find('?') + 1);
  std::vector<header> hs{{"Host", "examplebucket.s3.amazonaws.com"}};
  auto ok = v.verify("GET", path, query, hs, p.time + std::chrono::seconds(86400));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->kind, auth_kind::query);
  EXPECT_EQ(ok->payload, payload_mode::unsigned_payload);
  auto late = v.verify("GET", path, query, hs, p.time + std::chrono::seconds(86401));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, sigv4_errc::expired);
}

TEST(s3_example, post_policy_browser_upload) {
  json::object ex = example("post-policy-browser-upload.json");
  const auto& in = ex.at("inputs").as_object();
  const auto& want = ex.at("expected").as_object();
  credentials c = creds_of(in);
  const std::string b64 = str(want.at("policy_base64"));
  const auto decoded = util::base64_decode(b64);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, str(in.at("policy_document_utf8")));
  EXPECT_EQ(util::base64_encode(*decoded), b64);

  auto key = derive_signing_key(c.secret, "20151229", "us-east-1", "s3");
  EXPECT_EQ(hex(key.bytes()), str(ex.at("derived_values_not_published_by_aws").at("signing_key_hex")));
  EXPECT_EQ(post_policy_signature(key, b64), str(want.at("signature")));

  verifier v = verifier_for(c);
  const auto now = *parse_amz_date("20151229T000000Z");
  auto ok = v.verify_post_policy(b64, "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request", "20151229T000000Z",
                                 str(want.at("signature")), now);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->policy.conditions.size(), 11u);

  std::vector<form_field> form{
      {"key", "user/user1/photo.jpg"},
      {"acl", "public-read"},
      {"success_action_redirect", "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
      {"Content-Type", "image/jpeg"},
      {"x-amz-meta-uuid", "14365123651274"},
      {"x-amz-server-side-encryption", "AES256"},
      {"x-amz-meta-tag", ""},
      {"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Date", "20151229T000000Z"},
      {"Policy", b64},
      {"X-Amz-Signature", str(want.at("signature"))},
  };
  EXPECT_TRUE(check_post_form(ok->policy, "sigv4examplebucket", form, now));
  EXPECT_EQ(check_post_form(ok->policy, "otherbucket", form, now).error().code, sigv4_errc::policy_condition_failed);
  auto bad = form;
  bad[3].value = "text/html";
  EXPECT_EQ(check_post_form(ok->policy, "sigv4examplebucket", bad, now).error().code,
            sigv4_errc::policy_condition_failed);
  bad = form;
  bad[0].value = "user/other/photo.jpg";
  EXPECT_EQ(check_post_form(ok->policy, "sigv4examplebucket", bad, now).error().code,
            sigv4_errc::policy_condition_failed);
  bad = form;
  bad.push_back({"x-amz-acl", "public-read-write"});
  EXPECT_EQ(check_post_form(ok->policy, "sigv4examplebucket", bad, now).error().code,
            sigv4_errc::policy_condition_failed);

  auto late = v.verify_post_policy(b64, "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request", "20151229T000000Z",
                                   str(want.at("signature")), *parse_amz_date("20151230T120001Z"));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, sigv4_errc::policy_expired);
}

TEST(s3_example, chunked_upload_seed_chunks_and_trailer) {
  json::object ex = example("chunked-upload-put-object.json");
  const auto& in = ex.at("inputs").as_object();
  const auto& want = ex.at("expected").as_object();
  signing_request r;
  r.method = "PUT";
  r.path = str(in.at("canonical_uri"));
  for (const auto& h : in.at("headers_to_sign_lowercase_sorted").as_array()) {
    std::string n = str(h.as_array()[0]);
    if (n == "x-amz-date" || n == "x-amz-content-sha256") continue;
    r.headers.push_back({n, str(h.as_array()[1])});
  }
  r.payload_hash = std::string(streaming_payload);
  r.region = "us-east-1";
  r.credentials = creds_of(in);
  r.time = *parse_amz_date(str(in.at("x_amz_date")));
  signing_trace trace;
  auto added = sign_headers(r, nullptr, &trace);
  ASSERT_TRUE(added);
  EXPECT_EQ(trace.canonical_request, str(want.at("seed_canonical_request")));
  EXPECT_EQ(trace.string_to_sign, str(want.at("seed_string_to_sign")));
  EXPECT_EQ(trace.signature, str(want.at("seed_signature")));
  EXPECT_EQ(added->back().value, str(want.at("authorization_header_sdk_style")));

  const std::string date = "20130524T000000Z", scope = "20130524/us-east-1/s3/aws4_request";
  auto key = derive_signing_key(r.credentials.secret, "20130524", "us-east-1", "s3");
  EXPECT_EQ(seed_signature(key, date, scope, trace.canonical_request), str(want.at("seed_signature")));

  // The verifier reports the streaming mode, the seed and the key to chain from.
  verifier v = verifier_for(r.credentials);
  std::vector<header> hs = r.headers;
  for (auto& h : *added) hs.push_back(h);
  auto ok = v.verify("PUT", r.path, "", hs, r.time);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->payload, payload_mode::streaming_signed);
  EXPECT_EQ(ok->seed_signature, str(want.at("seed_signature")));
  EXPECT_EQ(ok->scope, scope);
  EXPECT_EQ(ok->amz_date, date);

  std::string previous = ok->seed_signature;
  for (const auto& cv : want.at("chunks").as_array()) {
    const auto& chunk = cv.as_object();
    std::string data(static_cast<std::size_t>(chunk.at("data_length").as_int64()), 'a');
    digest h = sha256(data);
    EXPECT_EQ(hex(h), str(chunk.at("data_sha256")));
    EXPECT_EQ(previous, str(chunk.at("previous_signature")));
    EXPECT_EQ(chunk_string_to_sign(date, scope, previous, hex(h)), str(chunk.at("string_to_sign")));
    std::string sig = chunk_signature(*ok->key, ok->amz_date, ok->scope, previous, h);
    EXPECT_EQ(sig, str(chunk.at("chunk_signature")));
    previous = sig;
  }

  const auto& t = ex.at("extra_vector_trailing_headers_from_aws_c_auth").as_object();
  std::vector<header> trailers;
  for (const auto& h : t.at("trailing_headers").as_array()) trailers.push_back({str(h.as_array()[0]), str(h.as_array()[1])});
  const std::string text = canonical_trailer(trailers);
  EXPECT_EQ(text, str(t.at("canonical_trailing_headers")));
  EXPECT_EQ(trailer_string_to_sign(date, scope, str(t.at("previous_signature")), sha256_hex(text)), str(t.at("string_to_sign")));
  EXPECT_EQ(trailer_signature(key, date, scope, str(t.at("previous_signature")), text), str(t.at("trailer_signature")));
}

TEST(s3_example, general_signing_key_and_iam_list_users) {
  json::object ex = example("general-signing-key-and-iam-example.json");
  const auto& d = ex.at("signing_key_derivation").as_object();
  const auto& din = d.at("inputs").as_object();
  const auto& dwant = d.at("expected").as_object();
  secret_access_key secret(str(din.at("secret_access_key")));
  digest k_date = hmac_sha256("AWS4" + secret.reveal(), str(din.at("date")));
  EXPECT_EQ(hex(k_date), str(dwant.at("kDate")));
  digest k_region = hmac_sha256(k_date, str(din.at("region")));
  EXPECT_EQ(hex(k_region), str(dwant.at("kRegion")));
  digest k_service = hmac_sha256(k_region, str(din.at("service")));
  EXPECT_EQ(hex(k_service), str(dwant.at("kService")));
  EXPECT_EQ(hex(derive_signing_key_bytes(secret, str(din.at("date")), str(din.at("region")), str(din.at("service")))),
            str(dwant.at("kSigning")));

  const auto& iam = ex.at("iam_listusers_example").as_object();
  const auto& in = iam.at("inputs").as_object();
  const auto& want = iam.at("expected").as_object();
  signing_request r;
  r.method = "GET";
  r.path = "/";
  r.query = parse_query("Action=ListUsers&Version=2010-05-08");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"Host", "iam.amazonaws.com"}};
  r.payload_hash = std::string(empty_payload_hash);
  r.add_content_sha256 = false;
  r.region = str(in.at("region"));
  r.service = str(in.at("service"));
  r.rules = uri_rules::generic;
  r.credentials.access_key = access_key_id(str(in.at("access_key_id")));
  r.credentials.secret = secret_access_key(str(in.at("secret_access_key")));
  r.time = *parse_amz_date(str(in.at("x_amz_date")));
  signing_trace trace;
  auto added = sign_headers(r, nullptr, &trace);
  ASSERT_TRUE(added);
  EXPECT_EQ(trace.canonical_request, str(want.at("canonical_request")));
  EXPECT_EQ(trace.string_to_sign, str(want.at("string_to_sign")));
  EXPECT_EQ(trace.signature, str(want.at("signature")));
  EXPECT_EQ(added->back().value, str(want.at("authorization_header")));
}

}  // namespace
}  // namespace dropslot::sigv4
