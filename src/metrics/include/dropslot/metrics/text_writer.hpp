#pragma once
// Prometheus's text exposition format, version 0.0.4: `# HELP`, `# TYPE` and one line
// per sample, label values escaped (\\, \", \n). Built at scrape time only.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "dropslot/metrics/histogram.hpp"

namespace dropslot::metrics {

/// The Content-Type of the exposition.
inline constexpr std::string_view text_content_type = "text/plain; version=0.0.4; charset=utf-8";

using label = std::pair<std::string_view, std::string_view>;

class text_writer {
 public:
  /// `# HELP name help` and `# TYPE name type` (counter, gauge or histogram).
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<label> labels, std::uint64_t value);
  void sample(std::string_view name, std::initializer_list<label> labels, std::int64_t value);
  void sample(std::string_view name, std::initializer_list<label> labels, double value);
  /// `name_bucket{..., le}` for every bucket (cumulative, then "+Inf"), `name_sum` in
  /// seconds and `name_count`.
  void histogram(std::string_view name, std::initializer_list<label> labels, const histogram_snapshot& s);

  const std::string& text() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }

 private:
  void labels(std::initializer_list<label> ls, std::string_view le = {});
  std::string out_;
};

/// `v` as a label value: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view v);

}  // namespace dropslot::metrics
