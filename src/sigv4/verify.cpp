#include <dropslot/sigv4/verify.hpp>

// Stub: implemented next.
namespace dropslot::sigv4 {

struct verifier::impl {
  verifier_config config;
};

verifier::verifier(verifier_config config) : impl_(std::make_unique<impl>(impl{std::move(config)})) {}
verifier::~verifier() = default;
verifier::verifier(verifier&&) noexcept = default;
verifier& verifier::operator=(verifier&&) noexcept = default;

verify_result<verified_request> verifier::verify(std::string_view, std::string_view, std::string_view,
                                                 std::span<const header>, std::chrono::sys_seconds) const {
  return unexpected<verify_error>(verify_error{make_error_code(sigv4_errc::missing_authentication), "not implemented yet", {}, {}});
}

verify_result<verified_post> verifier::verify_post_policy(std::string_view, std::string_view, std::string_view,
                                                          std::string_view, std::chrono::sys_seconds) const {
  return unexpected<verify_error>(verify_error{make_error_code(sigv4_errc::malformed_policy), "not implemented yet", {}, {}});
}

std::optional<payload_mode> parse_payload_mode(std::string_view) { return std::nullopt; }

}  // namespace dropslot::sigv4
