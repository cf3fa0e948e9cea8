#include <dropslot/sigv4/key_cache.hpp>

#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace dropslot::sigv4 {
namespace {

// The map key is a digest of the tuple rather than the tuple itself, so the cache
// holds no copy of any secret. Fields are length-prefixed so ("ab","c") != ("a","bc").
digest cache_key(const secret_access_key& secret, std::string_view date, std::string_view region,
                 std::string_view service) {
  sha256_hasher h;
  for (std::string_view part : {std::string_view(secret.reveal()), date, region, service}) {
    std::uint64_t n = part.size();
    h.update(std::string_view(reinterpret_cast<const char*>(&n), sizeof n));
    h.update(part);
  }
  return h.finish();
}

struct digest_hash {
  std::size_t operator()(const digest& d) const noexcept {
    std::size_t v;
    std::memcpy(&v, d.data(), sizeof v);
    return v;
  }
};

}  // namespace

struct key_cache::impl {
  std::size_t capacity;
  mutable std::shared_mutex mu;
  std::unordered_map<digest, std::shared_ptr<const signing_key>, digest_hash> map;
};

key_cache::key_cache(std::size_t capacity) : impl_(std::make_unique<impl>()) {
  impl_->capacity = capacity == 0 ? 1 : capacity;
}
key_cache::~key_cache() = default;

std::shared_ptr<const signing_key> key_cache::get(const secret_access_key& secret, std::string_view date,
                                                  std::string_view region, std::string_view service) {
  digest k = cache_key(secret, date, region, service);
  {
    std::shared_lock lock(impl_->mu);
    auto it = impl_->map.find(k);
    if (it != impl_->map.end()) return it->second;
  }
  auto key = std::make_shared<const signing_key>(derive_signing_key(secret, date, region, service));
  std::unique_lock lock(impl_->mu);
  if (impl_->map.size() >= impl_->capacity) impl_->map.clear();
  auto [it, inserted] = impl_->map.emplace(k, std::move(key));
  return it->second;
}

std::size_t key_cache::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->map.size();
}

}  // namespace dropslot::sigv4
