#include "dropslot/s3/aws_json.hpp"

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "dropslot/sigv4/crypto.hpp"
#include "dropslot/sigv4/signer.hpp"

namespace dropslot::s3 {
namespace {

using clock = std::chrono::steady_clock;

sigv4::key_cache& shared_key_cache() {
  static sigv4::key_cache cache;
  return cache;
}

unexpected<aws_error> failure(aws_json_errc code, std::string type, long status, std::string message) {
  return unexpected<aws_error>(aws_error{code, std::move(type), status, std::move(message)});
}

// "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" -> the part after '#'.
// Some services also put ":<url>" after the name (awsQueryError style): drop it too.
std::string short_type(std::string_view t) {
  if (auto hash = t.rfind('#'); hash != std::string_view::npos) t.remove_prefix(hash + 1);
  if (auto colon = t.find(':'); colon != std::string_view::npos) t = t.substr(0, colon);
  return std::string(t);
}

// An error answer: {"__type": "...#Name", "message": "..."} (DynamoDB spells it
// "Message" sometimes, Secrets Manager "Message" always).
aws_error parse_error(const http_response& r) {
  aws_error e;
  e.status = r.status;
  e.code = r.status >= 500 ? aws_json_errc::unavailable : aws_json_errc::service_error;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    if (auto* t = o.if_contains("__type"); t && t->is_string()) e.type = short_type(t->get_string());
    for (const char* key : {"message", "Message"})
      if (auto* m = o.if_contains(key); m && m->is_string()) e.message = std::string(m->get_string());
  }
  // Without a __type, API Gateway-style services name it in a header.
  if (e.type.empty())
    for (const auto& [n, value] : r.headers)
      if (n == "x-amzn-errortype") e.type = short_type(value);
  if (is_retryable(e) && e.status < 500) e.code = aws_json_errc::throttled;
  return e;
}

// Full jitter: a uniform draw in [0, min(cap, base * 2^attempt)] (AWS Architecture
// Blog, "Exponential Backoff And Jitter"): concurrent callers spread out instead of
// retrying in lockstep.
std::chrono::milliseconds backoff(const retry_policy& p, int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  auto ceiling = p.base.count() << std::min(attempt, 20);
  ceiling = std::min<long long>(ceiling, p.cap.count());
  std::uniform_int_distribution<long long> d(0, std::max<long long>(ceiling, 0));
  return std::chrono::milliseconds(d(rng));
}

}  // namespace

const char* aws_json_errc_message(aws_json_errc e) noexcept {
  switch (e) {
    case aws_json_errc::unavailable: return "AWS service unavailable";
    case aws_json_errc::throttled: return "AWS service throttled the request";
    case aws_json_errc::service_error: return "AWS service refused the request";
    case aws_json_errc::bad_response: return "AWS service sent an unreadable answer";
    case aws_json_errc::no_credentials: return "no AWS credentials";
  }
  return "unknown AWS JSON error";
}

std::string aws_error::describe() const {
  std::string out = type.empty() ? std::string(aws_json_errc_message(code)) : type;
  if (status != 0) out += fmt::format(" (HTTP {})", status);
  if (!message.empty()) out += ": " + message;
  return out;
}

bool is_retryable(const aws_error& e) noexcept {
  if (e.status >= 500 || e.status == 429) return true;
  return e.type == "ThrottlingException" || e.type == "ProvisionedThroughputExceededException" ||
         e.type == "RequestLimitExceeded" || e.type == "TooManyRequestsException" ||
         e.type == "Throttling" || e.type == "ThrottledException";
}

aws_json_client::aws_json_client(aws_json_config config)
    : config_(std::move(config)),
      transport_(config_.transport ? config_.transport(config_.connect_timeout, config_.request_timeout)
                                   : make_curl_transport(config_.connect_timeout, config_.request_timeout)) {
  std::string_view ep = config_.endpoint;
  auto scheme_end = ep.find("://");
  std::string_view rest = scheme_end == std::string_view::npos ? ep : ep.substr(scheme_end + 3);
  host_ = std::string(rest.substr(0, rest.find('/')));
  url_ = std::string(ep.substr(0, ep.size() - rest.size())) + host_ + "/";
}

