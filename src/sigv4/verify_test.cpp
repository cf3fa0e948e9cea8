// Verification: each rejection in issue 2 has its own error code.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/sigv4/verify.hpp>

namespace dropslot::sigv4 {
namespace {

using std::chrono::seconds;

const std::string akid = "AKIDVERIFY";
const std::string secret = "verify/secret+key=";

credentials test_creds() { return {access_key_id(akid), secret_access_key(secret), std::nullopt, std::nullopt}; }

verifier make_verifier() {
  verifier_config cfg;
  cfg.lookup = [](const access_key_id& id) -> std::optional<secret_access_key> {
    if (id.value() == akid) return secret_access_key(secret);
    return std::nullopt;
  };
  cfg.region = "eu-west-1";
  cfg.max_skew = seconds(900);
  return verifier(std::move(cfg));
}

const std::chrono::sys_seconds t0 = *parse_amz_date("20260105T101500Z");

struct wire {
  std::string method = "PUT";
  std::string path = "/bucket/a%20key.jpg";
  std::string query;
  std::vector<header> headers;
};

// A correctly signed header-auth request.
wire header_signed(std::string payload = std::string(unsigned_payload)) {
  wire w;
  signing_request r;
  r.method = w.method;
  r.path = w.path;
  r.headers = {{"Host", "s3.local:9000"}, {"Content-Type", "image/jpeg"}, {"x-amz-meta-job", "42"}};
  r.payload_hash = payload;
  r.region = "eu-west-1";
  r.credentials = test_creds();
  r.time = t0;
  auto added = sign_headers(r);
  EXPECT_TRUE(added);
  w.headers = r.headers;
  for (auto& h : *added) w.headers.push_back(h);
  return w;
}

// A correctly presigned request.
wire query_signed(seconds expires = seconds(900)) {
  wire w;
  w.method = "GET";
  signing_request r;
  r.method = w.method;
  r.path = w.path;
  r.headers = {{"host", "s3.local:9000"}};
  r.region = "eu-west-1";
  r.credentials = test_creds();
  r.time = t0;
  r.expires = expires;
  auto q = presign(r);
  EXPECT_TRUE(q);
  w.query = encode_query(*q);
  w.headers = r.headers;
  return w;
}

std::error_code run(const wire& w, std::chrono::sys_seconds now = t0) {
  auto res = make_verifier().verify(w.method, w.path, w.query, w.headers, now);
  return res ? std::error_code{} : res.error().code;
}

header& find(wire& w, std::string_view name) {
  for (auto& h : w.headers)
    if (h.name == name) return h;
  throw std::runtime_error("no header " + std::string(name));
}

void replace_in(std::string& s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  ASSERT_NE(pos, std::string::npos) << from << " in " << s;
  s.replace(pos, from.size(), to);
}

TEST(verify, accepts_valid_header_and_query_auth) {
  auto v = make_verifier();
  wire h = header_signed();
  auto ok = v.verify(h.method, h.path, h.query, h.headers, t0 + seconds(900));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->kind, auth_kind::header);
  EXPECT_EQ(ok->payload, payload_mode::unsigned_payload);
  EXPECT_EQ(ok->signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-meta-job"}));
  wire q = query_signed();
  auto okq = v.verify(q.method, q.path, q.query, q.headers, t0 + seconds(900));
  ASSERT_TRUE(okq) << okq.error().message();
  EXPECT_EQ(okq->kind, auth_kind::query);
  EXPECT_EQ(okq->expires_at, t0 + seconds(900));
  // Same path sent with a different (but equivalent) encoding still verifies under S3 rules.
  h.path = "/bucket/a%20key%2Ejpg";
  EXPECT_EQ(run(h), std::error_code{});
}

TEST(verify, payload_modes) {
  for (auto [token, mode] : {std::pair{streaming_payload, payload_mode::streaming_signed},
                             std::pair{streaming_payload_trailer, payload_mode::streaming_signed_trailer},
                             std::pair{streaming_unsigned_payload_trailer, payload_mode::streaming_unsigned_trailer},
                             std::pair{empty_payload_hash, payload_mode::hashed}}) {
    wire w = header_signed(std::string(token));
    auto ok = make_verifier().verify(w.method, w.path, w.query, w.headers, t0);
    ASSERT_TRUE(ok) << token;
    EXPECT_EQ(ok->payload, mode);
    EXPECT_EQ(ok->payload_hash, token);
  }
  EXPECT_EQ(run(header_signed("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")), sigv4_errc::unknown_payload_mode);
  EXPECT_EQ(run(header_signed("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")),
            sigv4_errc::unknown_payload_mode);
}

TEST(verify, expired_and_future) {
  EXPECT_EQ(run(header_signed(), t0 + seconds(901)), sigv4_errc::expired);
  EXPECT_EQ(run(header_signed(), t0 - seconds(901)), sigv4_errc::not_yet_valid);
  EXPECT_EQ(run(query_signed(seconds(60)), t0 + seconds(61)), sigv4_errc::expired);
  EXPECT_EQ(run(query_signed(seconds(60)), t0 + seconds(60)), std::error_code{});
  EXPECT_EQ(run(query_signed(), t0 - seconds(901)), sigv4_errc::not_yet_valid);
}

TEST(verify, scope_checks) {
  wire w = header_signed();
  replace_in(find(w, "Authorization").value, "/20260105/", "/20260104/");
  EXPECT_EQ(run(w), sigv4_errc::scope_date_mismatch);
  w = header_signed();
  replace_in(find(w, "Authorization").value, "/eu-west-1/", "/us-east-1/");
  EXPECT_EQ(run(w), sigv4_errc::wrong_region);
  w = header_signed();
  replace_in(find(w, "Authorization").value, "/s3/", "/s4/");
  EXPECT_EQ(run(w), sigv4_errc::wrong_service);
  w = header_signed();
  replace_in(find(w, "Authorization").value, "/aws4_request", "/aws5_request");
  EXPECT_EQ(run(w), sigv4_errc::wrong_terminator);
  w = header_signed();
  replace_in(find(w, "Authorization").value, "AKIDVERIFY", "AKIDOTHER");
  EXPECT_EQ(run(w), sigv4_errc::unknown_access_key);
  w = query_signed();
  replace_in(w.query, "%2Feu-west-1%2F", "%2Fus-west-2%2F");
  EXPECT_EQ(run(w), sigv4_errc::wrong_region);
  w = query_signed();
  replace_in(w.query, "X-Amz-Date=20260105", "X-Amz-Date=20260106");
  EXPECT_EQ(run(w), sigv4_errc::scope_date_mismatch);
}

TEST(verify, unsigned_amz_header) {
  wire w = header_signed();
  w.headers.push_back({"X-Amz-Meta-Extra", "1"});
  EXPECT_EQ(run(w), sigv4_errc::unsigned_amz_header);
  w = query_signed();
  w.headers.push_back({"x-amz-acl", "public-read"});
  EXPECT_EQ(run(w), sigv4_errc::unsigned_amz_header);
  // A header that is not x-amz-* may ride along unsigned.
  w = header_signed();
  w.headers.push_back({"User-Agent", "test"});
  EXPECT_EQ(run(w), std::error_code{});
}

TEST(verify, header_and_query_together_or_neither) {
  wire w = header_signed();
  w.query = query_signed().query;
  EXPECT_EQ(run(w), sigv4_errc::ambiguous_authentication);
  wire none;
  none.headers = {{"Host", "s3.local:9000"}};
  EXPECT_EQ(run(none), sigv4_errc::missing_authentication);
}

TEST(verify, malformed_fields) {
  wire w = header_signed();
  replace_in(find(w, "Authorization").value, "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA1 ");
  EXPECT_EQ(run(w), sigv4_errc::unsupported_algorithm);
  w = header_signed();
  replace_in(find(w, "Authorization").value, ", Signature=", ", Sig=");
  EXPECT_EQ(run(w), sigv4_errc::malformed_authorization);
  w = header_signed();
  find(w, "Authorization").value += ", Signature=00";
  EXPECT_EQ(run(w), sigv4_errc::malformed_authorization);
  w = header_signed();
  replace_in(find(w, "Authorization").value, "Credential=AKIDVERIFY/", "Credential=");
  EXPECT_EQ(run(w), sigv4_errc::malformed_credential);
  w = header_signed();
  find(w, "X-Amz-Date").value = "2026-01-05T10:15:00Z";
  EXPECT_EQ(run(w), sigv4_errc::malformed_date);
  w = header_signed();
  find(w, "X-Amz-Date").value = "20261305T101500Z";
  EXPECT_EQ(run(w), sigv4_errc::malformed_date);
  w = header_signed();
  replace_in(find(w, "Authorization").value, "SignedHeaders=content-type;host", "SignedHeaders=host;content-type");
  EXPECT_EQ(run(w), sigv4_errc::malformed_signed_headers);
  w = header_signed();
  replace_in(find(w, "Authorization").value, "SignedHeaders=content-type;host", "SignedHeaders=Content-Type;host");
  EXPECT_EQ(run(w), sigv4_errc::malformed_signed_headers);
  w = header_signed();
  replace_in(find(w, "Authorization").value, "SignedHeaders=content-type;host;", "SignedHeaders=content-type;");
  EXPECT_EQ(run(w), sigv4_errc::malformed_signed_headers);
  w = header_signed();
  {
    auto& v = find(w, "Authorization").value;
    v.replace(v.size() - 64, 64, std::string(64, 'Z'));
  }
  EXPECT_EQ(run(w), sigv4_errc::malformed_signature);
  w = query_signed();
  replace_in(w.query, "X-Amz-Expires=900", "X-Amz-Expires=604801");
  EXPECT_EQ(run(w), sigv4_errc::malformed_expires);
  w = query_signed();
  replace_in(w.query, "X-Amz-Expires=900", "X-Amz-Expires=0");
  EXPECT_EQ(run(w), sigv4_errc::malformed_expires);
  w = query_signed();
  replace_in(w.query, "X-Amz-Expires=900", "X-Amz-Expires=9e2");
  EXPECT_EQ(run(w), sigv4_errc::malformed_expires);
  w = query_signed();
  replace_in(w.query, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256");
  EXPECT_EQ(run(w), sigv4_errc::unsupported_algorithm);
}

TEST(verify, missing_signed_header_and_content_sha256) {
  wire w = header_signed();
  std::erase_if(w.headers, [](const header& h) { return h.name == "Content-Type"; });
  EXPECT_EQ(run(w), sigv4_errc::missing_signed_header);
  w = header_signed();
  std::erase_if(w.headers, [](const header& h) { return h.name == "x-amz-content-sha256"; });
  replace_in(find(w, "Authorization").value, "x-amz-content-sha256;", "");
  EXPECT_EQ(run(w), sigv4_errc::missing_content_sha256);
}

TEST(verify, signature_mismatch_reports_canonical_request_and_string_to_sign) {
  auto v = make_verifier();
  wire w = header_signed();
  auto res = v.verify(w.method, "/bucket/other.jpg", w.query, w.headers, t0);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, sigv4_errc::signature_mismatch);
  EXPECT_TRUE(res.error().canonical_request.starts_with("PUT\n/bucket/other.jpg\n")) << res.error().canonical_request;
  EXPECT_TRUE(res.error().string_to_sign.starts_with("AWS4-HMAC-SHA256\n20260105T101500Z\n20260105/eu-west-1/s3/aws4_request\n"));
  w = header_signed();
  find(w, "Content-Type").value = "text/html";
  EXPECT_EQ(run(w), sigv4_errc::signature_mismatch);
  w = query_signed();
  w.query += "&extra=1";
  EXPECT_EQ(run(w), sigv4_errc::signature_mismatch);
  w = query_signed();
  w.method = "PUT";
  EXPECT_EQ(run(w), sigv4_errc::signature_mismatch);
}

TEST(signer, refuses_signed_requests_and_bad_expiry) {
  signing_request r;
  r.headers = {{"host", "h"}};
  r.region = "us-east-1";
  r.credentials = test_creds();
  r.time = t0;
  for (long long e : {0LL, -1LL, 604801LL}) {
    r.expires = seconds(e);
    auto q = presign(r);
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().code, sigv4_errc::invalid_expiry);
  }
  r.expires = seconds(604800);
  EXPECT_TRUE(presign(r));
  r.expires = seconds(1);
  EXPECT_TRUE(presign(r));
  for (const char* name : {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Date"}) {
    signing_request s = r;
    s.query.push_back({name, "x"});
    EXPECT_EQ(presign(s).error().code, sigv4_errc::already_signed);
    EXPECT_EQ(sign_headers(s).error().code, sigv4_errc::already_signed);
  }
  signing_request s = r;
  s.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 ..."});
  EXPECT_EQ(sign_headers(s).error().code, sigv4_errc::already_signed);
}

TEST(signer, presign_query_equals_the_encoded_parameters) {
  for (bool token : {false, true}) {
    signing_request r;
    r.method = "PUT";
    r.path = "/b/k%20x";
    r.query = {{"uploadId", "a/b"}};
    r.headers = {{"host", "h"}, {"Content-Type", "image/jpeg"}};
    r.region = "eu-west-1";
    r.credentials = test_creds();
    if (token) r.credentials.token = session_token("t+/=");
    r.time = t0;
    signing_trace t1, t2;
    auto q = presign(r, nullptr, &t1);
    auto s = presign_query(r, nullptr, &t2);
    ASSERT_TRUE(q);
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, encode_query(*q));
    EXPECT_EQ(t1.canonical_request, t2.canonical_request);
    EXPECT_EQ(make_verifier().verify("PUT", r.path, encode_query(r.query) + "&" + *s, r.headers, t0).has_value(), true);
  }
}

// Finding F5: presign() signed r.payload_hash but did not tell the URL, and the
// verifier (like S3) takes UNSIGNED-PAYLOAD for query auth without
// X-Amz-Content-Sha256, so a presign over a body hash never verified.
TEST(signer, s3_presign_over_a_payload_hash_carries_it_and_verifies) {
  signing_request r;
  r.method = "PUT";
  r.path = "/bucket/a%20key.jpg";
  r.headers = {{"host", "s3.local:9000"}};
  r.region = "eu-west-1";
  r.credentials = test_creds();
  r.time = t0;
  const std::string body_hash = sha256_hex("the body");
  r.payload_hash = body_hash;
  for (bool with_query : {false, true}) {
    if (with_query) r.query = {{"partNumber", "1"}};
    auto q = presign(r);
    ASSERT_TRUE(q) << q.error().message();
    EXPECT_EQ(std::count_if(q->begin(), q->end(), [&](const query_param& p) {
                return p.name == "X-Amz-Content-Sha256" && p.value == body_hash;
              }),
              1);
    auto s = presign_query(r);
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, encode_query(*q));
    const std::string own = encode_query(r.query);
    const std::string query = own.empty() ? *s : own + "&" + *s;
    auto ok = make_verifier().verify(r.method, r.path, query, r.headers, t0);
    ASSERT_TRUE(ok) << ok.error().message() << "\n" << ok.error().canonical_request;
    EXPECT_EQ(ok->payload, payload_mode::hashed);
    EXPECT_EQ(ok->payload_hash, body_hash);
    // The hash is signed: another one in the URL does not verify.
    std::string other = query;
    other.replace(other.find(body_hash), body_hash.size(), sha256_hex("another body"));
    auto no = make_verifier().verify(r.method, r.path, other, r.headers, t0);
    ASSERT_FALSE(no);
    EXPECT_EQ(no.error().code, sigv4_errc::signature_mismatch);
  }

