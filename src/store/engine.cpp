#include "engine.hpp"

#include <openssl/rand.h>

#include <span>

#include "body_reader.hpp"
#include "bucket_policy_check.hpp"
#include "checksums.hpp"
#include "form_data.hpp"
#include "s3_routes.hpp"
#include "s3_xml.hpp"
#include "dropslot/sigv4/crypto.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {

// 16 upper-case hex digits, as S3's request ids look. Not a secret, but drawn from the
// one CSPRNG the store uses for everything random (RAND_bytes).
std::string random_request_id() {
  unsigned char raw[8] = {};
  RAND_bytes(raw, sizeof raw);
  std::string hex = util::hex_encode(std::span<const std::uint8_t>(raw, sizeof raw));
  for (char& c : hex)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return hex;
}

bool is_s3_error(const error& e) { return e.code.category() == s3_errc_category(); }

// sigv4's reasons → S3's codes and statuses, as S3 answers them.
struct auth_failure {
  s3_errc code;
  std::string message;
};

auth_failure map_auth_error(const sigv4::verify_error& ve, bool query_auth) {
  using v = sigv4::sigv4_errc;
  const s3_errc malformed =
      query_auth ? s3_errc::authorization_query_parameters_error : s3_errc::authorization_header_malformed;
  switch (static_cast<v>(ve.code.value())) {
    case v::missing_authentication: return {s3_errc::access_denied, "Access Denied"};
    case v::ambiguous_authentication:
      return {s3_errc::invalid_argument, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"};
    case v::unsupported_algorithm:
    case v::malformed_authorization:
    case v::malformed_credential:
    case v::malformed_signed_headers:
    case v::malformed_signature:
    case v::scope_date_mismatch:
    case v::wrong_service:
    case v::wrong_terminator:
    case v::wrong_region:
    case v::malformed_expires: return {malformed, ve.message()};
    case v::malformed_date:
      return {s3_errc::access_denied, "AWS authentication requires a valid Date or x-amz-date header"};
    case v::missing_signed_header: return {s3_errc::access_denied, "A header named in SignedHeaders is missing"};
    case v::missing_content_sha256:
      return {s3_errc::invalid_request, "Missing required header for this request: x-amz-content-sha256"};
    case v::unknown_payload_mode:
      return {s3_errc::invalid_argument,
              "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
              "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value."};
    case v::expired:
      return query_auth ? auth_failure{s3_errc::access_denied, "Request has expired"}
                        : auth_failure{s3_errc::request_time_too_skewed, s3_error_message(s3_errc::request_time_too_skewed)};
    case v::not_yet_valid:
      return query_auth ? auth_failure{s3_errc::access_denied, "Request is not valid yet"}
                        : auth_failure{s3_errc::request_time_too_skewed, s3_error_message(s3_errc::request_time_too_skewed)};
    case v::unknown_access_key: return {s3_errc::invalid_access_key_id, s3_error_message(s3_errc::invalid_access_key_id)};
    case v::unsigned_amz_header:
      return {s3_errc::access_denied, "There were headers present in the request which were not signed"};
    case v::signature_mismatch:
      return {s3_errc::signature_does_not_match, s3_error_message(s3_errc::signature_does_not_match)};
    case v::malformed_policy: return {s3_errc::invalid_policy_document, "Invalid Policy: " + ve.message()};
    case v::policy_expired: return {s3_errc::access_denied, "Invalid according to Policy: Policy expired."};
    case v::policy_condition_failed:
      return {s3_errc::access_denied, "Invalid according to Policy: Policy Condition failed: " + ve.detail};
    case v::policy_content_length:
      return {s3_errc::entity_too_large, "Your proposed upload exceeds the maximum allowed size"};
    default: break;
  }
  return {s3_errc::access_denied, "Access Denied"};
}

// An owner id that is stable for the access key and reveals nothing about the secret.
std::string make_owner_id(const std::string& key_id) { return sigv4::sha256_hex("dropslot-owner:" + key_id); }

}  // namespace

bool request_ctx::has(std::string_view name) const {
  for (const auto& q : query)
    if (q.name == name) return true;
  return false;
}

std::optional<std::string> request_ctx::param(std::string_view name) const {
  for (const auto& q : query)
    if (q.name == name) return q.value;
  return std::nullopt;
}

