// Target 1: the Authorization header parser, through verifier::verify (the parser is
// internal to verify.cpp). Two modes, picked by the first byte:
//   raw   - the input is a request head ("Name: value" lines; the first line is the
//           Authorization value); verify must answer without crashing, and can only
//           succeed for a request that really carries the right signature: on success
//           the key is the one the lookup knows and the signature it accepted is the
//           one the signer's stage functions compute for the headers it named;
//   round - a request is generated from the input, signed with sign_headers() and
//           verified: a request the signer signs must verify (signer and verifier
//           agree on every canonicalisation), and a changed signature must not.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/sigv4/verify.hpp>
#include <dropslot/util/codec.hpp>

#include "fuzz_check.hpp"
#include "sigv4_request_gen.hpp"

using namespace dropslot;
using namespace std::chrono;

namespace {

const sigv4::verifier& the_verifier() {
  static const sigv4::verifier v(fuzz::test_verifier_config());
  return v;
}

void raw_mode(FuzzedDataProvider& in) {
  const sys_seconds now = fuzz::consume_time(in);
  std::string method = in.ConsumeRandomLengthString(8);
  std::string path = in.ConsumeRandomLengthString(64);
  std::string query = in.ConsumeRandomLengthString(128);
  std::vector<sigv4::header> headers;
  headers.push_back({"Authorization", in.ConsumeRandomLengthString(512)});
  while (in.remaining_bytes() > 0 && headers.size() < 16) {
    std::string name = in.ConsumeRandomLengthString(24);
    headers.push_back({std::move(name), in.ConsumeRandomLengthString(96)});
  }
  auto r = the_verifier().verify(method, path, query, headers, now);
  if (!r) {
    FUZZ_CHECK(r.error().code);
    (void)r.error().message();
    return;
  }
  // Accepted: recompute the signature from what the request says, with the signer's
  // stages (not the verifier's code path), and the one secret the lookup has.
  FUZZ_CHECK(r->access_key.value() == fuzz::access_key);
  const auto when = sigv4::parse_amz_date(r->amz_date);
  FUZZ_CHECK(when.has_value());
  sigv4::signing_request s;
  s.method = method;
  s.path = path;
  for (auto& q : sigv4::parse_query(query))
    if (r->kind == sigv4::auth_kind::header || q.name != "X-Amz-Signature") s.query.push_back(std::move(q));
  for (const auto& h : headers)
    if (std::find(r->signed_headers.begin(), r->signed_headers.end(), util::ascii_lower(h.name)) != r->signed_headers.end())
      s.headers.push_back(h);
  s.payload_hash = r->payload_hash;
  const std::string creq = sigv4::canonical_request(s);
  // scope: date/region/service/aws4_request
  const std::string& scope = r->scope;
  const auto p1 = scope.find('/'), p2 = scope.find('/', p1 + 1), p3 = scope.find('/', p2 + 1);
  FUZZ_CHECK(p3 != std::string::npos && scope.substr(p3 + 1) == "aws4_request");
  const auto key = sigv4::derive_signing_key(sigv4::secret_access_key(fuzz::secret_key), scope.substr(0, p1),
                                             scope.substr(p1 + 1, p2 - p1 - 1), scope.substr(p2 + 1, p3 - p2 - 1));
  const std::string expected = sigv4::signature(key, sigv4::string_to_sign(*when, scope, creq));
  if (expected != r->seed_signature)
    std::fprintf(stderr, "accepted a signature the signer does not make\n%s\n", creq.c_str());
  FUZZ_CHECK(expected == r->seed_signature);
  // And the signature it accepted is the one the request carries.
  bool carried = false;
  for (const auto& h : headers) carried = carried || h.value.find(r->seed_signature) != std::string::npos;
  carried = carried || query.find(r->seed_signature) != std::string::npos;
  FUZZ_CHECK(carried);
}

void round_mode(FuzzedDataProvider& in) {
  sigv4::signing_request req = fuzz::consume_signing_request(in);
  auto added = sigv4::sign_headers(req);
  if (!added) return;  // the signer refused (e.g. an empty method): nothing to verify
  std::vector<sigv4::header> wire = req.headers;
  wire.insert(wire.end(), added->begin(), added->end());
  const std::string query = sigv4::encode_query(req.query);

  const auto skew = seconds(in.ConsumeIntegralInRange<int>(-900, 900));
  auto ok = the_verifier().verify(req.method, req.path, query, wire, req.time + skew);
  if (!ok) std::fprintf(stderr, "verify: %s\n%s\n", ok.error().message().c_str(), ok.error().canonical_request.c_str());
  FUZZ_CHECK(ok.has_value());
  FUZZ_CHECK(ok->kind == sigv4::auth_kind::header);

  // One bit of the signature flipped (it stays lower-case hex): must not verify.
  for (auto& h : wire)
    if (h.name == "Authorization") {
      char& last = h.value.back();
      last = last == '0' ? '1' : '0';
    }
  FUZZ_CHECK(!the_verifier().verify(req.method, req.path, query, wire, req.time).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool())
    round_mode(in);
  else
    raw_mode(in);
  return 0;
}
