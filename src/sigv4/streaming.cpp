#include <dropslot/sigv4/streaming.hpp>
#include <dropslot/util/codec.hpp>


namespace dropslot::sigv4 {

std::string seed_signature(const signing_key& key, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string sts;
  sts.reserve(algorithm.size() + amz_date.size() + scope.size() + 68);
  sts.append(algorithm).append("\n").append(amz_date).append("\n").append(scope).append("\n");
  sts.append(sha256_hex(canonical_request));
  return key.sign(sts);
}

std::string chunk_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view previous_signature, std::string_view chunk_hash_hex) {
  std::string s;
  s.reserve(300);
  s.append("AWS4-HMAC-SHA256-PAYLOAD\n").append(amz_date).append("\n").append(scope).append("\n");
  s.append(previous_signature).append("\n").append(empty_payload_hash).append("\n").append(chunk_hash_hex);
  return s;
}

std::string chunk_signature(const signing_key& key, std::string_view amz_date, std::string_view scope,
                            std::string_view previous_signature, const digest& chunk_hash) {
  return key.sign(chunk_string_to_sign(amz_date, scope, previous_signature, hex(chunk_hash)));
}

std::string canonical_trailer(std::span<const header> trailers) {
  std::string s;
  for (const header& h : trailers) {
    s += util::ascii_lower(h.name);
    s += ':';
    s += h.value;
    s += '\n';
  }
  return s;
}

std::string trailer_string_to_sign(std::string_view amz_date, std::string_view scope,
                                   std::string_view previous_signature, std::string_view trailer_hash_hex) {
  std::string s;
  s.reserve(300);
  s.append("AWS4-HMAC-SHA256-TRAILER\n").append(amz_date).append("\n").append(scope).append("\n");
  s.append(previous_signature).append("\n").append(trailer_hash_hex);
  return s;
}

std::string trailer_signature(const signing_key& key, std::string_view amz_date, std::string_view scope,
                              std::string_view previous_signature, std::string_view canonical_trailer_text) {
  return key.sign(trailer_string_to_sign(amz_date, scope, previous_signature, sha256_hex(canonical_trailer_text)));
}

}  // namespace dropslot::sigv4
