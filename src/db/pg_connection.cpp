#include "pg_connection.hpp"

#include <poll.h>

#include <charconv>
#include <cstring>
#include <vector>

#include "dropslot/util/shared_library.hpp"

namespace dropslot::db::detail {
namespace {

// SQLSTATE classes (PostgreSQL manual, Appendix A) that mean "try again later".
bool is_unavailable_state(std::string_view state) {
  return state.starts_with("08")       // connection exception
         || state.starts_with("57P")   // operator intervention: shutdown, crash, cannot connect now
         || state.starts_with("53")    // insufficient resources (too many connections)
         || state == "40001" || state == "40P01";  // serialization failure, deadlock: retryable
}

// libpq messages span lines ("...failed: Connection refused\n\tIs the server
// running..."); errors here are one line each, for logs and for the CLI.
std::string one_line(std::string msg) {
  std::string out;
  out.reserve(msg.size());
  for (char c : msg) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

const libpq& pq() {
  static const libpq lib = [] {
    libpq l{};
    util::shared_library so("libpq.so.5");
    so.resolve(l.connectdbParams, "PQconnectdbParams");
    so.resolve(l.status, "PQstatus");
    so.resolve(l.errorMessage, "PQerrorMessage");
    so.resolve(l.finish, "PQfinish");
    so.resolve(l.setNoticeProcessor, "PQsetNoticeProcessor");
    so.resolve(l.resultErrorField, "PQresultErrorField");
    so.resolve(l.clear, "PQclear");
    so.resolve(l.prepare, "PQprepare");
    so.resolve(l.resultStatus, "PQresultStatus");
    so.resolve(l.execPrepared, "PQexecPrepared");
    so.resolve(l.exec, "PQexec");
    so.resolve(l.socket, "PQsocket");
    so.resolve(l.consumeInput, "PQconsumeInput");
    so.resolve(l.ntuples, "PQntuples");
    so.resolve(l.getisnull, "PQgetisnull");
    so.resolve(l.getvalue, "PQgetvalue");
    so.resolve(l.getlength, "PQgetlength");
    so.resolve(l.cmdTuples, "PQcmdTuples");
    if (!so.ok()) l.error = so.error();
    return l;
  }();
  return lib;
}

std::int64_t pg_result::affected() const {
  const char* n = pq().cmdTuples(r_);
  std::int64_t v = 0;
  std::from_chars(n, n + std::strlen(n), v);
  return v;
}

std::int64_t pg_result::int64(int row, int col) const {
  const char* p = pq().getvalue(r_, row, col);
  std::int64_t v = 0;
  std::from_chars(p, p + pq().getlength(r_, row, col), v);
  return v;
}

result<std::unique_ptr<pg_connection>> pg_connection::connect(const std::string& url, std::uint64_t generation) {
  // Defaults first, the URL last: whatever the URL says wins (expand_dbname). A dead
  // host must not hang a request forever, hence the connect timeout.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "dropslot", url.c_str(), nullptr};
  if (!pq().error.empty()) return fail(db_errc::internal, "PostgreSQL needs libpq: " + pq().error);
  PGconn* c = pq().connectdbParams(keys, values, 1);
  if (c == nullptr) return fail(db_errc::unavailable, "out of memory connecting to PostgreSQL");
  if (pq().status(c) != CONNECTION_OK) {
    std::string msg = one_line(pq().errorMessage(c));
    pq().finish(c);
    // The message names host and port, never the password.
    return fail(db_errc::unavailable, "connect: " + msg);
  }
  auto out = std::unique_ptr<pg_connection>(new pg_connection(c, generation));
  // Quiet NOTICEs (CREATE TABLE IF NOT EXISTS ...) instead of libpq's stderr default.
  pq().setNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  return out;
}

error pg_connection::failure(PGresult* r, std::string_view what) {
  std::string detail(what);
  detail += ": ";
  const char* state = r ? pq().resultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r ? pq().resultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  detail += one_line(primary ? primary : pq().errorMessage(conn_));
  const std::string s = state ? state : "";  // a copy: PQclear frees `state`
  pq().clear(r);
  db_errc code = db_errc::internal;
  if (broken() || s.empty() || is_unavailable_state(s)) code = db_errc::unavailable;
  else if (s == "23505") code = db_errc::conflict;
  else if (s == "23503") code = db_errc::not_found;
  else if (s.starts_with("22") || s == "23502" || s == "23514") code = db_errc::invalid_argument;
  return {make_error_code(code), std::move(detail)};
}

result<pg_result> pg_connection::run(const pg_statement& st, std::initializer_list<pg_param> params) {
  if (!prepared_.contains(st.name)) {
    PGresult* p = pq().prepare(conn_, st.name, st.sql, 0, nullptr);
    if (pq().resultStatus(p) != PGRES_COMMAND_OK) return fail(failure(p, std::string("prepare ") + st.name));
    pq().clear(p);
    prepared_.insert(st.name);
  }
  const char* values[16];
  int n = 0;
  for (const auto& v : params) {
    if (n == 16) return fail(db_errc::internal, "too many parameters");
    values[n++] = v.c_str();
  }
  PGresult* r = pq().execPrepared(conn_, st.name, n, values, nullptr, nullptr, 0);
  auto status = pq().resultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return fail(failure(r, st.name));
  return pg_result(r);
}

result<void> pg_connection::exec(const char* sql) {
  PGresult* r = pq().exec(conn_, sql);
  auto status = pq().resultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return fail(failure(r, "exec"));
  pq().clear(r);
  return {};
}

bool pg_connection::still_alive() {
  // An idle connection has nothing to read unless the server spoke: at shutdown it
  // sends an error (57P01) and then closes. The first read takes the message, a later
  // one meets the EOF that marks the connection bad, hence the loop. poll() with a
  // zero timeout keeps the healthy path to one cheap syscall.
  for (int i = 0; i < 4; ++i) {
    pollfd p{pq().socket(conn_), POLLIN, 0};
    if (p.fd < 0) return false;
    if (::poll(&p, 1, 0) <= 0 || p.revents == 0) break;
    if (pq().consumeInput(conn_) == 0 || broken()) return false;
  }
  return !broken();
}

pg_pool::~pg_pool() { idle_.clear(); }

result<pg_pool::lease> pg_pool::acquire() {
  std::uint64_t gen = 0;
  {
    std::unique_lock lk(mutex_);
    freed_.wait(lk, [&] { return !idle_.empty() || open_ < max_; });
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (c->still_alive()) return lease(this, std::move(c));
      // The server closed it while idle (a restart): the others are gone too.
      ++generation_;
      open_ -= idle_.size() + 1;
      idle_.clear();
    }
    ++open_;
    gen = generation_;
  }
  // Connect outside the lock: a slow connect must not stall callers with idle connections.
  auto c = pg_connection::connect(url_, gen);
  if (!c) {
    std::lock_guard lk(mutex_);
    --open_;
    freed_.notify_one();
    return fail(c.error());
  }
  return lease(this, std::move(*c));
}

void pg_pool::release(std::unique_ptr<pg_connection> c) {
  std::vector<std::unique_ptr<pg_connection>> doomed;
  {
    std::lock_guard lk(mutex_);
    if (c->broken()) {
      // The server went away: its other connections are as dead as this one, so drop
      // them all now rather than failing one request per stale connection.
      ++generation_;
      open_ -= idle_.size() + 1;
      doomed.swap(idle_);
      doomed.push_back(std::move(c));
    } else if (c->generation() != generation_) {
      --open_;
      doomed.push_back(std::move(c));
    } else {
      idle_.push_back(std::move(c));
    }
  }
  freed_.notify_all();
  // PQfinish (in the destructors) outside the lock.
}

}  // namespace dropslot::db::detail
