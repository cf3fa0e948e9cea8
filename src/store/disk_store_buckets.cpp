// disk_store: buckets (create, delete, list) and their configuration (the CORS document).
#include <boost/json.hpp>

#include "disk_store.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

result<void> disk_store::create_bucket(std::string_view name, std::chrono::sys_seconds now, bool exist_ok) {
  std::lock_guard lock(buckets_mutex_);
  if (buckets_.count(name)) {
    if (exist_ok) return {};
    return fail(s3_errc::bucket_already_owned_by_you);
  }
  auto index = key_index::create(root_ / ".tmp");
  if (!index) return fail(index.error());
  fs::path dir = bucket_dir(name);
  std::error_code ec;
  fs::create_directories(dir / "objects", ec);
  fs::create_directories(dir / "uploads", ec);
  if (ec) return fail(s3_errc::internal_error, "create bucket: " + ec.message());
  boost::json::object o;
  o["created"] = now.time_since_epoch().count();
  if (auto r = write_small_file(root_ / ".tmp", dir / "bucket.json", boost::json::serialize(o)); !r) return r;
  auto state = std::make_shared<bucket_state>();
  state->index = std::move(*index);
  state->created = now;
  buckets_[std::string(name)] = std::move(state);
  return {};
}

bool disk_store::bucket_exists(std::string_view name) const { return find(name) != nullptr; }

result<void> disk_store::delete_bucket(std::string_view name) {
  std::lock_guard lock(buckets_mutex_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return fail(s3_errc::no_such_bucket);
  {
    std::shared_lock l(it->second->mutex);
    auto empty = it->second->index->empty();
    if (!empty) return fail(empty.error());
    if (!*empty) return fail(s3_errc::bucket_not_empty);
  }
  // Move the folder aside first: the bucket disappears in one rename, then is removed.
  fs::path doomed = root_ / ".tmp" / ("bucket-" + random_hex(8));
  std::error_code ec;
  fs::rename(bucket_dir(name), doomed, ec);
  if (ec) return fail(s3_errc::internal_error, "delete bucket: " + ec.message());
  fs::remove_all(doomed, ec);
  buckets_.erase(it);  // the index file goes with the last holder of the state
  return {};
}

std::vector<bucket_entry> disk_store::list_buckets() const {
  std::lock_guard lock(buckets_mutex_);
  std::vector<bucket_entry> out;
  for (const auto& [name, state] : buckets_) out.push_back({name, state->created});
  return out;
}

result<std::optional<std::string>> disk_store::get_cors(std::string_view bucket) const {
  if (!find(bucket)) return fail(s3_errc::no_such_bucket);
  return read_small_file(bucket_dir(bucket) / "cors.xml");
}

result<void> disk_store::put_cors(std::string_view bucket, std::string_view xml) {
  if (!find(bucket)) return fail(s3_errc::no_such_bucket);
  return write_small_file(root_ / ".tmp", bucket_dir(bucket) / "cors.xml", xml);
}

result<void> disk_store::delete_cors(std::string_view bucket) {
  if (!find(bucket)) return fail(s3_errc::no_such_bucket);
  std::error_code ec;
  fs::remove(bucket_dir(bucket) / "cors.xml", ec);
  return {};
}

}  // namespace dropslot::store
