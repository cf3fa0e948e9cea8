// disk_store: multipart uploads. Each upload is a folder (upload.json and part-NNNNN
// files, each part sealed like an object); Complete concatenates the parts with
// copy_file_range into one temporary and commits it like a PUT, then leaves
// completed.json in the folder so that a repeated Complete answers the same.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>

#include "disk_store.hpp"
#include "key_path.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

namespace {

std::string part_name(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%05d", n);
  return buf;
}

std::string completion_json(const object_meta& m, const part_list& parts, std::chrono::sys_seconds now) {
  boost::json::object o;
  o["completed"] = now.time_since_epoch().count();
  o["meta"] = meta_to_json(m);
  boost::json::array ps;
  for (const auto& [n, etag] : parts) ps.push_back(boost::json::array{n, boost::json::string(unquote_etag(etag))});
  o["parts"] = std::move(ps);
  return boost::json::serialize(o);
}

// The object a completed upload made, when `parts` are the parts it was completed with.
std::optional<object_meta> completed_as(std::string_view text, const part_list& parts) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* meta = o.if_contains("meta");
  const auto* ps = o.if_contains("parts");
  if (!meta || !meta->is_string() || !ps || !ps->is_array() || ps->as_array().size() != parts.size())
    return std::nullopt;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto* p = ps->as_array()[i].if_array();
    if (!p || p->size() != 2 || !(*p)[0].is_int64() || !(*p)[1].is_string()) return std::nullopt;
    if ((*p)[0].as_int64() != parts[i].first || (*p)[1].as_string() != unquote_etag(parts[i].second)) return std::nullopt;
  }
  auto m = meta_from_json(meta->as_string());
  if (!m) return std::nullopt;
  return std::move(*m);
}

}  // namespace

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

result<void> disk_store::commit_part(std::string_view bucket, std::string_view id, int number, temp_object body,
                                     const object_meta& part_meta) {
  auto* file = dynamic_cast<temp_file*>(body.get());
  if (!file) return fail(s3_errc::internal_error, "a temporary of another storage");
  if (auto m = upload_meta(bucket, id); !m) return fail(m.error());
  if (auto r = file->seal(part_meta); !r) return r;
  fs::path target = upload_dir(bucket, id) / part_name(number);
  if (::rename(file->path().c_str(), target.c_str()) != 0) {
    if (errno == ENOENT) return fail(s3_errc::no_such_upload);  // aborted meanwhile
    return io_error("rename", target);
  }
  file->release();
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

result<object_meta> disk_store::complete_upload(std::string_view bucket, std::string_view id, std::string_view key,
                                                const part_list& parts, std::chrono::sys_seconds now,
                                                bool must_not_exist) {
  if (!find(bucket)) return fail(s3_errc::no_such_bucket);
  if (!valid_upload_id(id)) return fail(s3_errc::no_such_upload);
  const fs::path dir = upload_dir(bucket, id);
  if (auto done = read_small_file(dir / "completed.json")) {
    auto m = completed_as(*done, parts);
    if (!m || m->key != key) return fail(s3_errc::no_such_upload);
    return std::move(*m);
  }
  auto meta = upload_meta(bucket, id);
  if (!meta) return fail(meta.error());
  if (meta->key != key) return fail(s3_errc::no_such_upload);
  // Open every part first: all checks pass before a byte is copied.
  std::vector<unique_fd> fds;
  std::vector<part_entry> found;
  for (const auto& [number, etag] : parts) {
    unique_fd fd(::open((dir / part_name(number)).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      found.push_back({});
      continue;
    }
    auto pm = read_meta_footer(fd.get());
    if (!pm) return fail(pm.error());
    found.push_back({number, pm->size, pm->etag, pm->last_modified});
    fds.push_back(std::move(fd));
  }
  if (auto r = check_complete_parts(parts, found); !r) return fail(r.error());
  auto temp = new_temp();
  if (!temp) return fail(temp.error());
  auto& body = *static_cast<temp_file*>(temp->get());
  object_meta m = *meta;
  m.size = 0;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    loff_t in_off = 0;
    std::uint64_t left = found[i].size;
    while (left) {
      // copy_file_range keeps the bytes in the kernel (and reflinks where the fs can).
      ssize_t n = ::copy_file_range(fds[i].get(), &in_off, body.fd(), nullptr, left, 0);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return io_error("copy part", body.path());
      }
      left -= static_cast<std::uint64_t>(n);
    }
    m.size += found[i].size;
    m.part_sizes.push_back(found[i].size);
  }
  m.etag = multipart_etag(found);
  m.last_modified = now;
  m.parts_count = static_cast<int>(parts.size());
  // copy_file_range wrote behind temp_file's back; seal writes at the fd's offset.
  if (::lseek(body.fd(), 0, SEEK_END) < 0) return io_error("seek", body.path());
  body.grew_to(m.size);
  if (auto r = commit_file(bucket, body, m, must_not_exist); !r) return fail(r.error());
  // The upload becomes its completion record; its parts go (their blocks are freed on
  // release: they are still open).
  if (auto r = write_small_file(root_ / ".tmp", dir / "completed.json", completion_json(m, parts, now)); !r)
    return fail(r.error());
  std::error_code ec;
  fs::remove(dir / "upload.json", ec);
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind("part-", 0) == 0) fs::remove(e.path(), ec);
  for (auto& fd : fds) release_later(std::move(fd));
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
    if (!text) continue;  // a completed upload
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
