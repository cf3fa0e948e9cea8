#include "dropslot/metrics/db_metrics.hpp"

namespace dropslot::metrics {

void db_metrics::write(text_writer& w) const {
  const std::size_t ops = ops_.size(), backends = backends_.size();
  w.family("dropslot_db_request_duration_seconds", "histogram", "Database calls, by operation and backend.");
  for (std::size_t o = 0; o < ops; ++o)
    for (std::size_t b = 0; b < backends; ++b) {
      auto s = cells_[o * max_backends + b].duration.snapshot();
      if (s.count)
        w.histogram("dropslot_db_request_duration_seconds", {{"op", ops_.name(o)}, {"backend", backends_.name(b)}}, s);
    }
  w.family("dropslot_db_errors_total", "counter",
           "Database calls that failed (unavailable, internal; not-found and conflicts are answers, not failures).");
  for (std::size_t o = 0; o < ops; ++o)
    for (std::size_t b = 0; b < backends; ++b) {
      const cell& c = cells_[o * max_backends + b];
      if (c.duration.count())
        w.sample("dropslot_db_errors_total", {{"op", ops_.name(o)}, {"backend", backends_.name(b)}}, c.errors.value());
    }
}

db_metrics& db() {
  static db_metrics m;
  return m;
}

}  // namespace dropslot::metrics
