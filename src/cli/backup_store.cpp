// The store's half of admin backup/restore (backup_parts.hpp). Why a hard link is a
// consistent copy: the store never changes an object file in place (a PUT renames a new
// file over the key's path, a DELETE unlinks), so a link holds one committed version,
// frozen; a copy reads one version through one open descriptor (store/disk_store.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "backup_parts.hpp"

namespace dropslot::cli::backup {
namespace {

/// Hard-links `src` at `dst` when `link` and the filesystem allow, else copies. A file
/// gone meanwhile (a DELETE) is not an error: returns false.
outcome<bool> link_or_copy(const fs::path& src, const fs::path& dst, bool link, counts& c) {
  if (link) {
    if (::link(src.c_str(), dst.c_str()) == 0) {
      ++c.linked;
      return true;
    }
    if (errno == ENOENT) return false;
    if (errno != EXDEV && errno != EPERM && errno != EMLINK)
      return failed("link " + src.string() + ": " + std::strerror(errno));
  }
  if (auto r = copy_bytes(src, dst); !r) {
    std::error_code ec;
    if (!fs::exists(src, ec)) return false;
    return failed(r.error().message);
  }
  return true;
}

}  // namespace

/// Copies the file behind `src` to `dst` (created, 0600): read from one descriptor, so
/// a rename over `src` meanwhile cannot mix two versions.
outcome<> copy_bytes(const fs::path& src, const fs::path& dst) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return failed("open " + src.string() + ": " + std::strerror(errno));
  int out = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    return failed("create " + dst.string() + ": " + std::strerror(errno));
  }
  char buf[1 << 16];
  std::string problem;
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      problem = "read " + src.string() + ": " + std::strerror(errno);
      break;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        problem = "write " + dst.string() + ": " + std::strerror(errno);
        break;
      }
      off += w;
    }
    if (!problem.empty()) break;
  }
  ::close(in);
  if (::close(out) != 0 && problem.empty()) problem = "close " + dst.string() + ": " + std::strerror(errno);
  if (!problem.empty()) return failed(problem);
  return {};
}

/// The store's committed state under `from` (a data folder's s3/) into `to`.
outcome<> copy_store(const fs::path& from, const fs::path& to, bool link, counts& c) {
  std::error_code ec;
  if (!fs::exists(from, ec)) return {};
  fs::create_directories(to / "buckets", ec);
  if (ec) return failed("create " + (to / "buckets").string() + ": " + ec.message());
  if (fs::exists(from / "credentials", ec))
    if (auto r = copy_bytes(from / "credentials", to / "credentials"); !r) return r;
  for (const auto& b : fs::directory_iterator(from / "buckets", ec)) {
    if (!b.is_directory()) continue;
    const std::string name = b.path().filename().string();
    const fs::path dst = to / "buckets" / name;
    fs::create_directories(dst / "objects", ec);
    if (ec) return failed("create " + dst.string() + ": " + ec.message());
    c.buckets.push_back(name);
    for (const char* small : {"bucket.json", "cors.xml"})
      if (fs::exists(b.path() / small, ec))
        if (auto r = link_or_copy(b.path() / small, dst / small, false, c); !r) return failed(r.error().message);
    const fs::path objects = b.path() / "objects";
    if (!fs::exists(objects, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(objects, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      const fs::path rel = fs::relative(it->path(), objects);
      std::error_code sec;
      if (it->is_directory(sec)) {
        fs::create_directories(dst / "objects" / rel, sec);
        if (sec) return failed("create " + (dst / "objects" / rel).string() + ": " + sec.message());
        continue;
      }
      if (!it->is_regular_file(sec)) continue;
      fs::create_directories((dst / "objects" / rel).parent_path(), sec);
      auto done = link_or_copy(it->path(), dst / "objects" / rel, link, c);
      if (!done) return failed(done.error().message);
      if (*done) {
        ++c.objects;
        c.bytes += fs::file_size(dst / "objects" / rel, sec);
      }
    }
    // A folder removed under the walk (an emptied fan-out folder) ends the walk with
    // ENOENT; anything else is a failure.
    if (ec && ec != std::errc::no_such_file_or_directory) return failed("read " + objects.string() + ": " + ec.message());
    ec.clear();
  }
  if (ec) return failed("read " + (from / "buckets").string() + ": " + ec.message());
  return {};
}

}  // namespace dropslot::cli::backup
