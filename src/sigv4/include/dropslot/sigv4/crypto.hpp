#pragma once
// All of sigv4's cryptography: SHA-256, HMAC-SHA256, constant-time compare (hex and
// base64 are util/codec.hpp's).
//
// OpenSSL 3 looks an algorithm up by name on every one-shot EVP call (SHA256(),
// HMAC()) and allocates when it copies an EVP_MD_CTX, which costs more than hashing
// a short string; so hashing goes through OpenSSL's SHA256_CTX (a plain struct, same
// assembly) and an HMAC key keeps its padded states as two of them. Every OpenSSL
// return value is checked; a failure there is a broken environment, not an expected
// error, so it throws std::runtime_error.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <dropslot/util/codec.hpp>

namespace dropslot::sigv4 {

/// A SHA-256 digest or an HMAC-SHA256 tag.
using digest = std::array<std::uint8_t, 32>;

/// SHA-256 of `data`. Thread-safe.
digest sha256(std::span<const std::uint8_t> data);
digest sha256(std::string_view data);

/// Lower-case hex SHA-256 of `data` (the form SigV4 puts in canonical requests).
std::string sha256_hex(std::string_view data);

/// Incremental SHA-256 for bodies streamed in pieces (the store hashes uploads
/// through it). Not thread-safe; one per stream. Movable, not copyable.
class sha256_hasher {
 public:
  sha256_hasher();
  ~sha256_hasher();
  sha256_hasher(sha256_hasher&&) noexcept;
  sha256_hasher& operator=(sha256_hasher&&) noexcept;
  sha256_hasher(const sha256_hasher&) = delete;
  sha256_hasher& operator=(const sha256_hasher&) = delete;

  void update(std::span<const std::uint8_t> data);
  void update(std::string_view data);
  /// Returns the digest and resets the hasher so it can be reused.
  digest finish();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// HMAC-SHA256(key, message). Thread-safe.
digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view message);
digest hmac_sha256(std::string_view key, std::string_view message);

/// Remembers an HMAC's inner state after the first 64-byte block of the last message
/// it saw, so that the next message under the same key starting with the same block
/// skips hashing it. SigV4 strings to sign under one key share their first 64 bytes
/// within a second ("AWS4-HMAC-SHA256\n<date and time>\n<scope>..."), which saves
/// one of the ~11 SHA-256 blocks of a presign. Holds key-derived state (wiped on
/// destruction). Not thread-safe: one per thread.
class hmac_first_block_memo {
 public:
  hmac_first_block_memo();
  ~hmac_first_block_memo();
  hmac_first_block_memo(const hmac_first_block_memo&) = delete;
  hmac_first_block_memo& operator=(const hmac_first_block_memo&) = delete;

 private:
  friend class hmac_sha256_key;
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// An HMAC-SHA256 key with its inner (key^ipad) and outer (key^opad) SHA-256 states
/// precomputed, so each MAC skips two compression rounds and the key setup.
/// Immutable after construction; mac() is const and thread-safe.
class hmac_sha256_key {
 public:
  explicit hmac_sha256_key(std::span<const std::uint8_t> key);
  ~hmac_sha256_key();
  hmac_sha256_key(hmac_sha256_key&&) noexcept;
  hmac_sha256_key& operator=(hmac_sha256_key&&) noexcept;
  hmac_sha256_key(const hmac_sha256_key&) = delete;
  hmac_sha256_key& operator=(const hmac_sha256_key&) = delete;

  digest mac(std::string_view message) const;
  /// The same MAC, reusing (and updating) `memo` for the message's first block.
  digest mac(std::string_view message, hmac_first_block_memo& memo) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Writes the lower-case hex of bytes to out (2 * bytes.size() chars, no terminator).
inline void hex_to(char* out, std::span<const std::uint8_t> bytes) noexcept { util::hex_encode_to(out, bytes); }
/// Lower-case hex of a digest (util::hex_encode for other bytes).
inline std::string hex(const digest& d) { return util::hex_encode(std::span<const std::uint8_t>(d)); }

/// The one comparison for secrets, MACs and tokens in dropslot (signatures, session
/// and API tokens, login codes): OpenSSL's CRYPTO_memcmp, whose running time depends
/// only on the length, not on where the inputs differ. Different lengths compare
/// unequal at once: a length is not secret (signatures and token hashes are fixed-size hex).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace dropslot::sigv4
