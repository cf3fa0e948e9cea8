#pragma once
// A short-lived per-process cache in front of lookup_session (db part internals).
//
// Revocation stays immediate in this process: a revoke erases entries and bumps a
// generation, and a lookup that started before the revoke never stores its (now stale)
// answer. Keys are token hashes, never tokens.
//
// A backend calls erase()/erase_customer() AFTER its database write has committed,
// never before: erased first, a lookup between the erase and the write would read the
// still-valid row under the new generation and cache it again (the logout race of
// issue 17). Erased after, every lookup either took its generation before the erase (its
// put is refused) or read the database after the write (no row).
// Test: session_revoke_test.cpp, on every backend.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <dropslot/db/records.hpp>

namespace dropslot::db::detail {

class session_cache {
 public:
  explicit session_cache(std::chrono::seconds ttl) : ttl_(ttl) {}

  bool enabled() const noexcept { return ttl_.count() > 0; }
  /// The generation to hand back to put(): read it before asking the database.
  std::uint64_t generation() const;
  std::optional<session> find(const std::string& token_hash, timestamp now) const;
  /// Stores a database answer unless a revoke happened since `generation`.
  void put(const session& s, timestamp now, std::uint64_t generation);
  void erase(const std::string& token_hash);
  void erase_customer(customer_id customer);

 private:
  struct entry {
    session value;
    timestamp cached_until;
  };
  static constexpr std::size_t max_entries = 100000;
  std::chrono::seconds ttl_;
  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace dropslot::db::detail
