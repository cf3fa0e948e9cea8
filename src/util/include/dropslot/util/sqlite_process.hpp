#pragma once
// Process-wide SQLite settings, applied before the first connection opens. In
// `dropslot serve` the db part (metadata) and the store (its key index) share one
// SQLite library, so both call this before they open anything; whichever comes
// first applies it. Header-only: util does not link SQLite, its callers do.
#include <mutex>

#include <sqlite3.h>

namespace dropslot::util {

/// Turns SQLite's memory statistics off. With them on (Debian's build), every
/// sqlite3_malloc and sqlite3_free takes one process-wide mutex, which the API's
/// readers, its writer thread and the store's index then all contend for; dropslot
/// never reads the statistics. SQLite accepts this only before it initializes: a
/// later call changes nothing, which is harmless.
inline void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace dropslot::util
