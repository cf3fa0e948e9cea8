// `dropslot admin backup --to DIR` and `dropslot admin restore --from DIR --data NEW`:
// a consistent copy of a data folder while `serve` runs on it, and a new data folder
// from such a copy (docs/operate.md, backup and restore).
//
// What a data folder holds (serve.cpp, store/disk_store.hpp) and what is copied:
//   dropslot.db (+ -wal, -shm)          SQLite: through SQLite's online backup API, never
//                                        a file copy (a copied file beside a live WAL is torn)
//   s3/credentials                      the embedded store's access key: copied
//   s3/buckets/<b>/bucket.json, cors.xml  written whole and renamed into place: copied
//   s3/buckets/<b>/objects/**           hard links (or copies, --copy / another filesystem)
//   s3/buckets/<b>/uploads/             multipart uploads in progress: not copied (never
//                                        acknowledged as objects; a client starts again)
//   s3/.tmp/                            bodies being received: not copied
//
// Why the copy is consistent:
//   - The store never changes an object file in place: a PUT writes a new file in .tmp/,
//     fsyncs it and renames it over the key's path; a DELETE unlinks. A hard link (or an
//     open descriptor, for a copy) therefore holds exactly one committed version of an
//     object, frozen, whatever serve does next. An object committed before the backup
//     began is in the backup unless it was deleted meanwhile.
//   - The store is walked first, the database copied after. Every object of a photo
//     belongs to a job and an upload grant that were in the database before its PUT
//     could start, so every photo in the backup has its records in the backup's database.
//   - The database copy is one read transaction (sqlite3_backup_step(-1)): a snapshot of
//     one instant, taken while serve goes on writing (WAL readers do not block writers).
//   - backup.json is written last: a backup without it is incomplete, and restore refuses it.
#include "admin_backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

#include "backup_parts.hpp"
#include "build_info.hpp"
#include "command.hpp"
#include "dropslot/db/database.hpp"

namespace dropslot::cli {
namespace {

namespace fs = std::filesystem;
using namespace backup;  // failure, outcome, counts, the copy steps (backup_parts.hpp)

constexpr int backup_format = 1;
constexpr const char* manifest_name = "backup.json";
constexpr const char* database_name = "dropslot.db";

/// The SQLite file a database URL names, or nothing for PostgreSQL and DynamoDB.
std::optional<fs::path> sqlite_path(const std::string& database_url, const fs::path& data) {
  const std::string url = database_url.empty() ? db::default_database_url(data.string()) : database_url;
  constexpr std::string_view scheme = "sqlite://";
  if (!url.starts_with(scheme)) return std::nullopt;
  return fs::path(url.substr(scheme.size()));
}

/// Flushes everything written under `dir` to disk (one syncfs of its filesystem).
outcome<> sync_folder(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failed("open " + dir.string() + ": " + std::strerror(errno));
  int rc = ::syncfs(fd);
  ::close(fd);
  if (rc != 0) return failed("sync " + dir.string() + ": " + std::strerror(errno));
  return {};
}

outcome<> write_manifest(const fs::path& path, const boost::json::object& o) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << boost::json::serialize(o) << "\n";
  out.close();
  if (!out) return failed("write " + path.string());
  return {};
}

std::string utc_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// `dir` may be used as a new folder: absent, or an empty folder.
outcome<> must_be_new(const fs::path& dir, const char* what) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return {};
  if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec))
    return failed(std::string(what) + " " + dir.string() + " exists and is not empty; name a new folder");
  return {};
}

/// True when `inner` is `outer` or lies below it (both absolute and normal).
bool is_within(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end() || (std::next(o) == outer.end() && o->empty());  // "dir/" ends in an empty element
}

