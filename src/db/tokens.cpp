#include <dropslot/db/tokens.hpp>
#include <dropslot/util/codec.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace dropslot::db {
namespace {

// Fetched once: EVP_Digest with a name lookup per call is several times slower
// (DESIGN.md, Dependencies: crypto), and lookup_session hashes on every request.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("CSPRNG failure");
  return util::hex_encode(std::span<const std::uint8_t>(bytes));
}

std::string hash_token(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const EVP_MD* md = sha256_md();
  if (md == nullptr || EVP_Digest(token.data(), token.size(), digest, &len, md, nullptr) != 1)
    throw std::runtime_error("SHA-256 failure");
  return util::hex_encode(std::span<const std::uint8_t>(digest, len));
}

}  // namespace dropslot::db
