// Micro-benchmarks for the presign budget (DESIGN.md: <= 1 us with a cached key)
// and for verification. Inputs mirror POST /upload-url: a PUT that signs
// content-type, content-length and if-none-match.
#include <benchmark/benchmark.h>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/sigv4/verify.hpp>

namespace dropslot::sigv4 {
namespace {

const std::chrono::sys_seconds t0 = *parse_amz_date("20260105T101500Z");

credentials creds(bool token) {
  credentials c{access_key_id("AKIAIOSFODNN7EXAMPLE"), secret_access_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                std::nullopt, std::nullopt};
  if (token)
    c.token = session_token(
        "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexampletokenexampletokenexampletokenexampletoken");
  return c;
}

signing_request upload_request(bool token) {
  signing_request r;
  r.method = "PUT";
  r.path = "/uploads/jobs/J-1001/photo-001.jpg";
  r.headers = {{"host", "s3.amazonaws.com"},
               {"content-type", "image/jpeg"},
               {"content-length", "2483011"},
               {"if-none-match", "*"}};
  r.region = "us-east-1";
  r.credentials = creds(token);
  r.time = t0;
  r.expires = std::chrono::seconds(900);
  return r;
}

object_presign upload_object(bool token) {
  object_presign p;
  p.method = "PUT";
  p.bucket = "uploads";
  p.key = "jobs/J-1001/photo-001.jpg";
  p.region = "us-east-1";
  p.headers = {{"content-type", "image/jpeg"}, {"content-length", "2483011"}, {"if-none-match", "*"}};
  p.credentials = creds(token);
  p.time = t0;
  p.expires = std::chrono::seconds(900);
  return p;
}

// The query parameters to add, signing key from the cache.
void presign_cached_key(benchmark::State& state) {
  static key_cache cache;
  signing_request r = upload_request(false);
  for (auto _ : state) benchmark::DoNotOptimize(presign(r, &cache));
}
BENCHMARK(presign_cached_key);
BENCHMARK(presign_cached_key)->Threads(2);

// The same, emitted straight into the query string (no vector of parameters).
void presign_query_cached_key(benchmark::State& state) {
  static key_cache cache;
  signing_request r = upload_request(false);
  for (auto _ : state) benchmark::DoNotOptimize(presign_query(r, &cache));
}
BENCHMARK(presign_query_cached_key);
BENCHMARK(presign_query_cached_key)->Threads(2);

void presign_cached_key_with_token(benchmark::State& state) {
  static key_cache cache;
  signing_request r = upload_request(true);
  for (auto _ : state) benchmark::DoNotOptimize(presign(r, &cache));
}
BENCHMARK(presign_cached_key_with_token);

// Deriving kSigning on every call (four more HMACs with fresh keys).
void presign_derived_key(benchmark::State& state) {
  signing_request r = upload_request(false);
  for (auto _ : state) benchmark::DoNotOptimize(presign(r, nullptr));
}
BENCHMARK(presign_derived_key);

// What the API calls: address + presign + the URL string (the peers' unit of work).
void presign_object_url_cached_key(benchmark::State& state) {
  static key_cache cache;
  object_presign p = upload_object(false);
  for (auto _ : state) benchmark::DoNotOptimize(presign_object(p, &cache));
}
BENCHMARK(presign_object_url_cached_key);

void presign_object_url_cached_key_with_token(benchmark::State& state) {
  static key_cache cache;
  object_presign p = upload_object(true);
  for (auto _ : state) benchmark::DoNotOptimize(presign_object(p, &cache));
}
BENCHMARK(presign_object_url_cached_key_with_token);

// Exactly the peers' unit of work in bench/presign (PUT, signed content-type, URL string).
void presign_object_url_same_as_peers(benchmark::State& state) {
  static key_cache cache;
  object_presign p = upload_object(false);
  p.headers = {{"content-type", "image/jpeg"}};
  for (auto _ : state) benchmark::DoNotOptimize(presign_object(p, &cache));
}
BENCHMARK(presign_object_url_same_as_peers);

void presign_object_url_same_as_peers_derived_key(benchmark::State& state) {
  object_presign p = upload_object(false);
  p.headers = {{"content-type", "image/jpeg"}};
  for (auto _ : state) benchmark::DoNotOptimize(presign_object(p, nullptr));
}
BENCHMARK(presign_object_url_same_as_peers_derived_key);

// The crypto floor: SHA-256 of a canonical request this size, plus one HMAC with a
// precomputed key over a string to sign.
void crypto_floor(benchmark::State& state) {
  signing_trace trace;
  key_cache cache;
  (void)presign(upload_request(false), &cache, &trace);
  auto key = cache.get(secret_access_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "20260105", "us-east-1", "s3");
  for (auto _ : state) {
    benchmark::DoNotOptimize(sha256(trace.canonical_request));
    benchmark::DoNotOptimize(key->mac(trace.string_to_sign));
  }
}
BENCHMARK(crypto_floor);

verifier make_verifier() {
  verifier_config cfg;
  cfg.lookup = [](const access_key_id&) {
    return std::optional<secret_access_key>(secret_access_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
  };
  cfg.region = "us-east-1";
  return verifier(std::move(cfg));
}

void verify_presigned_put(benchmark::State& state) {
  signing_request r = upload_request(false);
  auto q = presign(r);
  const std::string query = encode_query(*q);
  verifier v = make_verifier();
  for (auto _ : state) benchmark::DoNotOptimize(v.verify("PUT", r.path, query, r.headers, t0));
}
BENCHMARK(verify_presigned_put);

void verify_header_auth(benchmark::State& state) {
  signing_request r = upload_request(false);
  r.payload_hash = std::string(unsigned_payload);
  auto added = sign_headers(r);
  std::vector<header> hs = r.headers;
  for (auto& h : *added) hs.push_back(h);
  verifier v = make_verifier();
  for (auto _ : state) benchmark::DoNotOptimize(v.verify("PUT", r.path, "", hs, t0));
}
BENCHMARK(verify_header_auth);

}  // namespace
}  // namespace dropslot::sigv4
