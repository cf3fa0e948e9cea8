#pragma once
// The key index of one bucket: key → size, ETag, last-modified, in S3's listing order,
// kept in an SQLite file rather than on the heap, so the store's memory does not grow
// with the number of objects it holds (issue 7; docs/reliability.md, Soak). Its memory
// is bounded by SQLite's page cache; the rest of it is in the file.
//
// Keys are stored as BLOBs, which SQLite compares with memcmp: byte order, which for
// UTF-8 is code point order, the order S3 lists in (and std::string's).
//
// The index is derived data. The object files, each with its metadata footer, stay the
// source of truth: disk_store creates the index empty and refills it from them on every
// open. So the file has no name: it is created in a folder and unlinked at once, lives
// as long as its connection, and a crash frees it. No index of an earlier run can be
// read, none needs cleaning up, and the data folder's layout does not change. It is
// written without a journal on disk and without fsync (see key_index.cpp).
//
// Thread safety: every member may be called concurrently; calls take turns on the one
// connection (a list holds it for the length of its page).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dropslot/util/result.hpp"

namespace dropslot::store {

struct index_entry {
  std::uint64_t size = 0;
  std::string etag;
  std::chrono::sys_seconds last_modified{};
};

struct list_request {
  std::string prefix{};
  std::string marker{};  // keys strictly after this (start-after, continuation, v1 marker)
  std::string delimiter{};
  int max_keys = 1000;
};

struct list_result {
  std::vector<std::pair<std::string, index_entry>> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last;  // the last key or prefix returned (the next marker)
};

class key_index {
 public:
  /// Creates an empty index in an unnamed file on the filesystem of `dir` (named there
  /// only until it is set up). InternalError when the file or SQLite fails.
  static result<std::unique_ptr<key_index>> create(const std::filesystem::path& dir);
  ~key_index();
  key_index(const key_index&) = delete;
  key_index& operator=(const key_index&) = delete;

  /// The entry of `key`, if indexed.
  result<std::optional<index_entry>> find(std::string_view key) const;
  /// Inserts or replaces the entry of `key`.
  result<void> put(std::string_view key, const index_entry& entry);
  /// Removes `key` (nothing when absent).
  result<void> erase(std::string_view key);
  result<bool> empty() const;
  /// One page of a listing (ListObjects semantics): keys under `prefix` strictly after
  /// `marker`, keys that hold `delimiter` after the prefix folded into one common prefix
  /// each, at most `max_keys` entries (keys and prefixes), `truncated` when more follow.
  result<list_result> list(const list_request& req) const;

  /// Many puts in one transaction (the rebuild on open): nothing is visible to other
  /// callers until commit(); destroying an uncommitted batch rolls it back. Holds the
  /// connection for its lifetime, so other calls wait.
  class batch {
   public:
    batch(batch&& o) noexcept : index_(o.index_), lock_(std::move(o.lock_)), open_(std::exchange(o.open_, false)) {}
    batch& operator=(batch&&) = delete;
    ~batch();
    result<void> put(std::string_view key, const index_entry& entry);
    result<void> commit();

   private:
    friend class key_index;
    batch(key_index& index, std::unique_lock<std::mutex> lock) : index_(&index), lock_(std::move(lock)) {}
    key_index* index_;
    std::unique_lock<std::mutex> lock_;
    bool open_ = true;
  };
  result<batch> begin_batch();

 private:
  struct connection;
  explicit key_index(std::unique_ptr<connection> c);
  result<void> put_locked(std::string_view key, const index_entry& entry);

  mutable std::mutex mutex_;  // serializes use of the connection and its statements
  std::unique_ptr<connection> c_;
};

}  // namespace dropslot::store
