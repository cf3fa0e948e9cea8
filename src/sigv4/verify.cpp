#include <dropslot/sigv4/verify.hpp>

#include <algorithm>

#include "canonical.hpp"

namespace dropslot::sigv4 {
namespace {

using detail::iequals;
using detail::is_lower_hex64;

unexpected<verify_error> reject(sigv4_errc e, std::string detail = {}) {
  return unexpected<verify_error>(verify_error{make_error_code(e), std::move(detail), {}, {}});
}

struct parsed_credential {
  std::string access_key;
  std::string_view date, region, service, terminator;
};

// "AKID/YYYYMMDD/region/service/aws4_request". The last four parts are split from
// the right so that the error says which part is wrong.
std::optional<parsed_credential> parse_credential(std::string_view c) {
  parsed_credential out;
  std::string_view parts[4];
  for (int i = 3; i >= 0; --i) {
    std::size_t slash = c.rfind('/');
    if (slash == std::string_view::npos) return std::nullopt;
    parts[i] = c.substr(slash + 1);
    c = c.substr(0, slash);
    if (parts[i].empty()) return std::nullopt;
  }
  if (c.empty() || c.find('/') != std::string_view::npos) return std::nullopt;
  out.access_key = std::string(c);
  out.date = parts[0];
  out.region = parts[1];
  out.service = parts[2];
  out.terminator = parts[3];
  if (out.date.size() != 8 || !std::all_of(out.date.begin(), out.date.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::nullopt;
  return out;
}

// "a;b;c": lower-case, strictly ascending, no empty names, host included.
std::optional<std::vector<std::string>> parse_signed_headers(std::string_view s) {
  std::vector<std::string> names;
  while (true) {
    std::size_t semi = s.find(';');
    std::string_view n = s.substr(0, semi);
    if (n.empty()) return std::nullopt;
    for (char c : n)
      if ((c >= 'A' && c <= 'Z') || c == ' ' || c == ':' || static_cast<unsigned char>(c) < 0x21) return std::nullopt;
    if (!names.empty() && !(names.back() < n)) return std::nullopt;
    names.emplace_back(n);
    if (semi == std::string_view::npos) break;
    s.remove_prefix(semi + 1);
  }
  if (std::find(names.begin(), names.end(), "host") == names.end()) return std::nullopt;
  return names;
}

const header* find_header(std::span<const header> headers, std::string_view name) {
  for (const header& h : headers)
    if (iequals(h.name, name)) return &h;
  return nullptr;
}

struct auth_fields {
  std::string_view credential, signed_headers, signature;
};

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." (S3 accepts
// the fields with or without a space after each comma).
verify_result<auth_fields> parse_authorization(std::string_view v) {
  v = util::trim_ows(v);
  std::size_t sp = v.find(' ');
  std::string_view alg = v.substr(0, sp);
  if (alg != algorithm) return reject(sigv4_errc::unsupported_algorithm, "algorithm must be AWS4-HMAC-SHA256");
  if (sp == std::string_view::npos) return reject(sigv4_errc::malformed_authorization, "no fields");
  std::string_view rest = v.substr(sp + 1);
  auth_fields f;
  bool seen[3] = {false, false, false};
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view part = util::trim_ows(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return reject(sigv4_errc::malformed_authorization, "a field has no '='");
    std::string_view name = part.substr(0, eq), value = part.substr(eq + 1);
    int idx = name == "Credential" ? 0 : name == "SignedHeaders" ? 1 : name == "Signature" ? 2 : -1;
    if (idx < 0) return reject(sigv4_errc::malformed_authorization, "unknown field " + std::string(name));
    if (seen[idx]) return reject(sigv4_errc::malformed_authorization, "repeated field " + std::string(name));
    seen[idx] = true;
    (idx == 0 ? f.credential : idx == 1 ? f.signed_headers : f.signature) = value;
  }
  if (!seen[0] || !seen[1] || !seen[2])
    return reject(sigv4_errc::malformed_authorization, "Credential, SignedHeaders and Signature are required");
  return f;
}

}  // namespace

std::optional<payload_mode> parse_payload_mode(std::string_view v) {
  if (v == unsigned_payload) return payload_mode::unsigned_payload;
  if (v == streaming_payload) return payload_mode::streaming_signed;
  if (v == streaming_unsigned_payload_trailer) return payload_mode::streaming_unsigned_trailer;
  if (v == streaming_payload_trailer) return payload_mode::streaming_signed_trailer;
  if (is_lower_hex64(v)) return payload_mode::hashed;
  return std::nullopt;
}

struct verifier::impl {
  verifier_config config;
  mutable key_cache keys;

  // Checks shared by header, query and POST auth once the credential is split.
  verify_result<void> check_scope(const parsed_credential& c, std::string_view amz_date_value) const {
    if (c.terminator != "aws4_request") return reject(sigv4_errc::wrong_terminator);
    if (c.date != amz_date_value.substr(0, 8))
      return reject(sigv4_errc::scope_date_mismatch,
                    "scope date " + std::string(c.date) + " vs X-Amz-Date " + std::string(amz_date_value));
    if (c.region != config.region)
      return reject(sigv4_errc::wrong_region, "expected " + config.region + ", got " + std::string(c.region));
    if (c.service != config.service)
      return reject(sigv4_errc::wrong_service, "expected " + config.service + ", got " + std::string(c.service));
    return {};
  }

  verify_result<std::shared_ptr<const signing_key>> lookup_key(const parsed_credential& c) const {
    std::optional<secret_access_key> secret = config.lookup ? config.lookup(access_key_id(c.access_key)) : std::nullopt;
    if (!secret) return reject(sigv4_errc::unknown_access_key, c.access_key);
    return keys.get(*secret, c.date, c.region, c.service);
  }
};

verifier::verifier(verifier_config config) : impl_(std::make_unique<impl>()) { impl_->config = std::move(config); }
verifier::~verifier() = default;
verifier::verifier(verifier&&) noexcept = default;
verifier& verifier::operator=(verifier&&) noexcept = default;

verify_result<verified_request> verifier::verify(std::string_view method, std::string_view raw_path,
                                                 std::string_view raw_query, std::span<const header> headers,
                                                 std::chrono::sys_seconds now) const {
  const verifier_config& cfg = impl_->config;
  std::vector<query_param> query = parse_query(raw_query);
  auto query_value = [&](std::string_view name) -> const std::string* {
    for (const query_param& q : query)
      if (q.name == name) return &q.value;
    return nullptr;
  };
  const header* authz = find_header(headers, "authorization");
  const bool query_auth = query_value("X-Amz-Algorithm") || query_value("X-Amz-Credential") ||
                          query_value("X-Amz-Signature");
  if (authz && query_auth) return reject(sigv4_errc::ambiguous_authentication);
  if (!authz && !query_auth) return reject(sigv4_errc::missing_authentication);

  verified_request out;
  std::string_view credential_text, signed_headers_text, signature_text, date_text;
  std::string payload;

  if (authz) {
    out.kind = auth_kind::header;
    auto f = parse_authorization(authz->value);
    if (!f) return unexpected<verify_error>(std::move(f).error());
    credential_text = f->credential;
    signed_headers_text = f->signed_headers;
    signature_text = f->signature;
    const header* d = find_header(headers, "x-amz-date");
    if (!d) return reject(sigv4_errc::malformed_date, "X-Amz-Date header is required");
    date_text = util::trim_ows(d->value);
  } else {
    out.kind = auth_kind::query;
    const std::string* alg = query_value("X-Amz-Algorithm");
    if (!alg || *alg != algorithm) return reject(sigv4_errc::unsupported_algorithm, "X-Amz-Algorithm must be AWS4-HMAC-SHA256");
    const std::string* c = query_value("X-Amz-Credential");
    if (!c) return reject(sigv4_errc::malformed_credential, "X-Amz-Credential is missing");
    const std::string* sh = query_value("X-Amz-SignedHeaders");
    if (!sh) return reject(sigv4_errc::malformed_signed_headers, "X-Amz-SignedHeaders is missing");
    const std::string* sig = query_value("X-Amz-Signature");
    if (!sig) return reject(sigv4_errc::malformed_signature, "X-Amz-Signature is missing");
    const std::string* d = query_value("X-Amz-Date");
    if (!d) return reject(sigv4_errc::malformed_date, "X-Amz-Date is missing");
    credential_text = *c;
    signed_headers_text = *sh;
    signature_text = *sig;
    date_text = *d;
  }

  auto cred = parse_credential(credential_text);
  if (!cred) return reject(sigv4_errc::malformed_credential);
  auto when = parse_amz_date(date_text);
  if (!when) return reject(sigv4_errc::malformed_date, std::string(date_text));
  if (auto s = impl_->check_scope(*cred, date_text); !s) return unexpected<verify_error>(std::move(s).error());

  // The validity window.
  if (*when - now > cfg.max_skew) return reject(sigv4_errc::not_yet_valid);
  if (out.kind == auth_kind::header) {
    if (now - *when > cfg.max_skew) return reject(sigv4_errc::expired);
  } else {
    const std::string* e = query_value("X-Amz-Expires");
    if (!e || e->empty() || e->size() > 7 || !std::all_of(e->begin(), e->end(), [](char c) { return c >= '0' && c <= '9'; }))
      return reject(sigv4_errc::malformed_expires);
    long long secs = std::stoll(*e);
    if (secs < 1 || secs > max_expiry_seconds) return reject(sigv4_errc::malformed_expires, "must be 1..604800");
    out.expires_at = *when + std::chrono::seconds(secs);
    if (now > *out.expires_at) return reject(sigv4_errc::expired);
  }

  auto names = parse_signed_headers(signed_headers_text);
  if (!names) return reject(sigv4_errc::malformed_signed_headers, std::string(signed_headers_text));
  if (!is_lower_hex64(signature_text)) return reject(sigv4_errc::malformed_signature);

  // The signed headers, in arrival order, and no x-amz-* header left unsigned.
  std::vector<header> signed_list;
  for (const std::string& n : *names) {
    bool found = false;
    for (const header& h : headers)
      if (iequals(h.name, n)) {
        signed_list.push_back(h);
        found = true;
      }
    if (!found) return reject(sigv4_errc::missing_signed_header, n);
  }
  for (const header& h : headers) {
    if (h.name.size() >= 6 && iequals(std::string_view(h.name).substr(0, 6), "x-amz-") &&
        !std::binary_search(names->begin(), names->end(), util::ascii_lower(h.name)))
      return reject(sigv4_errc::unsigned_amz_header, h.name);
  }

  // The payload mode.
  if (out.kind == auth_kind::header) {
    const header* p = find_header(headers, "x-amz-content-sha256");
    if (!p) return reject(sigv4_errc::missing_content_sha256);
    payload = std::string(util::trim_ows(p->value));
  } else {
    const std::string* p = query_value("X-Amz-Content-Sha256");
    payload = p ? *p : std::string(unsigned_payload);
  }
  auto mode = parse_payload_mode(payload);
  if (!mode) return reject(sigv4_errc::unknown_payload_mode, payload);

  auto key = impl_->lookup_key(*cred);
  if (!key) return unexpected<verify_error>(std::move(key).error());

  // Recompute.
  std::vector<detail::encoded_param> params;
  params.reserve(query.size());
  for (const query_param& q : query) {
    if (out.kind == auth_kind::query && q.name == "X-Amz-Signature") continue;
    params.push_back({uri_encode(q.name, false), uri_encode(q.value, false)});
  }
  std::string cq;
  detail::append_canonical_query(cq, params);
  auto canon = detail::canonicalize_headers(signed_list);
  std::string creq;
  creq.reserve(512);
  const std::string scope = std::string(cred->date) + "/" + std::string(cred->region) + "/" +
                            std::string(cred->service) + "/" + std::string(cred->terminator);
  detail::append_canonical_request(creq, method, canonical_uri(raw_path, cfg.rules, cfg.normalize), cq, canon,
                                   signed_headers_text, payload);
  std::string sts;
  sts.reserve(160);
  detail::append_string_to_sign(sts, date_text, scope, creq);
  std::string computed = (*key)->sign(sts);
  if (!constant_time_equal(computed, signature_text)) {
    return unexpected<verify_error>(verify_error{make_error_code(sigv4_errc::signature_mismatch), {}, std::move(creq),
                                                 std::move(sts)});
  }

  out.access_key = access_key_id(cred->access_key);
  out.payload = *mode;
  out.payload_hash = std::move(payload);
  out.seed_signature = std::string(signature_text);
  out.key = std::move(*key);
  out.amz_date = std::string(date_text);
  out.scope = scope;
  out.signed_headers = std::move(*names);
  return out;
}

verify_result<verified_post> verifier::verify_post_policy(std::string_view policy_b64, std::string_view credential,
                                                          std::string_view amz_date_value, std::string_view signature,
                                                          std::chrono::sys_seconds now) const {
  auto cred = parse_credential(credential);
  if (!cred) return reject(sigv4_errc::malformed_credential);
  auto when = parse_amz_date(amz_date_value);
  if (!when) return reject(sigv4_errc::malformed_date, std::string(amz_date_value));
  if (auto s = impl_->check_scope(*cred, amz_date_value); !s) return unexpected<verify_error>(std::move(s).error());
  if (*when - now > impl_->config.max_skew) return reject(sigv4_errc::not_yet_valid);
  if (!is_lower_hex64(signature)) return reject(sigv4_errc::malformed_signature);
  auto key = impl_->lookup_key(*cred);
  if (!key) return unexpected<verify_error>(std::move(key).error());
  std::string computed = (*key)->sign(policy_b64);
  if (!constant_time_equal(computed, signature))
    return unexpected<verify_error>(
        verify_error{make_error_code(sigv4_errc::signature_mismatch), {}, {}, std::string(policy_b64)});
  auto text = util::base64_decode(policy_b64);
  if (!text) return reject(sigv4_errc::malformed_policy, "policy is not base64");
  auto policy = parse_post_policy(*text);
  if (!policy) return reject(sigv4_errc::malformed_policy, policy.error().detail);
  if (now > policy->expiration) return reject(sigv4_errc::policy_expired);
  return verified_post{access_key_id(cred->access_key), std::move(*policy)};
}

}  // namespace dropslot::sigv4
