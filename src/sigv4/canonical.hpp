#pragma once
// Internal building blocks shared by the signer and the verifier (not installed).
#include <array>
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <dropslot/sigv4/signer.hpp>
#include <dropslot/util/codec.hpp>

namespace dropslot::sigv4::detail {

inline constexpr char hex_upper[] = "0123456789ABCDEF";

/// unreserved_table[c]: c is an AWS unreserved character (A-Z a-z 0-9 - . _ ~).
inline constexpr std::array<bool, 256> unreserved_table = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                     c == '-' || c == '.' || c == '_' || c == '~';
  return t;
}();

/// The same with '/' kept too (the path of a canonical URI).
inline constexpr std::array<bool, 256> unreserved_or_slash_table = [] {
  std::array<bool, 256> t = unreserved_table;
  t['/'] = true;
  return t;
}();

/// Writes `s` URI-encoded (AWS rules, upper-case hex; '/' kept when `keep_slash`) from
/// `p`, which must have room for 3 * s.size() bytes, and returns the end. Plain stores
/// through a local pointer: the presign hot path calls it for every piece.
inline char* uri_encode_to(char* p, std::string_view s, bool keep_slash) {
  const auto& keep = keep_slash ? unreserved_or_slash_table : unreserved_table;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep[c]) {
      *p++ = ch;
    } else {
      p[0] = '%';
      p[1] = hex_upper[c >> 4];
      p[2] = hex_upper[c & 0x0f];
      p += 3;
    }
  }
  return p;
}


/// 64 lower-case hex digits: a SHA-256 payload hash or a signature as SigV4 writes them.
inline bool is_lower_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }


/// A header after canonicalisation: lower-case name, trimmed value with inner
/// runs of whitespace collapsed; repeated names merged with ',' in arrival order.
struct canonical_header {
  std::string name;
  std::string value;
};

/// Canonicalises and sorts `headers` (merging repeats). Stable, so merged values keep order.
std::vector<canonical_header> canonicalize_headers(std::span<const header> headers);

/// ASCII case folding is util/codec.hpp's.
using util::iequals;

/// An encoded query parameter, ready to sort.
struct encoded_param {
  std::string name;
  std::string value;
  friend bool operator<(const encoded_param& a, const encoded_param& b) {
    return a.name != b.name ? a.name < b.name : a.value < b.value;
  }
};

/// Appends uri_encode(s) to out.
void append_uri_encoded(std::string& out, std::string_view s, bool keep_slash);
/// Appends the canonical URI of `raw` (what canonical_uri returns), without temporaries
/// for S3 rules.
void append_canonical_uri(std::string& out, std::string_view raw, uri_rules rules, bool normalize);

/// Sorts the params and appends "n=v&n=v" to out.
void append_canonical_query(std::string& out, std::vector<encoded_param>& params);

/// Appends the whole canonical request. `headers` are canonical and sorted.
void append_canonical_request(std::string& out, std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::span<const canonical_header> headers,
                              std::string_view signed_names, std::string_view payload_hash);

/// "name1;name2" of canonical (already sorted, unique) headers.
std::string join_names(std::span<const canonical_header> headers);

/// Appends "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256(creq)>".
void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

/// address_object() into `a`, reusing its strings' capacity (presign_object keeps
/// one per thread, so a presigned URL does not allocate its address).
result<void> address_object_into(object_address& a, std::string_view endpoint, std::string_view region,
                                 std::string_view bucket, std::string_view key, addressing_style style);

/// Appends "YYYYMMDD" / "YYYYMMDDTHHMMSSZ".
void append_amz_date(std::string& out, std::chrono::sys_seconds t);

}  // namespace dropslot::sigv4::detail
