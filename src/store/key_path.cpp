#include "key_path.hpp"

#include "checksums.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

std::string key_relative_path(std::string_view key) {
  evp_digest d(evp_digest::kind::sha256);
  d.update(key.data(), key.size());
  std::string hex = util::hex_encode(d.finish());
  return hex.substr(0, 2) + "/" + hex.substr(2, 2) + "/" + hex;
}

bool valid_upload_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace dropslot::store
