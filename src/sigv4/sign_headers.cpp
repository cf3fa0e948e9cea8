// Header auth: the Authorization header and the headers it signs.
#include <dropslot/sigv4/signer.hpp>

#include <algorithm>

#include "canonical.hpp"

namespace dropslot::sigv4 {
using namespace std::string_view_literals;
using namespace detail;

namespace {

bool has_query(const signing_request& r, std::string_view name) {
  return std::any_of(r.query.begin(), r.query.end(), [&](const query_param& q) { return iequals(q.name, name); });
}
bool has_header(const signing_request& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(), [&](const header& h) { return iequals(h.name, name); });
}

result<void> check_common(const signing_request& r) {
  if (has_query(r, "X-Amz-Signature") || has_query(r, "X-Amz-Credential") || has_query(r, "X-Amz-Date"))
    return fail(sigv4_errc::already_signed, "query already has X-Amz-Signature, X-Amz-Credential or X-Amz-Date");
  if (r.region.empty() || r.service.empty()) return fail(sigv4_errc::invalid_argument, "region and service are required");
  if (r.credentials.access_key.empty() || r.credentials.secret.empty())
    return fail(sigv4_errc::invalid_argument, "credentials are empty");
  if (r.method.empty()) return fail(sigv4_errc::invalid_argument, "method is empty");
  return {};
}

std::shared_ptr<const signing_key> key_for(const signing_request& r, std::string_view date, key_cache* cache) {
  if (cache) return cache->get(r.credentials.secret, date, r.region, r.service);
  return std::make_shared<const signing_key>(derive_signing_key(r.credentials.secret, date, r.region, r.service));
}

}  // namespace

result<std::vector<header>> sign_headers(const signing_request& r, key_cache* cache, signing_trace* trace) {
  if (auto ok = check_common(r); !ok) return fail(ok.error());
  if (has_header(r, "authorization") || has_header(r, "x-amz-date"))
    return fail(sigv4_errc::already_signed, "request already has Authorization or X-Amz-Date");

  const std::string date = amz_date(r.time);
  std::string scope = credential_scope(r.time, r.region, r.service);

  std::vector<header> added;
  added.push_back({"X-Amz-Date", date});
  if (r.add_content_sha256 && !has_header(r, "x-amz-content-sha256")) added.push_back({"x-amz-content-sha256", r.payload_hash});
  const bool token = r.credentials.token && !r.credentials.token->empty();
  if (token && r.sign_session_token) added.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});

  std::vector<header> all;
  all.reserve(r.headers.size() + added.size());
  all.insert(all.end(), r.headers.begin(), r.headers.end());
  all.insert(all.end(), added.begin(), added.end());
  auto canon = canonicalize_headers(all);
  std::string names = join_names(canon);

  std::string creq;
  creq.reserve(512);
  append_canonical_request(creq, r.method, canonical_uri(r.path, r.rules, r.normalize), canonical_query(r.query), canon,
                           names, r.payload_hash);
  std::string sts;
  sts.reserve(160);
  append_string_to_sign(sts, date, scope, creq);
  std::string sig = key_for(r, std::string_view(date).substr(0, 8), cache)->sign(sts);

  if (token && !r.sign_session_token) added.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});
  std::string authz;
  authz.reserve(200);
  authz.append(algorithm).append(" Credential="sv).append(r.credentials.access_key.value()).append("/"sv).append(scope);
  authz.append(", SignedHeaders="sv).append(names).append(", Signature="sv).append(sig);
  added.push_back({"Authorization", std::move(authz)});
  if (trace) *trace = signing_trace{std::move(creq), std::move(sts), std::move(sig)};
  return added;
}

}  // namespace dropslot::sigv4
