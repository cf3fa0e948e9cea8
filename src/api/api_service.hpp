#pragma once
// The API service (internal): routing, authentication, CSRF, limits and the
// exception boundary; the route handlers live in *_routes.cpp.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "bucket_access.hpp"
#include "dropslot/api/app.hpp"
#include "dropslot/api/app_services.hpp"
#include "dropslot/api/error.hpp"
#include "dropslot/api/json_io.hpp"
#include "dropslot/api/rate_limiter.hpp"
#include "dropslot/api/router.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/http/service.hpp"

namespace dropslot::api {

class api_service;

/// One request as a handler sees it, after routing and authentication.
struct call {
  const http::request& req;
  route_params params;
  std::chrono::system_clock::time_point now;
  db::timestamp now_s;                   // `now` in whole seconds, as the db wants it
  std::optional<db::session> session;    // set on customer routes (auth_need::session)
  std::optional<db::staff_session> staff;  // set on staff routes (auth_need::staff)
  std::string token;                     // the session token (logout); never logged
};

using handler_fn = http::response (api_service::*)(call&);
/// A route that may answer later, from another thread, through `reply` (the server
/// keeps `call::req` alive until then). Its synchronous form (`handler_fn`) serves
/// callers that wait anyway (the Lambda adapter).
using async_handler_fn = void (api_service::*)(std::shared_ptr<call>, http::reply_fn reply);

/// Which authentication a route needs: none, a customer's session, or a staff
/// member's (DESIGN.md, "The company's side"). Checked once, in dispatch: a session of
/// the other kind gets 403 forbidden and the handler never runs.
enum class auth_need { none, session, staff };

struct route_spec {
  handler_fn fn;
  auth_need auth;
  async_handler_fn async_fn = nullptr;
};

/// An upload-url request that passed its checks: what to allocate, and the terms the
/// presigned PUT will sign.
struct upload_plan {
  db::upload_request request;
  put_terms terms;
  /// The thumbnail's PUT terms, when the request asked for one.
  std::optional<put_terms> thumb;
  /// The key extension the type implies (request.ext, kept here: the request moves
  /// to the database).
  std::string ext;
};

class api_service final : public http::service {
 public:
  api_service(app_config config, std::shared_ptr<db::database> db, std::unique_ptr<bucket_access> bucket,
              std::function<std::chrono::system_clock::time_point()> clock);
  /// Waits for the asynchronous routes still running (their replies come from the
  /// database's thread and use this object).
  ~api_service() override;
  /// The route table the constructor installs (also what route_table() lists).
  static router<route_spec> make_routes();

  std::size_t body_limit(const http::request& head) const override;
  bool has_route(const http::request& head) const override;
  http::response handle(const http::request& req) override;
  void handle_async(const http::request& req, http::reply_fn reply) override;
  /// The route template `req`'s path fits (relative to the base), for the metrics.
  std::string_view route_label(const http::request& req) const override;

  // --- routes (auth_routes.cpp, job_routes.cpp, upload_routes.cpp, quote_routes.cpp)
  http::response healthz(call& c);
  http::response login(call& c);
  http::response logout(call& c);
  /// login's second half: `code` is no customer's; a staff member's code starts a
  /// staff session.
  http::response staff_login(call& c, const std::string& code);
  /// A login's answer: `out` with session_token (API clients only) and expires_at,
  /// and the session cookie.
  http::response session_answer(call& c, boost::json::object out, const db::new_session& s,
                                std::chrono::seconds ttl);
  http::response list_jobs(call& c);
  http::response get_job(call& c);
  http::response patch_job(call& c);
  http::response upload_url(call& c);
  void upload_url_async(std::shared_ptr<call> c, http::reply_fn reply);
  http::response list_photos(call& c);
  http::response delete_photo(call& c);
  http::response settings(call& c);
  // receipt_routes.cpp (issue 22)
  http::response complete_photo(call& c);
  http::response patch_photo(call& c);
  http::response create_quote(call& c);
  http::response list_quotes(call& c);

  // --- the company's side (staff_routes.cpp, share_routes.cpp)
  http::response staff_board(call& c);
  http::response staff_get_job(call& c);
  http::response staff_patch_job(call& c);
  http::response staff_job_photos(call& c);
  http::response staff_create_customer(call& c);
  http::response staff_create_job(call& c);
  http::response staff_login_link(call& c);
  http::response staff_reply_quote(call& c);
  http::response staff_share_job(call& c);
  http::response staff_revoke_share(call& c);
  http::response shared_gallery(call& c);

