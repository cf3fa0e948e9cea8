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

/// The client message for an S3 failure, and the detail for the log after a '\n'
/// (api_error_response shows the first line and logs the whole). No secrets: the
/// detail is S3's code and message or curl's.
error storage_failure(const error& e) {
  auto code = e.code;
  std::string what = code == s3::s3_errc::access_denied    ? "the storage service refused the API's credentials"
                     : code == s3::s3_errc::no_such_bucket ? "the storage bucket does not exist"
                                                           : "the storage service is unavailable; try again shortly";
  return error{make_error_code(api_errc::storage_unavailable), fmt::format("{}\n{}", what, e.message())};
}

/// The stable-URL window for a URL lifetime (bucket_access::get_url_window).
seconds window_for(seconds expiry) { return std::min<seconds>(expiry / 3, hours(1)); }

class s3_bucket_access final : public bucket_access {
 public:
  s3_bucket_access(const app_config& config, s3::bucket_endpoint ep, sigv4::credentials creds,
                   system_clock::time_point loaded_at, std::function<system_clock::time_point()> clock)
      : url_expiry_(std::min<seconds>(config.url_expiry, seconds(sigv4::max_expiry_seconds))),
        window_(window_for(url_expiry_)),
        not_before_(std::chrono::ceil<seconds>(loaded_at)),
        ep_(std::move(ep)),
        creds_(std::move(creds)),
        client_(client_config_for(ep_, creds_, std::move(clock))) {}

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
    if (t.captured_at) h.push_back({"x-amz-meta-captured-at", *t.captured_at});
    auto e = expiry_at(now);
    if (!e) return fail(e.error());
    // Never dated before the credentials were loaded (see get_terms).
    return sign("PUT", key, std::move(h), {}, std::max(time_point_cast<seconds>(now), not_before_), *e);
  }

  result<presigned_request> presign_get(const std::string& key, system_clock::time_point now) const override {
    auto terms = get_terms(now);
    if (!terms) return fail(terms.error());
    // The response may be cached as long as the URL lives, by the browser only:
    // `private`, since the bytes are a customer's (never `public`).
    std::vector<sigv4::query_param> q{{"response-cache-control", fmt::format("private, max-age={}", terms->lifetime.count())}};
    auto out = sign("GET", key, {}, std::move(q), terms->signed_at, terms->lifetime);
    // Whole seconds left from `now` itself, rounded down: never a second more than
    // the URL has.
    if (out) out->expires_in = duration_cast<seconds>(out->expires_at - now);
    return out;
  }

  result<seconds> get_url_expires_in(system_clock::time_point now) const override {
    auto terms = get_terms(now);
    if (!terms) return fail(terms.error());
    return duration_cast<seconds>(terms->signed_at + terms->lifetime - now);
  }

  result<presigned_request> presign_get_fresh(const std::string& key, system_clock::time_point now,
                                              seconds max_lifetime) const override {
    auto e = expiry_at(now);
    if (!e) return fail(e.error());
    seconds total = std::max<seconds>(seconds(1), std::min(*e, max_lifetime));
    std::vector<sigv4::query_param> q{{"response-cache-control", fmt::format("private, max-age={}", total.count())}};
    auto signed_at = std::max(time_point_cast<seconds>(now), not_before_);
    auto out = sign("GET", key, {}, std::move(q), signed_at, total);
    if (out) out->expires_in = duration_cast<seconds>(out->expires_at - now);
    return out;
  }

  seconds get_url_window() const override { return window_; }

  sys_seconds not_before() const override { return not_before_; }

  result<std::vector<listed_object>> list(const std::string& prefix, std::size_t max_objects) const override {
    auto all = client_.list_all(prefix, max_objects);
    // The client never sees S3's internals; the log gets them.
    if (!all) return fail(storage_failure(all.error()));
    std::vector<listed_object> out;
    out.reserve(all->size());
    for (auto& o : *all) out.push_back({std::move(o.key), o.size, std::move(o.last_modified)});
    return out;
  }

  result<bool> exists(const std::string& key) const override {
    auto page = client_.list_objects_v2(key, {}, 1);
    if (!page) return fail(storage_failure(page.error()));
    // The prefix also matches longer keys ("photo-001.jpgx"); only the exact one counts,
    // and it sorts first among them.
    return !page->objects.empty() && page->objects.front().key == key;
  }

  result<std::optional<object_head>> head(const std::string& key) const override {
    auto h = client_.head_object_info(key);
    if (!h) return fail(storage_failure(h.error()));
    if (!*h) return std::optional<object_head>{};
    return std::optional<object_head>(object_head{(*h)->size, std::move((*h)->content_type)});
  }

  result<std::string> read_prefix(const std::string& key, std::size_t length) const override {
    auto r = client_.get_object_prefix(key, length);
    if (!r) return fail(storage_failure(r.error()));
    return std::move(*r);
  }

  result<std::string> read(const std::string& key, std::size_t max_bytes) const override {
    auto r = client_.get_object(key);
    if (!r) return fail(storage_failure(r.error()));
    if (r->body.size() > max_bytes)
      return fail(api_errc::storage_unavailable, "the object is too large to read\n" + key + " is over the limit");
    return std::move(r->body);
  }

  result<void> write(const std::string& key, std::string_view body, std::string_view content_type) const override {
    auto r = client_.put_object(key, body, content_type);
    if (!r) return fail(storage_failure(r.error()));
    return {};
  }

  result<std::vector<listed_object>> list_page(const std::string& prefix, const std::string& continuation,
                                               std::string& next) const override {
    auto page = client_.list_objects_v2(prefix, continuation, 1000);
    if (!page) return fail(storage_failure(page.error()));
    std::vector<listed_object> out;
    out.reserve(page->objects.size());
    for (auto& o : page->objects) out.push_back({std::move(o.key), o.size, std::move(o.last_modified)});
    next = page->truncated ? std::move(page->next_continuation_token) : std::string();
    return out;
  }

  result<void> remove(const std::string& key) const override {
    auto r = client_.delete_object(key);
    if (!r) return fail(storage_failure(r.error()));
    return {};
  }

 private:
  static s3::client_config client_config_for(const s3::bucket_endpoint& ep, const sigv4::credentials& creds,
                                             std::function<system_clock::time_point()> clock) {
    s3::client_config cc{ep, [c = creds]() -> result<sigv4::credentials> { return c; }};
    if (clock) cc.now = std::move(clock);  // the API's clock (a test may move it)
    return cc;
  }

  struct get_url_terms {
    sys_seconds signed_at;
    seconds lifetime;
  };

  /// When a GET URL handed out at `now` is signed and for how long (docs/security.md,
  /// "One rule for URL lifetimes"): at the start of the window `now` falls in, but
  /// never before the credentials were loaded (S3 does not document whether it
  /// accepts a signature dated before the session token existed), for
  /// X-Amz-Expires = url_expiry_, never past known credentials' expiry. So the
  /// signature is never older than url_expiry_ while the URL is valid, which is
  /// exactly what the bucket policy's s3:signatureAge condition allows.
  result<get_url_terms> get_terms(system_clock::time_point now) const {
    // Checks the credentials' margin as of now, like every other URL.
    if (auto e = expiry_at(now); !e) return fail(e.error());
    const sys_seconds t = time_point_cast<seconds>(now);
    sys_seconds start = t;
    if (window_.count() > 0) start = sys_seconds(t.time_since_epoch() - t.time_since_epoch() % window_);
    start = std::max(start, not_before_);
    seconds lifetime = url_expiry_;
    if (creds_.expiry) lifetime = std::min<seconds>(lifetime, time_point_cast<seconds>(*creds_.expiry) - start);
    return get_url_terms{start, lifetime};
  }

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

  /// Signs `method` on `key` at `time` for `expires`, with `extra` headers and
  /// `query` parameters (decoded) signed too.
  result<presigned_request> sign(std::string_view method, const std::string& key, std::vector<sigv4::header> extra,
                                 std::vector<sigv4::query_param> query, sys_seconds time, seconds expires) const {
    auto& r = scratch();
    r.method.assign(method);
    r.path = ep_.object_path(key);
    r.headers.clear();
    r.headers.push_back({"host", ep_.host});
    for (const auto& h : extra) r.headers.push_back(h);
    r.query = std::move(query);
    r.time = time;
    r.expires = expires;
    auto q = sigv4::presign_query(r, &keys_);
    if (!q) return fail(api_errc::internal, fmt::format("presign: {}", q.error().message()));
    presigned_request out;
    std::string own = r.query.empty() ? std::string() : sigv4::encode_query(r.query);
    out.url.reserve(ep_.scheme.size() + 3 + ep_.host.size() + r.path.size() + 2 + own.size() + q->size());
    out.url = ep_.origin();
    out.url += r.path;
    out.url.push_back('?');
    if (!own.empty()) {
      out.url += own;
      out.url.push_back('&');
    }
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
    out.expires_in = expires;
    out.expires_at = time + expires;
    return out;
  }

  static inline std::atomic<std::uint64_t> next_id_{1};
  std::uint64_t id_ = next_id_.fetch_add(1);
  seconds url_expiry_;
  seconds window_;
  sys_seconds not_before_;  // when the credentials were loaded: no signature is dated earlier
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

result<std::unique_ptr<bucket_access>> make_bucket_access(const app_config& config, system_clock::time_point now,
                                                          std::function<system_clock::time_point()> clock) {
  auto ep = s3::make_bucket_endpoint(config.s3_endpoint, config.bucket, config.region, config.path_style);
  if (!ep) return fail(api_errc::bad_config, ep.error().message());
  auto creds = resolve_credentials(config);
  if (!creds) return fail(creds.error());
  return std::unique_ptr<bucket_access>(std::make_unique<s3_bucket_access>(config, std::move(*ep), std::move(*creds), now,
                                                                                      std::move(clock)));
}

}  // namespace dropslot::api
