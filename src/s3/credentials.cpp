#include <dropslot/s3/credentials.hpp>

// Stub: implemented next.
namespace dropslot::s3 {

const char* to_message(credentials_errc e) noexcept {
  switch (e) {
    case credentials_errc::not_found: return "no AWS credentials found";
    case credentials_errc::profile_not_found: return "profile not found in the credentials file";
    case credentials_errc::incomplete: return "incomplete AWS credentials";
    case credentials_errc::malformed: return "malformed AWS credentials";
    case credentials_errc::unreadable_file: return "cannot read the credentials file";
  }
  return "unknown credentials error";
}

env_lookup process_environment() { return [](std::string_view) { return std::optional<std::string>(); }; }
result<sigv4::credentials> credentials_from_env(const env_lookup&) { return fail(credentials_errc::not_found); }
result<sigv4::credentials> parse_credentials_file(std::string_view, std::string_view) {
  return fail(credentials_errc::not_found);
}
result<sigv4::credentials> credentials_from_file(const std::filesystem::path&, std::string_view) {
  return fail(credentials_errc::not_found);
}
result<sigv4::credentials> default_credentials(const env_lookup&) { return fail(credentials_errc::not_found); }
std::optional<std::string> region_from_env(const env_lookup&) { return std::nullopt; }
std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view) { return std::nullopt; }

}  // namespace dropslot::s3

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::s3, credentials_errc, "s3.credentials", to_message)
