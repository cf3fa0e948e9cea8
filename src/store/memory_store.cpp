#include "memory_store.hpp"

#include <algorithm>
#include <mutex>

#include "checksums.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {

class memory_writer final : public object_writer {
 public:
  result<void> write(std::string_view bytes) override {
    data_.append(bytes);
    return {};
  }
  std::uint64_t size() const override { return data_.size(); }
  std::string take() { return std::move(data_); }

 private:
  std::string data_;
};

class memory_body final : public object_body {
 public:
  explicit memory_body(std::shared_ptr<const std::string> data) : data_(std::move(data)) {}
  result<std::size_t> read_at(std::uint64_t offset, char* p, std::size_t n) const override {
    if (offset >= data_->size()) return std::size_t{0};
    n = std::min<std::size_t>(n, data_->size() - offset);
    std::copy_n(data_->data() + offset, n, p);
    return n;
  }

 private:
  std::shared_ptr<const std::string> data_;
};

result<std::shared_ptr<const std::string>> take_bytes(temp_object& body) {
  auto* w = dynamic_cast<memory_writer*>(body.get());
  if (!w) return fail(s3_errc::internal_error, "a temporary of another storage");
  return std::make_shared<const std::string>(w->take());
}

bool same_parts(const part_list& a, const part_list& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || unquote_etag(a[i].second) != unquote_etag(b[i].second)) return false;
  return true;
}


}  // namespace

memory_store::bucket* memory_store::find(std::string_view name) {
  auto it = buckets_.find(name);
  return it == buckets_.end() ? nullptr : &it->second;
}

const memory_store::bucket* memory_store::find(std::string_view name) const {
  auto it = buckets_.find(name);
  return it == buckets_.end() ? nullptr : &it->second;
}

result<void> memory_store::create_bucket(std::string_view name, std::chrono::sys_seconds now, bool exist_ok) {
  std::unique_lock lock(mutex_);
  if (find(name)) {
    if (exist_ok) return {};
    return fail(s3_errc::bucket_already_owned_by_you);
  }
  buckets_[std::string(name)].created = now;
  return {};
}

bool memory_store::bucket_exists(std::string_view name) const {
  std::shared_lock lock(mutex_);
  return find(name) != nullptr;
}

