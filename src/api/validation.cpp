#include "dropslot/api/validation.hpp"

#include <fmt/format.h>

#include "dropslot/http/message.hpp"

namespace dropslot::api {

const allowed_type* find_allowed_type(const std::vector<allowed_type>& types,
                                      std::string_view content_type) noexcept {
  // "image/jpeg; foo=bar" is not the same signed header value as "image/jpeg"; the
  // grant signs exactly the allow-list spelling, so parameters are refused outright.
  while (!content_type.empty() && (content_type.back() == ' ' || content_type.back() == '\t'))
    content_type.remove_suffix(1);
  for (const auto& t : types)
    if (http::iequals(t.content_type, content_type)) return &t;
  return nullptr;
}

std::string job_prefix(std::string_view job_id) { return fmt::format("jobs/{}/", job_id); }

bool valid_checksum_sha256(std::string_view b64) noexcept {
  // 32 bytes -> 43 significant base64 characters + one '='. The 43rd character
  // carries 2 data bits and 4 zero bits, so it must be one of AEIMQUYcgkosw048.
  if (b64.size() != 44 || b64[43] != '=') return false;
  auto is_b64 = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  };
  for (std::size_t i = 0; i < 43; ++i)
    if (!is_b64(b64[i])) return false;
  return std::string_view("AEIMQUYcgkosw048").find(b64[42]) != std::string_view::npos;
}

}  // namespace dropslot::api
