#include <dropslot/sigv4/signing_key.hpp>

#include <string>

namespace dropslot::sigv4 {

signing_key::signing_key(const digest& raw) : raw_(raw), hmac_(std::span<const std::uint8_t>(raw_)) {}

digest derive_signing_key_bytes(const secret_access_key& secret, std::string_view date, std::string_view region,
                                std::string_view service) {
  std::string k0 = "AWS4";
  k0 += secret.reveal();
  digest k_date = hmac_sha256(k0, date);
  std::fill(k0.begin(), k0.end(), '\0');  // do not leave the secret in a freed buffer
  digest k_region = hmac_sha256(k_date, region);
  digest k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

signing_key derive_signing_key(const secret_access_key& secret, std::string_view date, std::string_view region,
                               std::string_view service) {
  return signing_key(derive_signing_key_bytes(secret, date, region, service));
}

}  // namespace dropslot::sigv4
