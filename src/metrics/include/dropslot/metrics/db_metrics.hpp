#pragma once
// The database's series: dropslot_db_request_duration_seconds{op, backend} (a
// histogram) and dropslot_db_errors_total{op, backend}. `op` is the name of the
// db::database member called (lookup_session, allocate_upload, ...), `backend` is
// sqlite, postgres or dynamodb. Both sets are registered once, when the timing
// decorator (db/timed_database.hpp) is made; recording is lock-free.
#include <array>
#include <chrono>
#include <cstddef>
#include <string_view>

#include "dropslot/metrics/histogram.hpp"
#include "dropslot/metrics/label_set.hpp"
#include "dropslot/metrics/text_writer.hpp"

namespace dropslot::metrics {

class db_metrics {
 public:
  static constexpr std::size_t max_ops = 64;
  static constexpr std::size_t max_backends = 8;

  /// Slots for an operation and a backend name (start-up: takes a lock).
  std::size_t op(std::string_view name) { return ops_.add(name); }
  std::size_t backend(std::string_view name) { return backends_.add(name); }

  void record(std::size_t op, std::size_t backend, std::chrono::nanoseconds d, bool failed) noexcept {
    cell& c = cells_[op * max_backends + backend];
    c.duration.observe(d);
    if (failed) c.errors.inc();
  }

  void write(text_writer& w) const;

 private:
  struct cell {
    histogram duration;
    counter errors;
  };
  label_set<max_ops> ops_{"other"};
  label_set<max_backends> backends_{"other"};
  std::array<cell, max_ops * max_backends> cells_{};
};

db_metrics& db();

}  // namespace dropslot::metrics
