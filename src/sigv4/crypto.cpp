#include <dropslot/sigv4/crypto.hpp>

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace dropslot::sigv4 {
namespace {

// OpenSSL failures here mean a broken installation (no default provider), not a
// bad input, so they throw rather than return a result.
[[noreturn]] void openssl_failed(const char* what) { throw std::runtime_error(std::string("OpenSSL: ") + what); }

void check(int rc, const char* what) {
  if (rc != 1) openssl_failed(what);
}

// Fetched once: EVP_sha256() would re-resolve the provider implementation on each
// EVP_DigestInit_ex call, which costs more than hashing a short string.
const EVP_MD* sha256_md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) openssl_failed("EVP_MD_fetch(SHA256)");
    return m;
  }();
  return md;
}

struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;

md_ctx_ptr new_ctx() {
  md_ctx_ptr c(EVP_MD_CTX_new());
  if (!c) openssl_failed("EVP_MD_CTX_new");
  return c;
}

// One scratch context per thread, so a one-shot hash does not allocate.
EVP_MD_CTX* scratch_ctx() {
  thread_local md_ctx_ptr ctx = new_ctx();
  return ctx.get();
}
EVP_MD_CTX* scratch_ctx2() {
  thread_local md_ctx_ptr ctx = new_ctx();
  return ctx.get();
}

constexpr std::size_t block_size = 64;

}  // namespace

digest sha256(std::span<const std::uint8_t> data) {
  EVP_MD_CTX* c = scratch_ctx();
  check(EVP_DigestInit_ex2(c, sha256_md(), nullptr), "EVP_DigestInit_ex2");
  check(EVP_DigestUpdate(c, data.data(), data.size()), "EVP_DigestUpdate");
  digest out;
  unsigned int n = 0;
  check(EVP_DigestFinal_ex(c, out.data(), &n), "EVP_DigestFinal_ex");
  return out;
}

digest sha256(std::string_view data) {
  return sha256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

// ---- sha256_hasher ----

struct sha256_hasher::impl {
  md_ctx_ptr ctx = new_ctx();
  bool started = false;
  void start() {
    check(EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr), "EVP_DigestInit_ex2");
    started = true;
  }
};

sha256_hasher::sha256_hasher() : impl_(std::make_unique<impl>()) { impl_->start(); }
sha256_hasher::~sha256_hasher() = default;
sha256_hasher::sha256_hasher(sha256_hasher&&) noexcept = default;
sha256_hasher& sha256_hasher::operator=(sha256_hasher&&) noexcept = default;

void sha256_hasher::update(std::span<const std::uint8_t> data) {
  if (!impl_->started) impl_->start();
  check(EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()), "EVP_DigestUpdate");
}

void sha256_hasher::update(std::string_view data) {
  update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

digest sha256_hasher::finish() {
  if (!impl_->started) impl_->start();
  digest out;
  unsigned int n = 0;
  check(EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &n), "EVP_DigestFinal_ex");
  impl_->start();
  return out;
}

// ---- HMAC with precomputed pads ----
//
// HMAC(K, m) = H((K^opad) || H((K^ipad) || m)). The two padded-key blocks are
// hashed once at construction; each mac() copies those states (EVP_MD_CTX_copy_ex)
// and hashes only the message and the inner digest. This is the "inner and outer
// state" cache the presign budget relies on.

struct hmac_sha256_key::impl {
  md_ctx_ptr inner = new_ctx();
  md_ctx_ptr outer = new_ctx();
};

hmac_sha256_key::hmac_sha256_key(std::span<const std::uint8_t> key) : impl_(std::make_unique<impl>()) {
  std::uint8_t k[block_size] = {};
  if (key.size() > block_size) {
    digest d = sha256(key);
    std::memcpy(k, d.data(), d.size());
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  std::uint8_t ipad[block_size];
  std::uint8_t opad[block_size];
  for (std::size_t i = 0; i < block_size; ++i) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  check(EVP_DigestInit_ex2(impl_->inner.get(), sha256_md(), nullptr), "EVP_DigestInit_ex2");
  check(EVP_DigestUpdate(impl_->inner.get(), ipad, block_size), "EVP_DigestUpdate");
  check(EVP_DigestInit_ex2(impl_->outer.get(), sha256_md(), nullptr), "EVP_DigestInit_ex2");
  check(EVP_DigestUpdate(impl_->outer.get(), opad, block_size), "EVP_DigestUpdate");
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(ipad, sizeof ipad);
  OPENSSL_cleanse(opad, sizeof opad);
}

hmac_sha256_key::~hmac_sha256_key() = default;
hmac_sha256_key::hmac_sha256_key(hmac_sha256_key&&) noexcept = default;
hmac_sha256_key& hmac_sha256_key::operator=(hmac_sha256_key&&) noexcept = default;

digest hmac_sha256_key::mac(std::string_view message) const {
  EVP_MD_CTX* c = scratch_ctx2();
  check(EVP_MD_CTX_copy_ex(c, impl_->inner.get()), "EVP_MD_CTX_copy_ex");
  check(EVP_DigestUpdate(c, message.data(), message.size()), "EVP_DigestUpdate");
  digest inner;
  unsigned int n = 0;
  check(EVP_DigestFinal_ex(c, inner.data(), &n), "EVP_DigestFinal_ex");
  check(EVP_MD_CTX_copy_ex(c, impl_->outer.get()), "EVP_MD_CTX_copy_ex");
  check(EVP_DigestUpdate(c, inner.data(), inner.size()), "EVP_DigestUpdate");
  digest out;
  check(EVP_DigestFinal_ex(c, out.data(), &n), "EVP_DigestFinal_ex");
  return out;
}

digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view message) {
  return hmac_sha256_key(key).mac(message);
}

digest hmac_sha256(std::string_view key, std::string_view message) {
  return hmac_sha256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()),
                     message);
}

// ---- encodings ----

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Length is not secret (signatures are fixed-size hex); the content is.
  if (a.size() != b.size()) return false;
  volatile unsigned char acc = 0;
  for (std::size_t i = 0; i < a.size(); ++i) acc = acc | static_cast<unsigned char>(a[i] ^ b[i]);
  return acc == 0;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  if (n < 0) openssl_failed("EVP_EncodeBlock");
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  out.assign(3 * (text.size() / 4) + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t len = static_cast<std::size_t>(n);
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --len;
  out.resize(len);
  return true;
}

}  // namespace dropslot::sigv4
