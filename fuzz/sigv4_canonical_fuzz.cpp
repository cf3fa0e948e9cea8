// Target 3: canonical request building - URI encoding, query sorting, header folding -
// with differential checks:
//   - util::percent_decode(uri_encode(s)) == s for any bytes, and the encoding holds only
//     unreserved characters, '%XX' with upper-case hex, and '/' when kept;
//   - the S3 canonical URI is a fixed point (canonicalising it again changes nothing),
//     so "/a b" and "/a%20b" sign the same and nothing is decoded twice;
//   - parse_query(encode_query(q)) gives q back, and canonical_query is sorted by
//     (name, value) and independent of the parameters' order;
//   - canonicalize_headers lower-cases names, sorts them uniquely, trims values and
//     collapses inner whitespace, merging repeats in arrival order;
//   - canonical_request(r) equals what sign_headers() signed (the signer's fast path
//     and the stage function agree).
#include <algorithm>
#include <string>
#include <vector>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/util/codec.hpp>

#include "canonical.hpp"
#include "fuzz_check.hpp"
#include "sigv4_request_gen.hpp"

using namespace dropslot;

namespace {

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}
bool upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

void check_encoding(const std::string& s, bool keep_slash) {
  const std::string e = sigv4::uri_encode(s, keep_slash);
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '%') {
      FUZZ_CHECK(i + 2 < e.size() + 0 && upper_hex(e[i + 1]) && upper_hex(e[i + 2]));
      i += 2;
    } else {
      FUZZ_CHECK(unreserved(e[i]) || (keep_slash && e[i] == '/'));
    }
  }
  FUZZ_CHECK(util::percent_decode(e) == s);
}

void check_uri(const std::string& raw) {
  const std::string once = sigv4::canonical_uri(raw, sigv4::uri_rules::s3, false);
  FUZZ_CHECK(sigv4::canonical_uri(once, sigv4::uri_rules::s3, false) == once);
  // The generic rules with normalisation never leave a dot segment behind.
  const std::string norm = sigv4::canonical_uri(raw, sigv4::uri_rules::generic, true);
  FUZZ_CHECK(!norm.empty() && norm.front() == '/');
  FUZZ_CHECK(norm.find("/../") == std::string::npos && norm.find("/./") == std::string::npos);
}

void check_query(FuzzedDataProvider& in) {
  std::vector<sigv4::query_param> q;
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 6);
  for (std::size_t i = 0; i < n; ++i) {
    std::string name = in.ConsumeRandomLengthString(12);
    std::string value = in.ConsumeRandomLengthString(12);
    if (name.empty() && value.empty()) name = "x";  // "" would be an empty segment, which has no parameter
    q.push_back({std::move(name), std::move(value)});
  }
  const auto back = sigv4::parse_query(sigv4::encode_query(q));
  FUZZ_CHECK(back.size() == q.size());
  for (std::size_t i = 0; i < q.size(); ++i) FUZZ_CHECK(back[i].name == q[i].name && back[i].value == q[i].value);

  const std::string cq = sigv4::canonical_query(q);
  std::vector<sigv4::query_param> shuffled = q;
  std::reverse(shuffled.begin(), shuffled.end());
  FUZZ_CHECK(sigv4::canonical_query(shuffled) == cq);
  // Sorted by encoded (name, value).
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& p : sigv4::parse_query(cq)) pairs.emplace_back(sigv4::uri_encode(p.name, false), sigv4::uri_encode(p.value, false));
  FUZZ_CHECK(std::is_sorted(pairs.begin(), pairs.end()));
}

void check_headers(const std::vector<sigv4::header>& headers) {
  const auto canon = sigv4::detail::canonicalize_headers(headers);
  for (std::size_t i = 0; i < canon.size(); ++i) {
    const auto& h = canon[i];
    if (i > 0) FUZZ_CHECK(canon[i - 1].name < h.name);
    FUZZ_CHECK(h.name == util::ascii_lower(h.name));
  }
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    bool first = true;
    for (std::size_t j = 0; j < i; ++j)
      if (sigv4::detail::iequals(headers[i].name, headers[j].name)) first = false;
    distinct += first;
  }
  FUZZ_CHECK(canon.size() == distinct);
  // A single value (no merge) is trimmed, with no run of two spaces left inside.
  for (const auto& h : canon) {
    std::size_t count = 0;
    for (const auto& in : headers) count += sigv4::detail::iequals(in.name, h.name);
    if (count != 1) continue;
    FUZZ_CHECK(h.value.empty() || (h.value.front() != ' ' && h.value.back() != ' '));
    FUZZ_CHECK(h.value.find("  ") == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string s = in.ConsumeRandomLengthString(256);
  check_encoding(s, true);
  check_encoding(s, false);
  check_uri(s);
  check_query(in);

  sigv4::signing_request req = fuzz::consume_signing_request(in);
  check_headers(req.headers);

  // The stage function and the signer agree byte for byte.
  sigv4::signing_trace trace;
  auto added = sigv4::sign_headers(req, nullptr, &trace);
  if (added) {
    sigv4::signing_request full = req;
    for (const auto& h : *added)
      if (!sigv4::detail::iequals(h.name, "Authorization")) full.headers.push_back(h);
    const std::string creq = sigv4::canonical_request(full);
    if (creq != trace.canonical_request)
      std::fprintf(stderr, "stage:\n%s\n--- signer:\n%s\n", creq.c_str(), trace.canonical_request.c_str());
    FUZZ_CHECK(creq == trace.canonical_request);
  }
  return 0;
}
