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

bool valid_client_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

namespace {

bool digits(std::string_view s) noexcept {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int number(std::string_view s) noexcept {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

}  // namespace

bool valid_captured_at(std::string_view t) noexcept {
  // 2026-12-06T13:03:07Z
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != 'Z')
    return false;
  auto y = t.substr(0, 4), mo = t.substr(5, 2), d = t.substr(8, 2), h = t.substr(11, 2), mi = t.substr(14, 2),
       s = t.substr(17, 2);
  for (auto part : {y, mo, d, h, mi, s})
    if (!digits(part)) return false;
  int year = number(y), month = number(mo), day = number(d);
  if (year < 1900 || month < 1 || month > 12 || number(h) > 23 || number(mi) > 59 || number(s) > 59) return false;
  static constexpr int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int last = days_in[month - 1] + (month == 2 && leap ? 1 : 0);
  return day >= 1 && day <= last;
}

bool valid_photo_name(std::string_view name) noexcept {
  if (!name.starts_with("photo-")) return false;
  name.remove_prefix(6);
  auto dot = name.find('.');
  if (dot == std::string_view::npos) return false;
  auto num = name.substr(0, dot), ext = name.substr(dot + 1);
  if (!digits(num) || num.size() < 3 || num.size() > 19) return false;
  // db::photo_key's spelling: exactly three digits up to 999 (not 000), wider ones
  // without a leading zero. Another spelling of a number is another key.
  if (num.size() == 3 ? num == "000" : num.front() == '0') return false;
  if (ext.empty() || ext.size() > 10) return false;
  for (char c : ext)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

std::string thumb_key(std::string_view photo_key) {
  auto slash = photo_key.rfind('/');
  std::string_view dir = photo_key.substr(0, slash + 1), name = photo_key.substr(slash + 1);
  std::string_view stem = name.substr(0, name.rfind('.'));
  return fmt::format("{}thumbs/{}.jpg", dir, stem);
}

}  // namespace dropslot::api
