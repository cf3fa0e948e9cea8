#pragma once
// A latency histogram Prometheus can take quantiles of: fixed bucket bounds in
// seconds, one atomic counter per bucket and the sum in nanoseconds. Recording is
// two relaxed atomic additions: no lock, no allocation. Exposed as `_bucket{le=...}`
// (cumulative, ending with "+Inf"), `_sum` and `_count`; `_count` is the sum of the
// buckets read, so it always equals the "+Inf" bucket.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace dropslot::metrics {

/// Upper bounds (`le`) of the finite buckets, in nanoseconds: 100 µs to 10 s, the span
/// from an answer out of memory to a slow store or database call.
inline constexpr std::array<std::uint64_t, 16> bucket_bounds_ns = {
    100'000,     250'000,     500'000,       1'000'000,     2'500'000,     5'000'000,
    10'000'000,  25'000'000,  50'000'000,    100'000'000,   250'000'000,   500'000'000,
    1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

/// The `le` label of each finite bucket, as written in the exposition.
inline constexpr std::array<const char*, 16> bucket_labels = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10"};

/// A consistent-enough read of a histogram: per-bucket counts (not cumulative; the
/// last is "+Inf" only), their total and the sum.
struct histogram_snapshot {
  std::array<std::uint64_t, bucket_bounds_ns.size() + 1> counts{};
  std::uint64_t count = 0;
  std::uint64_t sum_ns = 0;
};

class histogram {
 public:
  /// Adds one observation. Thread-safe, lock-free.
  void observe(std::chrono::nanoseconds d) noexcept {
    const auto ns = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
    std::size_t i = 0;
    while (i < bucket_bounds_ns.size() && ns > bucket_bounds_ns[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  }

  histogram_snapshot snapshot() const noexcept {
    histogram_snapshot s;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      s.counts[i] = counts_[i].load(std::memory_order_relaxed);
      s.count += s.counts[i];
    }
    s.sum_ns = sum_ns_.load(std::memory_order_relaxed);
    return s;
  }

  /// Observations so far (a scrape-time read, not for the hot path).
  std::uint64_t count() const noexcept { return snapshot().count; }

 private:
  std::array<std::atomic<std::uint64_t>, bucket_bounds_ns.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

/// A monotonically increasing count.
class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

/// A value that goes up and down (requests in flight).
class gauge {
 public:
  void add(std::int64_t n) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

}  // namespace dropslot::metrics
