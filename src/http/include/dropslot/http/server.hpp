#pragma once
// The HTTP/1.1 server behind `dropslot serve` and `dropslot s3` (Boost.Beast).
//
// Beast and Asio stay inside src/http/*.cpp (pimpl), so the parts that serve
// requests compile without them. One `server` owns one io_context and its worker
// threads; each `listen` adds a listener with its own handler and limits, so the
// API (:8080) and the object store (:9000) share one process and one event loop.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "dropslot/http/message.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::http {

/// Limits that belong to the read path (DESIGN.md, security model).
struct limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;      // default; a service may ask per request
  std::chrono::seconds header_timeout{15};       // whole request head must arrive within
  std::chrono::seconds idle_timeout{60};         // keep-alive idle
  std::chrono::seconds body_timeout{300};        // a stalled body read is cut after this
  std::size_t max_connections = 2048;            // per listener; more are refused at accept
};

/// A buffered service: the whole body (bounded by `body_limit`) is read before
/// `handle` runs. `handle` is called from worker threads concurrently and must be
/// thread-safe. Exceptions it throws become a 500 with a generic body; the detail
/// is logged.
class service {
 public:
  virtual ~service() = default;
  /// The body limit for this request, decided from its head (method, path, headers;
  /// the body is empty). Larger bodies get 413 before they are read.
  virtual std::size_t body_limit(const request& head) const { return 1024 * 1024; }
  virtual response handle(const request& req) = 0;
};

}  // namespace dropslot::http
