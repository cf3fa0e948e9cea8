// Target 11: the API's JSON request bodies, through the api service's `handle` on every
// route (login, logout, jobs, PATCH job, photos, DELETE photo, settings, upload-url,
// quotes, health), over a SQLite database in a scratch folder (under /dev/shm when it
// exists). The S3 endpoint is a closed loopback port, so the photos routes meet a down
// S3 too. Properties:
//   - no 500 (an exception or an unexpected error path), only the statuses of the
//     contract, and every error is {"error": {"code", "message"}} JSON;
//   - another customer's job is never readable or writable: any request naming it
//     answers 404 (the same as a job that does not exist), never 2xx;
//   - no response carries the S3 secret key or the session token it was given.
// Every input starts with a valid session (a logout in an earlier input revoked it:
// a new one is made), so the ownership property is checked behind authentication.
//
// Input layout (so that seeds are easy to write, fuzz/corpus/api_json/README):
//   byte 0  job: 0 the customer's own, 1 another customer's, 2 the next bytes
//   byte 1  route (index into `routes` below)
//   byte 2  auth: 0 Bearer, 1 cookie alone, 2 cookie + X-Requested-With, 3 fuzzed
//           Authorization header, 4 none
//   byte 3  bit 0 Content-Type: application/json; bit 1 splice "job_id" into a
//           JSON object body; bit 2 Origin: the dashboard's
//   job 2:  one length byte (up to 69), then that many bytes of job id
//   rest    the body
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include <dropslot/api/app.hpp>
#include <dropslot/api/app_services.hpp>
#include <dropslot/db/database.hpp>
#include <dropslot/db/seed.hpp>
#include <dropslot/http/message.hpp>

#include "fuzz_check.hpp"

using namespace dropslot;
namespace fs = std::filesystem;

namespace {

constexpr const char* s3_secret = "fuzzSecretKeyThatMustNeverAppear0123456789";
const db::timestamp t0 = db::timestamp(std::chrono::seconds(1767225600));  // 2026-01-01

struct world {
  fs::path dir;
  std::shared_ptr<db::database> db;
  std::shared_ptr<http::service> api;
  std::string token, own_job;
  db::customer_id customer = 0;
  const std::string other_job = "OTHER-customers-job";

