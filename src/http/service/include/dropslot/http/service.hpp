#pragma once
// What a request handler is: http::service and its reply_fn. No Beast and no Asio (this
// header, message.hpp and their target dropslot_http_service), so the parts that only
// handle requests (api, lambda) compile and link without the server; the Beast server
// that runs a service is server.hpp (target dropslot_http).
#include <cstddef>
#include <functional>
#include <string_view>

#include "dropslot/http/message.hpp"

namespace dropslot::http {

/// Delivers a service's answer (service::handle_async).
using reply_fn = std::function<void(response)>;

/// A buffered service: the whole body (bounded by `body_limit`) is read before
/// `handle` runs. `handle` is called from worker threads concurrently and must be
/// thread-safe. Exceptions it throws become a 500 with a generic body; the detail
/// is logged.
class service {
 public:
  virtual ~service() = default;
  /// The body limit for this request, decided from its head (method, path, headers;
  /// the body is empty). Larger bodies get 413 before they are read. The listener's
  /// `limits::max_body_bytes` caps it: the smaller of the two applies.
  virtual std::size_t body_limit(const request& head) const { return 1024 * 1024; }
  /// Whether any route takes this request (method and path of `head`). A request with a
  /// body that no route takes is answered as it would be without one (the service's own
  /// 404 or 405, from `handle` with an empty body), not 413: its body is never read.
  virtual bool has_route(const request& head) const { return true; }
  virtual response handle(const request& req) = 0;
  /// The asynchronous form, which the server calls: a handler that waits on another
  /// thread (the database's group commit) hands `reply` over and returns, so the
  /// worker thread goes on with other connections meanwhile. `reply` must be called
  /// once, from any thread; `req` stays valid until then (and as long as a copy of
  /// `reply` exists). A `reply` whose last copy is destroyed uncalled answers 500,
  /// so a lost request cannot hang its connection. When the drain's deadline closes
  /// the connection first, the wait ends there and the late reply is dropped.
  /// Exceptions thrown before `handle_async` returns are a 500, as from `handle`.
  /// The default answers at once with `handle(req)`.
  virtual void handle_async(const request& req, reply_fn reply) { reply(handle(req)); }
  /// Whether the server writes one access-log line per request of this service
  /// (access_log.hpp) and, when metrics are on, records it in the http series
  /// (metrics/http_metrics.hpp). Read once, when `listen` is called.
  virtual bool access_log_enabled() const { return true; }
  /// The route TEMPLATE `req` reached ("/jobs/{id}", never the path itself), for the
  /// metrics' `route` label; empty when it matched none. The view must stay valid
  /// while the service lives, and the set of values must be bounded (a route table).
  virtual std::string_view route_label(const request& req) const { return {}; }
};

}  // namespace dropslot::http
