#include "session_cache.hpp"

namespace dropslot::db::detail {

std::uint64_t session_cache::generation() const {
  std::lock_guard lk(mutex_);
  return generation_;
}

std::optional<session> session_cache::find(const std::string& token_hash, timestamp now) const {
  std::lock_guard lk(mutex_);
  auto it = entries_.find(token_hash);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.cached_until || now >= it->second.value.expires_at) return std::nullopt;
  return it->second.value;
}

void session_cache::put(const session& s, timestamp now, std::uint64_t generation) {
  std::lock_guard lk(mutex_);
  if (generation != generation_) return;
  // Bounded memory: dropping everything is crude but cheap, and the cache refills from
  // the database within one TTL.
  if (entries_.size() >= max_entries) entries_.clear();
  entries_.insert_or_assign(s.token_hash, entry{s, now + ttl_});
}

void session_cache::erase(const std::string& token_hash) {
  std::lock_guard lk(mutex_);
  ++generation_;
  entries_.erase(token_hash);
}

void session_cache::erase_customer(customer_id customer) {
  std::lock_guard lk(mutex_);
  ++generation_;
  std::erase_if(entries_, [customer](const auto& kv) { return kv.second.value.customer == customer; });
}

}  // namespace dropslot::db::detail