result<void> memory_store::delete_bucket(std::string_view name) {
  std::unique_lock lock(mutex_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return fail(s3_errc::no_such_bucket);
  if (!it->second.objects.empty()) return fail(s3_errc::bucket_not_empty);
  buckets_.erase(it);
  return {};
}

std::vector<bucket_entry> memory_store::list_buckets() const {
  std::shared_lock lock(mutex_);
  std::vector<bucket_entry> out;
  for (const auto& [name, b] : buckets_) out.push_back({name, b.created});
  return out;
}

result<std::optional<std::string>> memory_store::get_cors(std::string_view bucket) const {
  std::shared_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  return b->cors;
}

result<void> memory_store::put_cors(std::string_view bucket, std::string_view xml) {
  std::unique_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  b->cors = std::string(xml);
  return {};
}

result<void> memory_store::delete_cors(std::string_view bucket) {
  std::unique_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  b->cors.reset();
  return {};
}

result<temp_object> memory_store::new_temp() const { return temp_object(std::make_unique<memory_writer>()); }

result<void> memory_store::commit_object(std::string_view bucket, temp_object body, const object_meta& meta,
                                         bool must_not_exist) {
  auto data = take_bytes(body);
  if (!data) return fail(data.error());
  std::unique_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  auto it = b->objects.find(meta.key);
  if (must_not_exist && it != b->objects.end()) return fail(s3_errc::precondition_failed);
  b->objects.insert_or_assign(meta.key, stored{meta, std::move(*data)});
  return {};
}

result<object_reader> memory_store::open_object(std::string_view bucket, std::string_view key) const {
  std::shared_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return fail(s3_errc::no_such_key);
  return object_reader{std::make_shared<memory_body>(it->second.data), it->second.meta};
}

std::optional<index_entry> memory_store::stat_object(std::string_view bucket, std::string_view key) const {
  std::shared_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return std::nullopt;
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return std::nullopt;
  const auto& m = it->second.meta;
  return index_entry{m.size, m.etag, m.last_modified};
}

result<void> memory_store::delete_object(std::string_view bucket, std::string_view key) {
  std::unique_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  if (auto it = b->objects.find(key); it != b->objects.end()) b->objects.erase(it);
  return {};
}

result<list_result> memory_store::list(std::string_view bucket, const list_request& req) const {
  std::shared_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  // The same page as key_index::list: keys under the prefix strictly after the marker,
  // keys holding the delimiter past the prefix folded into one common prefix each.
  list_result out;
  if (req.max_keys <= 0) return out;
  int count = 0;
  auto it = !req.marker.empty() && req.marker >= req.prefix ? b->objects.upper_bound(req.marker)
                                                            : b->objects.lower_bound(req.prefix);
  for (; it != b->objects.end(); ++it) {
    const std::string& key = it->first;
    if (!key.starts_with(req.prefix)) break;
    std::string common;
    if (!req.delimiter.empty())
      if (auto d = key.find(req.delimiter, req.prefix.size()); d != std::string::npos)
        common = key.substr(0, d + req.delimiter.size());
    if (!common.empty() && (common <= req.marker || (!out.common_prefixes.empty() && out.common_prefixes.back() == common)))
      continue;
    if (count == req.max_keys) {
      out.truncated = true;
      break;
    }
    ++count;
    if (common.empty()) {
      const auto& m = it->second.meta;
      out.objects.emplace_back(key, index_entry{m.size, m.etag, m.last_modified});
      out.last = key;
    } else {
      out.common_prefixes.push_back(common);
      out.last = common;
    }
  }
  return out;
}

result<std::string> memory_store::create_upload(std::string_view bucket, const object_meta& meta,
                                                std::chrono::sys_seconds now) {
  std::unique_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  std::string id = random_hex(16);
  upload u;
  u.meta = meta;
  u.meta.last_modified = now;  // the initiation time
  b->uploads.emplace(id, std::move(u));
  return id;
}

result<object_meta> memory_store::upload_meta(std::string_view bucket, std::string_view id) const {
  std::shared_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  auto it = b->uploads.find(id);
  if (it == b->uploads.end()) return fail(s3_errc::no_such_upload);
  return it->second.meta;
}

result<void> memory_store::commit_part(std::string_view bucket, std::string_view id, int number, temp_object body,
                                       const object_meta& part_meta) {
  auto data = take_bytes(body);
  if (!data) return fail(data.error());
  std::unique_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  auto it = b->uploads.find(id);
  if (it == b->uploads.end()) return fail(s3_errc::no_such_upload);
  it->second.parts.insert_or_assign(number, stored{part_meta, std::move(*data)});
  return {};
}

result<std::vector<part_entry>> memory_store::list_parts(std::string_view bucket, std::string_view id) const {
  std::shared_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  auto it = b->uploads.find(id);
  if (it == b->uploads.end()) return fail(s3_errc::no_such_upload);
  std::vector<part_entry> out;
  for (const auto& [n, p] : it->second.parts) out.push_back({n, p.meta.size, p.meta.etag, p.meta.last_modified});
  return out;
}

result<object_meta> memory_store::complete_upload(std::string_view bucket, std::string_view id, std::string_view key,
                                                  const part_list& parts, std::chrono::sys_seconds now,
                                                  bool must_not_exist) {
  std::unique_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  if (auto done = b->completed.find(id); done != b->completed.end()) {
    if (done->second.meta.key != key || !same_parts(done->second.parts, parts)) return fail(s3_errc::no_such_upload);
    return done->second.meta;
  }
  auto it = b->uploads.find(id);
  if (it == b->uploads.end() || it->second.meta.key != key) return fail(s3_errc::no_such_upload);
  std::vector<part_entry> found;
  for (const auto& [number, etag] : parts) {
    auto p = it->second.parts.find(number);
    if (p == it->second.parts.end()) {
      found.push_back({});
      continue;
    }
    found.push_back({number, p->second.meta.size, p->second.meta.etag, p->second.meta.last_modified});
  }
  if (auto r = check_complete_parts(parts, found); !r) return fail(r.error());
  if (must_not_exist && b->objects.count(key)) return fail(s3_errc::precondition_failed);
  auto data = std::make_shared<std::string>();
  object_meta m = it->second.meta;
  for (const auto& [number, etag] : parts) {
    const auto& p = it->second.parts.at(number);
    data->append(*p.data);
    m.part_sizes.push_back(p.data->size());
  }
  m.size = data->size();
  m.etag = multipart_etag(found);
  m.last_modified = now;
  m.parts_count = static_cast<int>(parts.size());
  b->objects.insert_or_assign(m.key, stored{m, std::move(data)});
  b->completed.emplace(std::string(id), completion{m, parts});
  b->uploads.erase(it);
  return m;
}

result<void> memory_store::abort_upload(std::string_view bucket, std::string_view id) {
  std::unique_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  auto it = b->uploads.find(id);
  if (it == b->uploads.end()) return fail(s3_errc::no_such_upload);
  b->uploads.erase(it);
  return {};
}

result<std::vector<upload_entry>> memory_store::list_uploads(std::string_view bucket, std::string_view prefix) const {
  std::shared_lock lock(mutex_);
  auto* b = find(bucket);
  if (!b) return fail(s3_errc::no_such_bucket);
  std::vector<upload_entry> out;
  for (const auto& [id, u] : b->uploads)
    if (u.meta.key.starts_with(prefix)) out.push_back({id, u.meta.key, u.meta.last_modified});
  std::sort(out.begin(), out.end(), [](const upload_entry& a, const upload_entry& b) {
    return a.key != b.key ? a.key < b.key : a.initiated < b.initiated;
  });
  return out;
}

}  // namespace dropslot::store
