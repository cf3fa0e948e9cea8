#pragma once
// Streaming digests a PUT body runs through: MD5 (the ETag and Content-MD5), SHA-256
// (x-amz-content-sha256 and x-amz-checksum-sha256), CRC32 and CRC32C
// (x-amz-checksum-crc32/crc32c). Each is fed in pieces and finished once.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dropslot::store {

class md5_digest;

/// MD5, SHA-256 or SHA-1 over OpenSSL EVP (fetched once per process, not per call).
class evp_digest {
 public:
  enum class kind { md5, sha256, sha1 };
  explicit evp_digest(kind k);
  ~evp_digest();
  evp_digest(const evp_digest&) = delete;
  evp_digest& operator=(const evp_digest&) = delete;
  void update(const void* p, std::size_t n);
  /// The raw digest; the object is finished afterwards.
  std::string finish();

 private:
  void* ctx_;
};

/// CRC-32 (IEEE, as zlib) and CRC-32C (Castagnoli), slicing-by-8 tables.
class crc32_hasher {
 public:
  enum class kind { crc32, crc32c };
  explicit crc32_hasher(kind k) : kind_(k) {}
  void update(const void* p, std::size_t n);
  std::uint32_t value() const { return ~crc_; }
  /// Big-endian 4 bytes, as S3 base64-encodes it.
  std::string digest() const;

 private:
  kind kind_;
  std::uint32_t crc_ = 0xFFFFFFFFu;
};

/// Which x-amz-checksum-* algorithm a request names.
enum class checksum_algorithm { none, crc32, crc32c, sha256, sha1 };
std::optional<checksum_algorithm> parse_checksum_algorithm(std::string_view name);  // "CRC32", "crc32c"...
/// "x-amz-checksum-crc32" etc.
std::string checksum_header_name(checksum_algorithm a);


/// Every digest a stored body needs, fed once per byte. With `md5_by_caller`, MD5 is
/// computed elsewhere (md5_pipeline.hpp, over the blocks of a large body) and given
/// with set_md5() before finish().
class body_digests {
 public:
  explicit body_digests(bool want_sha256, checksum_algorithm extra, bool md5_by_caller = false);
  ~body_digests();
  void update(const void* p, std::size_t n);
  void set_md5(std::string raw) { md5_ = std::move(raw); }
  void finish();
  const std::string& md5() const { return md5_; }            // raw
  const std::string& sha256() const { return sha256_; }      // raw, empty unless wanted
  const std::string& checksum() const { return checksum_; }  // raw digest of `extra`
  checksum_algorithm algorithm() const { return extra_; }
  std::uint64_t size() const { return size_; }

 private:
  std::unique_ptr<md5_digest> md5_ctx_;
  std::unique_ptr<evp_digest> sha_ctx_;
  std::unique_ptr<evp_digest> sha1_ctx_;
  std::optional<crc32_hasher> crc_;
  checksum_algorithm extra_;
  std::string md5_, sha256_, checksum_;
  std::uint64_t size_ = 0;
};

}  // namespace dropslot::store