std::string request_ctx::resource() const {
  // The decoded path, unless it is not UTF-8 (an XML body must be): then as it was sent.
  std::string decoded = util::percent_decode_lenient(head.path);
  return valid_utf8(decoded) ? decoded : head.path;
}

s3_response xml_response(int status, std::string body) {
  s3_response r;
  r.status = status;
  r.headers.set("Content-Type", "application/xml");
  r.body = std::move(body);
  return r;
}

store_engine::store_engine(store_config config, std::unique_ptr<storage> backend)
    : config_(std::move(config)),
      backend_(std::move(backend)),
      verifier_([&] {
        sigv4::verifier_config vc;
        vc.region = config_.region;
        vc.service = "s3";
        auto key = config_.key;
        vc.lookup = [key](const sigv4::access_key_id& id) -> std::optional<sigv4::secret_access_key> {
          if (sigv4::constant_time_equal(id.value(), key.id)) return sigv4::secret_access_key(key.secret);
          return std::nullopt;
        };
        return sigv4::verifier(std::move(vc));
      }()),
      owner_id_(make_owner_id(config_.key.id)) {}

store_engine::~store_engine() = default;

std::chrono::sys_seconds store_engine::now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(config_.now());
}

std::vector<cors_rule> store_engine::cors_rules(std::string_view bucket) const {
  std::lock_guard lock(cors_mutex_);
  auto it = cors_cache_.find(bucket);
  if (it != cors_cache_.end()) return it->second;
  std::vector<cors_rule> rules;
  if (auto xml = backend_->get_cors(bucket); xml && *xml)
    if (auto parsed = parse_cors_xml(**xml)) rules = std::move(*parsed);
  if (backend_->bucket_exists(bucket)) cors_cache_[std::string(bucket)] = rules;
  return rules;
}

void store_engine::set_cors_cache(std::string_view bucket, std::vector<cors_rule> rules) {
  std::lock_guard lock(cors_mutex_);
  cors_cache_[std::string(bucket)] = std::move(rules);
}

s3_response store_engine::error_response(const request_ctx& ctx, const error& e) const {
  return error_response(ctx, e, {});
}

s3_response store_engine::error_response(const request_ctx& ctx, const error& e,
                                         std::vector<std::pair<std::string, std::string>> extra) const {
  s3_errc code = is_s3_error(e) ? static_cast<s3_errc>(e.code.value()) : s3_errc::internal_error;
  // Internal details (paths, errno) stay in logs; the client gets S3's generic text.
  std::string message = code == s3_errc::internal_error || e.detail.empty() ? s3_error_message(code) : e.detail;
  if (code == s3_errc::not_modified) {
    s3_response r;
    r.status = 304;
    return finish_response(ctx, std::move(r));
  }
  if (code == s3_errc::no_such_key) extra.emplace_back("Key", ctx.target.key);
  if (code == s3_errc::no_such_bucket) extra.emplace_back("BucketName", ctx.target.bucket);
  auto r = xml_response(s3_error_status(code),
                        error_xml(s3_error_code_name(code), message, ctx.resource(), ctx.request_id, extra));
  return finish_response(ctx, std::move(r));
}

s3_response store_engine::finish_response(const request_ctx& ctx, s3_response r) const {
  r.headers.set("x-amz-request-id", ctx.request_id);
  r.headers.set("Server", "dropslot");
  auto origin = ctx.head.headers.get("origin");
  if (origin && !ctx.target.bucket.empty()) {
    auto rules = cors_rules(ctx.target.bucket);
    if (auto g = match_cors(rules, *origin, ctx.head.method, "")) {
      r.headers.set("Access-Control-Allow-Origin", g->allow_origin);
      r.headers.set("Access-Control-Allow-Methods", g->allow_methods);
      if (!g->expose_headers.empty()) r.headers.set("Access-Control-Expose-Headers", g->expose_headers);
      if (g->allow_origin != "*") r.headers.set("Access-Control-Allow-Credentials", "true");
      r.headers.set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    }
  }
  return r;
}

s3_response store_engine::reject_head(std::string_view message) const {
  const std::string id = random_request_id();
  auto r = xml_response(s3_error_status(s3_errc::bad_request),
                        error_xml(s3_error_code_name(s3_errc::bad_request), message, "", id, {}));
  r.headers.set("x-amz-request-id", id);
  r.headers.set("Server", "dropslot");
  r.close = true;
  return r;
}

