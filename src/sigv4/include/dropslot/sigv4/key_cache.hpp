#pragma once
// A process-wide cache of derived signing keys.
//
// Deriving kSigning costs four HMACs (~1 µs); a presign with a cached key must stay
// under 1 µs (DESIGN.md budgets). Keys change once a day per (secret, region,
// service), so a small map is enough.
#include <cstddef>
#include <memory>
#include <string_view>

#include <dropslot/sigv4/signing_key.hpp>

namespace dropslot::sigv4 {

/// Maps (secret, date, region, service) to a shared signing_key.
/// Thread-safe: many threads may call get() at once (readers share a lock). When
/// full, the cache is cleared and refilled (entries are cheap to rebuild). Entries
/// are keyed by the tuple itself, so the cache holds a copy of each secret (in the
/// same process that already holds the credentials).
class key_cache {
 public:
  explicit key_cache(std::size_t capacity = 1024);
  ~key_cache();
  key_cache(const key_cache&) = delete;
  key_cache& operator=(const key_cache&) = delete;

  /// Returns the cached key, deriving and inserting it on a miss. `date` is YYYYMMDD.
  std::shared_ptr<const signing_key> get(const secret_access_key& secret, std::string_view date,
                                         std::string_view region, std::string_view service);

  std::size_t size() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dropslot::sigv4
