// Target 1: the Authorization header parser, through verifier::verify (the parser is
// internal to verify.cpp). Two modes, picked by the first byte:
//   raw   - the input is a request head ("Name: value" lines; the first line is the
//           Authorization value); verify must answer without crashing, and can only
//           succeed for a request that really carries the right signature;
//   round - a request is generated from the input, signed with sign_headers() and
//           verified: a request the signer signs must verify (signer and verifier
//           agree on every canonicalisation), and a changed signature must not.
#include <chrono>
#include <string>
#include <vector>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/sigv4/verify.hpp>

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
  }
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
