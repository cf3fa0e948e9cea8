#pragma once
// One SQLite connection with its prepared statements (db part internals).
//
// A connection is used by one thread at a time (sqlite_database hands them out from a
// pool). Statements are prepared once per connection and cached by the address of
// their SQL text, which is always a string literal, so the hot path never re-parses.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <dropslot/db/error.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db::detail {

/// Maps an SQLite result code to a db error (constraint kinds to conflict/not_found,
/// busy/locked to unavailable, the rest to internal).
error sqlite_error(sqlite3* db, int rc, std::string_view what);

/// A prepared statement borrowed from a connection's cache; reset and unbound when the
/// borrow ends, so the next user starts clean.
class sqlite_stmt {
 public:
  sqlite_stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  sqlite_stmt(const sqlite_stmt&) = delete;
  sqlite_stmt& operator=(const sqlite_stmt&) = delete;
  ~sqlite_stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, std::string_view v) {
    // SQLITE_TRANSIENT: the value is copied, so temporaries are fine.
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind(int i, const char* v) { bind(i, std::string_view(v)); }
  void bind(int i, std::nullptr_t) { sqlite3_bind_null(s_, i); }
  template <class T>
  void bind(int i, const std::optional<T>& v) {
    if (v) bind(i, *v);
    else sqlite3_bind_null(s_, i);
  }
  /// Binds the arguments to ?1, ?2, ... in order.
  template <class... A>
  void bind_all(const A&... a) {
    int i = 0;
    (bind(++i, a), ...);
  }

  /// Steps once: true with a row, false when done, or the error.
  result<bool> step();

  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  std::optional<std::string> opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

/// An open connection: WAL, synchronous=NORMAL, foreign keys, busy_timeout set.
class sqlite_connection {
 public:
  /// Opens (creating) the file and applies the pragmas.
  static result<std::unique_ptr<sqlite_connection>> open(const std::string& path);
  ~sqlite_connection();
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;

  /// Runs `sql` (a string literal: the statement cache is keyed by its address) with
  /// the arguments bound to ?1, ?2, ...; calls `on_row(const sqlite_stmt&)` per row.
  template <class F, class... A>
  result<void> query(const char* sql, F&& on_row, const A&... args) {
    auto raw = statement(sql);
    if (!raw) return fail(raw.error());
    sqlite_stmt st(db_, *raw);
    st.bind_all(args...);
    for (;;) {
      auto more = st.step();
      if (!more) return fail(more.error());
      if (!*more) return {};
      on_row(static_cast<const sqlite_stmt&>(st));
    }
  }
  /// Runs a statement without rows; returns how many rows it changed.
  template <class... A>
  result<std::int64_t> execute(const char* sql, const A&... args) {
    auto r = query(sql, [](const sqlite_stmt&) {}, args...);
    if (!r) return fail(r.error());
    return static_cast<std::int64_t>(sqlite3_changes(db_));
  }
  /// Runs SQL without parameters, possibly several statements (pragmas, migrations,
  /// BEGIN/COMMIT). Not cached.
  result<void> exec(const char* sql);

  sqlite3* handle() const { return db_; }

 private:
  explicit sqlite_connection(sqlite3* db) : db_(db) {}
  result<sqlite3_stmt*> statement(const char* sql);
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> stmts_;
};

}  // namespace dropslot::db::detail
