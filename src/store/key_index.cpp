#include "key_index.hpp"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/sqlite_process.hpp"

namespace dropslot::store {

namespace {

// Why these settings (the index is derived data in an unlinked file, key_index.hpp):
// - journal_mode=MEMORY: a transaction can still roll back (a failed write, e.g. a full
//   disk, leaves the index as it was), but the rollback journal is never written to
//   disk: a crash frees the file, so nothing needs recovering. It is also what lets the
//   file have no name: SQLite refuses to open a journal file (READONLY_DBMOVED) or a
//   WAL beside a database that was unlinked, and never needs one here.
// - synchronous=OFF: no fsync, for the same reason; the object files carry durability.
// - locking_mode=EXCLUSIVE: one connection, in one process, ever uses the file, so it
//   keeps its lock instead of taking and dropping file locks on every statement.
// - cache_size: the bound on memory. 2 MiB holds the upper B-tree levels of millions
//   of keys; leaves come from the OS page cache, which is not the process's memory.
// - mmap_size=0: reads copy pages into that bounded cache; a mapping would put the file
//   in the process's RSS as it grows.
constexpr const char* setup_sql =
    "PRAGMA journal_mode=MEMORY;"
    "PRAGMA synchronous=OFF;"
    "PRAGMA locking_mode=EXCLUSIVE;"
    "PRAGMA cache_size=-2048;"
    "PRAGMA mmap_size=0;"
    "CREATE TABLE objects(key BLOB PRIMARY KEY, size INTEGER NOT NULL, etag TEXT NOT NULL,"
    " last_modified INTEGER NOT NULL) WITHOUT ROWID;";

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

// Resets a statement when a use ends, so no read stays open between calls and the
// next use starts from fresh bindings.
class statement_use {
 public:
  explicit statement_use(const statement& s) : s_(s.get()) {}
  statement_use(const statement_use&) = delete;
  statement_use& operator=(const statement_use&) = delete;
  ~statement_use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

unexpected<error> sqlite_fail(sqlite3* db, std::string_view what) {
  return fail(s3_errc::internal_error, "key index " + std::string(what) + ": " + sqlite3_errmsg(db));
}

// Always a BLOB, never TEXT: SQLite orders every TEXT before every BLOB, and compares
// TEXT by collation. A null pointer would bind NULL, so an empty key gets a real one.
void bind_key(sqlite3_stmt* s, int i, std::string_view key) {
  sqlite3_bind_blob(s, i, key.empty() ? "" : key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
}

void bind_entry(sqlite3_stmt* s, int first, const index_entry& e) {
  sqlite3_bind_int64(s, first, static_cast<sqlite3_int64>(e.size));
  sqlite3_bind_text(s, first + 1, e.etag.data(), static_cast<int>(e.etag.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, first + 2, e.last_modified.time_since_epoch().count());
}

std::string_view column_bytes(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);  // before _bytes, as SQLite asks
  return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
           : std::string_view();
}

index_entry column_entry(sqlite3_stmt* s, int first) {
  return index_entry{static_cast<std::uint64_t>(sqlite3_column_int64(s, first)),
                     std::string(column_bytes(s, first + 1)),
                     std::chrono::sys_seconds{std::chrono::seconds{sqlite3_column_int64(s, first + 2)}}};
}

// The least string after every string that starts with `p`: `p` without its trailing
// 0xFF bytes, last byte incremented. None when `p` is all 0xFF: nothing sorts after.
std::optional<std::string> after_all_starting_with(std::string p) {
  while (!p.empty() && static_cast<unsigned char>(p.back()) == 0xFF) p.pop_back();
  if (p.empty()) return std::nullopt;
  p.back() = static_cast<char>(static_cast<unsigned char>(p.back()) + 1);
  return p;
}

}  // namespace

struct key_index::connection {
  std::unique_ptr<sqlite3, db_closer> db;  // first member: closed after the statements
  statement find, upsert, erase, any, scan, begin, commit, rollback;

  result<void> prepare(statement& s, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
      return sqlite_fail(db.get(), "prepare");
    s.reset(raw);
    return {};
  }

