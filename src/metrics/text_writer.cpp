#include "dropslot/metrics/text_writer.hpp"

#include <fmt/format.h>

#include <iterator>

namespace dropslot::metrics {

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

void text_writer::family(std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void text_writer::labels(std::initializer_list<label> ls, std::string_view le) {
  if (ls.size() == 0 && le.empty()) return;
  out_.push_back('{');
  bool first = true;
  for (const auto& [k, v] : ls) {
    if (!first) out_.push_back(',');
    first = false;
    fmt::format_to(std::back_inserter(out_), "{}=\"{}\"", k, escape_label_value(v));
  }
  if (!le.empty()) fmt::format_to(std::back_inserter(out_), "{}le=\"{}\"", first ? "" : ",", le);
  out_.push_back('}');
}

void text_writer::sample(std::string_view name, std::initializer_list<label> ls, std::uint64_t value) {
  out_ += name;
  labels(ls);
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

void text_writer::sample(std::string_view name, std::initializer_list<label> ls, std::int64_t value) {
  out_ += name;
  labels(ls);
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

void text_writer::sample(std::string_view name, std::initializer_list<label> ls, double value) {
  out_ += name;
  labels(ls);
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

void text_writer::histogram(std::string_view name, std::initializer_list<label> ls, const histogram_snapshot& s) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < s.counts.size(); ++i) {
    cumulative += s.counts[i];
    out_ += name;
    out_ += "_bucket";
    labels(ls, i < bucket_labels.size() ? std::string_view(bucket_labels[i]) : std::string_view("+Inf"));
    fmt::format_to(std::back_inserter(out_), " {}\n", cumulative);
  }
  out_ += name;
  out_ += "_sum";
  labels(ls);
  fmt::format_to(std::back_inserter(out_), " {}\n", static_cast<double>(s.sum_ns) / 1e9);
  out_ += name;
  out_ += "_count";
  labels(ls);
  fmt::format_to(std::back_inserter(out_), " {}\n", s.count);
}

}  // namespace dropslot::metrics
