#pragma once
// One libpq connection with its prepared statements, and the pool that hands them out
// (db part internals).
#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <dropslot/db/error.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db::detail {

/// libpq, opened from libpq.so.5 on the first connection (dlopen) rather than linked:
/// with its ~20 dependencies (Kerberos, LDAP, GnuTLS) it costs about 3 ms of every
/// process start, and a SQLite-only process never needs it (util/shared_library.hpp).
/// Every libpq call in this part goes through it.
struct libpq {
  decltype(&::PQconnectdbParams) connectdbParams;
  decltype(&::PQstatus) status;
  decltype(&::PQerrorMessage) errorMessage;
  decltype(&::PQfinish) finish;
  decltype(&::PQsetNoticeProcessor) setNoticeProcessor;
  decltype(&::PQresultErrorField) resultErrorField;
  decltype(&::PQclear) clear;
  decltype(&::PQprepare) prepare;
  decltype(&::PQresultStatus) resultStatus;
  decltype(&::PQexecPrepared) execPrepared;
  decltype(&::PQexec) exec;
  decltype(&::PQsocket) socket;
  decltype(&::PQconsumeInput) consumeInput;
  decltype(&::PQntuples) ntuples;
  decltype(&::PQgetisnull) getisnull;
  decltype(&::PQgetvalue) getvalue;
  decltype(&::PQgetlength) getlength;
  decltype(&::PQcmdTuples) cmdTuples;
  std::string error;  // why libpq could not be loaded; empty once it is
};

/// Loaded once (thread-safe). Check `error` before the first connection; a
/// connection or a result exists only once it is empty.
const libpq& pq();

/// A statement prepared once per connection (PQprepare) under `name`.
struct pg_statement {
  const char* name;
  const char* sql;
};

/// One text-format parameter: a value or SQL NULL. Every value goes to the server as a
/// parameter, never inside the SQL text.
class pg_param {
 public:
  pg_param(std::nullptr_t) {}
  pg_param(std::string_view v) : v_(std::string(v)) {}
  pg_param(const std::string& v) : v_(v) {}
  pg_param(const char* v) : v_(std::string(v)) {}
  pg_param(std::int64_t v) : v_(std::to_string(v)) {}
  pg_param(int v) : v_(std::to_string(v)) {}
  pg_param(const std::optional<std::string>& v) : v_(v) {}
  pg_param(const std::optional<std::int64_t>& v) {
    if (v) v_ = std::to_string(*v);
  }
  const char* c_str() const { return v_ ? v_->c_str() : nullptr; }

 private:
  std::optional<std::string> v_;
};

/// An owned PGresult of a successful command, read in text format.
class pg_result {
 public:
  explicit pg_result(PGresult* r) : r_(r) {}
  pg_result(pg_result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  pg_result& operator=(pg_result&&) = delete;
  ~pg_result() { pq().clear(r_); }

  int rows() const { return pq().ntuples(r_); }
  std::int64_t affected() const;
  bool is_null(int row, int col) const { return pq().getisnull(r_, row, col) != 0; }
  std::string text(int row, int col) const {
    return std::string(pq().getvalue(r_, row, col), static_cast<std::size_t>(pq().getlength(r_, row, col)));
  }
  std::optional<std::string> opt_text(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return text(row, col);
  }
  std::int64_t int64(int row, int col) const;

 private:
  PGresult* r_;
};

class pg_connection {
 public:
  /// Connects with libpq (the URL is passed through, so every libpq URL parameter works).
  static result<std::unique_ptr<pg_connection>> connect(const std::string& url, std::uint64_t generation);
  ~pg_connection() { pq().finish(conn_); }
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  /// Runs a prepared statement (preparing it on first use on this connection).
  result<pg_result> run(const pg_statement& st, std::initializer_list<pg_param> params);
  /// Runs SQL without parameters (migrations, BEGIN/COMMIT): one or more statements.
  result<void> exec(const char* sql);

  /// True once the connection is unusable (the server went away).
  bool broken() const { return pq().status(conn_) != CONNECTION_OK; }
  /// Reads whatever the server sent while the connection sat idle (a shutdown notice,
  /// EOF) without blocking, so a connection the server has already closed is noticed
  /// before a statement is sent on it. True when still usable.
  bool still_alive();
  std::uint64_t generation() const { return generation_; }

 private:
  pg_connection(PGconn* c, std::uint64_t g) : conn_(c), generation_(g) {}
  error failure(PGresult* r, std::string_view what);

  PGconn* conn_;
  std::uint64_t generation_;
  std::unordered_set<const char*> prepared_;
};

/// A bounded pool of connections. When a connection breaks (the server restarted), the
/// caller gets `unavailable`, every idle connection of that generation is dropped, and
/// the next acquire connects afresh.
class pg_pool {
 public:
  pg_pool(std::string url, std::size_t max_connections) : url_(std::move(url)), max_(max_connections ? max_connections : 1) {}
  ~pg_pool();

  class lease {
   public:
    lease(pg_pool* p, std::unique_ptr<pg_connection> c) : pool_(p), c_(std::move(c)) {}
    lease(lease&& o) noexcept = default;
    ~lease() {
      if (c_) pool_->release(std::move(c_));
    }
    pg_connection& operator*() { return *c_; }
    pg_connection* operator->() { return c_.get(); }

   private:
    pg_pool* pool_;
    std::unique_ptr<pg_connection> c_;
  };

  /// A connection, waiting while `max_connections` are out; unavailable when the server
  /// cannot be reached.
  result<lease> acquire();

 private:
  void release(std::unique_ptr<pg_connection> c);

  std::string url_;
  std::size_t max_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<pg_connection>> idle_;
  std::size_t open_ = 0;
  std::uint64_t generation_ = 0;
};

}  // namespace dropslot::db::detail
