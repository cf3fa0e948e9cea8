#include "checksums.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "md5.hpp"

namespace dropslot::store {

namespace {

// EVP_MD_fetch once: the implicit lookup inside EVP_get_digestbyname/one-shot calls
// costs more than hashing a small chunk (DESIGN.md, crypto).
const EVP_MD* fetched(evp_digest::kind k) {
  static const EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  switch (k) {
    case evp_digest::kind::md5: return md5;
    case evp_digest::kind::sha256: return sha256;
    case evp_digest::kind::sha1: return sha1;
  }
  return nullptr;
}

using table = std::array<std::array<std::uint32_t, 256>, 8>;

table make_table(std::uint32_t poly) {
  table t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i)
    for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  return t;
}

const table& crc_table(crc32_hasher::kind k) {
  static const table ieee = make_table(0xEDB88320u);
  static const table castagnoli = make_table(0x82F63B78u);
  return k == crc32_hasher::kind::crc32 ? ieee : castagnoli;
}

}  // namespace

evp_digest::evp_digest(kind k) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), fetched(k), nullptr) != 1)
    throw std::runtime_error("EVP_DigestInit_ex failed");
}

evp_digest::~evp_digest() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void evp_digest::update(const void* p, std::size_t n) {
  if (n && EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), p, n) != 1)
    throw std::runtime_error("EVP_DigestUpdate failed");
}

std::string evp_digest::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out, &len) != 1)
    throw std::runtime_error("EVP_DigestFinal_ex failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

void crc32_hasher::update(const void* data, std::size_t n) {
  const auto& t = crc_table(kind_);
  auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = crc_;
  while (n >= 8) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);  // little-endian host (x86-64, aarch64)
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
  crc_ = c;
}

std::string crc32_hasher::digest() const {
  std::uint32_t v = value();
  std::string out(4, '\0');
  out[0] = static_cast<char>(v >> 24);
  out[1] = static_cast<char>(v >> 16);
  out[2] = static_cast<char>(v >> 8);
  out[3] = static_cast<char>(v);
  return out;
}

std::optional<checksum_algorithm> parse_checksum_algorithm(std::string_view name) {
  std::string n;
  for (char c : name) n += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (n == "crc32") return checksum_algorithm::crc32;
  if (n == "crc32c") return checksum_algorithm::crc32c;
  if (n == "sha256") return checksum_algorithm::sha256;
  if (n == "sha1") return checksum_algorithm::sha1;
  return std::nullopt;
}

std::string checksum_header_name(checksum_algorithm a) {
  switch (a) {
    case checksum_algorithm::crc32: return "x-amz-checksum-crc32";
    case checksum_algorithm::crc32c: return "x-amz-checksum-crc32c";
    case checksum_algorithm::sha256: return "x-amz-checksum-sha256";
    case checksum_algorithm::sha1: return "x-amz-checksum-sha1";
    case checksum_algorithm::none: break;
  }
  return {};
}

body_digests::~body_digests() = default;

body_digests::body_digests(bool want_sha256, checksum_algorithm extra, bool md5_by_caller) : extra_(extra) {
  if (!md5_by_caller) md5_ctx_ = std::make_unique<md5_digest>();
  if (want_sha256 || extra == checksum_algorithm::sha256)
    sha_ctx_ = std::make_unique<evp_digest>(evp_digest::kind::sha256);
  if (extra == checksum_algorithm::sha1) sha1_ctx_ = std::make_unique<evp_digest>(evp_digest::kind::sha1);
  if (extra == checksum_algorithm::crc32) crc_.emplace(crc32_hasher::kind::crc32);
  if (extra == checksum_algorithm::crc32c) crc_.emplace(crc32_hasher::kind::crc32c);
}

void body_digests::update(const void* p, std::size_t n) {
  size_ += n;
  if (md5_ctx_) md5_ctx_->update(p, n);
  if (sha_ctx_) sha_ctx_->update(p, n);
  if (sha1_ctx_) sha1_ctx_->update(p, n);
  if (crc_) crc_->update(p, n);
}

void body_digests::finish() {
  if (md5_ctx_) md5_ = md5_ctx_->finish();
  if (sha_ctx_) sha256_ = sha_ctx_->finish();
  if (crc_) checksum_ = crc_->digest();
  if (extra_ == checksum_algorithm::sha256) checksum_ = sha256_;
  if (sha1_ctx_) checksum_ = sha1_ctx_->finish();
}

}  // namespace dropslot::store
