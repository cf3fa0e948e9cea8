#include "dropslot/metrics/http_metrics.hpp"

namespace dropslot::metrics {

std::size_t http_metrics::method_index(std::string_view m) noexcept {
  for (std::size_t i = 0; i + 1 < methods.size(); ++i)
    if (methods[i] == m) return i;
  return methods.size() - 1;
}

std::size_t http_metrics::code_index(int status) noexcept {
  if (status < 100) return code_classes.size() - 1;  // no answer counts as a server error
  const int c = status / 100 - 1;
  return c >= static_cast<int>(code_classes.size()) ? code_classes.size() - 1 : static_cast<std::size_t>(c);
}

void http_metrics::record(std::string_view route, std::string_view method, int status,
                          std::chrono::nanoseconds d) noexcept {
  std::size_t r = route.empty() ? 0 : routes_.find(route);
  if (r == 0 && !route.empty()) {
    try {
      r = routes_.add(route);  // once per template (allocates its name, takes the lock)
    } catch (...) {
      r = 0;
    }
  }
  cells_[(r * methods.size() + method_index(method)) * code_classes.size() + code_index(status)].observe(d);
}

std::size_t http_metrics::series() const noexcept {
  std::size_t n = 0;
  for (const auto& c : cells_) n += c.count() > 0;
  return n;
}

void http_metrics::write(text_writer& w) const {
  const std::size_t routes = routes_.size();
  w.family("dropslot_http_requests_total", "counter", "API requests answered, by route template, method and status class.");
  for (std::size_t r = 0; r < routes; ++r)
    for (std::size_t m = 0; m < methods.size(); ++m)
      for (std::size_t c = 0; c < code_classes.size(); ++c) {
        auto n = cells_[(r * methods.size() + m) * code_classes.size() + c].count();
        if (n) w.sample("dropslot_http_requests_total", {{"route", routes_.name(r)}, {"method", methods[m]}, {"code", code_classes[c]}}, n);
      }
  w.family("dropslot_http_request_duration_seconds", "histogram",
           "Time from a request's head read to its response written, by route template, method and status class.");
  for (std::size_t r = 0; r < routes; ++r)
    for (std::size_t m = 0; m < methods.size(); ++m)
      for (std::size_t c = 0; c < code_classes.size(); ++c) {
        auto s = cells_[(r * methods.size() + m) * code_classes.size() + c].snapshot();
        if (s.count)
          w.histogram("dropslot_http_request_duration_seconds",
                      {{"route", routes_.name(r)}, {"method", methods[m]}, {"code", code_classes[c]}}, s);
      }
}

http_metrics& http() {
  static http_metrics m;
  return m;
}

}  // namespace dropslot::metrics
