#pragma once
// The derived SigV4 signing key (kSigning) and its derivation.
#include <chrono>
#include <string>
#include <string_view>

#include <dropslot/sigv4/credentials.hpp>
#include <dropslot/sigv4/crypto.hpp>

namespace dropslot::sigv4 {

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"),
/// held with its HMAC inner/outer state precomputed, so signing a string-to-sign costs
/// only the message blocks. Immutable; share it through std::shared_ptr<const signing_key>
/// (key_cache does). Thread-safe.
class signing_key {
 public:
  explicit signing_key(const digest& raw);

  /// The 32 raw key bytes (compared byte for byte in the vector tests).
  const digest& bytes() const noexcept { return raw_; }
  /// HMAC-SHA256(kSigning, message).
  digest mac(std::string_view message) const { return hmac_.mac(message); }
  /// The same, reusing `memo` for the first 64 bytes (see hmac_first_block_memo).
  digest mac(std::string_view message, hmac_first_block_memo& memo) const { return hmac_.mac(message, memo); }
  /// Lower-case hex HMAC-SHA256(kSigning, string_to_sign): the SigV4 signature.
  std::string sign(std::string_view string_to_sign) const { return hex(mac(string_to_sign)); }

 private:
  digest raw_;
  hmac_sha256_key hmac_;
};

/// Derives kSigning. `date` is the scope date YYYYMMDD.
digest derive_signing_key_bytes(const secret_access_key& secret, std::string_view date,
                                std::string_view region, std::string_view service);
signing_key derive_signing_key(const secret_access_key& secret, std::string_view date,
                               std::string_view region, std::string_view service);

}  // namespace dropslot::sigv4