/// What must hold before anything is written: touches nothing.
outcome<> check_backup(const fs::path& data, const std::string& database_url, const fs::path& to) {
  std::error_code ec;
  if (!fs::is_directory(data, ec)) return failed("no data folder " + data.string());
  // A backup inside the data folder would be walked into by the next one, and lost with it.
  if (is_within(to, data)) return failed("--to " + to.string() + " is inside the data folder " + data.string());
  const auto db_file = sqlite_path(database_url, data);
  if (db_file && !fs::exists(*db_file, ec)) return failed("no database " + db_file->string() + " (is --data right?)");
  return must_be_new(to, "--to");
}

/// Writes the backup into `to`, absent or empty (check_backup).
outcome<counts> write_backup(const fs::path& data, const std::string& database_url, const fs::path& to, bool copy) {
  std::error_code ec;
  const auto db_file = sqlite_path(database_url, data);
  fs::create_directories(to, ec);
  if (ec) return failed("create " + to.string() + ": " + ec.message());
  ::chmod(to.c_str(), 0700);  // an empty folder given as --to keeps its mode otherwise

  counts c;
  // The store first, the database after (the top of this file says why).
  if (auto r = copy_store(data / "s3", to / "s3", !copy, c); !r) return failed(r.error().message);
  boost::json::object m;
  if (db_file) {
    if (auto r = backup_sqlite(*db_file, to / database_name); !r) return failed(r.error().message);
    m["database"] = "sqlite";
  } else {
    m["database"] = "external";
  }
  if (auto r = sync_folder(to); !r) return failed(r.error().message);
  m["format"] = backup_format;
  m["created_at"] = utc_now();
  m["dropslot_version"] = build_version;
  m["dropslot_commit"] = build_commit;
  m["objects"] = c.objects;
  m["object_bytes"] = c.bytes;
  m["hard_links"] = c.linked;
  boost::json::array buckets;
  for (const auto& b : c.buckets) buckets.emplace_back(b);
  m["buckets"] = std::move(buckets);
  if (auto r = write_manifest(to / manifest_name, m); !r) return failed(r.error().message);
  if (auto r = sync_folder(to); !r) return failed(r.error().message);
  return c;
}

int take_backup(const std::string& data_dir, const std::string& database_url, const std::string& to_flag, bool copy) {
  const fs::path data = fs::absolute(data_dir).lexically_normal();
  const fs::path to = fs::absolute(to_flag).lexically_normal();
  if (auto ok = check_backup(data, database_url, to); !ok) return fail_with("backup: " + ok.error().message);
  // Everything written is the owner's only: the store's secret key, customers' records.
  ::umask(077);
  std::error_code ec;
  const bool existed = fs::exists(to, ec);  // then empty (check_backup)
  auto r = write_backup(data, database_url, to, copy);
  if (!r) {
    // Nothing half-written stays behind under the name the operator gave: what is
    // there now was all written by this run.
    if (!existed) {
      fs::remove_all(to, ec);
    } else {
      for (const auto& e : fs::directory_iterator(to, ec)) fs::remove_all(e.path(), ec);
    }
    return fail_with("backup: " + r.error().message);
  }
  if (!sqlite_path(database_url, data))
    std::fprintf(stderr,
                 "dropslot: backup: the database is not SQLite and is not in this backup: back it up with "
                 "pg_dump (PostgreSQL) or point-in-time recovery (DynamoDB); docs/operate.md\n");
  std::printf("backup: %llu objects in %zu buckets (%llu bytes, %llu hard links), database %s -> %s\n",
              static_cast<unsigned long long>(r->objects), r->buckets.size(),
              static_cast<unsigned long long>(r->bytes), static_cast<unsigned long long>(r->linked),
              sqlite_path(database_url, data) ? "SQLite" : "not included", to.c_str());
  return 0;
}

