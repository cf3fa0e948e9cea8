#pragma once
// The POSIX storage (storage.hpp) under <data>/:
//
//   .tmp/                          bodies being received; emptied on open
//   buckets/<bucket>/bucket.json   creation date
//   buckets/<bucket>/cors.xml      the CORS configuration, when set
//   buckets/<bucket>/objects/xx/yy/<sha256(key)>   data, then metadata JSON, then a footer
//   buckets/<bucket>/uploads/<id>/upload.json, part-NNNNN   multipart uploads in progress
//   buckets/<bucket>/uploads/<id>/completed.json   a completed upload, for a repeated Complete
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
// The implementation is split by concern: disk_store.cpp (open, the bucket table, the
// release thread), disk_store_buckets.cpp (buckets and their configuration),
// disk_store_objects.cpp, disk_store_multipart.cpp; the file primitives are posix_file.hpp.
//
// Thread safety: every member may be called concurrently.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dropslot/util/result.hpp"
#include "dropslot/util/worker_pool.hpp"
#include "key_index.hpp"
#include "object_meta.hpp"
#include "posix_file.hpp"
#include "storage.hpp"

namespace dropslot::store {

class disk_store final : public storage {
 public:
  /// Creates the layout when missing, removes temporaries and multipart uploads older
  /// than `stale_uploads` (a crashed client's leftovers), and loads the index.
  static result<std::unique_ptr<disk_store>> open(fs::path root, std::chrono::sys_seconds now,
                                                   std::chrono::seconds stale_uploads = std::chrono::hours(24));

  result<void> create_bucket(std::string_view name, std::chrono::sys_seconds now, bool exist_ok) override;
  bool bucket_exists(std::string_view name) const override;
  result<void> delete_bucket(std::string_view name) override;
  std::vector<bucket_entry> list_buckets() const override;
  result<std::optional<std::string>> get_cors(std::string_view bucket) const override;
  result<void> put_cors(std::string_view bucket, std::string_view xml) override;
  result<void> delete_cors(std::string_view bucket) override;

  result<temp_object> new_temp() const override;
  result<void> commit_object(std::string_view bucket, temp_object body, const object_meta& meta,
                             bool must_not_exist) override;
  result<object_reader> open_object(std::string_view bucket, std::string_view key) const override;
  std::optional<index_entry> stat_object(std::string_view bucket, std::string_view key) const override;
  result<void> delete_object(std::string_view bucket, std::string_view key) override;
  result<list_result> list(std::string_view bucket, const list_request& req) const override;

  result<std::string> create_upload(std::string_view bucket, const object_meta& meta,
                                    std::chrono::sys_seconds now) override;
  result<object_meta> upload_meta(std::string_view bucket, std::string_view id) const override;
  result<void> commit_part(std::string_view bucket, std::string_view id, int number, temp_object body,
                           const object_meta& part_meta) override;
  result<std::vector<part_entry>> list_parts(std::string_view bucket, std::string_view id) const override;
  result<object_meta> complete_upload(std::string_view bucket, std::string_view id, std::string_view key,
                                      const part_list& parts, std::chrono::sys_seconds now,
                                      bool must_not_exist) override;
  result<void> abort_upload(std::string_view bucket, std::string_view id) override;
  result<std::vector<upload_entry>> list_uploads(std::string_view bucket, std::string_view prefix) const override;

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
  result<void> commit_file(std::string_view bucket, temp_file& body, const object_meta& meta, bool must_not_exist);
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

}  // namespace dropslot::store