aws_json_client::~aws_json_client() = default;

result<boost::json::object, aws_error> aws_json_client::call(std::string_view action,
                                                             const boost::json::object& body) {
  if (!config_.credentials) return failure(aws_json_errc::no_credentials, {}, 0, "no credentials provider");
  http_request wr;
  wr.method = "POST";
  wr.url = url_;
  wr.body = boost::json::serialize(body);
  const std::string target = config_.target_prefix + "." + std::string(action);
  const std::string payload_hash = sigv4::sha256_hex(wr.body);
  const auto started = clock::now();
  for (int attempt = 0;; ++attempt) {
    auto creds = config_.credentials();
    if (!creds) return failure(aws_json_errc::no_credentials, {}, 0, creds.error().message());
    // Signed again on every attempt: X-Amz-Date moves on, and a retry after the
    // credentials rotated uses the new ones.
    sigv4::signing_request sr;
    sr.method = "POST";
    sr.path = "/";
    sr.headers = {{"host", host_}, {"content-type", config_.content_type}, {"x-amz-target", target}};
    sr.payload_hash = payload_hash;
    sr.region = config_.region;
    sr.service = config_.service;
    sr.credentials = std::move(*creds);
    sr.time = std::chrono::time_point_cast<std::chrono::seconds>(config_.now());
    sr.add_content_sha256 = false;
    auto added = sigv4::sign_headers(sr, &shared_key_cache());
    if (!added) return failure(aws_json_errc::no_credentials, {}, 0, added.error().message());
    wr.headers.clear();
    for (auto& h : sr.headers) wr.headers.emplace_back(std::move(h.name), std::move(h.value));
    for (auto& h : *added) wr.headers.emplace_back(std::move(h.name), std::move(h.value));

    auto r = transport_->perform(wr);
    // No answer at all: not retried here. The request may have reached the service
    // (a non-idempotent UpdateItem would then apply twice), and a dead endpoint
    // should fail fast; the caller's next call tries again.
    if (!r) return failure(aws_json_errc::unavailable, {}, 0, r.error().detail);
    if (r->status >= 200 && r->status < 300) {
      boost::system::error_code ec;
      auto v = boost::json::parse(r->body, ec);
      if (ec || !v.is_object()) return failure(aws_json_errc::bad_response, {}, r->status, "the answer is not a JSON object");
      return std::move(v.get_object());
    }
    aws_error e = parse_error(*r);
    if (!is_retryable(e) || attempt + 1 >= config_.retry.max_attempts) return unexpected<aws_error>(std::move(e));
    auto pause = backoff(config_.retry, attempt);
    if (clock::now() + pause - started > config_.retry.budget) return unexpected<aws_error>(std::move(e));
    std::this_thread::sleep_for(pause);
  }
}

std::string resolve_service_endpoint(const env_lookup& env, std::string_view env_id, std::string_view host_prefix,
                                     std::string_view region) {
  if (auto e = env("AWS_ENDPOINT_URL_" + std::string(env_id))) return *e;
  if (auto e = env("AWS_ENDPOINT_URL")) return *e;
  return fmt::format("https://{}.{}.amazonaws.com", host_prefix, region);
}

credentials_provider cached_default_credentials(env_lookup env) {
  struct state {
    std::mutex mutex;
    std::optional<sigv4::credentials> current;
    env_lookup env;
  };
  auto s = std::make_shared<state>();
  s->env = std::move(env);
  return [s]() -> result<sigv4::credentials> {
    std::lock_guard lk(s->mutex);
    // Temporary credentials are renewed a few minutes before they expire, as the SDKs do.
    auto soon = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
                std::chrono::minutes(5);
    if (s->current && (!s->current->expiry || *s->current->expiry > soon)) return *s->current;
    auto fresh = default_credentials(s->env);
    if (!fresh) return fresh;
    s->current = *fresh;
    return fresh;
  };
}

}  // namespace dropslot::s3

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::s3, aws_json_errc, "s3.aws_json", aws_json_errc_message)
