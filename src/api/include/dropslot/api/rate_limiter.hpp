#pragma once
// Per-key token buckets in memory (the per-customer limit on upload-url). A
// process-local limit: under Lambda each instance keeps its own buckets, which
// bounds a single customer's burst per instance, not globally.
#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dropslot::api {

/// Token buckets keyed by a string (customer id). Thread-safe: the map is split
/// into shards, each with its own mutex, so concurrent customers rarely contend.
/// Time comes in as a value; the limiter never reads a clock.
class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  /// `rate_per_second` tokens are added each second up to `burst`. A
  /// non-positive rate disables the limit.
  rate_limiter(double rate_per_second, double burst);

  /// Takes one token for `key` at time `now`. Returns 0 when allowed, otherwise
  /// the whole seconds (>= 1) until a token is available: the Retry-After value.
  long acquire(std::string_view key, clock::time_point now);

 private:
  struct bucket {
    double tokens;
    clock::time_point last;
  };
  struct shard {
    std::mutex mu;
    std::unordered_map<std::string, bucket> buckets;
  };
  static constexpr std::size_t shard_count = 16;
  double rate_;
  double burst_;
  std::array<shard, shard_count> shards_;
};

}  // namespace dropslot::api
