#include "meta_encoding.hpp"

#include "dropslot/util/utf8.hpp"

namespace dropslot::store {

std::string meta_value_to_store(std::string_view received) {
  if (util::valid_utf8(received)) return std::string(received);
  std::string out;
  out.reserve(received.size() * 2);
  for (unsigned char c : received) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {  // ISO-8859-1 is the first 256 code points: two UTF-8 bytes each
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string meta_value_to_send(std::string_view stored) {
  bool plain = true;
  for (unsigned char c : stored) plain = plain && c >= 0x20 && c <= 0x7E;
  if (plain) return std::string(stored);
  // RFC 2047 4.2: printable ASCII stands for itself except "=", "?" and "_"; a space may
  // be "_"; every other octet is "=" and two upper-case hex digits.
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "=?UTF-8?Q?";
  for (unsigned char c : stored) {
    if (c == ' ') {
      out += '_';
    } else if (c > 0x20 && c <= 0x7E && c != '=' && c != '?' && c != '_') {
      out += static_cast<char>(c);
    } else {
      out += '=';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  out += "?=";
  return out;
}

}  // namespace dropslot::store
