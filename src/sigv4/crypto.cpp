// OpenSSL 3 deprecates the low-level SHA256_Init/Update/Final, but still ships them,
// and they are the fast path here: a SHA256_CTX is a plain struct, so an HMAC key's
// precomputed inner/outer state is copied by assignment, where EVP_MD_CTX_copy_ex
// allocates a provider context per copy; and a one-shot hash skips the EVP dispatch.
// Measured on the presign hot path (bench presign_cached_key, crypto_floor): see
// docs/benchmarks/presign.md. Hence the suppression, in this file only.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <dropslot/sigv4/crypto.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <atomic>
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

constexpr std::size_t block_size = 64;

}  // namespace

digest sha256(std::span<const std::uint8_t> data) {
  SHA256_CTX c;
  check(SHA256_Init(&c), "SHA256_Init");
  check(SHA256_Update(&c, data.data(), data.size()), "SHA256_Update");
  digest out;
  check(SHA256_Final(out.data(), &c), "SHA256_Final");
  return out;
}

digest sha256(std::string_view data) {
  return sha256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

// ---- sha256_hasher ----

struct sha256_hasher::impl {
  SHA256_CTX ctx;
  void start() { check(SHA256_Init(&ctx), "SHA256_Init"); }
};

sha256_hasher::sha256_hasher() : impl_(std::make_unique<impl>()) { impl_->start(); }
sha256_hasher::~sha256_hasher() = default;
sha256_hasher::sha256_hasher(sha256_hasher&&) noexcept = default;
sha256_hasher& sha256_hasher::operator=(sha256_hasher&&) noexcept = default;

void sha256_hasher::update(std::span<const std::uint8_t> data) {
  check(SHA256_Update(&impl_->ctx, data.data(), data.size()), "SHA256_Update");
}

void sha256_hasher::update(std::string_view data) {
  update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

digest sha256_hasher::finish() {
  digest out;
  check(SHA256_Final(out.data(), &impl_->ctx), "SHA256_Final");
  impl_->start();
  return out;
}

// ---- HMAC with precomputed pads ----
//
// HMAC(K, m) = H((K^opad) || H((K^ipad) || m)). The two padded-key blocks are
// hashed once at construction; each mac() copies those states (a struct copy, no
// allocation) and hashes only the message and the inner digest. This is the "inner
// and outer state" cache the presign budget relies on.

struct hmac_sha256_key::impl {
  SHA256_CTX inner;
  SHA256_CTX outer;
  // Names this key for hmac_first_block_memo, unique for the process's lifetime (an
  // address could be reused by another key after this one is freed).
  std::uint64_t id = next_id.fetch_add(1, std::memory_order_relaxed);
  static inline std::atomic<std::uint64_t> next_id{1};
  ~impl() {
    OPENSSL_cleanse(&inner, sizeof inner);
    OPENSSL_cleanse(&outer, sizeof outer);
  }
};

struct hmac_first_block_memo::impl {
  std::uint64_t key_id = 0;  // 0: holds nothing yet
  std::uint8_t block[block_size];
  SHA256_CTX state;  // the key's inner state after `block`
  ~impl() { OPENSSL_cleanse(&state, sizeof state); }
};

hmac_first_block_memo::hmac_first_block_memo() : impl_(std::make_unique<impl>()) {}
hmac_first_block_memo::~hmac_first_block_memo() = default;

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
  check(SHA256_Init(&impl_->inner), "SHA256_Init");
  check(SHA256_Update(&impl_->inner, ipad, block_size), "SHA256_Update");
  check(SHA256_Init(&impl_->outer), "SHA256_Init");
  check(SHA256_Update(&impl_->outer, opad, block_size), "SHA256_Update");
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(ipad, sizeof ipad);
  OPENSSL_cleanse(opad, sizeof opad);
}

hmac_sha256_key::~hmac_sha256_key() = default;
hmac_sha256_key::hmac_sha256_key(hmac_sha256_key&&) noexcept = default;
hmac_sha256_key& hmac_sha256_key::operator=(hmac_sha256_key&&) noexcept = default;

namespace {

// Finishes an HMAC whose inner hash has absorbed the whole message.
digest finish_hmac(SHA256_CTX& inner_ctx, const SHA256_CTX& outer_start) {
  digest inner;
  check(SHA256_Final(inner.data(), &inner_ctx), "SHA256_Final");
  SHA256_CTX c = outer_start;
  check(SHA256_Update(&c, inner.data(), inner.size()), "SHA256_Update");
  digest out;
  check(SHA256_Final(out.data(), &c), "SHA256_Final");
  return out;
}

}  // namespace

digest hmac_sha256_key::mac(std::string_view message) const {
  SHA256_CTX c = impl_->inner;
  check(SHA256_Update(&c, message.data(), message.size()), "SHA256_Update");
  return finish_hmac(c, impl_->outer);
}

digest hmac_sha256_key::mac(std::string_view message, hmac_first_block_memo& memo) const {
  if (message.size() < block_size) return mac(message);
  hmac_first_block_memo::impl& m = *memo.impl_;
  SHA256_CTX c;
  if (m.key_id == impl_->id && std::memcmp(m.block, message.data(), block_size) == 0) {
    c = m.state;
  } else {
    c = impl_->inner;
    check(SHA256_Update(&c, message.data(), block_size), "SHA256_Update");
    m.key_id = impl_->id;
    std::memcpy(m.block, message.data(), block_size);
    m.state = c;
  }
  check(SHA256_Update(&c, message.data() + block_size, message.size() - block_size), "SHA256_Update");
  return finish_hmac(c, impl_->outer);
}

digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view message) {
  return hmac_sha256_key(key).mac(message);
}

digest hmac_sha256(std::string_view key, std::string_view message) {
  return hmac_sha256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()),
                     message);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace dropslot::sigv4
