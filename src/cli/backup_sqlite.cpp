// The database's half of admin backup/restore (backup_parts.hpp): SQLite's online
// backup API, never a file copy (a file copied beside a live WAL is torn).
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <thread>

#include "backup_parts.hpp"

namespace dropslot::cli::backup {
namespace {

outcome<> sqlite_failure(sqlite3* db, const std::string& what) {
  return failed(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

/// `PRAGMA integrity_check` on the database at `path`: "ok" or the first problem.
outcome<> integrity_check(const fs::path& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    auto r = sqlite_failure(db, "open " + path.string());
    sqlite3_close(db);
    return r;
  }
  sqlite3_stmt* st = nullptr;
  std::string verdict;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    verdict = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (verdict != "ok")
    return failed("integrity_check of " + path.string() + ": " + (verdict.empty() ? "did not run" : verdict));
  return {};
}

/// Copies the live database `from` into the new file `to` with SQLite's online backup
/// API: one read transaction, so one instant of the database, while its writers go on.
outcome<> backup_sqlite(const fs::path& from, const fs::path& to) {
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close_both = [&] {
    sqlite3_close(src);
    sqlite3_close(dst);
  };
  // Read-write without CREATE: a WAL database's reader may need to create its -shm.
  if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    auto r = sqlite_failure(src, "open " + from.string());
    close_both();
    return r;
  }
  sqlite3_busy_timeout(src, 5000);
  if (sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    auto r = sqlite_failure(dst, "create " + to.string());
    close_both();
    return r;
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    auto r = sqlite_failure(dst, "backup of " + from.string());
    close_both();
    return r;
  }
  int rc = SQLITE_OK;
  // All pages in one step: one read transaction. BUSY/LOCKED (a writer holding the
  // database while it switches journal mode, say) is waited out, up to ~10 s.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    auto r = failed("backup of " + from.string() + ": " + sqlite3_errstr(rc));
    close_both();
    return r;
  }
  // The copy carries the source's WAL mode; make it one self-contained file.
  sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
  close_both();
  return integrity_check(to);
}

}  // namespace dropslot::cli::backup
