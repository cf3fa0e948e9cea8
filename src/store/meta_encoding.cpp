#include "meta_encoding.hpp"

#include <optional>

#include "dropslot/util/codec.hpp"
#include "dropslot/util/utf8.hpp"

namespace dropslot::store {

namespace {

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {  // ISO-8859-1 is the first 256 code points: two UTF-8 bytes each
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// One RFC 2047 encoded-word, "=?charset?Q|B?text?=", as UTF-8; nullopt when `word` is
// not one, or is in a charset other than UTF-8, ISO-8859-1 or US-ASCII.
std::optional<std::string> decode_word(std::string_view word) {
  if (word.size() < 8 || !word.starts_with("=?") || !word.ends_with("?=")) return std::nullopt;
  std::string_view inner = word.substr(2, word.size() - 4);
  const auto q1 = inner.find('?');
  if (q1 == std::string_view::npos || q1 + 2 >= inner.size() || inner[q1 + 2] != '?') return std::nullopt;
  const std::string charset = util::ascii_lower(inner.substr(0, q1));
  const char enc = util::ascii_lower(inner[q1 + 1]);
  std::string_view text = inner.substr(q1 + 3);
  if (text.find('?') != std::string_view::npos || text.find(' ') != std::string_view::npos) return std::nullopt;
  std::string bytes;
  if (enc == 'b') {
    auto b = util::base64_decode(text);
    if (!b) return std::nullopt;
    bytes = std::move(*b);
  } else if (enc == 'q') {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        bytes += ' ';
      } else if (text[i] == '=') {
        const int hi = i + 1 < text.size() ? util::hex_digit_value(text[i + 1]) : -1;
        const int lo = i + 2 < text.size() ? util::hex_digit_value(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) return std::nullopt;
        bytes += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        bytes += text[i];
      }
    }
  } else {
    return std::nullopt;
  }
  if (charset == "utf-8") return util::valid_utf8(bytes) ? std::optional<std::string>(bytes) : std::nullopt;
  if (charset == "iso-8859-1" || charset == "latin1") return latin1_to_utf8(bytes);
  if (charset == "us-ascii") {
    for (unsigned char c : bytes)
      if (c >= 0x80) return std::nullopt;
    return bytes;
  }
  return std::nullopt;
}

// A value made only of encoded-words (white space between them is dropped, RFC 2047
// 6.2), decoded; nullopt for anything else, which is then stored as it came.
std::optional<std::string> decode_words(std::string_view value) {
  std::string out;
  bool any = false;
  std::size_t pos = 0;
  while (pos < value.size()) {
    while (pos < value.size() && (value[pos] == ' ' || value[pos] == '\t')) ++pos;
    if (pos == value.size()) break;
    auto end = value.find_first_of(" \t", pos);
    if (end == std::string_view::npos) end = value.size();
    auto word = decode_word(value.substr(pos, end - pos));
    if (!word) return std::nullopt;
    out += *word;
    any = true;
    pos = end;
  }
  return any ? std::optional<std::string>(std::move(out)) : std::nullopt;
}

}  // namespace

std::string meta_value_to_store(std::string_view received) {
  if (received.starts_with("=?"))
    if (auto decoded = decode_words(received)) return std::move(*decoded);
  if (util::valid_utf8(received)) return std::string(received);
  return latin1_to_utf8(received);
}

std::string meta_value_to_send(std::string_view stored) {
  bool plain = true;
  for (unsigned char c : stored) plain = plain && c >= 0x20 && c <= 0x7E;
  // Printable ASCII goes as it is, unless it reads as encoded-words itself (a client would
  // decode it into other text): then it is encoded too, so what is read back is what is stored.
  if (plain && !(stored.starts_with("=?") && decode_words(stored))) return std::string(stored);
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
