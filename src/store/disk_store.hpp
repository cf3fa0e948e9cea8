#pragma once
// The storage layer under <data>/:
//
//   .tmp/                          bodies being received; emptied on open
//   buckets/<bucket>/bucket.json   creation date
//   buckets/<bucket>/cors.xml      the CORS configuration, when set
//   buckets/<bucket>/objects/xx/yy/<sha256(key)>   data, then metadata JSON, then a footer
//   buckets/<bucket>/uploads/<id>/upload.json, part-NNNNN   multipart uploads in progress
//
// An object file is committed by one rename from .tmp/ after fsync, so readers see the
// old object or the new one, never a mix, and a crash leaves at most a temporary.
// Bucket names are validated (S3 rules) before they name a folder; keys never do.
//
// The key index (key_index.hpp: per bucket, an SQLite file created in .tmp/ and unlinked
// at once; bounded memory) is derived data: it is rebuilt from the object files on
// open, and updated under the bucket's lock together with the rename, so the index and
// the disk agree and the last complete writer of a key wins. Its disk space shows in
// df, not in du; it is freed when the process ends.
//
// Thread safety: every member may be called concurrently.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dropslot/util/worker_pool.hpp"
#include "key_index.hpp"
#include "object_meta.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

namespace fs = std::filesystem;

/// A file descriptor that closes itself.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  ~unique_fd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  /// Gives up ownership: the caller closes the descriptor.
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

/// A file in .tmp/ that is removed when dropped unless committed.
///
/// With enable_direct(), writes go to the disk with O_DIRECT while they stay aligned
/// (address, length and file offset multiples of `direct_alignment`): no copy into the
/// page cache and no writeback left for the final fsync, which is what bounds a large
/// PUT's CPU and its dirty memory (docs/benchmarks/store.md). The first write that is
/// not aligned (a body's tail, the footer) turns O_DIRECT off for good and goes buffered,
/// as does every write when the filesystem refuses O_DIRECT.
class temp_file {
 public:
  static constexpr std::size_t direct_alignment = 4096;

  temp_file(unique_fd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  temp_file(temp_file&&) noexcept = default;
  temp_file& operator=(temp_file&&) noexcept = default;
  ~temp_file();
  /// Asks for O_DIRECT on the following writes; false when the filesystem refuses it
  /// (the writes are then buffered).
  bool enable_direct();
  bool direct() const { return direct_; }
  /// Appends all of `bytes` (InternalError on a write failure, e.g. a full disk). In
  /// direct mode the aligned prefix goes direct and any unaligned rest ends direct mode.
  result<void> write(std::string_view bytes);
  int fd() const { return fd_.get(); }
  const fs::path& path() const { return path_; }
  std::uint64_t size() const { return size_; }
  /// Appends the metadata footer and fsyncs. Called once, just before the rename.
  result<void> seal(const object_meta& meta);
  void release() { path_.clear(); }

 private:
  result<void> write_buffered(const char* p, std::size_t n);
  void end_direct();

  unique_fd fd_;
  fs::path path_;
  std::uint64_t size_ = 0;
  bool direct_ = false;
  std::uint64_t writeback_started_ = 0;  // bytes handed to the kernel's writeback
  std::uint64_t writeback_done_ = 0;     // bytes known to be on disk
};

/// An object opened for reading: the fd stays on the version that was current when it
/// was opened, even if a writer replaces it meanwhile.
struct object_reader {
  unique_fd fd;
  object_meta meta;
};

struct bucket_entry {
  std::string name;
  std::chrono::sys_seconds created{};
};

struct upload_entry {
  std::string id;
  std::string key;
  std::chrono::sys_seconds initiated{};
};

struct part_entry {
  int number = 0;
  std::uint64_t size = 0;
  std::string etag;
  std::chrono::sys_seconds last_modified{};
};

class disk_store {
 public:
  /// Creates the layout when missing, removes temporaries and multipart uploads older
  /// than `stale_uploads` (a crashed client's leftovers), and loads the index.
  static result<std::unique_ptr<disk_store>> open(fs::path root, std::chrono::sys_seconds now,
                                                   std::chrono::seconds stale_uploads = std::chrono::hours(24));

