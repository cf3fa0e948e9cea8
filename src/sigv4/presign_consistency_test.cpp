// The presign hot path (presign.cpp) against the plain stage functions (canonical.cpp)
// on random inputs: same canonical request, string to sign and signature. Under ASan
// this also checks the hot path's pre-sized buffers on hostile sizes.
#include <gtest/gtest.h>

#include <random>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/sigv4/verify.hpp>
#include <dropslot/util/codec.hpp>

namespace dropslot::sigv4 {
namespace {

std::string random_text(std::mt19937& rng, std::size_t max_len) {
  static const std::string alphabet =
      "abcXYZ019-._~ /%+=&?#@!$'()*,;:[]\"\\\t\x7f\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80";
  std::size_t n = rng() % (max_len + 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
  return s;
}

TEST(presign_consistency, hot_path_matches_the_stage_functions) {
  std::mt19937 rng(42);
  key_cache cache;
  for (int n = 0; n < 2000; ++n) {
    signing_request r;
    r.method = std::vector<std::string>{"GET", "PUT", "HEAD", "DELETE", "POST"}[rng() % 5];
    r.path = "/" + random_text(rng, n % 100 == 0 ? 1500 : 40);
    if (rng() % 4 == 0) r.query.push_back({random_text(rng, 10), random_text(rng, 20)});
    if (rng() % 8 == 0) r.query.push_back({"max-keys", "2"});
    r.headers.push_back({rng() % 2 ? "Host" : "host", "example.com:" + std::to_string(rng() % 65536)});
    int extra = static_cast<int>(rng() % 5);
    for (int h = 0; h < extra; ++h) {
      std::string name = std::vector<std::string>{"Content-Type", "x-amz-meta-A", "If-None-Match", "content-length",
                                                  "X-Amz-Meta-a", "x-amz-checksum-sha256"}[rng() % 6];
      r.headers.push_back({name, random_text(rng, n % 50 == 0 ? 800 : 30)});
    }
    r.payload_hash = rng() % 2 ? std::string(unsigned_payload) : sha256_hex(random_text(rng, 10));
    r.region = std::vector<std::string>{"us-east-1", "eu-west-1", "ap-southeast-2"}[rng() % 3];
    r.service = rng() % 4 ? "s3" : "execute-api";
    r.credentials.access_key = access_key_id("AKID" + std::to_string(rng() % 10));
    r.credentials.secret = secret_access_key(random_text(rng, 40) + "k");
    if (rng() % 3 == 0) r.credentials.token = session_token(random_text(rng, n % 100 == 1 ? 2000 : 60) + "t");
    r.time = std::chrono::sys_seconds(std::chrono::seconds(1500000000LL + static_cast<long long>(rng() % 400000000)));
    r.expires = std::chrono::seconds(1 + static_cast<long long>(rng() % 604800));
    r.rules = rng() % 5 ? uri_rules::s3 : uri_rules::generic;
    r.normalize = rng() % 2;

    // Reference: the stages on a request that already holds the X-Amz-* parameters.
    signing_request with_params = r;
    const std::string scope = credential_scope(r.time, r.region, r.service);
    with_params.query.push_back({"X-Amz-Algorithm", "AWS4-HMAC-SHA256"});
    with_params.query.push_back({"X-Amz-Credential", r.credentials.access_key.value() + "/" + scope});
    with_params.query.push_back({"X-Amz-Date", amz_date(r.time)});
    with_params.query.push_back({"X-Amz-Expires", std::to_string(r.expires.count())});
    with_params.query.push_back({"X-Amz-SignedHeaders", signed_header_names(r.headers)});
    if (r.credentials.token) with_params.query.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});
    // S3 reads a signed payload hash from the query (finding F5).
    if (r.service == "s3" && r.payload_hash != unsigned_payload)
      with_params.query.push_back({"X-Amz-Content-Sha256", r.payload_hash});
    const std::string creq = canonical_request(with_params);
    const std::string sts = string_to_sign(r.time, scope, creq);
    const std::string sig =
        signature(derive_signing_key(r.credentials.secret, amz_date(r.time).substr(0, 8), r.region, r.service), sts);

    signing_trace trace;
    auto q = presign_query(r, n % 2 ? &cache : nullptr, &trace);
    ASSERT_TRUE(q) << q.error().message();
    ASSERT_EQ(trace.canonical_request, creq) << "case " << n;
    ASSERT_EQ(trace.string_to_sign, sts) << "case " << n;
    ASSERT_EQ(trace.signature, sig) << "case " << n;
    ASSERT_TRUE(q->ends_with("&X-Amz-Signature=" + sig));

    // And the verifier accepts it as it arrives on the wire (S3 rules), and not a
    // flipped signature. (Another service signs a body hash without telling the
    // URL; the service hashes the body itself, which this S3 verifier does not.)
    if (r.rules == uri_rules::s3 && (r.service == "s3" || r.payload_hash == unsigned_payload)) {
      verifier_config cfg;
      const secret_access_key secret = r.credentials.secret;
      cfg.lookup = [secret](const access_key_id&) { return std::optional<secret_access_key>(secret); };
      cfg.region = r.region;
      cfg.service = r.service;
      verifier v(std::move(cfg));
      const std::string wire_path = uri_encode(util::percent_decode_lenient(r.path), true);
      const std::string own = encode_query(r.query);
      const std::string wire_query = own.empty() ? *q : own + "&" + *q;
      auto ok = v.verify(r.method, wire_path, wire_query, r.headers, r.time);
      ASSERT_TRUE(ok) << "case " << n << ": " << ok.error().message() << "\n--- verifier:\n" << ok.error().canonical_request << "\n--- signer:\n" << trace.canonical_request;
      std::string bad = wire_query;
      bad.back() = bad.back() == '0' ? '1' : '0';
      auto no = v.verify(r.method, wire_path, bad, r.headers, r.time);
      ASSERT_FALSE(no);
      EXPECT_EQ(no.error().code, sigv4_errc::signature_mismatch);
    }
  }
}

}  // namespace
}  // namespace dropslot::sigv4
