#include <dropslot/db/keys.hpp>

#include <cstdio>

namespace dropslot::db {

bool valid_job_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string photo_key(std::string_view job_id, std::int64_t number, std::string_view ext) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%03lld", static_cast<long long>(number));
  std::string key;
  key.reserve(5 + job_id.size() + 7 + 24 + 1 + ext.size());
  key.append("jobs/").append(job_id).append("/photo-").append(digits).append(".").append(ext);
  return key;
}

}  // namespace dropslot::db