  // Runs a statement that returns no rows.
  result<void> run(const statement& s, std::string_view what) {
    statement_use use(s);
    if (sqlite3_step(use.get()) != SQLITE_DONE) return sqlite_fail(db.get(), what);
    return {};
  }
};

key_index::key_index(std::unique_ptr<connection> c) : c_(std::move(c)) {}

key_index::~key_index() = default;

result<std::unique_ptr<key_index>> key_index::create(const std::filesystem::path& dir) {
  // mkstemp: a fresh name nobody else uses, mode 0600. An empty file is an empty database.
  std::string name = (dir / "index-XXXXXX").string();
  int fd = ::mkstemp(name.data());
  if (fd < 0) return fail(s3_errc::internal_error, "key index file in " + dir.string() + ": " + std::strerror(errno));
  ::close(fd);
  // Unlinked once set up, or at once when that fails: the name never outlives this call.
  struct unlink_at_exit {
    const std::string& name;
    ~unlink_at_exit() { ::unlink(name.c_str()); }
  } unlink_name{name};
  auto c = std::make_unique<connection>();
  sqlite3* raw = nullptr;
  // NOMUTEX: the key_index's own mutex already serializes every use of the connection.
  util::configure_sqlite_once();
  int rc = sqlite3_open_v2(name.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  c->db.reset(raw);  // closed on every path, even when the open failed
  if (rc != SQLITE_OK) return fail(s3_errc::internal_error, "key index open " + name + ": " + sqlite3_errstr(rc));
  if (sqlite3_exec(c->db.get(), setup_sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    return sqlite_fail(c->db.get(), "setup " + name);
  for (auto [s, sql] : {
           std::pair{&c->find, "SELECT size, etag, last_modified FROM objects WHERE key = ?1"},
           std::pair{&c->upsert,
                     "INSERT INTO objects(key, size, etag, last_modified) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(key) "
                     "DO UPDATE SET size = excluded.size, etag = excluded.etag, last_modified = excluded.last_modified"},
           std::pair{&c->erase, "DELETE FROM objects WHERE key = ?1"},
           std::pair{&c->any, "SELECT 1 FROM objects LIMIT 1"},
           std::pair{&c->scan, "SELECT key, size, etag, last_modified FROM objects WHERE key >= ?1 ORDER BY key"},
           std::pair{&c->begin, "BEGIN"},
           std::pair{&c->commit, "COMMIT"},
           std::pair{&c->rollback, "ROLLBACK"},
       }) {
    if (auto r = c->prepare(*s, sql); !r) return fail(r.error());
  }
  return std::unique_ptr<key_index>(new key_index(std::move(c)));
}

result<std::optional<index_entry>> key_index::find(std::string_view key) const {
  std::lock_guard lock(mutex_);
  statement_use use(c_->find);
  bind_key(use.get(), 1, key);
  switch (sqlite3_step(use.get())) {
    case SQLITE_ROW: return std::optional<index_entry>(column_entry(use.get(), 0));
    case SQLITE_DONE: return std::optional<index_entry>();
    default: return sqlite_fail(c_->db.get(), "find");
  }
}

result<void> key_index::put_locked(std::string_view key, const index_entry& entry) {
  statement_use use(c_->upsert);
  bind_key(use.get(), 1, key);
  bind_entry(use.get(), 2, entry);
  if (sqlite3_step(use.get()) != SQLITE_DONE) return sqlite_fail(c_->db.get(), "put");
  return {};
}

result<void> key_index::put(std::string_view key, const index_entry& entry) {
  std::lock_guard lock(mutex_);
  return put_locked(key, entry);
}

result<void> key_index::erase(std::string_view key) {
  std::lock_guard lock(mutex_);
  statement_use use(c_->erase);
  bind_key(use.get(), 1, key);
  if (sqlite3_step(use.get()) != SQLITE_DONE) return sqlite_fail(c_->db.get(), "erase");
  return {};
}

result<bool> key_index::empty() const {
  std::lock_guard lock(mutex_);
  statement_use use(c_->any);
  switch (sqlite3_step(use.get())) {
    case SQLITE_ROW: return false;
    case SQLITE_DONE: return true;
    default: return sqlite_fail(c_->db.get(), "empty");
  }
}

result<list_result> key_index::list(const list_request& req) const {
  list_result out;
  if (req.max_keys <= 0) return out;
  // The least key strictly after the marker is the marker followed by a NUL byte.
  std::string from = !req.marker.empty() && req.marker >= req.prefix ? req.marker + '\0' : req.prefix;
  int count = 0;
  std::lock_guard lock(mutex_);
  // One pass of the scan per seek: a common prefix ends the pass, and the next one starts
  // after every key under it, so a delimiter that folds a million keys into one prefix
  // costs one B-tree descent, not a million steps.
  for (;;) {
    statement_use use(c_->scan);
    bind_key(use.get(), 1, from);
    std::optional<std::string> seek;
    while (!seek) {
      int rc = sqlite3_step(use.get());
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return sqlite_fail(c_->db.get(), "list");
      std::string_view key = column_bytes(use.get(), 0);  // valid until the next step
      if (!key.starts_with(req.prefix)) return out;
      std::string_view common;
      if (!req.delimiter.empty())
        if (auto d = key.find(req.delimiter, req.prefix.size()); d != std::string_view::npos)
          common = key.substr(0, d + req.delimiter.size());
      // A common prefix at or before the marker was reported on an earlier page (the
      // marker is that prefix, or a key under it).
      if (common.empty() || common > req.marker) {
        if (count == req.max_keys) {
          out.truncated = true;
          return out;
        }
        ++count;
        if (common.empty()) {
          out.objects.emplace_back(std::string(key), column_entry(use.get(), 1));
          out.last = key;
          continue;
        }
        out.common_prefixes.emplace_back(common);
        out.last = common;
      }
      seek = after_all_starting_with(std::string(common));
      if (!seek) return out;
    }
    from = std::move(*seek);
  }
}

result<key_index::batch> key_index::begin_batch() {
  std::unique_lock lock(mutex_);
  if (auto r = c_->run(c_->begin, "begin"); !r) return fail(r.error());
  return batch(*this, std::move(lock));
}

result<void> key_index::batch::put(std::string_view key, const index_entry& entry) {
  return index_->put_locked(key, entry);
}

result<void> key_index::batch::commit() {
  if (auto r = index_->c_->run(index_->c_->commit, "commit"); !r) return r;
  open_ = false;
  return {};
}

key_index::batch::~batch() {
  if (open_) (void)index_->c_->run(index_->c_->rollback, "rollback");
}

}  // namespace dropslot::store
