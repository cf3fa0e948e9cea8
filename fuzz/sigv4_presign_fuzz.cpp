// Target 2: the presigned query parser and the expiry checks (verifier::verify with
// query auth). Two modes, picked by the first byte:
//   raw   - a fuzzed query string (with the X-Amz-* names likely) and a fuzzed `now`;
//   round - a request is presigned with presign_query() and verified at the edges of
//           its validity: valid from X-Amz-Date (minus the allowed skew) through
//           date + X-Amz-Expires, expired one second later, and a presigned URL
//           never verifies as header auth or with a changed expiry. A signed payload
//           hash comes back as the verified payload; one a URL cannot carry is refused.
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
  std::string query;
  static constexpr const char* names[] = {"X-Amz-Algorithm=", "X-Amz-Credential=", "X-Amz-Date=", "X-Amz-Expires=",
                                          "X-Amz-SignedHeaders=", "X-Amz-Signature=", "X-Amz-Content-Sha256=",
                                          "X-Amz-Security-Token="};
  while (in.remaining_bytes() > 0 && query.size() < 1024) {
    if (!query.empty()) query += '&';
    if (in.ConsumeBool()) query += names[in.ConsumeIntegralInRange<int>(0, 7)];
    query += in.ConsumeRandomLengthString(80);
  }
  std::vector<sigv4::header> headers{{"host", "bucket.example.com"}};
  auto r = the_verifier().verify("GET", "/bucket/key", query, headers, now);
  if (r) {
    // Only a real signature verifies, and then the expiry bounds hold.
    FUZZ_CHECK(r->expires_at.has_value());
    FUZZ_CHECK(now <= *r->expires_at);
  }
}

void round_mode(FuzzedDataProvider& in) {
  sigv4::signing_request req = fuzz::consume_signing_request(in);
  req.expires = seconds(in.ConsumeIntegralInRange<long long>(1, sigv4::max_expiry_seconds));
  // The payload: UNSIGNED-PAYLOAD or the empty body's hash (as generated), the hash of
  // some body, or a value a URL cannot carry, which presign refuses. A hashed payload
  // travels as X-Amz-Content-Sha256 and must verify as such (finding F5).
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: break;
    case 1: req.payload_hash = sigv4::sha256_hex(in.ConsumeRandomLengthString(32)); break;
    case 2: req.payload_hash = std::string(sigv4::unsigned_payload); break;
    default: {
      static constexpr std::string_view cannot[] = {
          sigv4::streaming_payload, sigv4::streaming_unsigned_payload_trailer,
          "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", ""};
      req.payload_hash = std::string(cannot[in.ConsumeIntegralInRange<int>(0, 3)]);
      auto refused = sigv4::presign_query(req);
      // (A fuzzed query name like "X-AMZ-DATE" is refused first, as already signed.)
      FUZZ_CHECK(!refused && (refused.error().code == sigv4::sigv4_errc::invalid_argument ||
                              refused.error().code == sigv4::sigv4_errc::already_signed));
      return;
    }
  }
  auto auth = sigv4::presign_query(req);
  if (!auth) return;
  const bool hashed = req.payload_hash != sigv4::unsigned_payload;
  FUZZ_CHECK(hashed == (auth->find("&X-Amz-Content-Sha256=" + req.payload_hash + "&") != std::string::npos));
  std::string query = sigv4::encode_query(req.query);
  if (!query.empty()) query += '&';
  query += *auth;

  auto at = [&](sys_seconds now) { return the_verifier().verify(req.method, req.path, query, req.headers, now); };
  const sys_seconds last = req.time + req.expires;
  const sys_seconds inside = req.time + seconds(in.ConsumeIntegralInRange<long long>(-900, req.expires.count()));
  for (sys_seconds t : {req.time, last, inside}) {
    auto ok = at(t);
    if (!ok)
      std::fprintf(stderr, "verify: %s\npath: %s\nquery: %s\n--- server's canonical request:\n%s\n",
                   ok.error().message().c_str(), req.path.c_str(), query.c_str(), ok.error().canonical_request.c_str());
    FUZZ_CHECK(ok.has_value());
    FUZZ_CHECK(ok->kind == sigv4::auth_kind::query);
    FUZZ_CHECK(ok->expires_at == last);
    FUZZ_CHECK(ok->payload == (hashed ? sigv4::payload_mode::hashed : sigv4::payload_mode::unsigned_payload));
    FUZZ_CHECK(ok->payload_hash == req.payload_hash);
  }
  auto late = at(last + seconds(1));
  FUZZ_CHECK(!late && late.error().code == sigv4::sigv4_errc::expired);
  auto early = at(req.time - seconds(901));
  FUZZ_CHECK(!early);

  // A longer X-Amz-Expires than was signed must not verify.
  const std::string signed_expires = "X-Amz-Expires=" + std::to_string(req.expires.count());
  std::string longer = query;
  auto pos = longer.find(signed_expires);
  FUZZ_CHECK(pos != std::string::npos);
  longer.replace(pos, signed_expires.size(), "X-Amz-Expires=604800");
  if (req.expires.count() != 604800)
    FUZZ_CHECK(!the_verifier().verify(req.method, req.path, longer, req.headers, req.time).has_value());

  // Query auth and an Authorization header together: refused, whatever the header says.
  std::vector<sigv4::header> both = req.headers;
  both.push_back({"Authorization", fuzz::consume_header_value(in)});
  auto amb = the_verifier().verify(req.method, req.path, query, both, req.time);
  FUZZ_CHECK(!amb && amb.error().code == sigv4::sigv4_errc::ambiguous_authentication);
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
