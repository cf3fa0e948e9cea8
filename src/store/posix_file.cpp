#include "posix_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "checksums.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {

constexpr char footer_magic[4] = {'D', 'S', 'O', '1'};

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

}  // namespace

unexpected<error> io_error(const char* what, const fs::path& p) {
  return fail(s3_errc::internal_error, std::string(what) + " " + p.string() + ": " + std::strerror(errno));
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
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

result<std::size_t> file_body::read_at(std::uint64_t offset, char* p, std::size_t n) const {
  for (;;) {
    ssize_t r = ::pread(fd_.get(), p, n, static_cast<off_t>(offset));
    if (r >= 0) return static_cast<std::size_t>(r);
    if (errno != EINTR) return io_error("read", "object");
  }
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

}  // namespace dropslot::store
