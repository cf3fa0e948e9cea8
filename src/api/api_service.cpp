#include "api_service.hpp"

#include <cstdio>
#include <exception>
#include <string_view>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include "dropslot/api/json_io.hpp"

namespace dropslot::api {

namespace {

// Body limits per route: enough for the largest legitimate body, far below the
// server's default, so a huge body is refused (413) before it is read.
constexpr std::size_t small_body = 4 * 1024;
constexpr std::size_t text_body = 64 * 1024;

bool is_safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

}  // namespace

api_service::api_service(app_config config, std::shared_ptr<db::database> db, std::unique_ptr<bucket_access> bucket,
                         std::function<std::chrono::system_clock::time_point()> clock)
    : config_(std::move(config)),
      db_(std::move(db)),
      bucket_(std::move(bucket)),
      clock_(std::move(clock)),
      upload_limiter_(config_.upload_rate_per_second, config_.upload_burst),
      routes_(make_routes()) {}

// The route table (DESIGN.md, HTTP API). Paths are relative to the API base. The
// API Gateway routes of deploy/template.yaml must be exactly these (route_table();
// tests/lambda/template_test.cpp checks).
router<route_spec> api_service::make_routes() {
  router<route_spec> r;
  r.add("GET", "/healthz", {&api_service::healthz, auth_need::none}, 0);
  r.add("POST", "/login", {&api_service::login, auth_need::none}, small_body);
  r.add("POST", "/logout", {&api_service::logout, auth_need::none}, small_body);
  r.add("GET", "/jobs", {&api_service::list_jobs, auth_need::session}, 0);
  r.add("GET", "/jobs/{id}", {&api_service::get_job, auth_need::session}, 0);
  r.add("PATCH", "/jobs/{id}", {&api_service::patch_job, auth_need::session}, text_body);
  r.add("GET", "/jobs/{id}/photos", {&api_service::list_photos, auth_need::session}, 0);
  r.add("DELETE", "/jobs/{id}/photos/{name}", {&api_service::delete_photo, auth_need::session}, 0);
  r.add("PATCH", "/jobs/{id}/photos/{name}", {&api_service::patch_photo, auth_need::session}, small_body);
  r.add("POST", "/jobs/{id}/photos/{name}/complete", {&api_service::complete_photo, auth_need::session}, small_body);
  r.add("GET", "/settings", {&api_service::settings, auth_need::none}, 0);
  r.add("POST", "/upload-url", {&api_service::upload_url, auth_need::session, &api_service::upload_url_async}, small_body);
  r.add("POST", "/quotes", {&api_service::create_quote, auth_need::session}, text_body);
  r.add("GET", "/quotes", {&api_service::list_quotes, auth_need::session}, 0);
  // The company's side (staff_routes.cpp, share_routes.cpp; DESIGN.md).
  r.add("GET", "/staff/jobs", {&api_service::staff_board, auth_need::staff}, 0);
  r.add("POST", "/staff/jobs", {&api_service::staff_create_job, auth_need::staff}, small_body);
  r.add("GET", "/staff/jobs/{id}", {&api_service::staff_get_job, auth_need::staff}, 0);
  r.add("PATCH", "/staff/jobs/{id}", {&api_service::staff_patch_job, auth_need::staff}, small_body);
  r.add("GET", "/staff/jobs/{id}/photos", {&api_service::staff_job_photos, auth_need::staff}, 0);
  r.add("POST", "/staff/jobs/{id}/share", {&api_service::staff_share_job, auth_need::staff}, small_body);
  r.add("POST", "/staff/customers", {&api_service::staff_create_customer, auth_need::staff}, small_body);
  r.add("POST", "/staff/customers/{id}/login-link", {&api_service::staff_login_link, auth_need::staff}, small_body);
  r.add("POST", "/staff/quotes/{id}/reply", {&api_service::staff_reply_quote, auth_need::staff}, text_body);
  r.add("DELETE", "/staff/shares/{share_id}", {&api_service::staff_revoke_share, auth_need::staff}, 0);
  r.add("GET", "/shared/{token}", {&api_service::shared_gallery, auth_need::none}, 0);
  return r;
}

api_service::~api_service() {
  std::unique_lock lk(in_flight_mutex_);
  in_flight_done_.wait(lk, [&] { return in_flight_ == 0; });
}

std::vector<route_info> route_table() {
  const auto table = api_service::make_routes();  // named: routes() refers into it
  std::vector<route_info> out;
  for (const auto& r : table.routes()) out.push_back({r.method, r.path_template});
  return out;
}

std::optional<std::string_view> api_service::route_path(std::string_view path) const {
  if (path == "/healthz") return path;  // at the root as well as under the base
  std::string_view base = config_.api_base;
  if (path.substr(0, base.size()) != base) return std::nullopt;
  path.remove_prefix(base.size());
  if (!path.empty() && path.front() != '/') return std::nullopt;  // "/apix" is not under "/api"
  return path;
}

std::string_view api_service::route_label(const http::request& req) const {
  auto path = route_path(req.path);
  if (!path) return {};
  if (const std::string* t = routes_.template_of(*path)) return *t;
  return {};
}

std::size_t api_service::body_limit(const http::request& head) const {
  auto path = route_path(head.path);
  if (!path) return 0;
  auto m = routes_.find(head.method, *path);
  return m.found ? m.found->body_limit : 0;
}

bool api_service::has_route(const http::request& head) const {
  auto path = route_path(head.path);
  if (!path) return false;
  auto m = routes_.find(head.method, *path);
  return m.found || (head.method == "OPTIONS" && m.other_method);  // a preflight of a route
}

std::optional<http::response> api_service::guarded_dispatch(const http::request& req, const http::reply_fn* reply) {
  return guarded(req.request_id, [&]() -> std::optional<http::response> {
    return req.method == "OPTIONS" ? preflight(req) : dispatch(req, reply);
  });
}

void api_service::decorate(const http::request& req, http::response& res) const {
  // CORS for a dashboard served from another origin (Lambda behind API Gateway,
  // the dashboard on CloudFront): only the configured origin, with credentials.
  if (auto origin = req.headers.get("Origin");
      origin && !config_.dashboard_origin.empty() && *origin == config_.dashboard_origin) {
    res.headers.set("Access-Control-Allow-Origin", config_.dashboard_origin);
    res.headers.set("Access-Control-Allow-Credentials", "true");
    res.headers.add("Vary", "Origin");
  }
  if (!req.request_id.empty()) res.headers.set("X-Request-Id", req.request_id);
  res.headers.set("X-Content-Type-Options", "nosniff");
}

http::response api_service::handle(const http::request& req) {
  http::response res = std::move(*guarded_dispatch(req, nullptr));
  decorate(req, res);
  return res;
}

void api_service::handle_async(const http::request& req, http::reply_fn reply) {
  // `req` outlives the reply (http::service::handle_async).
  http::reply_fn answer = [this, &req, reply = std::move(reply)](http::response res) {
    decorate(req, res);
    reply(std::move(res));
  };
  if (auto res = guarded_dispatch(req, &answer)) answer(std::move(*res));
}

namespace {

/// The session token the request carries: `Authorization: Bearer` wins over the
/// cookie. `from_cookie` tells which one it was (the CSRF rule applies to cookies).
std::optional<std::string> session_token(const http::request& req, bool& from_cookie) {
  from_cookie = false;
  if (auto auth = req.headers.get("Authorization")) {
    std::string_view a = *auth;
    if (a.size() > 7 && http::iequals(a.substr(0, 7), "Bearer ")) {
      a.remove_prefix(7);
      while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
      return std::string(a);
    }
    return std::nullopt;  // another scheme: not ours, and no fallback to the cookie
  }
  if (auto c = req.cookie("dropslot_session")) {
    from_cookie = true;
    return c;
  }
  return std::nullopt;
}

}  // namespace

std::optional<http::response> api_service::authenticate(call& c, auth_need need) {
  const auto& req = c.req;
  bool from_cookie = false;
  auto token = session_token(req, from_cookie);
  // Tokens are 64 hex characters; anything far longer is refused before it is
  // hashed, so junk never costs a database round trip.
  if (!token || token->empty() || token->size() > 256)
    return error_response(api_errc::unauthenticated, "sign in first");
  constexpr std::string_view expired = "the session has expired or was revoked; sign in again";
  db::staff_database* staff = db_->staff();
  if (need == auth_need::session) {
    auto s = db_->lookup_session(*token, c.now_s);
    if (!s) return db_error_response(s.error(), req.request_id);
    if (!*s) {
      // A staff member is not a customer: signed in, so 403 rather than 401. Asked
      // only once the customer lookup missed, so a customer's request costs nothing more.
      if (staff) {
        auto st = staff->lookup_staff_session(*token, c.now_s);
        if (!st) return db_error_response(st.error(), req.request_id);
        if (*st) return error_response(api_errc::forbidden, "a staff session cannot use the customer routes");
      }
      return error_response(api_errc::unauthenticated, expired);
    }
    c.session = std::move(**s);
  } else {
    if (!staff)
      return error_response(api_errc::storage_unavailable, "this database backend has no staff accounts yet");
    auto st = staff->lookup_staff_session(*token, c.now_s);
    if (!st) return db_error_response(st.error(), req.request_id);
    if (!*st) {
      auto s = db_->lookup_session(*token, c.now_s);
      if (!s) return db_error_response(s.error(), req.request_id);
      if (*s) return error_response(api_errc::forbidden, "staff only");
      return error_response(api_errc::unauthenticated, expired);
    }
    c.staff = std::move(**st);
  }
  // CSRF: a browser attaches the cookie to cross-site requests by itself, so a
  // state change authenticated by it must prove it came from our own page.
  if (from_cookie && !is_safe_method(req.method)) {
    auto xrw = req.headers.get("X-Requested-With");
    auto origin = req.headers.get("Origin");
    bool ok = (xrw && *xrw == "dropslot") ||
              (origin && !config_.dashboard_origin.empty() && *origin == config_.dashboard_origin);
    if (!ok)
      return error_response(api_errc::csrf_rejected,
                            "a cookie-authenticated change needs the header X-Requested-With: dropslot");
  }
  c.token = std::move(*token);
  return std::nullopt;
}

std::optional<http::response> api_service::dispatch(const http::request& req, const http::reply_fn* reply) {
  auto path = route_path(req.path);
  if (!path) return error_response(api_errc::not_found, "no such route");
  auto m = routes_.find(req.method, *path);
  if (!m.found) {
    if (m.other_method) return error_response(api_errc::method_not_allowed, "method not allowed on this route");
    return error_response(api_errc::not_found, "no such route");
  }

  auto now = clock_ ? clock_() : std::chrono::system_clock::now();
  call c{req, std::move(m.params), now, std::chrono::time_point_cast<std::chrono::seconds>(now), std::nullopt, {}};

  if (m.found->handler.auth != auth_need::none)
    if (auto refused = authenticate(c, m.found->handler.auth)) return std::move(*refused);
  if (reply && m.found->handler.async_fn) {
    {
      std::lock_guard lk(in_flight_mutex_);
      ++in_flight_;
    }
    // Counts the route as finished when the last copy of its reply is gone: answered,
    // or dropped (which the server answers with a 500).
    struct finished {
      explicit finished(api_service* s) : self(s) {}
      finished(const finished&) = delete;
      finished& operator=(const finished&) = delete;
      api_service* self;
      ~finished() {
        std::lock_guard lk(self->in_flight_mutex_);
        if (--self->in_flight_ == 0) self->in_flight_done_.notify_all();
      }
    };
    auto done = std::make_shared<finished>(this);
    http::reply_fn counted = [done, r = *reply](http::response res) { r(std::move(res)); };
    (this->*(m.found->handler.async_fn))(std::make_shared<call>(std::move(c)), std::move(counted));
    return std::nullopt;
  }
  return (this->*(m.found->handler.fn))(c);
}

http::response api_service::preflight(const http::request& req) {
  auto path = route_path(req.path);
  if (!path) return error_response(api_errc::not_found, "no such route");
  auto m = routes_.find("", *path);  // no verb is "": any route on this path counts
  if (!m.other_method) return error_response(api_errc::not_found, "no such route");
  http::response res;
  res.status = 204;
  std::string methods;
  for (const auto& r : routes_.routes()) {
    route_params unused;
    if (match_template(r.path_template, *path, unused)) methods += (methods.empty() ? "" : ", ") + r.method;
  }
  res.headers.set("Access-Control-Allow-Methods", methods);
  res.headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Requested-With");
  res.headers.set("Access-Control-Max-Age", "600");
  return res;
}

http::response api_service::healthz(call& c) {
  auto p = db_->ping();
  if (!p) {
    log_failure(c.req.request_id, "healthz: database", p.error().message());
    return error_response(api_errc::storage_unavailable, "the database is unavailable");
  }
  boost::json::object o;
  o["status"] = "ok";
  o["database"] = db_->backend();
  return json_response(200, o);
}

http::response db_error_response(const error& e, std::string_view request_id) {
  if (e.code.category() == db::db_errc_category()) {
    switch (static_cast<db::db_errc>(e.code.value())) {
      case db::db_errc::not_found: return error_response(api_errc::not_found, "not found");
      case db::db_errc::conflict: return error_response(api_errc::conflict, "conflicts with an existing record");
      case db::db_errc::invalid_argument:
        // The db's detail names the rule broken; it carries no secret.
        return error_response(api_errc::invalid_field, e.detail.empty() ? "invalid value" : e.detail);
      case db::db_errc::limit_reached:
        return error_response(api_errc::photo_limit, "this job holds the most photos it may");
      case db::db_errc::unavailable:
        log_failure(request_id, "database unavailable", e.message());
        return error_response(api_errc::storage_unavailable, "the database is unavailable; try again shortly");
      case db::db_errc::internal: break;
    }
  }
  log_failure(request_id, "database error", e.message());
  return error_response(api_errc::internal, "internal error");
}

http::response api_error_response(const error& e, std::string_view request_id) {
  if (e.code.category() == api_errc_category()) {
    auto code = static_cast<api_errc>(e.code.value());
    if (code == api_errc::storage_unavailable) {
      // The detail is "client message\ninternal detail": the client gets the first
      // line (which says what failed, never how), the log gets everything.
      log_failure(request_id, to_string(code), e.detail);
      auto nl = e.detail.find('\n');
      std::string_view shown = std::string_view(e.detail).substr(0, nl);
      return error_response(code, shown.empty() ? "the storage service is unavailable; try again shortly" : shown);
    }
    if (code == api_errc::internal || code == api_errc::bad_config) {
      log_failure(request_id, to_string(code), e.detail);
      return error_response(api_errc::internal, "internal error");
    }
    return error_response(code, e.detail.empty() ? to_string(code) : e.detail);
  }
  log_failure(request_id, "error", e.message());
  return error_response(api_errc::internal, "internal error");
}

void log_failure(std::string_view request_id, std::string_view what, std::string_view detail) {
  boost::json::object o;
  o["level"] = "error";
  o["request_id"] = request_id;
  o["event"] = what;
  o["detail"] = detail;
  auto line = boost::json::serialize(o);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::time_point_cast<std::chrono::seconds>(t));
}

}  // namespace dropslot::api
