#pragma once
// The two halves of `dropslot admin backup` and `restore` (admin_backup.cpp) that touch
// the data: the store's committed files (backup_store.cpp) and SQLite (backup_sqlite.cpp).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dropslot/util/result.hpp"

namespace dropslot::cli::backup {

namespace fs = std::filesystem;

/// A failure of a backup or restore step, as the one line the operator reads.
struct failure {
  std::string message;
};

template <class T = void>
using outcome = result<T, failure>;

inline unexpected<failure> failed(std::string message) { return unexpected<failure>(failure{std::move(message)}); }

/// What copy_store copied.
struct counts {
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::uint64_t linked = 0;  // objects hard-linked rather than copied
  std::vector<std::string> buckets;
};

/// Copies the file behind `src` to the new file `dst` (0600) through one descriptor.
outcome<> copy_bytes(const fs::path& src, const fs::path& dst);

/// The store's committed state under `from` (a data folder's s3/) into `to`: the access
/// key, each bucket's bucket.json and cors.xml, and every object file, hard-linked when
/// `link` and the filesystem allow, else copied. Not multipart uploads in progress, not
/// .tmp/. An object deleted during the walk is skipped.
outcome<> copy_store(const fs::path& from, const fs::path& to, bool link, counts& c);

/// Copies the live SQLite database `from` into the new file `to` with SQLite's online
/// backup API (one read transaction), then checks the copy (integrity_check).
outcome<> backup_sqlite(const fs::path& from, const fs::path& to);

/// `PRAGMA integrity_check` on the database at `path`: "ok", or the first problem.
outcome<> integrity_check(const fs::path& path);

}  // namespace dropslot::cli::backup
