#pragma once
// The small codecs every part shares, once each (issue 17): base64 (RFC 4648 §4, OpenSSL's
// EVP_EncodeBlock/EVP_DecodeBlock), lower-case hex, ASCII case folding, and
// percent-decoding and query splitting (Boost.URL's decoder). Pure functions: no state,
// safe from any thread.
//
// Not here: SigV4's canonical URI/query *encoder*, whose rules (AWS unreserved set,
// upper-case hex, '/' kept or not) are AWS's own (src/sigv4/canonical.hpp).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dropslot::util {

/// Standard base64 with '=' padding.
std::string base64_encode(std::string_view bytes);

/// The bytes of standard, padded base64, or nullopt for anything else: a length that is
/// not a multiple of 4, a character outside the alphabet (white space included),
/// padding anywhere but the last two places, or non-zero bits under the padding (text
/// no encoder writes). The empty text is the empty string.
std::optional<std::string> base64_decode(std::string_view text);

/// Two lower-case hex digits per byte.
std::string hex_encode(std::string_view bytes);
std::string hex_encode(std::span<const std::uint8_t> bytes);
/// Writes 2 * bytes.size() lower-case hex digits at `out` (no allocation: SigV4's hot path).
void hex_encode_to(char* out, std::span<const std::uint8_t> bytes) noexcept;

/// The bytes of hex text (either case), or nullopt for an odd length or a non-hex digit.
std::optional<std::string> hex_decode(std::string_view text);

/// The value of one hex digit (either case), or -1.
constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// ASCII lower case of one character (other bytes unchanged; no locale).
constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
/// ASCII lower case of a string (non-ASCII bytes unchanged; no locale).
std::string ascii_lower(std::string_view s);
/// Lower-cases `s` in place.
void ascii_lower_in_place(std::string& s) noexcept;
/// Equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// `s` without leading and trailing spaces and tabs (HTTP's optional white space).
constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as HTML forms and
/// query strings write it). Strict: a '%' not followed by two hex digits is nullopt.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

/// `text` with every '%' that is not followed by two hex digits written as "%25", so
/// that decoding it keeps that '%' literal: the lenient decoding S3-facing code has
/// always done (percent_decode_lenient; parse_query over it).
std::string escape_stray_percents(std::string_view text);

/// percent_decode, but a '%' not followed by two hex digits stays literal.
std::string percent_decode_lenient(std::string_view text, bool plus_is_space = false);

/// One query parameter, decoded. `has_value` is false for "name" (no '=').
struct query_pair {
  std::string name;
  std::string value;
  bool has_value = false;
  friend bool operator==(const query_pair&, const query_pair&) = default;
};

/// Splits a raw query ("a=1&b=%20&c") at '&' and the first '=' of each part, and
/// decodes each name and value (percent_decode rules). Empty parts ("a&&b") are
/// skipped. nullopt when any part is badly percent-encoded.
std::optional<std::vector<query_pair>> parse_query(std::string_view raw, bool plus_is_space = false);

}  // namespace dropslot::util
