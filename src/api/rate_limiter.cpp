#include "dropslot/api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace dropslot::api {

rate_limiter::rate_limiter(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)) {}

long rate_limiter::acquire(std::string_view key, clock::time_point now) {
  if (rate_ <= 0) return 0;
  auto& s = shards_[std::hash<std::string_view>{}(key) % shard_count];
  std::lock_guard lock(s.mu);
  auto it = s.buckets.find(std::string(key));
  if (it == s.buckets.end()) {
    // Bounded memory: buckets that have refilled completely carry no state worth
    // keeping, so a large map is swept of them before growing further.
    if (s.buckets.size() >= 4096) {
      std::erase_if(s.buckets, [&](const auto& kv) {
        std::chrono::duration<double> idle = now - kv.second.last;
        return kv.second.tokens + idle.count() * rate_ >= burst_;
      });
    }
    it = s.buckets.emplace(std::string(key), bucket{burst_, now}).first;
  }
  auto& b = it->second;
  std::chrono::duration<double> elapsed = now - b.last;
  if (elapsed.count() > 0) {
    b.tokens = std::min(burst_, b.tokens + elapsed.count() * rate_);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1L, static_cast<long>(std::ceil((1.0 - b.tokens) / rate_)));
}

}  // namespace dropslot::api
