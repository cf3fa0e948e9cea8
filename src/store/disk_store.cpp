#include "disk_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "checksums.hpp"
#include "md5.hpp"
#include "key_path.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

namespace {

constexpr char footer_magic[4] = {'D', 'S', 'O', '1'};
constexpr std::uint64_t min_part_size = 5ull * 1024 * 1024;

unexpected<error> io_error(const char* what, const fs::path& p) {
  return fail(s3_errc::internal_error, std::string(what) + " " + p.string() + ": " + std::strerror(errno));
}

std::string random_hex(std::size_t bytes) {
  static thread_local std::random_device rd;
  std::string raw(bytes, '\0');
  for (auto& c : raw) c = static_cast<char>(rd());
  return to_hex(raw);
}

// Durability of a rename needs the directory entry on disk too.
void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

bool pread_all(int fd, char* p, std::size_t n, off_t off) {
  while (n) {
    ssize_t r = ::pread(fd, p, n, off);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    p += r;
    n -= static_cast<std::size_t>(r);
    off += r;
  }
  return true;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n) {
    ssize_t r = ::write(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

result<void> write_small_file(const fs::path& tmp_dir, const fs::path& target, std::string_view content) {
  fs::path tmp = tmp_dir / ("small-" + random_hex(8));
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return io_error("create", tmp);
  if (!write_all(fd.get(), content.data(), content.size()) || ::fsync(fd.get()) != 0) {
    ::unlink(tmp.c_str());
    return io_error("write", tmp);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return io_error("rename", target);
  }
  return {};
}

std::optional<std::string> read_small_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

temp_file::~temp_file() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

bool temp_file::enable_direct() {
  int flags = ::fcntl(fd_.get(), F_GETFL);
  direct_ = flags >= 0 && ::fcntl(fd_.get(), F_SETFL, flags | O_DIRECT) == 0;
  return direct_;
}

void temp_file::end_direct() {
  if (!direct_) return;
  direct_ = false;
  int flags = ::fcntl(fd_.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd_.get(), F_SETFL, flags & ~O_DIRECT);
  // Nothing written so far sits in the page cache: the writeback windows start here.
  writeback_started_ = writeback_done_ = size_;
}

result<void> temp_file::write(std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  if (direct_) {
    const bool aligned = reinterpret_cast<std::uintptr_t>(p) % direct_alignment == 0 && size_ % direct_alignment == 0;
    std::size_t whole = aligned ? n / direct_alignment * direct_alignment : 0;
    while (whole) {
      ssize_t r = ::write(fd_.get(), p, whole);
      if (r < 0) {
        if (errno == EINTR) continue;
        // EINVAL: this device wants another alignment (or a short write left us
        // unaligned); the rest goes buffered.
        if (errno == EINVAL) break;
        return io_error("write", path_);
      }
      p += r;
      n -= static_cast<std::size_t>(r);
      whole -= static_cast<std::size_t>(r);
      size_ += static_cast<std::uint64_t>(r);
    }
    if (!n) return {};
    end_direct();
  }
  return write_buffered(p, n);
}

result<void> temp_file::write_buffered(const char* p, std::size_t n) {
  if (!write_all(fd_.get(), p, n)) return io_error("write", path_);
  size_ += n;
  // Overlap the disk with the network: start writeback of every new 8 MiB window and
  // wait for the window before it. The final fsync then flushes at most ~16 MiB instead
  // of the whole body, so a large PUT costs max(network, disk) rather than their sum,
  // and dirty memory per upload stays bounded (docs/benchmarks/store.md).
  constexpr std::uint64_t window = 8 * 1024 * 1024;
  if (size_ - writeback_started_ >= window) {
    ::sync_file_range(fd_.get(), static_cast<off_t>(writeback_started_),
                      static_cast<off_t>(size_ - writeback_started_), SYNC_FILE_RANGE_WRITE);
    if (writeback_started_ > writeback_done_) {
      ::sync_file_range(fd_.get(), static_cast<off_t>(writeback_done_),
                        static_cast<off_t>(writeback_started_ - writeback_done_),
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      writeback_done_ = writeback_started_;
    }
    writeback_started_ = size_;
  }
  return {};
}

result<void> temp_file::seal(const object_meta& meta) {
  end_direct();  // the footer is never aligned
  std::string json = meta_to_json(meta);
  std::uint32_t len = static_cast<std::uint32_t>(json.size());
  char footer[8];
  std::memcpy(footer, &len, 4);  // little-endian host
  std::memcpy(footer + 4, footer_magic, 4);
  json.append(footer, 8);
  if (!write_all(fd_.get(), json.data(), json.size())) return io_error("write", path_);
  // fdatasync would do for the data, but the size changes too: fsync.
  if (::fsync(fd_.get()) != 0) return io_error("fsync", path_);
  return {};
}

result<object_meta> read_meta_footer(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 8) return fail(s3_errc::internal_error, "object file too short");
  char footer[8];
  if (!pread_all(fd, footer, 8, st.st_size - 8) || std::memcmp(footer + 4, footer_magic, 4) != 0)
    return fail(s3_errc::internal_error, "object file without footer");
  std::uint32_t len;
  std::memcpy(&len, footer, 4);
  if (len > static_cast<std::uint64_t>(st.st_size) - 8 || len > 1024 * 1024)
    return fail(s3_errc::internal_error, "bad footer length");
  std::string json(len, '\0');
  if (!pread_all(fd, json.data(), len, st.st_size - 8 - len)) return fail(s3_errc::internal_error, "footer read");
  auto meta = meta_from_json(json);
  if (meta && meta->size != static_cast<std::uint64_t>(st.st_size) - 8 - len)
    return fail(s3_errc::internal_error, "object size does not match its metadata");
  return meta;
}

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
  // Multipart uploads nobody finished within `stale`: their parts only cost disk.
  if (fs::exists(dir / "uploads", ec)) {
    for (const auto& up : fs::directory_iterator(dir / "uploads", ec)) {
      auto text = read_small_file(up.path() / "upload.json");
      auto meta = text ? meta_from_json(*text) : result<object_meta>(fail(s3_errc::internal_error));
      if (!meta || meta->last_modified + stale < now) fs::remove_all(up.path(), ec);
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

result<temp_file> disk_store::new_temp() const {
  fs::path p = root_ / ".tmp" / ("put-" + random_hex(16));
  unique_fd fd(::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return io_error("create", p);
  return temp_file(std::move(fd), std::move(p));
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

result<void> disk_store::commit_object(std::string_view bucket, temp_file body, const object_meta& meta,
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
  return object_reader{std::move(fd), std::move(*meta)};
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

result<std::string> disk_store::create_upload(std::string_view bucket, const object_meta& meta,
                                              std::chrono::sys_seconds now) {
  if (!find(bucket)) return fail(s3_errc::no_such_bucket);
  std::string id = random_hex(16);
  fs::path dir = upload_dir(bucket, id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(s3_errc::internal_error, "create upload: " + ec.message());
  object_meta m = meta;
  m.last_modified = now;  // the initiation time
  if (auto r = write_small_file(root_ / ".tmp", dir / "upload.json", meta_to_json(m)); !r) return fail(r.error());
  return id;
}

result<object_meta> disk_store::upload_meta(std::string_view bucket, std::string_view id) const {
  if (!find(bucket)) return fail(s3_errc::no_such_bucket);
  if (!valid_upload_id(id)) return fail(s3_errc::no_such_upload);
  auto text = read_small_file(upload_dir(bucket, id) / "upload.json");
  if (!text) return fail(s3_errc::no_such_upload);
  return meta_from_json(*text);
}

namespace {
std::string part_name(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%05d", n);
  return buf;
}
}  // namespace

result<void> disk_store::commit_part(std::string_view bucket, std::string_view id, int number, temp_file body,
                                     const object_meta& part_meta) {
  if (auto m = upload_meta(bucket, id); !m) return fail(m.error());
  if (auto r = body.seal(part_meta); !r) return r;
  fs::path target = upload_dir(bucket, id) / part_name(number);
  if (::rename(body.path().c_str(), target.c_str()) != 0) {
    if (errno == ENOENT) return fail(s3_errc::no_such_upload);  // aborted meanwhile
    return io_error("rename", target);
  }
  body.release();
  return {};
}

result<std::vector<part_entry>> disk_store::list_parts(std::string_view bucket, std::string_view id) const {
  if (auto m = upload_meta(bucket, id); !m) return fail(m.error());
  std::vector<part_entry> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(upload_dir(bucket, id), ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("part-", 0) != 0) continue;
    unique_fd fd(::open(e.path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;
    auto meta = read_meta_footer(fd.get());
    if (!meta) continue;
    out.push_back({std::atoi(name.c_str() + 5), meta->size, meta->etag, meta->last_modified});
  }
  std::sort(out.begin(), out.end(), [](const part_entry& a, const part_entry& b) { return a.number < b.number; });
  return out;
}

result<object_meta> disk_store::complete_upload(std::string_view bucket, std::string_view id,
                                                const std::vector<std::pair<int, std::string>>& parts,
                                                std::chrono::sys_seconds now, bool must_not_exist) {
  auto meta = upload_meta(bucket, id);
  if (!meta) return fail(meta.error());
  if (parts.empty()) return fail(s3_errc::malformed_xml, "no parts");
  auto strip = [](std::string_view e) {
    if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
    return std::string(e);
  };
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (parts[i].first <= parts[i - 1].first) return fail(s3_errc::invalid_part_order);
  // Open every part first: all checks pass before a byte is copied.
  std::vector<std::pair<unique_fd, object_meta>> opened;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    fs::path p = upload_dir(bucket, id) / part_name(parts[i].first);
    unique_fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail(s3_errc::invalid_part, "part " + std::to_string(parts[i].first) + " not uploaded");
    auto pm = read_meta_footer(fd.get());
    if (!pm) return fail(pm.error());
    if (strip(pm->etag) != strip(parts[i].second))
      return fail(s3_errc::invalid_part, "part " + std::to_string(parts[i].first) + " ETag differs");
    if (i + 1 < parts.size() && pm->size < min_part_size) return fail(s3_errc::entity_too_small);
    opened.emplace_back(std::move(fd), std::move(*pm));
  }
  auto body = new_temp();
  if (!body) return fail(body.error());
  md5_digest etag_md5;
  std::uint64_t total = 0;
  for (auto& [fd, pm] : opened) {
    // The part's ETag is the hex MD5 of its bytes; the object's is MD5 of those MD5s.
    std::string hex = strip(pm.etag);
    std::string raw;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    etag_md5.update(raw.data(), raw.size());
    loff_t in_off = 0;
    std::uint64_t left = pm.size;
    while (left) {
      // copy_file_range keeps the bytes in the kernel (and reflinks where the fs can).
      ssize_t n = ::copy_file_range(fd.get(), &in_off, body->fd(), nullptr, left, 0);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return io_error("copy part", body->path());
      }
      left -= static_cast<std::uint64_t>(n);
    }
    total += pm.size;
  }
  object_meta m = *meta;
  m.size = total;
  m.etag = "\"" + to_hex(etag_md5.finish()) + "-" + std::to_string(parts.size()) + "\"";
  m.last_modified = now;
  m.parts_count = static_cast<int>(parts.size());
  // copy_file_range wrote behind temp_file's back; seal writes at the fd's offset.
  if (::lseek(body->fd(), 0, SEEK_END) < 0) return io_error("seek", body->path());
  if (auto r = commit_object(bucket, std::move(*body), m, must_not_exist); !r) return fail(r.error());
  std::error_code ec;
  fs::path doomed = root_ / ".tmp" / ("upload-" + std::string(id));
  fs::rename(upload_dir(bucket, id), doomed, ec);
  fs::remove_all(doomed, ec);  // the parts are still open: their blocks are freed on release
  for (auto& part : opened) release_later(std::move(part.first));
  return m;
}

result<void> disk_store::abort_upload(std::string_view bucket, std::string_view id) {
  if (auto m = upload_meta(bucket, id); !m) return fail(m.error());
  std::error_code ec;
  fs::path doomed = root_ / ".tmp" / ("upload-" + std::string(id));
  fs::rename(upload_dir(bucket, id), doomed, ec);
  if (ec) return fail(s3_errc::no_such_upload);
  fs::remove_all(doomed, ec);
  return {};
}

result<std::vector<upload_entry>> disk_store::list_uploads(std::string_view bucket, std::string_view prefix) const {
  if (!find(bucket)) return fail(s3_errc::no_such_bucket);
  std::vector<upload_entry> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(bucket_dir(bucket) / "uploads", ec)) {
    auto text = read_small_file(e.path() / "upload.json");
    if (!text) continue;
    auto m = meta_from_json(*text);
    if (!m || m->key.compare(0, prefix.size(), prefix) != 0) continue;
    out.push_back({e.path().filename().string(), m->key, m->last_modified});
  }
  std::sort(out.begin(), out.end(), [](const upload_entry& a, const upload_entry& b) {
    return a.key != b.key ? a.key < b.key : a.initiated < b.initiated;
  });
  return out;
}

}  // namespace dropslot::store
