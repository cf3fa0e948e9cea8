#include "storage.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "checksums.hpp"
#include "md5.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return util::hex_encode(raw);
}

std::string_view unquote_etag(std::string_view e) {
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

result<void> check_complete_parts(const part_list& requested, const std::vector<part_entry>& found) {
  if (requested.empty()) return fail(s3_errc::malformed_xml, "no parts");
  for (std::size_t i = 1; i < requested.size(); ++i)
    if (requested[i].first <= requested[i - 1].first) return fail(s3_errc::invalid_part_order);
  for (std::size_t i = 0; i < requested.size(); ++i) {
    const std::string n = std::to_string(requested[i].first);
    if (i >= found.size() || found[i].number != requested[i].first)
      return fail(s3_errc::invalid_part, "part " + n + " not uploaded");
    if (unquote_etag(found[i].etag) != unquote_etag(requested[i].second))
      return fail(s3_errc::invalid_part, "part " + n + " ETag differs");
    if (i + 1 < requested.size() && found[i].size < min_part_size) return fail(s3_errc::entity_too_small);
  }
  return {};
}

std::string multipart_etag(const std::vector<part_entry>& parts) {
  // A part's ETag is the hex MD5 of its bytes; the object's is MD5 of those MD5s.
  md5_digest md5;
  for (const auto& p : parts) {
    // A part's ETag is always our own hex MD5; anything else contributes nothing.
    std::string raw = util::hex_decode(unquote_etag(p.etag)).value_or("");
    md5.update(raw.data(), raw.size());
  }
  return "\"" + util::hex_encode(md5.finish()) + "-" + std::to_string(parts.size()) + "\"";
}

}  // namespace dropslot::store
