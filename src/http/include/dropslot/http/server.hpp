#pragma once
// The HTTP/1.1 server behind `dropslot serve` and `dropslot s3` (Boost.Beast).
//
// Beast and Asio stay inside src/http/*.cpp (pimpl), so the parts that serve
// requests compile without them. Each `listen` adds a listener with its own handler,
// limits, event loop (io_context) and worker threads, so the API (:8080) and the
// object store (:9000) share one process and one `server`, but a handler that blocks
// (SQLite; the API's S3 client calling the embedded store over HTTP) never starves
// the other listener. One more thread runs signals and the drain.
//
// Timeouts of a buffered connection (`listen`):
//   - the first request's head must arrive within `header_timeout` of the accept;
//   - between keep-alive requests the connection may sit idle for `idle_timeout`;
//     once the first byte of the next request arrives, its head must be complete
//     within `header_timeout`;
//   - the body must arrive within `body_timeout` of the end of the head;
//   - the response must be written within `body_timeout`.
// A timeout closes the connection without a response (the peer is too slow to read one).
//
// Answers the buffered server gives by itself, as JSON `{"error":{"code","message"}}`:
// 400 bad_request (malformed, ambiguous framing, HTTP/1.1 without Host), 413
// payload_too_large (before the body is read) and 431 request_header_fields_too_large,
// each followed by a close; 500 internal_error when the handler throws (the detail
// goes to the log only). Every response carries `X-Request-Id` and `Date`.
//
// Shutdown (`stop()`, SIGINT or SIGTERM under `run()`): the listeners stop accepting,
// idle connections are closed at once, and a connection in the middle of a request
// finishes it, answers with `Connection: close` and closes. Whatever is still open
// after the drain timeout (`set_drain_timeout`, default 10 s) is closed, then `run()`
// returns. Under `run()`, a second SIGINT or SIGTERM closes everything at once.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "dropslot/http/message.hpp"
#include "dropslot/http/service.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::http {

/// Limits that belong to the read path (DESIGN.md, security model).
struct limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;      // cap per request; service::body_limit may lower it
  std::chrono::seconds header_timeout{15};       // whole request head must arrive within
  std::chrono::seconds idle_timeout{60};         // keep-alive idle
  std::chrono::seconds body_timeout{300};        // a stalled body read is cut after this
  std::size_t max_connections = 2048;            // per listener; more are refused at accept
};


/// The raw-stream handler of `listen_stream`, defined in dropslot/http/stream.hpp
/// (which includes Asio and Beast; only the object store's .cpp files need it).
struct stream_handler;

/// The server: listeners, connections, limits, timeouts and graceful shutdown.
///
/// Thread safety: call `listen*` from one thread, before `run()`/`start()` (a listener
/// added later starts accepting at once, but must not race `stop()`). `stop()` is safe
/// from any thread and from a handler. A `server` runs once: after it has stopped it
/// does not start again.
class server {
 public:
  /// Each listener's event loop runs on `threads` worker threads (0: hardware
  /// concurrency); buffered handlers run on them.
  explicit server(unsigned threads = 0);
  /// Stops (as `stop()`) and joins the threads started by `start()`.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Adds a buffered listener on "host:port" (IPv4, IPv6 in brackets, or a name;
  /// port 0 picks a free port). Returns the bound "host:port", e.g. "127.0.0.1:40213".
  /// Accepting starts with `run()`/`start()`.
  result<std::string> listen(const std::string& host_port, std::shared_ptr<service> svc, limits lim = {});

  /// Adds a raw listener: each accepted connection (within `lim.max_connections`)
  /// is handed to `handler`, which reads and writes the stream itself (stream.hpp
  /// says who owns timeouts and how shutdown reaches it).
  result<std::string> listen_stream(const std::string& host_port, stream_handler handler, limits lim = {});

  /// Runs the listeners on their worker threads, and signals and the drain on the
  /// calling thread, until `stop()`, SIGINT or SIGTERM; then drains (see the top of
  /// this file) and returns when every thread has ended.
  void run();
  /// Like `run()` but returns at once; the loop runs on background threads and no
  /// signal handler is installed (tests, embedding). `join()` waits for the end.
  void start();
  /// Waits until the threads started by `start()` have drained and ended (after
  /// `stop()`). Call it from one thread, not from a handler.
  void join();
  /// Begins the graceful shutdown. Thread-safe, idempotent, returns at once.
  void stop();
  /// True from `run()`/`start()` until the drain has begun.
  bool running() const noexcept;

  /// How long in-flight requests get after `stop()` (default 10 s).
  void set_drain_timeout(std::chrono::milliseconds d);

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace dropslot::http
