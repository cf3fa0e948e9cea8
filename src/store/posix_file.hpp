#pragma once
// The file primitives disk_store is built of: a descriptor that closes itself, the
// temporary file a body is written into (O_DIRECT blocks, buffered tail, sealed with the
// metadata footer and fsynced), a committed object's bytes read with pread, and small
// files written atomically (bucket.json, cors.xml, upload.json).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "object_meta.hpp"
#include "storage.hpp"
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
class temp_file final : public object_writer {
 public:
  static constexpr std::size_t direct_alignment = 4096;

  temp_file(unique_fd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  temp_file(temp_file&&) noexcept = default;
  temp_file& operator=(temp_file&&) noexcept = default;
  ~temp_file() override;
  /// Asks for O_DIRECT on the following writes; false when the filesystem refuses it
  /// (the writes are then buffered).
  bool enable_direct() override;
  bool direct() const override { return direct_; }
  /// Appends all of `bytes` (InternalError on a write failure, e.g. a full disk). In
  /// direct mode the aligned prefix goes direct and any unaligned rest ends direct mode.
  result<void> write(std::string_view bytes) override;
  std::uint64_t size() const override { return size_; }
  int fd() const { return fd_.get(); }
  const fs::path& path() const { return path_; }
  /// Bytes written behind this object's back (copy_file_range) now count.
  void grew_to(std::uint64_t size) { size_ = size; }
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

/// A committed object file opened for reading: the data is at offsets [0, size) (the
/// footer follows it), so the descriptor serves sendfile as it is.
class file_body final : public object_body {
 public:
  explicit file_body(unique_fd fd) : fd_(std::move(fd)) {}
  result<std::size_t> read_at(std::uint64_t offset, char* p, std::size_t n) const override;
  int file_descriptor() const override { return fd_.get(); }

 private:
  unique_fd fd_;
};

/// Reads the metadata footer of an object or part file.
result<object_meta> read_meta_footer(int fd);

/// InternalError naming the operation, the path and errno.
unexpected<error> io_error(const char* what, const fs::path& p);
/// Durability of a rename needs the directory entry on disk too.
void fsync_dir(const fs::path& dir);
bool write_all(int fd, const char* p, std::size_t n);
/// Writes `content` to a temporary in `tmp_dir`, fsyncs it and renames it to `target`.
result<void> write_small_file(const fs::path& tmp_dir, const fs::path& target, std::string_view content);
std::optional<std::string> read_small_file(const fs::path& p);

}  // namespace dropslot::store