  // Buckets.
  result<void> create_bucket(std::string_view name, std::chrono::sys_seconds now, bool exist_ok);
  bool bucket_exists(std::string_view name) const;
  /// BucketNotEmpty when it holds objects.
  result<void> delete_bucket(std::string_view name);
  std::vector<bucket_entry> list_buckets() const;
  result<std::optional<std::string>> get_cors(std::string_view bucket) const;
  result<void> put_cors(std::string_view bucket, std::string_view xml);
  result<void> delete_cors(std::string_view bucket);

  // Objects.
  result<temp_file> new_temp() const;
  /// Seals `body` with `meta` and renames it over the key. With `must_not_exist`, fails
  /// with PreconditionFailed (and removes the temp) when the key exists at that moment.
  result<void> commit_object(std::string_view bucket, temp_file body, const object_meta& meta, bool must_not_exist);
  /// NoSuchBucket / NoSuchKey.
  result<object_reader> open_object(std::string_view bucket, std::string_view key) const;
  /// The key's index entry; nullopt when absent, and when the index cannot be read (an
  /// early answer only: commit_object checks again under the bucket lock).
  std::optional<index_entry> stat_object(std::string_view bucket, std::string_view key) const;
  /// Removes the key if present (S3 answers 204 either way).
  result<void> delete_object(std::string_view bucket, std::string_view key);
  result<list_result> list(std::string_view bucket, const list_request& req) const;

  // Multipart uploads.
  result<std::string> create_upload(std::string_view bucket, const object_meta& meta, std::chrono::sys_seconds now);
  /// The metadata given at creation (NoSuchUpload).
  result<object_meta> upload_meta(std::string_view bucket, std::string_view id) const;
  result<void> commit_part(std::string_view bucket, std::string_view id, int number, temp_file body,
                           const object_meta& part_meta);
  result<std::vector<part_entry>> list_parts(std::string_view bucket, std::string_view id) const;
  /// Assembles the parts in order into the object. InvalidPartOrder, InvalidPart,
  /// EntityTooSmall (every part but the last ≥ 5 MiB), NoSuchUpload.
  result<object_meta> complete_upload(std::string_view bucket, std::string_view id,
                                      const std::vector<std::pair<int, std::string>>& parts,
                                      std::chrono::sys_seconds now, bool must_not_exist);
  result<void> abort_upload(std::string_view bucket, std::string_view id);
  result<std::vector<upload_entry>> list_uploads(std::string_view bucket, std::string_view prefix) const;

  const fs::path& root() const { return root_; }

 private:
  struct bucket_state {
    // Shared for reads of the index, exclusive for a change of the index together with
    // the rename or unlink it stands for, so nobody sees one without the other.
    mutable std::shared_mutex mutex;
    std::unique_ptr<key_index> index;
    std::chrono::sys_seconds created{};
  };
  explicit disk_store(fs::path root) : root_(std::move(root)) {}
  std::shared_ptr<bucket_state> find(std::string_view bucket) const;
  fs::path bucket_dir(std::string_view bucket) const { return root_ / "buckets" / std::string(bucket); }
  fs::path upload_dir(std::string_view bucket, std::string_view id) const {
    return bucket_dir(bucket) / "uploads" / std::string(id);
  }
  result<void> load_bucket(const std::string& name, std::chrono::sys_seconds now, std::chrono::seconds stale);
  /// Closes `fd` on the release thread. A replaced or deleted object is held open across
  /// its rename or unlink, so that freeing its blocks happens here, after the bucket lock
  /// and the answer: on ext4, freeing 1 GiB takes ~0.25 s, all of it inside the syscall
  /// that drops the last reference (docs/benchmarks/store.md). With `max_pending_releases`
  /// already queued, the caller closes it itself.
  void release_later(unique_fd fd);

  fs::path root_;
  mutable std::mutex buckets_mutex_;
  std::map<std::string, std::shared_ptr<bucket_state>, std::less<>> buckets_;
  static constexpr int max_pending_releases = 64;
  std::atomic<int> pending_releases_{0};
  util::worker_pool releases_{1};  // last: destroyed first, closing whatever it still holds
};

/// Reads the metadata footer of an object or part file.
result<object_meta> read_meta_footer(int fd);

}  // namespace dropslot::store
