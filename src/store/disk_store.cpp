// disk_store: opening the data folder (layout, leftovers, the index rebuilt from the
// object files), the bucket table, and the release thread. Buckets, objects and multipart
// uploads are in disk_store_buckets.cpp, disk_store_objects.cpp, disk_store_multipart.cpp.
#include "disk_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

result<std::unique_ptr<disk_store>> disk_store::open(fs::path root, std::chrono::sys_seconds now,
                                                     std::chrono::seconds stale_uploads) {
  std::error_code ec;
  fs::create_directories(root / "buckets", ec);
  if (ec) return fail(s3_errc::internal_error, "create " + root.string() + ": " + ec.message());
  // Temporaries belong to requests that died with the previous process.
  fs::remove_all(root / ".tmp", ec);
  fs::create_directories(root / ".tmp", ec);
  if (ec) return fail(s3_errc::internal_error, "create .tmp: " + ec.message());
  std::unique_ptr<disk_store> s(new disk_store(root));
  for (const auto& entry : fs::directory_iterator(root / "buckets", ec)) {
    if (!entry.is_directory()) continue;
    if (auto r = s->load_bucket(entry.path().filename().string(), now, stale_uploads); !r) return fail(r.error());
  }
  if (ec) return fail(s3_errc::internal_error, "read buckets: " + ec.message());
  return s;
}

result<void> disk_store::load_bucket(const std::string& name, std::chrono::sys_seconds now,
                                     std::chrono::seconds stale) {
  auto state = std::make_shared<bucket_state>();
  auto index = key_index::create(root_ / ".tmp");
  if (!index) return fail(index.error());
  state->index = std::move(*index);
  fs::path dir = bucket_dir(name);
  if (auto text = read_small_file(dir / "bucket.json")) {
    boost::system::error_code jec;
    auto v = boost::json::parse(*text, jec);
    if (!jec && v.is_object())
      if (auto* c = v.as_object().if_contains("created"); c && c->is_int64())
        state->created = std::chrono::sys_seconds{std::chrono::seconds{c->as_int64()}};
  }
  std::error_code ec;
  if (fs::exists(dir / "objects", ec)) {
    // One transaction for the whole rebuild: one write of each index page, not one per key.
    auto batch = state->index->begin_batch();
    if (!batch) return fail(batch.error());
    for (auto it = fs::recursive_directory_iterator(dir / "objects", ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      unique_fd fd(::open(it->path().c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) continue;
      auto meta = read_meta_footer(fd.get());
      // A file that does not read back whole was never committed by this store: skip it
      // rather than refuse to start (it cannot be a torn write: commits are renames).
      if (!meta) continue;
      if (auto r = batch->put(meta->key, index_entry{meta->size, meta->etag, meta->last_modified}); !r) return r;
    }
    if (auto r = batch->commit(); !r) return r;
  }
  // Multipart uploads nobody finished within `stale`, and completed ones kept that long
  // for a repeated Complete: their files only cost disk.
  if (fs::exists(dir / "uploads", ec)) {
    for (const auto& up : fs::directory_iterator(dir / "uploads", ec)) {
      auto text = read_small_file(up.path() / "upload.json");
      if (!text) text = read_small_file(up.path() / "completed.json");
      std::optional<std::chrono::sys_seconds> when;
      if (text) {
        boost::system::error_code jec;
        auto v = boost::json::parse(*text, jec);
        if (!jec && v.is_object())
          if (auto* m = v.as_object().if_contains("last_modified"); m && m->is_int64())
            when = std::chrono::sys_seconds{std::chrono::seconds{m->as_int64()}};
        if (!jec && v.is_object())
          if (auto* m = v.as_object().if_contains("completed"); m && m->is_int64())
            when = std::chrono::sys_seconds{std::chrono::seconds{m->as_int64()}};
      }
      if (!when || *when + stale < now) fs::remove_all(up.path(), ec);
    }
  }
  std::lock_guard lock(buckets_mutex_);
  buckets_[name] = std::move(state);
  return {};
}

std::shared_ptr<disk_store::bucket_state> disk_store::find(std::string_view bucket) const {
  std::lock_guard lock(buckets_mutex_);
  auto it = buckets_.find(bucket);
  return it == buckets_.end() ? nullptr : it->second;
}

void disk_store::release_later(unique_fd fd) {
  if (!fd) return;
  // Past a bound (a burst of large deletes), the caller closes it itself: still after the
  // bucket lock, and without descriptors piling up behind a slow release thread.
  if (pending_releases_.fetch_add(1) >= max_pending_releases) {
    pending_releases_.fetch_sub(1);
    return;  // ~unique_fd closes it here
  }
  const int raw = fd.release();
  auto job = [this, raw] {
    ::close(raw);
    pending_releases_.fetch_sub(1);
  };
  if (!releases_.post(job)) job();
}

}  // namespace dropslot::store
