#pragma once
// Generates valid SigV4 requests from fuzz input, for the sign-then-verify targets.
// "Valid" means what a client may send: header names are tokens that cannot collide
// with the ones the signer adds, query names are not X-Amz-*, the path starts with
// '/'. Everything else (bytes in values, case, repeats, spaces, '%') is the fuzzer's.
#include <chrono>
#include <optional>
#include <string>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/sigv4/verify.hpp>

#include "fuzz_check.hpp"

namespace dropslot::fuzz {

inline constexpr const char* access_key = "AKIDFUZZEXAMPLE";
inline constexpr const char* secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

inline sigv4::verifier_config test_verifier_config() {
  sigv4::verifier_config c;
  c.lookup = [](const sigv4::access_key_id& id) -> std::optional<sigv4::secret_access_key> {
    if (id.value() == access_key) return sigv4::secret_access_key(secret_key);
    return std::nullopt;
  };
  c.region = "us-east-1";
  return c;
}

/// A time between 2001 and 2099 (X-Amz-Date has four year digits).
inline std::chrono::sys_seconds consume_time(FuzzedDataProvider& in) {
  return std::chrono::sys_seconds(std::chrono::seconds(in.ConsumeIntegralInRange<long long>(978307200, 4102444799)));
}

/// Any bytes but CR, LF and NUL (which cannot travel in a header value).
inline std::string consume_header_value(FuzzedDataProvider& in) {
  std::string v = in.ConsumeRandomLengthString(48);
  for (char& c : v)
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  return v;
}

inline sigv4::signing_request consume_signing_request(FuzzedDataProvider& in) {
  sigv4::signing_request r;
  static constexpr const char* methods[] = {"GET", "PUT", "HEAD", "POST", "DELETE"};
  r.method = methods[in.ConsumeIntegralInRange<int>(0, 4)];
  r.region = "us-east-1";
  r.credentials.access_key = sigv4::access_key_id(access_key);
  r.credentials.secret = sigv4::secret_access_key(secret_key);
  if (in.ConsumeBool()) r.credentials.token = sigv4::session_token(consume_header_value(in));
  r.time = consume_time(in);

  // The path: decoded key bytes, sent encoded, raw, or half-encoded.
  std::string key = in.ConsumeRandomLengthString(64);
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0: r.path = "/bucket/" + sigv4::uri_encode(key, true); break;
    case 1: {
      std::string raw;
      for (char c : key)
        if (c != '?' && c != '#' && c != ' ' && static_cast<unsigned char>(c) > 0x20 && c != 0x7f) raw += c;
      r.path = "/bucket/" + raw;
      break;
    }
    default: r.path = "/" + string_from(in, "abc/%20%2F%41-._~+=", 40); break;
  }

  const std::size_t nq = in.ConsumeIntegralInRange<std::size_t>(0, 4);
  for (std::size_t i = 0; i < nq; ++i) {
    std::string name = in.ConsumeRandomLengthString(16);
    if (name.size() >= 6 && (name.substr(0, 6) == "X-Amz-" || name.substr(0, 6) == "x-amz-")) name[0] = 'y';
    r.query.push_back({std::move(name), in.ConsumeRandomLengthString(24)});
  }

  r.headers.push_back({in.ConsumeBool() ? "Host" : "host", "bucket.example.com"});
  const std::size_t nh = in.ConsumeIntegralInRange<std::size_t>(0, 5);
  static constexpr const char* prefixes[] = {"x-amz-meta-", "X-Amz-Meta-", "X-Fz-", "content-"};
  for (std::size_t i = 0; i < nh; ++i) {
    std::string name = prefixes[in.ConsumeIntegralInRange<int>(0, 3)];
    name += string_from(in, "abAB0-", 6);
    if (name == "content-") name += "md5";
    r.headers.push_back({std::move(name), consume_header_value(in)});
  }
  if (in.ConsumeBool()) r.payload_hash = sigv4::empty_payload_hash;
  return r;
}

}  // namespace dropslot::fuzz