dispatch store_engine::preflight(const request_ctx& ctx) {
  // A preflight carries no credentials: it is answered from the bucket's CORS rules only.
  auto origin = ctx.head.headers.get("origin");
  auto method = ctx.head.headers.get("access-control-request-method");
  if (!origin || !method)
    return respond(error_response(ctx, error{make_error_code(s3_errc::invalid_request),
                                             "Insufficient information. Origin request header needed."}));
  if (!backend_->bucket_exists(ctx.target.bucket))
    return respond(error_response(ctx, error{make_error_code(s3_errc::cors_forbidden), {}}));
  auto request_headers = ctx.head.headers.get("access-control-request-headers").value_or("");
  auto g = match_cors(cors_rules(ctx.target.bucket), *origin, *method, request_headers);
  if (!g) return respond(error_response(ctx, error{make_error_code(s3_errc::cors_forbidden), {}}));
  s3_response r;
  r.status = 200;
  r.headers.set("Access-Control-Allow-Origin", g->allow_origin);
  r.headers.set("Access-Control-Allow-Methods", g->allow_methods);
  if (!g->allow_headers.empty()) r.headers.set("Access-Control-Allow-Headers", g->allow_headers);
  if (!g->expose_headers.empty()) r.headers.set("Access-Control-Expose-Headers", g->expose_headers);
  if (g->max_age_seconds) r.headers.set("Access-Control-Max-Age", std::to_string(*g->max_age_seconds));
  if (g->allow_origin != "*") r.headers.set("Access-Control-Allow-Credentials", "true");
  r.headers.set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  r.headers.set("x-amz-request-id", ctx.request_id);
  return respond(std::move(r));
}

dispatch store_engine::begin(http::request head, std::string_view* operation) {
  auto ctx = std::make_shared<request_ctx>();
  ctx->head = std::move(head);
  ctx->request_id = ctx->head.request_id.empty() ? random_request_id() : ctx->head.request_id;
  ctx->now = now();
  ctx->query = sigv4::parse_query(ctx->head.query);
  auto host = ctx->head.headers.get("host").value_or("");
  auto target = split_target(host, ctx->head.path, config_.endpoint_hosts);
  if (!target) return respond(error_response(*ctx, target.error()));
  ctx->target = std::move(*target);
  // Named before authentication, so a refused PutObject counts as PutObject's error;
  // route() finds the same route again.
  if (operation)
    if (const s3_route* named = find_route(*ctx)) *operation = named->operation;

  if (ctx->head.method == "OPTIONS" && !ctx->target.bucket.empty()) return preflight(*ctx);

  // HTTP defines only 100-continue; anything else is refused before the body is read.
  // An empty Expect (some clients send the header with no value) expects nothing: absent.
  if (auto expect = ctx->head.headers.get("expect");
      expect && !util::trim_ows(*expect).empty() && !http::iequals(util::trim_ows(*expect), "100-continue")) {
    auto r = error_response(*ctx, error{make_error_code(s3_errc::expectation_failed), {}});
    r.close = true;
    return respond(std::move(r));
  }

  // POST Object is authenticated by its signed policy (inside the form), not by headers.
  if (ctx->head.method == "POST" && !ctx->target.bucket.empty() && ctx->target.key.empty() && !ctx->has("delete") &&
      form_boundary(ctx->head.headers.get("content-type").value_or(""))) {
    if (operation) *operation = "PostObject";
    return ops::post_object(*this, std::move(ctx));
  }

  std::vector<sigv4::header> hs;
  for (const auto& f : ctx->head.headers) hs.push_back({f.name, f.value});
  auto verified = verifier_.verify(ctx->head.method, ctx->head.path, ctx->head.query, hs, ctx->now);
  if (!verified) {
    const auto& ve = verified.error();
    bool query_auth = ctx->has("X-Amz-Signature") || ctx->has("X-Amz-Credential") || ctx->has("X-Amz-Algorithm");
    auto f = map_auth_error(ve, query_auth);
    std::vector<std::pair<std::string, std::string>> extra;
    if (f.code == s3_errc::signature_does_not_match) {
      // As S3 does: what the server computed, so a client can find its mismatch.
      extra.emplace_back("StringToSign", ve.string_to_sign);
      extra.emplace_back("CanonicalRequest", ve.canonical_request);
    }
    auto r = xml_response(s3_error_status(f.code),
                          error_xml(s3_error_code_name(f.code), f.message, ctx->resource(), ctx->request_id, extra));
    r.close = true;  // the body (if any) is not read
    return respond(finish_response(*ctx, std::move(r)));
  }
  ctx->auth = std::move(*verified);
  if (auto denied = check_bucket_policy(*this, *ctx)) return respond(std::move(*denied));
  return route(std::move(ctx));
}

