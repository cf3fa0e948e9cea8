// disk_store: objects. A body is written to a temp_file in .tmp/, sealed (footer, fsync)
// outside any lock, and renamed over the key's file under the bucket's lock together with
// the index update; the file it replaces is freed after the lock (release_later).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "disk_store.hpp"
#include "key_path.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

result<temp_object> disk_store::new_temp() const {
  fs::path p = root_ / ".tmp" / ("put-" + random_hex(16));
  unique_fd fd(::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return io_error("create", p);
  return temp_object(std::make_unique<temp_file>(std::move(fd), std::move(p)));
}

result<void> disk_store::commit_object(std::string_view bucket, temp_object body, const object_meta& meta,
                                       bool must_not_exist) {
  auto* file = dynamic_cast<temp_file*>(body.get());
  if (!file) return fail(s3_errc::internal_error, "a temporary of another storage");
  return commit_file(bucket, *file, meta, must_not_exist);
}

result<void> disk_store::commit_file(std::string_view bucket, temp_file& body, const object_meta& meta,
                                     bool must_not_exist) {
  auto state = find(bucket);
  if (!state) return fail(s3_errc::no_such_bucket);
  // Seal (footer + fsync) outside the lock: it is the slow part.
  if (auto r = body.seal(meta); !r) return r;
  fs::path target = bucket_dir(bucket) / "objects" / key_relative_path(meta.key);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return fail(s3_errc::internal_error, "create object folder: " + ec.message());
  std::unique_lock lock(state->mutex);
  auto previous = state->index->find(meta.key);
  if (!previous) return fail(previous.error());
  if (must_not_exist && *previous) return fail(s3_errc::precondition_failed);
  // The index first: its write is the step a full disk can make fail (a new key grows
  // the file), and failing here leaves the key as it was, on disk and in the index.
  if (auto r = state->index->put(meta.key, index_entry{meta.size, meta.etag, meta.last_modified}); !r) return r;
  unique_fd replaced(*previous ? ::open(target.c_str(), O_RDONLY | O_CLOEXEC) : -1);
  if (::rename(body.path().c_str(), target.c_str()) != 0) {
    auto failed = io_error("rename", target);
    // Undo the entry. Should that fail too, the index disagrees with the disk until
    // the next open rebuilds it.
    (void)(*previous ? state->index->put(meta.key, **previous) : state->index->erase(meta.key));
    return failed;
  }
  body.release();
  lock.unlock();
  fsync_dir(target.parent_path());
  release_later(std::move(replaced));
  return {};
}

result<object_reader> disk_store::open_object(std::string_view bucket, std::string_view key) const {
  auto state = find(bucket);
  if (!state) return fail(s3_errc::no_such_bucket);
  fs::path p = bucket_dir(bucket) / "objects" / key_relative_path(key);
  unique_fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return fail(s3_errc::no_such_key);
    return io_error("open", p);
  }
  auto meta = read_meta_footer(fd.get());
  if (!meta) return fail(meta.error());
  if (meta->key != key) return fail(s3_errc::no_such_key);  // a SHA-256 collision would land here
  return object_reader{std::make_shared<file_body>(std::move(fd)), std::move(*meta)};
}

std::optional<index_entry> disk_store::stat_object(std::string_view bucket, std::string_view key) const {
  auto state = find(bucket);
  if (!state) return std::nullopt;
  std::shared_lock lock(state->mutex);
  auto entry = state->index->find(key);
  return entry ? std::move(*entry) : std::nullopt;
}

result<void> disk_store::delete_object(std::string_view bucket, std::string_view key) {
  auto state = find(bucket);
  if (!state) return fail(s3_errc::no_such_bucket);
  fs::path p = bucket_dir(bucket) / "objects" / key_relative_path(key);
  std::unique_lock lock(state->mutex);
  auto previous = state->index->find(key);
  if (!previous) return fail(previous.error());
  // As in commit_object: the index first, and put back if the disk refuses.
  if (auto r = state->index->erase(key); !r) return r;
  unique_fd deleted(*previous ? ::open(p.c_str(), O_RDONLY | O_CLOEXEC) : -1);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
    auto failed = io_error("unlink", p);
    if (*previous) (void)state->index->put(key, **previous);
    return failed;
  }
  lock.unlock();
  release_later(std::move(deleted));
  return {};
}

result<list_result> disk_store::list(std::string_view bucket, const list_request& req) const {
  auto state = find(bucket);
  if (!state) return fail(s3_errc::no_such_bucket);
  std::shared_lock lock(state->mutex);
  return state->index->list(req);
}

}  // namespace dropslot::store