 private:
  /// The upload record behind {id}/{name} when the job is the caller's; nullopt
  /// (answer 404) otherwise. invalid_field for a bad id or name.
  result<std::optional<db::upload_record>> owned_upload(call& c);
  /// Adds `shots` (each with its received count) and `missing_shots` to a job's JSON;
  /// the error response when the database fails.
  std::optional<http::response> add_shots(boost::json::object& out, const db::job& j, std::string_view request_id);
  /// The job's required shots without a received photo (the staff board's
  /// missing_shots): its own list (read when `j` does not carry it) or the default.
  result<boost::json::array> missing_shots_json(const db::job& j);
  /// 400 unless `shot` is one of the job's shots.
  std::optional<http::response> check_shot(const db::job& j, const std::string& shot) const;

  /// Routing, authentication and CSRF, then the route. With `reply`, a route that
  /// has an asynchronous form gets it and answers through it: nullopt then.
  std::optional<http::response> dispatch(const http::request& req, const http::reply_fn* reply);
  /// dispatch or preflight inside the exception boundary: a throw is a logged 500.
  std::optional<http::response> guarded_dispatch(const http::request& req, const http::reply_fn* reply);
  /// What every answer carries: CORS for the dashboard's origin, X-Request-Id, nosniff.
  void decorate(const http::request& req, http::response& res) const;

  /// upload-url's checks before the allocation (body, type, size, checksum, rate
  /// limit): the allocation to make, or the answer that refuses it.
  std::variant<http::response, upload_plan> plan_upload(call& c);
  /// upload-url's answer once the allocation is made: the presigned PUT.
  http::response finish_upload(const call& c, result<db::upload_slot> slot, upload_plan& plan);
  /// Who the request's token belongs to, for a route that needs `need`: fills
  /// c.session or c.staff, or returns the refusal (401, 403 for the other kind of
  /// session or without the CSRF proof).
  std::optional<http::response> authenticate(call& c, auth_need need);
  /// The job's photos as the customer listing has them ({photos, expires_in}), or
  /// the failure answer. Also staff's and the share gallery's listing.
  std::variant<http::response, boost::json::object> photo_listing(const call& c, std::string_view job_id);
  /// One line to stdout (the access log's stream) for a staff action: the staff id,
  /// the action and its object, the request id. Never a token.
  void log_staff_action(const call& c, std::string_view action, std::string_view object) const;
  /// Where links staff hand out point: the dashboard's origin, else this request's
  /// scheme and Host.
  std::string public_origin(const http::request& req) const;
  /// OPTIONS: the CORS preflight of a route (204 with the allowed methods).
  http::response preflight(const http::request& req);
  /// Strips the API base from the path: the route path, or nullopt when the
  /// request is not under the base.
  std::optional<std::string_view> route_path(std::string_view path) const;

  app_config config_;
  std::shared_ptr<db::database> db_;
  std::unique_ptr<bucket_access> bucket_;
  std::function<std::chrono::system_clock::time_point()> clock_;
  rate_limiter upload_limiter_;
  router<route_spec> routes_;
  // Asynchronous routes between their start and their reply.
  std::mutex in_flight_mutex_;
  std::condition_variable in_flight_done_;
  std::size_t in_flight_ = 0;
};

/// What the API, the receipt intake and reconcile are built from: the database in
/// `services` (or opened from config.database_url), the bucket, and the clock.
struct api_parts {
  std::shared_ptr<db::database> database;
  std::unique_ptr<bucket_access> bucket;
  std::function<std::chrono::system_clock::time_point()> clock;
};
result<api_parts> make_parts(const app_config& config, app_services services);

/// The response for a failed db call (unavailable -> 503, not_found -> 404, ...).
http::response db_error_response(const error& e, std::string_view request_id);
/// The response for an api-category error (or any other: 500).
http::response api_error_response(const error& e, std::string_view request_id);
/// Writes one line to stderr about an internal failure; the client got a generic message.
void log_failure(std::string_view request_id, std::string_view what, std::string_view detail);

/// The request boundary: `f()`'s answer, or, when it throws, a logged 500 with a
/// generic body (the detail goes to the log only).
template <class F>
auto guarded(std::string_view request_id, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    log_failure(request_id, "unhandled exception", e.what());
  } catch (...) {
    log_failure(request_id, "unhandled exception", "unknown");
  }
  return error_response(api_errc::internal, "internal error");
}

/// The JSON of a job (job_routes.cpp), a quote request and staff's reply to one
/// (quote_routes.cpp), as every route that shows them writes them.
boost::json::object job_json(const db::job& j);
boost::json::object quote_json(const db::quote& q);
boost::json::object reply_json(const db::quote_reply& r);
/// Adds a photo's receipt and labels to its listing entry: state, received_at,
/// shot, caption (null when unset).
void receipt_json(boost::json::object& o, const db::upload_record& r);

/// ISO 8601 UTC with a trailing Z, whole seconds ("2026-11-29T04:25:00Z").
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace dropslot::api
