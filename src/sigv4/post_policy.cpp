#include <dropslot/sigv4/post_policy.hpp>

// Stub: implemented next.
namespace dropslot::sigv4 {

std::string post_policy_json(const post_policy&) { return {}; }
result<post_policy> parse_post_policy(std::string_view) { return fail(sigv4_errc::malformed_policy, "not implemented yet"); }
result<post_form> presign_post(const post_presign&, key_cache*) {
  return fail(sigv4_errc::invalid_argument, "not implemented yet");
}
std::string post_policy_signature(const signing_key& key, std::string_view policy_b64) { return key.sign(policy_b64); }
result<void> check_post_form(const post_policy&, std::string_view, std::span<const form_field>, std::chrono::sys_seconds) {
  return fail(sigv4_errc::policy_condition_failed, "not implemented yet");
}
result<void> check_content_length(const post_policy&, std::uint64_t) {
  return fail(sigv4_errc::policy_content_length, "not implemented yet");
}

}  // namespace dropslot::sigv4
