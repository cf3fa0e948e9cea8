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
  std::optional<db::session> session;    // set on authenticated routes
  std::string token;                     // the session token (logout); never logged
};

using handler_fn = http::response (api_service::*)(call&);
/// A route that may answer later, from another thread, through `reply` (the server
/// keeps `call::req` alive until then). Its synchronous form (`handler_fn`) serves
/// callers that wait anyway (the Lambda adapter).
using async_handler_fn = void (api_service::*)(std::shared_ptr<call>, http::reply_fn reply);

/// Which authentication a route needs.
enum class auth_need { none, session };

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
  http::response handle(const http::request& req) override;
  void handle_async(const http::request& req, http::reply_fn reply) override;

  // --- routes (auth_routes.cpp, job_routes.cpp, upload_routes.cpp, quote_routes.cpp)
  http::response healthz(call& c);
  http::response login(call& c);
  http::response logout(call& c);
  http::response list_jobs(call& c);
  http::response get_job(call& c);
  http::response patch_job(call& c);
  http::response upload_url(call& c);
  void upload_url_async(std::shared_ptr<call> c, http::reply_fn reply);
  http::response list_photos(call& c);
  http::response delete_photo(call& c);
  http::response settings(call& c);
  http::response create_quote(call& c);
  http::response list_quotes(call& c);

 private:
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

/// ISO 8601 UTC with a trailing Z, whole seconds ("2026-11-29T04:25:00Z").
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace dropslot::api