dispatch store_engine::route(std::shared_ptr<request_ctx> ctx) {
  const auto& t = ctx->target;
  const auto& method = ctx->head.method;
  auto refuse = [&](s3_errc c) {
    auto r = error_response(*ctx, error{make_error_code(c), {}});
    r.close = method == "PUT" || method == "POST";  // the body is not read
    return respond(std::move(r));
  };
  if (!t.bucket.empty() && !valid_bucket_name(t.bucket))
    // Only CreateBucket reports the name as invalid; for anything else it cannot exist.
    return refuse(method == "PUT" && t.key.empty() ? s3_errc::invalid_bucket_name : s3_errc::no_such_bucket);
  const s3_route* r = find_route(*ctx);
  if ((!r || r->needs_bucket) && !t.bucket.empty() && !backend_->bucket_exists(t.bucket)) {
    if (method == "HEAD" && t.key.empty()) {
      s3_response missing;
      missing.status = 404;
      return respond(finish_response(*ctx, std::move(missing)));
    }
    return refuse(s3_errc::no_such_bucket);
  }
  if (unsupported_subresource(*ctx)) return refuse(s3_errc::not_implemented);
  if (!r) return refuse(s3_errc::method_not_allowed);
  // A PUT body must declare its length or be chunked: S3 will not read to the end of the
  // connection (MissingContentLength, 411).
  if (method == "PUT" && !t.key.empty() && !ctx->head.headers.contains("content-length") &&
      !ctx->head.headers.contains("transfer-encoding") && !ctx->head.headers.contains("x-amz-copy-source"))
    return refuse(s3_errc::missing_content_length);
  return r->run(*this, std::move(ctx));
}

namespace {

class buffered_consumer final : public body_consumer {
 public:
  buffered_consumer(store_engine& e, std::shared_ptr<request_ctx> ctx, std::unique_ptr<body_reader> reader,
                    std::function<s3_response(const std::string&)> then)
      : e_(e), ctx_(std::move(ctx)), reader_(std::move(reader)), then_(std::move(then)) {}

  result<void> write(std::string_view raw) override {
    return reader_->feed(raw, [&](std::string_view d) -> result<void> {
      if (body_.size() + d.size() > max_body()) return fail(s3_errc::malformed_xml, "body too large");
      body_.append(d);
      return {};
    });
  }
  s3_response finish(std::optional<error> write_error) override {
    if (write_error) return e_.error_response(*ctx_, *write_error);
    if (auto r = reader_->finish(); !r) return e_.error_response(*ctx_, r.error());
    return e_.finish_response(*ctx_, then_(body_));
  }
  std::uint64_t max_body() const override { return 2 * 1024 * 1024; }

 private:
  store_engine& e_;
  std::shared_ptr<request_ctx> ctx_;
  std::unique_ptr<body_reader> reader_;
  std::function<s3_response(const std::string&)> then_;
  std::string body_;
};

}  // namespace

std::unique_ptr<body_consumer> buffered_body(store_engine& e, std::shared_ptr<request_ctx> ctx,
                                             std::function<s3_response(const std::string&)> then) {
  auto reader = body_reader::make(ctx->auth, ctx->head.headers);
  if (!reader) {
    // Report the declaration error once the (small) body is drained.
    struct failing final : body_consumer {
      store_engine& e;
      std::shared_ptr<request_ctx> ctx;
      error err;
      failing(store_engine& e_, std::shared_ptr<request_ctx> c, error x) : e(e_), ctx(std::move(c)), err(std::move(x)) {}
      result<void> write(std::string_view) override { return fail(err); }
      s3_response finish(std::optional<error>) override { return e.error_response(*ctx, err); }
      std::uint64_t max_body() const override { return 2 * 1024 * 1024; }
    };
    return std::make_unique<failing>(e, std::move(ctx), reader.error());
  }
  return std::make_unique<buffered_consumer>(e, std::move(ctx), std::move(*reader), std::move(then));
}

}  // namespace dropslot::store
