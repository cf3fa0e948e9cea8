#pragma once
// The storage interface under the S3 engine, as leveldb's Env is under its DB: what the
// engine needs from wherever bytes live, and nothing about S3 itself. Two implementations:
//
//   disk_store   (disk_store.hpp)   POSIX files under a data folder: durable, the server's
//   memory_store (memory_store.hpp) maps in memory: the engine's tests, no folder
//
// The engine sees no file descriptor, path or fsync; it writes bodies into a
// `temp_object`, commits it atomically under a key, and reads through `object_body`.
// Both implementations pass the same conformance tests (storage_conformance_test.cpp).
//
// Thread safety: every member of a storage may be called concurrently.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "key_index.hpp"
#include "object_meta.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

/// Where a new object's bytes go before commit. Dropped uncommitted, it leaves nothing.
class object_writer {
 public:
  virtual ~object_writer() = default;
  /// Appends all of `bytes` (InternalError on a write failure, e.g. a full disk).
  virtual result<void> write(std::string_view bytes) = 0;
  virtual std::uint64_t size() const = 0;
  /// A hint that large aligned blocks follow (disk_store: O_DIRECT); false when ignored.
  virtual bool enable_direct() { return false; }
  virtual bool direct() const { return false; }
};

/// A temporary object: a movable handle on a storage's object_writer.
class temp_object {
 public:
  temp_object() = default;
  explicit temp_object(std::unique_ptr<object_writer> w) : w_(std::move(w)) {}
  result<void> write(std::string_view bytes) { return w_->write(bytes); }
  std::uint64_t size() const { return w_->size(); }
  bool enable_direct() { return w_->enable_direct(); }
  bool direct() const { return w_->direct(); }
  object_writer* get() const { return w_.get(); }
  std::unique_ptr<object_writer> release() { return std::move(w_); }

 private:
  std::unique_ptr<object_writer> w_;
};

/// The bytes of one committed object, as they were when it was opened (a writer that
/// replaces the key meanwhile does not change them).
class object_body {
 public:
  virtual ~object_body() = default;
  /// Reads up to `n` bytes at `offset` of the object's data; 0 at its end.
  virtual result<std::size_t> read_at(std::uint64_t offset, char* p, std::size_t n) const = 0;
  /// A file descriptor holding the data at the same offsets, for sendfile; -1 when the
  /// bytes are not in a file. Only the connection uses it.
  virtual int file_descriptor() const { return -1; }
};

/// An object opened for reading.
struct object_reader {
  std::shared_ptr<const object_body> body;
  object_meta meta;
};

struct bucket_entry {
  std::string name;
  std::chrono::sys_seconds created{};
};

struct upload_entry {
  std::string id;
  std::string key;
  std::chrono::sys_seconds initiated{};
};

struct part_entry {
  int number = 0;
  std::uint64_t size = 0;
  std::string etag;
  std::chrono::sys_seconds last_modified{};
};

/// The parts a CompleteMultipartUpload names: (number, ETag) in the request's order.
using part_list = std::vector<std::pair<int, std::string>>;

class storage {
 public:
  virtual ~storage() = default;

  // Buckets.
  virtual result<void> create_bucket(std::string_view name, std::chrono::sys_seconds now, bool exist_ok) = 0;
  virtual bool bucket_exists(std::string_view name) const = 0;
  /// BucketNotEmpty when it holds objects.
  virtual result<void> delete_bucket(std::string_view name) = 0;
  virtual std::vector<bucket_entry> list_buckets() const = 0;
  // Bucket configuration (the CORS document, as XML).
  virtual result<std::optional<std::string>> get_cors(std::string_view bucket) const = 0;
  virtual result<void> put_cors(std::string_view bucket, std::string_view xml) = 0;
  virtual result<void> delete_cors(std::string_view bucket) = 0;

  // Objects.
  virtual result<temp_object> new_temp() const = 0;
  /// Makes `body` the key's object with `meta`, atomically and durably. With
  /// `must_not_exist`, PreconditionFailed (and nothing changes) when the key exists then.
  virtual result<void> commit_object(std::string_view bucket, temp_object body, const object_meta& meta,
                                     bool must_not_exist) = 0;
  /// NoSuchBucket / NoSuchKey.
  virtual result<object_reader> open_object(std::string_view bucket, std::string_view key) const = 0;
  /// The key's index entry; nullopt when absent (an early answer only: commit_object
  /// checks again atomically).
  virtual std::optional<index_entry> stat_object(std::string_view bucket, std::string_view key) const = 0;
  /// Removes the key if present (S3 answers 204 either way).
  virtual result<void> delete_object(std::string_view bucket, std::string_view key) = 0;
  /// One page of keys: under a prefix, strictly after a marker, bounded (list_request).
  virtual result<list_result> list(std::string_view bucket, const list_request& req) const = 0;

  // Multipart uploads.
  virtual result<std::string> create_upload(std::string_view bucket, const object_meta& meta,
                                            std::chrono::sys_seconds now) = 0;
  /// The metadata given at creation (NoSuchUpload, also once completed).
  virtual result<object_meta> upload_meta(std::string_view bucket, std::string_view id) const = 0;
  virtual result<void> commit_part(std::string_view bucket, std::string_view id, int number, temp_object body,
                                   const object_meta& part_meta) = 0;
  virtual result<std::vector<part_entry>> list_parts(std::string_view bucket, std::string_view id) const = 0;
  /// Assembles the parts in order into the upload's key. InvalidPartOrder, InvalidPart,
  /// EntityTooSmall (every part but the last ≥ 5 MiB), NoSuchUpload. The upload's key must
  /// be `key` (NoSuchUpload otherwise). Called again after success with the same parts,
  /// it answers the same metadata without changing anything (S3 keeps a completed upload
  /// answerable for a while, so a client whose first answer was lost can retry).
  virtual result<object_meta> complete_upload(std::string_view bucket, std::string_view id, std::string_view key,
                                              const part_list& parts, std::chrono::sys_seconds now,
                                              bool must_not_exist) = 0;
  virtual result<void> abort_upload(std::string_view bucket, std::string_view id) = 0;
  virtual result<std::vector<upload_entry>> list_uploads(std::string_view bucket, std::string_view prefix) const = 0;
};

/// S3's smallest part (all but the last of a multipart object).
inline constexpr std::uint64_t min_part_size = 5ull * 1024 * 1024;

/// Checks a Complete's part list against the uploaded parts (in request order, each
/// (number, etag, size)) as S3 does: order, ETags, sizes. Shared by both storages.
result<void> check_complete_parts(const part_list& requested, const std::vector<part_entry>& found);

/// `bytes` random bytes from OpenSSL's CSPRNG (RAND_bytes), as lower-case hex: upload ids
/// and temporary names, which must not be guessable.
std::string random_hex(std::size_t bytes);

/// An ETag without its quotes ("\"abc\"" → "abc"; unquoted text as it is).
std::string_view unquote_etag(std::string_view etag);

/// The multipart ETag: "<hex MD5 of the parts' binary MD5s>-<count>".
std::string multipart_etag(const std::vector<part_entry>& parts);

}  // namespace dropslot::store