outcome<boost::json::object> read_manifest(const fs::path& from) {
  std::ifstream in(from / manifest_name, std::ios::binary);
  if (!in) return failed(from.string() + " is not a complete dropslot backup (no " + manifest_name + ")");
  std::stringstream s;
  s << in.rdbuf();
  boost::system::error_code jec;
  auto v = boost::json::parse(s.str(), jec);
  if (jec || !v.is_object()) return failed((from / manifest_name).string() + " is not valid JSON");
  auto& o = v.as_object();
  auto* f = o.if_contains("format");
  if (!f || !f->is_int64() || f->as_int64() != backup_format)
    return failed((from / manifest_name).string() + ": unknown backup format (this dropslot reads format " +
                  std::to_string(backup_format) + ")");
  return std::move(o);
}

int restore(const std::string& from_flag, const std::string& data_flag, bool link) {
  const fs::path from = fs::absolute(from_flag).lexically_normal();
  const fs::path data = fs::absolute(data_flag).lexically_normal();
  auto manifest = read_manifest(from);
  ::umask(077);  // as backup: the new folder is as private as the one serve makes
  if (!manifest) return fail_with("restore: " + manifest.error().message);
  if (auto r = must_be_new(data, "--data"); !r) return fail_with("restore: " + r.error().message);
  std::error_code ec;
  fs::create_directories(data.parent_path(), ec);
  // Built beside its final name, renamed into place whole: a restore that fails leaves
  // no data folder a `serve` could start on half-restored.
  const fs::path staging = data.parent_path() / ("." + data.filename().string() + ".restoring");
  fs::remove_all(staging, ec);
  auto run = [&]() -> outcome<counts> {
    fs::create_directories(staging, ec);
    if (ec) return failed("create " + staging.string() + ": " + ec.message());
    counts c;
    if (auto r = copy_store(from / "s3", staging / "s3", link, c); !r) return failed(r.error().message);
    if (fs::exists(from / database_name, ec)) {
      if (auto r = copy_bytes(from / database_name, staging / database_name); !r) return failed(r.error().message);
      if (auto r = integrity_check(staging / database_name); !r) return failed(r.error().message);
    }
    if (auto r = sync_folder(staging); !r) return failed(r.error().message);
    if (fs::exists(data, ec)) fs::remove(data, ec);  // the empty folder must_be_new allowed
    fs::rename(staging, data, ec);
    if (ec) return failed("rename " + staging.string() + " to " + data.string() + ": " + ec.message());
    return c;
  };
  auto r = run();
  if (!r) {
    fs::remove_all(staging, ec);
    return fail_with("restore: " + r.error().message);
  }
  const auto* db = manifest->if_contains("database");
  const bool external = db && db->is_string() && db->as_string() == "external";
  std::printf("restore: %llu objects in %zu buckets, database %s -> %s\n", static_cast<unsigned long long>(r->objects),
              r->buckets.size(), external ? "not in the backup (restore it from pg_dump or PITR)" : "SQLite",
              data.c_str());
  return 0;
}

}  // namespace

void add_backup_commands(CLI::App& admin, const std::string& data_dir, const std::string& database_url,
                         int& exit_code) {
  static std::string to, from, restore_data;
  static bool copy = false, link = false;
  auto* b = admin.add_subcommand(
      "backup", "Copy the data folder of a running serve: SQLite through its online backup API, the store's objects as "
                "hard links (docs/operate.md)");
  b->add_option("--to", to, "New folder for the backup (absent or empty)")->required();
  b->add_flag("--copy", copy, "Copy the objects' bytes instead of hard-linking them (another disk's protection)");
  b->callback([&] { exit_code = take_backup(data_dir, database_url, to, copy); });
  auto* r = admin.add_subcommand("restore", "Make a new data folder from a backup");
  r->add_option("--from", from, "The backup folder (made by admin backup)")->required();
  // Its own --data: the new folder, never the running one (it must be absent or empty).
  r->add_option("--data", restore_data, "The new data folder (absent or empty)")->required();
  r->add_flag("--link", link, "Hard-link the objects from the backup instead of copying them");
  r->callback([&] { exit_code = restore(from, restore_data, link); });
}

}  // namespace dropslot::cli
