#pragma once
// A bounded set of label values (route templates, S3 operations, database operations,
// backends), registered at start-up and looked up on the hot path without a lock.
// Slot 0 is always the fallback value (e.g. "other"): a value that was never
// registered, or one past the capacity, folds into it, so no request can make the
// set, and the series built on it, grow.
#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace dropslot::metrics {

template <std::size_t Capacity>
class label_set {
 public:
  explicit label_set(std::string_view fallback) { names_[0] = std::string(fallback); }

  static constexpr std::size_t capacity = Capacity;

  /// The slot of `name`, adding it when there is room (else 0). Takes a lock: call it at
  /// start-up or where a new value is expected once, never per request.
  std::size_t add(std::string_view name) {
    std::lock_guard lk(mu_);
    if (auto i = find(name)) return i;
    const std::size_t n = size_.load(std::memory_order_relaxed);
    if (n >= Capacity) return 0;
    names_[n] = std::string(name);
    size_.store(n + 1, std::memory_order_release);  // published after the name is written
    return n;
  }

  /// The slot of `name`, or 0 when it is not registered. Lock-free, allocation-free.
  std::size_t find(std::string_view name) const noexcept {
    const std::size_t n = size_.load(std::memory_order_acquire);
    for (std::size_t i = 1; i < n; ++i)
      if (names_[i] == name) return i;
    return 0;
  }

  std::size_t size() const noexcept { return size_.load(std::memory_order_acquire); }
  const std::string& name(std::size_t i) const noexcept { return names_[i]; }

 private:
  std::array<std::string, Capacity> names_;
  std::atomic<std::size_t> size_{1};
  std::mutex mu_;
};

}  // namespace dropslot::metrics
