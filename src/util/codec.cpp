#include <dropslot/util/codec.hpp>

#include <boost/url/pct_string_view.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace dropslot::util {

// ---- base64 ----

std::string base64_encode(std::string_view bytes) {
  // EVP_EncodeBlock writes 4 characters per started 3 bytes and a NUL; it takes an int.
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX / 4 * 3 - 3)) throw std::length_error("base64_encode: too long");
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {
bool is_base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}
int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '+' ? 62 : 63;
}
}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0 || text.size() > static_cast<std::size_t>(INT32_MAX)) return std::nullopt;
  if (text.empty()) return std::string{};
  // EVP_DecodeBlock skips leading/trailing white space and accepts '=' in the middle of
  // a quantum, and it counts padding as zero bytes; so the shape is checked here first
  // and the padding bytes dropped after.
  const std::size_t pad = text.back() != '=' ? 0 : text[text.size() - 2] == '=' ? 2 : 1;
  for (std::size_t i = 0; i < text.size() - pad; ++i)
    if (!is_base64_char(text[i])) return std::nullopt;
  // The bits under the padding must be zero ("QR==" is not what any encoder writes for "A").
  if (pad > 0) {
    const int last = base64_value(text[text.size() - pad - 1]);
    if ((pad == 1 && (last & 0x03) != 0) || (pad == 2 && (last & 0x0f) != 0)) return std::nullopt;
  }
  std::string out(3 * (text.size() / 4) + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0 || static_cast<std::size_t>(n) != 3 * (text.size() / 4)) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

// ---- hex ----

namespace {
// Two lower-case hex digits per byte value: one table load per byte (SigV4 writes a
// digest per presigned URL).
constexpr std::array<char, 512> hex_pairs = [] {
  constexpr char digits[] = "0123456789abcdef";
  std::array<char, 512> t{};
  for (int b = 0; b < 256; ++b) {
    t[static_cast<std::size_t>(2 * b)] = digits[b >> 4];
    t[static_cast<std::size_t>(2 * b + 1)] = digits[b & 0x0f];
  }
  return t;
}();
}  // namespace

void hex_encode_to(char* out, std::span<const std::uint8_t> bytes) noexcept {
  for (std::size_t i = 0; i < bytes.size(); ++i) std::memcpy(out + 2 * i, &hex_pairs[2 * std::size_t{bytes[i]}], 2);
}

std::string hex_encode(std::span<const std::uint8_t> bytes) {
  std::string out(bytes.size() * 2, '\0');
  hex_encode_to(out.data(), bytes);
  return out;
}

std::string hex_encode(std::string_view bytes) {
  return hex_encode(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out(text.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit_value(text[2 * i]), lo = hex_digit_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// ---- ASCII case ----

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  ascii_lower_in_place(out);
  return out;
}

void ascii_lower_in_place(std::string& s) noexcept {
  for (char& c : s) c = ascii_lower(c);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// ---- percent-decoding ----

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  auto pct = boost::urls::make_pct_string_view(boost::urls::string_view(text.data(), text.size()));
  if (!pct) return std::nullopt;
  boost::urls::encoding_opts opts;
  opts.space_as_plus = plus_is_space;
  return pct->decode(opts);
}

std::string escape_stray_percents(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '%' && !(i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 && hex_digit_value(text[i + 2]) >= 0))
      out += "25";
  }
  return out;
}

std::string percent_decode_lenient(std::string_view text, bool plus_is_space) {
  if (auto strict = percent_decode(text, plus_is_space)) return std::move(*strict);
  return percent_decode(escape_stray_percents(text), plus_is_space).value();
}

std::optional<std::vector<query_pair>> parse_query(std::string_view raw, bool plus_is_space) {
  // Split by hand, decode with Boost.URL: boost::urls::parse_query would also refuse
  // characters RFC 3986 leaves out of a query (raw UTF-8, '{', '"'), which real clients
  // send and SigV4 signs as sent.
  std::vector<query_pair> out;
  while (!raw.empty()) {
    const std::size_t amp = raw.find('&');
    const std::string_view part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    auto name = percent_decode(part.substr(0, eq), plus_is_space);
    if (!name) return std::nullopt;
    query_pair p{std::move(*name), {}, eq != std::string_view::npos};
    if (p.has_value) {
      auto value = percent_decode(part.substr(eq + 1), plus_is_space);
      if (!value) return std::nullopt;
      p.value = std::move(*value);
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace dropslot::util
