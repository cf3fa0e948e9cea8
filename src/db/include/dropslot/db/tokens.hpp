#pragma once
// Secrets the database hands out (session tokens, login codes) and how they are stored.
#include <string>
#include <string_view>

namespace dropslot::db {

/// 256 bits from the OpenSSL CSPRNG as 64 lowercase hex characters. Throws only when
/// the CSPRNG fails (a broken invariant on a healthy machine).
std::string random_token();

/// The stored form of a token or code: lowercase hex SHA-256 (64 characters).
std::string hash_token(std::string_view token);

// Comparing a secret: sigv4::constant_time_equal (the one CRYPTO_memcmp wrapper).

}  // namespace dropslot::db
