#include "request_signing.hpp"

#include "dropslot/sigv4/crypto.hpp"
#include "dropslot/sigv4/signer.hpp"

namespace dropslot::s3::detail {

namespace {
sigv4::key_cache& shared_key_cache() {
  static sigv4::key_cache cache;
  return cache;
}
}  // namespace

result<header_list> sign_request(std::string_view method, const bucket_endpoint& ep, const std::string& path,
                                 const header_list& query, const header_list& headers, std::string_view body,
                                 const sigv4::credentials& creds, std::chrono::system_clock::time_point now) {
  sigv4::signing_request r;
  r.method = std::string(method);
  r.path = path;
  for (const auto& [n, v] : query) r.query.push_back({n, v});
  r.headers.push_back({"host", ep.host});
  for (const auto& [n, v] : headers) r.headers.push_back({n, v});
  // The body is hashed and signed, so a tampered body is refused by S3 even over
  // plain HTTP to a local store.
  r.payload_hash = sigv4::sha256_hex(body);
  r.region = ep.region;
  r.service = "s3";
  r.credentials = creds;
  r.time = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto added = sigv4::sign_headers(r, &shared_key_cache());
  if (!added) return fail(added.error());
  header_list out;
  out.reserve(r.headers.size() + added->size());
  for (auto& h : r.headers) out.emplace_back(std::move(h.name), std::move(h.value));
  for (auto& h : *added) out.emplace_back(std::move(h.name), std::move(h.value));
  return out;
}

}  // namespace dropslot::s3::detail
