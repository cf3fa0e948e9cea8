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
  auto each = [&](auto&& fn) {
    for (std::size_t i = 0; i < n; ++i) fn(apis_.name(i), cells_[i]);
  };
  w.family("dropslot_s3_requests_total", "counter", "Store requests answered, by S3 operation.");
  each([&](const std::string& a, const cell& c) {
    if (auto v = c.duration.count()) w.sample("dropslot_s3_requests_total", {{"api", a}}, v);
  });
  w.family("dropslot_s3_requests_errors_total", "counter", "Store requests answered with a 4xx or 5xx status.");
  each([&](const std::string& a, const cell& c) {
    if (c.duration.count()) w.sample("dropslot_s3_requests_errors_total", {{"api", a}}, c.errors_4xx.value() + c.errors_5xx.value());
  });
  w.family("dropslot_s3_requests_4xx_errors_total", "counter", "Store requests answered with a 4xx status.");
  each([&](const std::string& a, const cell& c) {
    if (c.duration.count()) w.sample("dropslot_s3_requests_4xx_errors_total", {{"api", a}}, c.errors_4xx.value());
  });
  w.family("dropslot_s3_requests_5xx_errors_total", "counter", "Store requests answered with a 5xx status.");
  each([&](const std::string& a, const cell& c) {
    if (c.duration.count()) w.sample("dropslot_s3_requests_5xx_errors_total", {{"api", a}}, c.errors_5xx.value());
  });
  w.family("dropslot_s3_requests_canceled_total", "counter",
           "Store requests that ended before their answer was sent whole (the client left or stalled).");
  each([&](const std::string& a, const cell& c) {
    if (c.duration.count()) w.sample("dropslot_s3_requests_canceled_total", {{"api", a}}, c.canceled.value());
  });
  w.family("dropslot_s3_requests_inflight", "gauge", "Store requests being served now.");
  each([&](const std::string& a, const cell& c) {
    if (c.duration.count() || c.inflight.value()) w.sample("dropslot_s3_requests_inflight", {{"api", a}}, c.inflight.value());
  });
  w.family("dropslot_s3_request_duration_seconds", "histogram",
           "Time from a store request's head read to the last byte of its answer, by S3 operation.");
  each([&](const std::string& a, const cell& c) {
    auto s = c.duration.snapshot();
    if (s.count) w.histogram("dropslot_s3_request_duration_seconds", {{"api", a}}, s);
  });
  w.family("dropslot_s3_traffic_received_bytes_total", "counter", "Request body bytes the store read, by S3 operation.");
  each([&](const std::string& a, const cell& c) {
    if (c.duration.count()) w.sample("dropslot_s3_traffic_received_bytes_total", {{"api", a}}, c.received.value());
  });
  w.family("dropslot_s3_traffic_sent_bytes_total", "counter", "Response bytes the store sent, by S3 operation.");
  each([&](const std::string& a, const cell& c) {
    if (c.duration.count()) w.sample("dropslot_s3_traffic_sent_bytes_total", {{"api", a}}, c.sent.value());
  });
}

s3_metrics& s3() {
  static s3_metrics m;
  return m;
}

}  // namespace dropslot::metrics
