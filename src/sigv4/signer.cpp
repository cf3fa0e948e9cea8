#include <dropslot/sigv4/signer.hpp>

// Stub: implemented next.
namespace dropslot::sigv4 {

std::string amz_date(std::chrono::sys_seconds) { return {}; }
std::optional<std::chrono::sys_seconds> parse_amz_date(std::string_view) { return std::nullopt; }
std::string uri_encode(std::string_view s, bool) { return std::string(s); }
std::string uri_decode(std::string_view s) { return std::string(s); }
std::vector<query_param> parse_query(std::string_view) { return {}; }
std::string canonical_uri(std::string_view p, uri_rules, bool) { return std::string(p); }
std::string canonical_query(std::span<const query_param>) { return {}; }
std::string signed_header_names(std::span<const header>) { return {}; }
std::string canonical_request(const signing_request&) { return {}; }
std::string credential_scope(std::chrono::sys_seconds, std::string_view, std::string_view) { return {}; }
std::string string_to_sign(std::chrono::sys_seconds, std::string_view, std::string_view) { return {}; }
std::string signature(const signing_key& key, std::string_view sts) { return key.sign(sts); }
result<std::vector<header>> sign_headers(const signing_request&, key_cache*, signing_trace*) {
  return fail(sigv4_errc::invalid_argument, "not implemented yet");
}
result<std::vector<query_param>> presign(const signing_request&, key_cache*, signing_trace*) {
  return fail(sigv4_errc::invalid_argument, "not implemented yet");
}
std::string encode_query(std::span<const query_param>, std::span<const query_param>) { return {}; }
result<object_address> address_object(std::string_view, std::string_view, std::string_view, std::string_view,
                                      addressing_style) {
  return fail(sigv4_errc::invalid_argument, "not implemented yet");
}
std::string presigned_url(const object_address&, std::span<const query_param>, std::span<const query_param>) {
  return {};
}
result<presigned_object> presign_object(const object_presign&, key_cache*, signing_trace*) {
  return fail(sigv4_errc::invalid_argument, "not implemented yet");
}

}  // namespace dropslot::sigv4