  // UNSIGNED-PAYLOAD needs no parameter (what botocore and the SDKs send).
  r.payload_hash = std::string(unsigned_payload);
  auto u = presign(r);
  ASSERT_TRUE(u);
  for (const query_param& p : *u) EXPECT_NE(p.name, "X-Amz-Content-Sha256");

  // What a URL cannot carry is refused, not signed into a URL that never verifies.
  for (std::string bad : {std::string(streaming_payload), std::string(streaming_unsigned_payload_trailer),
                          std::string("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
                          std::string("not-a-hash")}) {
    r.payload_hash = bad;
    auto q = presign(r);
    ASSERT_FALSE(q) << bad;
    EXPECT_EQ(q.error().code, sigv4_errc::invalid_argument);
  }
  r.payload_hash = body_hash;
  r.query = {{"x-amz-content-sha256", body_hash}};
  EXPECT_EQ(presign(r).error().code, sigv4_errc::invalid_argument);

  // Another service signs the hash without the parameter (AWS SigV4 test suite).
  r.query.clear();
  r.service = "execute-api";
  auto g = presign(r);
  ASSERT_TRUE(g);
  for (const query_param& p : *g) EXPECT_NE(p.name, "X-Amz-Content-Sha256");
}

// The API presigns from several threads with one cache (run under TSan in CI's sanitizer builds).
TEST(signer, concurrent_presigns_with_a_shared_cache_agree) {
  key_cache cache;
  auto request_for = [](int i) {
    signing_request r;
    r.method = "PUT";
    r.path = "/uploads/jobs/J" + std::to_string(i % 5) + "/photo-001.jpg";
    r.headers = {{"host", "h"}, {"content-type", "image/jpeg"}};
    r.region = i % 2 ? "eu-west-1" : "us-east-1";
    r.credentials = test_creds();
    r.time = t0 + std::chrono::days(i % 3);
    return r;
  };
  std::vector<std::string> expected;
  for (int i = 0; i < 30; ++i) expected.push_back(*presign_query(request_for(i)));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int n = 0; n < 300; ++n) {
        int i = n % 30;
        auto q = presign_query(request_for(i), &cache);
        if (!q || *q != expected[static_cast<std::size_t>(i)]) ++wrong;
        auto v = presign(request_for(i), &cache);
        if (!v || encode_query(*v) != expected[static_cast<std::size_t>(i)]) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(signer, session_token_is_signed_and_verified) {
  signing_request r;
  r.method = "GET";
  r.path = "/b/k";
  r.headers = {{"host", "h"}};
  r.region = "eu-west-1";
  r.credentials = test_creds();
  r.credentials.token = session_token("tok/en+=");
  r.time = t0;
  auto q = presign(r);
  ASSERT_TRUE(q);
  EXPECT_NE(encode_query(*q).find("X-Amz-Security-Token=tok%2Fen%2B%3D"), std::string::npos);
  auto res = make_verifier().verify("GET", "/b/k", encode_query(*q), r.headers, t0);
  EXPECT_TRUE(res) << res.error().message();
  auto h = sign_headers(r);
  ASSERT_TRUE(h);
  std::vector<header> hs = r.headers;
  for (auto& x : *h) hs.push_back(x);
  EXPECT_NE(h->back().value.find("x-amz-security-token"), std::string::npos);
  res = make_verifier().verify("GET", "/b/k", "", hs, t0);
  EXPECT_TRUE(res) << res.error().message();
}

TEST(signer, object_addresses) {
  auto a = address_object("", "us-east-1", "my-bucket", "a b/c+d.txt");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "my-bucket.s3.amazonaws.com");
  EXPECT_EQ(a->path, "/a%20b/c%2Bd.txt");
  a = address_object("", "eu-west-1", "my.bucket", "k");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(a->path, "/my.bucket/k");
  a = address_object("http://127.0.0.1:9000", "us-east-1", "uploads", "jobs/j1/photo-001.jpg");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->scheme, "http");
  EXPECT_EQ(a->host, "127.0.0.1:9000");
  EXPECT_EQ(a->path, "/uploads/jobs/j1/photo-001.jpg");
  a = address_object("https://s3.example.com:443", "us-east-1", "b", "k", addressing_style::virtual_hosted);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "b.s3.example.com");
  EXPECT_FALSE(address_object("s3.example.com", "us-east-1", "b", "k"));
  EXPECT_FALSE(address_object("", "us-east-1", "", "k"));
}

}  // namespace
}  // namespace dropslot::sigv4
