#include "storage.hpp"

#include "checksums.hpp"
#include "md5.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

namespace {

std::string_view unquote(std::string_view e) {
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

}  // namespace

result<void> check_complete_parts(const part_list& requested, const std::vector<part_entry>& found) {
  if (requested.empty()) return fail(s3_errc::malformed_xml, "no parts");
  for (std::size_t i = 1; i < requested.size(); ++i)
    if (requested[i].first <= requested[i - 1].first) return fail(s3_errc::invalid_part_order);
  for (std::size_t i = 0; i < requested.size(); ++i) {
    const std::string n = std::to_string(requested[i].first);
    if (i >= found.size() || found[i].number != requested[i].first)
      return fail(s3_errc::invalid_part, "part " + n + " not uploaded");
    if (unquote(found[i].etag) != unquote(requested[i].second))
      return fail(s3_errc::invalid_part, "part " + n + " ETag differs");
    if (i + 1 < requested.size() && found[i].size < min_part_size) return fail(s3_errc::entity_too_small);
  }
  return {};
}

std::string multipart_etag(const std::vector<part_entry>& parts) {
  // A part's ETag is the hex MD5 of its bytes; the object's is MD5 of those MD5s.
  md5_digest md5;
  for (const auto& p : parts) {
    std::string_view hex = unquote(p.etag);
    std::string raw;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      raw += static_cast<char>(hex_digit(hex[i]) * 16 + hex_digit(hex[i + 1]));
    md5.update(raw.data(), raw.size());
  }
  return "\"" + to_hex(md5.finish()) + "-" + std::to_string(parts.size()) + "\"";
}

}  // namespace dropslot::store
