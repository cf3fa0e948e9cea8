#pragma once
// The API's RED series: dropslot_http_requests_total and
// dropslot_http_request_duration_seconds, labelled route (the route TEMPLATE, e.g.
// "/jobs/{id}", never a job id or key), method and code (the status class, "2xx").
// Every label is bounded by construction: at most `max_routes` templates (a path that
// matched no route is "other"), eight methods (anything else is "other"), five classes.
#include <array>
#include <chrono>
#include <cstddef>
#include <string_view>

#include "dropslot/metrics/histogram.hpp"
#include "dropslot/metrics/label_set.hpp"
#include "dropslot/metrics/text_writer.hpp"

namespace dropslot::metrics {

class http_metrics {
 public:
  static constexpr std::size_t max_routes = 48;
  static constexpr std::array<std::string_view, 8> methods = {"GET",    "HEAD",    "POST", "PUT",
                                                               "PATCH", "DELETE", "OPTIONS", "other"};
  static constexpr std::array<std::string_view, 5> code_classes = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  /// One request: `route` is the template the service matched ("" when none; a new
  /// template takes a slot the first time it is seen, so the route table is the bound).
  /// Lock-free and allocation-free once the template has its slot.
  void record(std::string_view route, std::string_view method, int status, std::chrono::nanoseconds d) noexcept;

  /// How many (route, method, code) series have seen a request.
  std::size_t series() const noexcept;

  void write(text_writer& w) const;

 private:
  static std::size_t method_index(std::string_view m) noexcept;
  static std::size_t code_index(int status) noexcept;

  label_set<max_routes> routes_{"other"};
  std::array<histogram, max_routes * methods.size() * code_classes.size()> cells_{};
};

/// The process's one http_metrics.
http_metrics& http();

}  // namespace dropslot::metrics
