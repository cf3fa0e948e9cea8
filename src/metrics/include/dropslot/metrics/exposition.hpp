#pragma once
// What `--metrics-listen` serves: every family (http, s3, uploads, db) and the
// process_* series in Prometheus's text format at GET /metrics, on a listener of its
// own, never the API's or the store's.
#include <atomic>
#include <string>

#include "dropslot/http/service.hpp"

namespace dropslot::metrics {

namespace detail {
inline std::atomic<bool> enabled_flag{false};
}

/// Whether the process records the per-request series (http, s3, db). Off until
/// enable() (the CLI calls it when --metrics-listen is given), so a process without
/// a metrics listener pays one relaxed load per request and no more.
inline bool enabled() noexcept { return detail::enabled_flag.load(std::memory_order_relaxed); }
inline void enable(bool on = true) noexcept { detail::enabled_flag.store(on, std::memory_order_relaxed); }

/// The whole exposition.
std::string render();

/// The metrics listener's service: GET (or HEAD) /metrics; 404 elsewhere, 405 for
/// other methods. It writes no access-log line (a scrape every few seconds is noise).
class exposition_service final : public http::service {
 public:
  std::size_t body_limit(const http::request&) const override { return 0; }
  http::response handle(const http::request& req) override;
  bool access_log_enabled() const override { return false; }
};

}  // namespace dropslot::metrics