  world() {
    const char* base = std::getenv("DROPSLOT_FUZZ_TMP");
    fs::path parent = base ? fs::path(base) : fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    dir = parent / ("dropslot-api-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::atexit([] { fs::remove_all(instance().dir); });

    auto opened = db::open_database("sqlite://" + (dir / "api.db").string());
    FUZZ_CHECK(opened.has_value());
    db = std::move(*opened);
    auto demo = db::seed_demo(*db, t0);
    FUZZ_CHECK(demo.has_value());
    auto jobs = db->list_jobs(*demo);
    FUZZ_CHECK(jobs && !jobs->empty());
    own_job = jobs->front().id;
    customer = *demo;
    auto other = db->create_customer("Other", "other@example.com", t0);
    FUZZ_CHECK(other.has_value());
    db::new_job j;
    j.id = other_job;
    j.customer = other->id;
    j.title = "not yours";
    FUZZ_CHECK(db->create_job(j, t0).has_value());
    auto s = db->create_session(*demo, t0, std::chrono::hours(24 * 365 * 50));
    FUZZ_CHECK(s.has_value());
    token = s->token;

    api::app_config cfg;
    cfg.api_base = "/api";
    cfg.s3_endpoint = "http://127.0.0.1:9";  // discard port: nothing listens, connect fails at once
    cfg.path_style = true;
    cfg.credentials = api::explicit_credentials{"AKIDFUZZ", s3_secret, "", std::nullopt};
    cfg.upload_rate_per_second = 0;  // the limiter has its own unit tests; here it would only hide routes
    cfg.dashboard_origin = "http://127.0.0.1:8080";
    cfg.database_url = "sqlite://" + (dir / "api.db").string();
    api::app_services services;
    services.database = db;
    services.clock = [] { return std::chrono::system_clock::time_point(t0.time_since_epoch() + std::chrono::hours(1)); };
    auto made = api::make_api(cfg, services);
    FUZZ_CHECK(made.has_value());
    api = *made;
  }
  static world& instance() {
    static world w;
    return w;
  }
};

bool is_error_json(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  const auto* e = v.as_object().if_contains("error");
  if (!e || !e->is_object()) return false;
  const auto* code = e->as_object().if_contains("code");
  const auto* message = e->as_object().if_contains("message");
  return code && code->is_string() && message && message->is_string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  world& w = world::instance();
  if (size < 4) return -1;  // not an input of this layout: not added to the corpus
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto byte = [&] {
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    return b;
  };
  const unsigned job_kind = byte() % 3, route_index = byte(), auth = byte() % 5, flags = byte();

  // A valid session for every input: an earlier input may have logged it out.
  const auto now = t0 + std::chrono::hours(1);
  auto current = w.db->lookup_session(w.token, now);
  FUZZ_CHECK(current.has_value());
  if (!current->has_value()) {
    auto s = w.db->create_session(w.customer, t0, std::chrono::hours(24 * 365 * 50));
    FUZZ_CHECK(s.has_value());
    w.token = s->token;
  }

  http::request req;
  std::string job;
  switch (job_kind) {
    case 0: job = w.own_job; break;
    case 1: job = w.other_job; break;
    default: {
      const std::size_t n = in.empty() ? 0 : std::min<std::size_t>(byte() % 70, in.size());
      job = std::string(in.substr(0, n));
      in.remove_prefix(n);
    }
  }
  static const struct {
    const char* method;
    const char* path;
  } routes[] = {{"POST", "/api/login"},          {"POST", "/api/logout"},     {"GET", "/api/jobs"},
                {"GET", "/api/jobs/{id}"},       {"PATCH", "/api/jobs/{id}"}, {"GET", "/api/jobs/{id}/photos"},
                {"POST", "/api/upload-url"},     {"POST", "/api/quotes"},     {"GET", "/api/quotes"},
                {"GET", "/healthz"},             {"DELETE", "/api/jobs/{id}"}, {"GET", "/api/settings"},
                {"DELETE", "/api/jobs/{id}/photos/photo-001.jpg"}};
  const auto& r = routes[route_index % std::size(routes)];
  req.method = r.method;
  req.path = r.path;
  if (auto at = req.path.find("{id}"); at != std::string::npos) req.path.replace(at, 4, job);

  switch (auth) {
    case 0: req.headers.add("Authorization", "Bearer " + w.token); break;
    case 1: req.headers.add("Cookie", "dropslot_session=" + w.token); break;
    case 2:
      req.headers.add("Cookie", "dropslot_session=" + w.token);
      req.headers.add("X-Requested-With", "dropslot");
      break;
    case 3: req.headers.add("Authorization", std::string(in.substr(0, std::min<std::size_t>(in.size(), 80)))); break;
    default: break;
  }
  if (flags & 1) req.headers.add("Content-Type", "application/json");
  if (flags & 4) req.headers.add("Origin", "http://127.0.0.1:8080");

  // The body: the rest of the input, with the job id spliced into a JSON object when
  // asked (so upload-url and quotes get past the parse and reach the ownership checks).
  std::string body(in);
  if ((flags & 2) && !body.empty() && body.front() == '{') {
    const std::string rest = body.substr(1);
    const auto first = rest.find_first_not_of(" \t\r\n");
    const bool empty_object = first != std::string::npos && rest[first] == '}';
    body = "{\"job_id\":" + boost::json::serialize(boost::json::value(job)) + (empty_object ? "" : ",") + rest;
  }
  req.body = body;
  req.remote_address = "127.0.0.1";

  http::response res = w.api->handle(req);
  static const std::set<int> allowed = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 429, 503};
  if (!allowed.count(res.status)) std::fprintf(stderr, "%s %s -> %d %s\n", req.method.c_str(), req.path.c_str(), res.status, res.body.c_str());
  FUZZ_CHECK(allowed.count(res.status));
  if (res.status >= 400) FUZZ_CHECK(is_error_json(res.body));
  FUZZ_CHECK(res.body.find(s3_secret) == std::string::npos);
  FUZZ_CHECK(res.body.find(w.token) == std::string::npos);
  for (const auto& h : res.headers) {
    FUZZ_CHECK(h.value.find(s3_secret) == std::string::npos);
    FUZZ_CHECK(h.name == "Set-Cookie" || h.value.find(w.token) == std::string::npos);
  }
  // Another customer's job: never served, never changed, never given an upload URL
  // or a quote.
  auto refuse = [&](bool broken) {
    if (!broken) return;
    std::fprintf(stderr, "%s %s %s -> %d %s\n", req.method.c_str(), req.path.c_str(), req.body.c_str(), res.status,
                 res.body.c_str());
    FUZZ_CHECK(false);
  };
  refuse(job == w.other_job && req.path.starts_with("/api/jobs/") && res.status < 300);
  if (req.method == "POST" && (req.path == "/api/upload-url" || req.path == "/api/quotes") && res.status < 300) {
    boost::system::error_code ec;
    auto v = boost::json::parse(req.body, ec);
    if (!ec && v.is_object())
      if (const auto* id = v.as_object().if_contains("job_id"); id && id->is_string())
        refuse(id->as_string() == w.other_job);
  }
  return 0;
}
