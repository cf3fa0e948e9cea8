// POST {base}/login and POST {base}/logout (DESIGN.md, HTTP API).
#include <fmt/format.h>

#include "api_service.hpp"
#include "dropslot/api/json_io.hpp"

namespace dropslot::api {

namespace {

/// The session cookie. HttpOnly: page scripts never see it. SameSite=Strict: the
/// browser leaves it off cross-site requests. Secure when the request came over
/// TLS (a plain-HTTP local serve could not set a Secure cookie at all).
std::string session_cookie(std::string_view token, std::chrono::seconds max_age, bool secure) {
  return fmt::format("dropslot_session={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", token,
                     max_age.count(), secure ? "; Secure" : "");
}

/// Login has no session yet, so the cookie CSRF rule cannot apply; a browser that
/// says where it comes from must come from the dashboard (stops login CSRF), and
/// non-browser clients send no Origin.
bool login_origin_ok(const http::request& req, const app_config& config) {
  auto origin = req.headers.get("Origin");
  if (!origin) return true;
  auto xrw = req.headers.get("X-Requested-With");
  if (xrw && *xrw == "dropslot") return true;
  return !config.dashboard_origin.empty() && *origin == config.dashboard_origin;
}

}  // namespace

http::response api_service::login(call& c) {
  if (!login_origin_ok(c.req, config_))
    return error_response(api_errc::csrf_rejected, "log in from the dashboard");
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), c.req.request_id);
  field_reader f(*body);
  auto code = f.required_string("code", 256);
  if (!code) return api_error_response(code.error(), c.req.request_id);
  if (code->empty()) return error_response(api_errc::invalid_field, "code is required");

  auto who = db_->consume_login_code(*code, c.now_s);
  if (!who) return db_error_response(who.error(), c.req.request_id);
  // Not a customer's code: perhaps a staff member's (DESIGN.md, "The company's side").
  if (!*who) return staff_login(c, *code);

  auto cust = db_->get_customer(**who);
  if (!cust) return db_error_response(cust.error(), c.req.request_id);
  if (!*cust) return error_response(api_errc::unauthenticated, "the login link is invalid, expired or already used");

  auto s = db_->create_session(**who, c.now_s, config_.session_ttl);
  if (!s) return db_error_response(s.error(), c.req.request_id);

  boost::json::object customer;
  customer["id"] = (*cust)->id;
  customer["name"] = (*cust)->name;
  customer["email"] = (*cust)->email;
  boost::json::object out;
  out["role"] = "customer";
  out["customer"] = std::move(customer);
  return session_answer(c, std::move(out), *s, config_.session_ttl);
}

// The same answer as a customer's, with role "staff" and the staff member; the
// session lives config_.staff_session_ttl.
http::response api_service::staff_login(call& c, const std::string& code) {
  // Unknown, expired and used codes look alike: a guesser learns nothing.
  auto invalid = [] {
    return error_response(api_errc::unauthenticated, "the login link is invalid, expired or already used");
  };
  db::staff_database* staff = db_->staff();
  if (!staff) return invalid();
  auto who = staff->consume_staff_login_code(code, c.now_s);
  if (!who) return db_error_response(who.error(), c.req.request_id);
  if (!*who) return invalid();
  auto member = staff->get_staff(**who);
  if (!member) return db_error_response(member.error(), c.req.request_id);
  if (!*member) return invalid();
  auto s = staff->create_staff_session(**who, c.now_s, config_.staff_session_ttl);
  if (!s) return db_error_response(s.error(), c.req.request_id);
  boost::json::object m;
  m["id"] = (*member)->id;
  m["name"] = (*member)->name;
  m["email"] = (*member)->email;
  boost::json::object out;
  out["role"] = "staff";
  out["staff"] = std::move(m);
  return session_answer(c, std::move(out), *s, config_.staff_session_ttl);
}

http::response api_service::session_answer(call& c, boost::json::object out, const db::new_session& s,
                                           std::chrono::seconds ttl) {
  // A browser sends Origin on every POST: it gets the HttpOnly cookie only, so no page
  // script can read the token. An API client (no Origin) gets it in the body for Bearer
  // auth (DESIGN.md, HTTP API).
  if (!c.req.headers.get("Origin")) out["session_token"] = s.token;
  out["expires_at"] = iso8601(s.expires_at);
  auto res = json_response(200, out);
  res.headers.add("Set-Cookie", session_cookie(s.token, ttl, c.req.secure));
  return res;
}

http::response api_service::logout(call& c) {
  bool from_cookie = false;
  std::optional<std::string> token;
  if (auto auth = c.req.headers.get("Authorization"); auth && auth->size() > 7 &&
                                                       http::iequals(auth->substr(0, 7), "Bearer ")) {
    token = std::string(auth->substr(7));
  } else if (auto ck = c.req.cookie("dropslot_session")) {
    token = std::move(ck);
    from_cookie = true;
  }
  if (from_cookie) {
    // Logging someone out is a state change too (CSRF rule).
    auto xrw = c.req.headers.get("X-Requested-With");
    auto origin = c.req.headers.get("Origin");
    bool ok = (xrw && *xrw == "dropslot") ||
              (origin && !config_.dashboard_origin.empty() && *origin == config_.dashboard_origin);
    if (!ok)
      return error_response(api_errc::csrf_rejected,
                            "a cookie-authenticated change needs the header X-Requested-With: dropslot");
  }
  if (token && !token->empty() && token->size() <= 256) {
    auto r = db_->revoke_session(*token, c.now_s);
    if (!r) return db_error_response(r.error(), c.req.request_id);
    // The token is a customer's or a staff member's: revoking an unknown one is a no-op.
    if (auto* staff = db_->staff()) {
      auto rs = staff->revoke_staff_session(*token, c.now_s);
      if (!rs) return db_error_response(rs.error(), c.req.request_id);
    }
  }
  http::response res;
  res.status = 204;
  res.headers.add("Cache-Control", "no-store");
  res.headers.add("Set-Cookie", session_cookie("", std::chrono::seconds(0), c.req.secure));
  return res;
}

}  // namespace dropslot::api
