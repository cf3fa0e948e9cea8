#include "bucket_access.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "dropslot/api/error.hpp"
#include "dropslot/s3/client.hpp"
#include "dropslot/s3/credentials.hpp"
#include "dropslot/s3/endpoint.hpp"
#include "dropslot/sigv4/signer.hpp"

namespace dropslot::api {

namespace {

using namespace std::chrono;

// A URL whose credentials die within this margin would fail in the user's hands;
// refuse to hand it out instead (the caller answers 503).
constexpr seconds credential_margin{30};

sigv4::credentials to_sigv4(const explicit_credentials& c) {
  sigv4::credentials out;
  out.access_key = sigv4::access_key_id(c.access_key_id);
  out.secret = sigv4::secret_access_key(c.secret_access_key);
  if (!c.session_token.empty()) out.token = sigv4::session_token(c.session_token);
  if (c.expires_at) out.expiry = time_point_cast<seconds>(*c.expires_at);
  return out;
}

class s3_bucket_access final : public bucket_access {
 public:
  s3_bucket_access(const app_config& config, s3::bucket_endpoint ep, sigv4::credentials creds)
      : url_expiry_(std::min<seconds>(config.url_expiry, seconds(sigv4::max_expiry_seconds))),
        ep_(std::move(ep)),
        creds_(std::move(creds)),
        client_(s3::client_config{ep_, [c = creds_]() -> result<sigv4::credentials> { return c; }}) {}

  result<seconds> expiry_at(system_clock::time_point now) const override {
    seconds e = url_expiry_;
    if (creds_.expiry) {
      // No URL outlives the credentials that signed it (DESIGN.md, Security model).
      auto left = duration_cast<seconds>(*creds_.expiry - now);
      if (left <= credential_margin)
        return fail(api_errc::storage_unavailable,
                    "the storage credentials have expired; try again shortly\nS3 credentials expire within 30 s");
      e = std::min(e, left);
    }
    return e;
  }

  result<presigned_request> presign_put(const std::string& key, const put_terms& t,
                                        system_clock::time_point now) const override {
    std::vector<sigv4::header> h{{"content-length", std::to_string(t.content_length)},
                                 {"content-type", t.content_type},
                                 {"if-none-match", "*"}};
    if (t.checksum_sha256) h.push_back({"x-amz-checksum-sha256", *t.checksum_sha256});
    return sign("PUT", key, std::move(h), now);
  }

  result<presigned_request> presign_get(const std::string& key, system_clock::time_point now) const override {
    return sign("GET", key, {}, now);
  }

  result<std::vector<listed_object>> list(const std::string& prefix, std::size_t max_objects) const override {
    auto all = client_.list_all(prefix, max_objects);
    if (!all) {
      // The client never sees S3's internals; the log gets them (no secrets: the
      // detail is S3's code and message or curl's).
      auto code = all.error().code;
      std::string what = code == s3::s3_errc::access_denied    ? "the storage service refused the API's credentials"
                         : code == s3::s3_errc::no_such_bucket ? "the storage bucket does not exist"
                                                               : "the storage service is unavailable; try again shortly";
      // "client message\ninternal detail": api_error_response shows the first line
      // and logs the whole.
      return fail(api_errc::storage_unavailable, fmt::format("{}\n{}", what, all.error().message()));
    }
    std::vector<listed_object> out;
    out.reserve(all->size());
    for (auto& o : *all) out.push_back({std::move(o.key), o.size, std::move(o.last_modified)});
    return out;
  }

 private:
  /// A per-thread signing request that keeps this instance's credentials and its
  /// vectors' capacity between calls: the hot path then copies no secret and
  /// allocates little. Keyed by a never-reused instance id, not the address.
  sigv4::signing_request& scratch() const {
    thread_local sigv4::signing_request r;
    thread_local std::uint64_t owner = 0;
    if (owner != id_) {
      r = sigv4::signing_request{};
      r.credentials = creds_;
      r.region = ep_.region;
      owner = id_;
    }
    return r;
  }

  result<presigned_request> sign(std::string_view method, const std::string& key, std::vector<sigv4::header> extra,
                                 system_clock::time_point now) const {
    auto e = expiry_at(now);
    if (!e) return fail(e.error());
    auto& r = scratch();
    r.method.assign(method);
    r.path = ep_.object_path(key);
    r.headers.clear();
    r.headers.push_back({"host", ep_.host});
    for (const auto& h : extra) r.headers.push_back(h);
    r.time = time_point_cast<seconds>(now);
    r.expires = *e;
    auto q = sigv4::presign_query(r, &keys_);
    if (!q) return fail(api_errc::internal, fmt::format("presign: {}", q.error().message()));
    presigned_request out;
    out.url.reserve(ep_.scheme.size() + 3 + ep_.host.size() + r.path.size() + 1 + q->size());
    out.url = ep_.origin();
    out.url += r.path;
    out.url.push_back('?');
    out.url += *q;
    // The headers the client must send exactly: canonical spellings, host left to
    // the client.
    out.headers.reserve(extra.size());
    for (auto& h : extra) {
      std::string name = h.name == "content-length"  ? "Content-Length"
                         : h.name == "content-type"  ? "Content-Type"
                         : h.name == "if-none-match" ? "If-None-Match"
                                                     : h.name;
      out.headers.emplace_back(std::move(name), std::move(h.value));
    }
    out.expires_in = *e;
    out.expires_at = time_point_cast<seconds>(now) + *e;
    return out;
  }

  static inline std::atomic<std::uint64_t> next_id_{1};
  std::uint64_t id_ = next_id_.fetch_add(1);
  seconds url_expiry_;
  s3::bucket_endpoint ep_;
  sigv4::credentials creds_;
  mutable sigv4::key_cache keys_;
  mutable s3::client client_;
};

/// Explicit credentials, else the standard chain (environment, then the shared
/// credentials file).
result<sigv4::credentials> resolve_credentials(const app_config& config) {
  if (config.credentials) return to_sigv4(*config.credentials);
  auto c = s3::default_credentials(s3::process_environment());
  if (!c) return fail(api_errc::bad_config, fmt::format("S3 credentials: {}", c.error().message()));
  return std::move(*c);
}

}  // namespace

result<std::unique_ptr<bucket_access>> make_bucket_access(const app_config& config, system_clock::time_point now) {
  auto ep = s3::make_bucket_endpoint(config.s3_endpoint, config.bucket, config.region, config.path_style);
  if (!ep) return fail(api_errc::bad_config, ep.error().message());
  auto creds = resolve_credentials(config);
  if (!creds) return fail(creds.error());
  return std::unique_ptr<bucket_access>(std::make_unique<s3_bucket_access>(config, std::move(*ep), std::move(*creds)));
}

}  // namespace dropslot::api
