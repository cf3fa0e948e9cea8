#include "sqlite_connection.hpp"

#include <chrono>
#include <string>
#include <thread>

#include "dropslot/util/sqlite_process.hpp"

namespace dropslot::db::detail {

error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string detail(what);
  detail += ": ";
  detail += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return {make_error_code(db_errc::conflict), std::move(detail)};
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return {make_error_code(db_errc::not_found), std::move(detail)};
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
      return {make_error_code(db_errc::invalid_argument), std::move(detail)};
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return {make_error_code(db_errc::unavailable), std::move(detail)};
    default:
      return {make_error_code(db_errc::internal), std::move(detail)};
  }
}

result<bool> sqlite_stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // sqlite3_step returns the extended code since sqlite3_extended_result_codes is on.
  return fail(sqlite_error(db_, rc, "step"));
}

result<std::unique_ptr<sqlite_connection>> sqlite_connection::open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: a connection is only ever used by one thread at a time (the pool hands it
  // out), so SQLite's own per-connection mutex is pure overhead.
  util::configure_sqlite_once();
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error e = sqlite_error(db, rc, "open " + path);
    sqlite3_close(db);
    return fail(std::move(e));
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<sqlite_connection> c(new sqlite_connection(db));
  // busy_timeout covers other processes (dropslot admin beside dropslot serve); within
  // one process writers are serialized before they reach SQLite (sqlite_database).
  if (auto b = c->exec("PRAGMA busy_timeout = 5000;"); !b) return fail(b.error());
  // Switching a new file to WAL answers SQLITE_BUSY at once, without the busy handler,
  // while another connection is switching it too (several processes or threads opening
  // a fresh database: ~1 open in 20 failed in the concurrent-openers test). Waited out
  // here for as long as busy_timeout would.
  for (int attempt = 0;; ++attempt) {
    auto w = c->exec("PRAGMA journal_mode = WAL;");
    if (w) break;
    if ((sqlite3_extended_errcode(db) & 0xff) != SQLITE_BUSY || attempt >= 500) return fail(w.error());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto r = c->exec(
      "PRAGMA synchronous = NORMAL;"
      // The WAL file keeps its size when it restarts: cutting it back there happened
      // in the commit of a request, and on a disk mounted with `discard` the
      // truncate waits for the device (80 ms measured). wal_checkpointer truncates
      // the WAL instead, on its own thread, once the writers are idle.
      "PRAGMA journal_size_limit = -1;"
      "PRAGMA foreign_keys = ON;");
  if (!r) return fail(r.error());
  return c;
}

sqlite_connection::~sqlite_connection() {
  for (auto& [sql, s] : stmts_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

result<sqlite3_stmt*> sqlite_connection::statement(const char* sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return fail(sqlite_error(db_, rc, "prepare"));
  stmts_.emplace(sql, s);
  return s;
}

result<void> sqlite_connection::exec(const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string detail = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    error e = sqlite_error(nullptr, sqlite3_extended_errcode(db_), "exec");
    e.detail = "exec: " + detail;
    return fail(std::move(e));
  }
  return {};
}

}  // namespace dropslot::db::detail
