#include "dropslot/metrics/s3_metrics.hpp"

namespace dropslot::metrics {

std::size_t s3_metrics::api(std::string_view name) noexcept {
  if (name.empty()) return 0;
  if (auto i = apis_.find(name)) return i;
  try {
    return apis_.add(name);
  } catch (...) {
    return 0;
  }
}

void s3_metrics::end(std::size_t api, int status, std::chrono::nanoseconds d, std::uint64_t received,
                     std::uint64_t sent) noexcept {
  cell& c = cells_[api];
  c.inflight.add(-1);
  c.duration.observe(d);
  if (status >= 400 && status < 500) c.errors_4xx.inc();
  if (status >= 500) c.errors_5xx.inc();
  if (status < 100) c.canceled.inc();
  if (received) c.received.inc(received);
  if (sent) c.sent.inc(sent);
}

void s3_metrics::write(text_writer& w) const {
  const std::size_t n = apis_.size();
  // One counter family: a sample per operation that has answered a request.
  auto counters = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, "counter", help);
    for (std::size_t i = 0; i < n; ++i)
      if (cells_[i].duration.count()) w.sample(name, {{"api", apis_.name(i)}}, std::uint64_t{value(cells_[i])});
  };
  counters("dropslot_s3_requests_total", "Store requests answered, by S3 operation.",
           [](const cell& c) { return c.duration.count(); });
  counters("dropslot_s3_requests_errors_total", "Store requests answered with a 4xx or 5xx status.",
           [](const cell& c) { return c.errors_4xx.value() + c.errors_5xx.value(); });
  counters("dropslot_s3_requests_4xx_errors_total", "Store requests answered with a 4xx status.",
           [](const cell& c) { return c.errors_4xx.value(); });
  counters("dropslot_s3_requests_5xx_errors_total", "Store requests answered with a 5xx status.",
           [](const cell& c) { return c.errors_5xx.value(); });
  counters("dropslot_s3_requests_canceled_total",
           "Store requests that ended before their answer was sent whole (the client left or stalled).",
           [](const cell& c) { return c.canceled.value(); });
  w.family("dropslot_s3_requests_inflight", "gauge", "Store requests being served now.");
  for (std::size_t i = 0; i < n; ++i)
    if (cells_[i].duration.count() || cells_[i].inflight.value())
      w.sample("dropslot_s3_requests_inflight", {{"api", apis_.name(i)}}, cells_[i].inflight.value());
  w.family("dropslot_s3_request_duration_seconds", "histogram",
           "Time from a store request's head read to the last byte of its answer, by S3 operation.");
  for (std::size_t i = 0; i < n; ++i)
    if (auto s = cells_[i].duration.snapshot(); s.count)
      w.histogram("dropslot_s3_request_duration_seconds", {{"api", apis_.name(i)}}, s);
  counters("dropslot_s3_traffic_received_bytes_total", "Request body bytes the store read, by S3 operation.",
           [](const cell& c) { return c.received.value(); });
  counters("dropslot_s3_traffic_sent_bytes_total", "Response body bytes the store sent, by S3 operation.",
           [](const cell& c) { return c.sent.value(); });
}

s3_metrics& s3() {
  static s3_metrics m;
  return m;
}

}  // namespace dropslot::metrics
