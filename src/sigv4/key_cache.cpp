#include <dropslot/sigv4/key_cache.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace dropslot::sigv4 {
namespace {

// The lookup must cost far less than the ~1 us budget of a whole presign, so the
// map is keyed by the tuple itself with a cheap hash (no SHA-256 of the tuple), and
// looked up through string_views without building a key string (heterogeneous lookup).
struct tuple_view {
  std::string_view secret, date, region, service;
};

struct tuple_key {
  std::string secret, date, region, service;
  tuple_view view() const { return {secret, date, region, service}; }
};

struct tuple_hash {
  using is_transparent = void;
  std::size_t operator()(const tuple_view& t) const noexcept {
    std::hash<std::string_view> h;
    std::size_t v = h(t.secret);
    v = v * 1099511628211ULL ^ h(t.date);
    v = v * 1099511628211ULL ^ h(t.region);
    v = v * 1099511628211ULL ^ h(t.service);
    return v;
  }
  std::size_t operator()(const tuple_key& k) const noexcept { return (*this)(k.view()); }
};

struct tuple_equal {
  using is_transparent = void;
  static bool eq(const tuple_view& a, const tuple_view& b) noexcept {
    return a.date == b.date && a.region == b.region && a.service == b.service && a.secret == b.secret;
  }
  bool operator()(const tuple_key& a, const tuple_key& b) const noexcept { return eq(a.view(), b.view()); }
  bool operator()(const tuple_view& a, const tuple_key& b) const noexcept { return eq(a, b.view()); }
  bool operator()(const tuple_key& a, const tuple_view& b) const noexcept { return eq(a.view(), b); }
};

}  // namespace

struct key_cache::impl {
  std::size_t capacity = 1;
  mutable std::shared_mutex mu;
  std::unordered_map<tuple_key, std::shared_ptr<const signing_key>, tuple_hash, tuple_equal> map;
};

key_cache::key_cache(std::size_t capacity) : impl_(std::make_unique<impl>()) {
  impl_->capacity = capacity == 0 ? 1 : capacity;
}
key_cache::~key_cache() = default;

std::shared_ptr<const signing_key> key_cache::get(const secret_access_key& secret, std::string_view date,
                                                  std::string_view region, std::string_view service) {
  const tuple_view probe{secret.reveal(), date, region, service};
  {
    std::shared_lock lock(impl_->mu);
    auto it = impl_->map.find(probe);
    if (it != impl_->map.end()) return it->second;
  }
  auto key = std::make_shared<const signing_key>(derive_signing_key(secret, date, region, service));
  std::unique_lock lock(impl_->mu);
  // Keys roll over daily; clearing when full is simpler than LRU and costs one
  // derivation per live tuple.
  if (impl_->map.size() >= impl_->capacity) impl_->map.clear();
  auto [it, inserted] = impl_->map.emplace(
      tuple_key{secret.reveal(), std::string(date), std::string(region), std::string(service)}, std::move(key));
  return it->second;
}

std::size_t key_cache::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->map.size();
}

}  // namespace dropslot::sigv4
