#pragma once
// The AWS credentials chain: environment variables, then the shared credentials file.
//
// Used by `dropslot presign` and by the API's S3 client. The environment comes in
// as a lookup function so tests can run the chain without touching the process env.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <dropslot/sigv4/credentials.hpp>
#include <dropslot/util/error_category.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::s3 {

enum class credentials_errc {
  not_found = 1,      ///< no source in the chain had credentials
  profile_not_found,  ///< the credentials file has no such [profile]
  incomplete,         ///< an access key without a secret, or the reverse
  malformed,          ///< e.g. an expiry that is not ISO 8601
  unreadable_file,    ///< the credentials file exists but cannot be read
};

const char* to_message(credentials_errc e) noexcept;

/// Reads one environment variable; nullopt when unset (an empty value counts as unset).
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The real process environment (std::getenv).
env_lookup process_environment();

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN and
/// AWS_CREDENTIAL_EXPIRATION (ISO 8601). Errors: not_found (neither key set), incomplete, malformed.
result<sigv4::credentials> credentials_from_env(const env_lookup& env);

/// Parses INI text of a shared credentials file and returns [profile]'s
/// aws_access_key_id, aws_secret_access_key, optional aws_session_token and optional
/// expiry (aws_expiration / expiration, ISO 8601). Errors: profile_not_found, incomplete, malformed.
result<sigv4::credentials> parse_credentials_file(std::string_view text, std::string_view profile);

/// Reads and parses a credentials file. Errors: not_found (no file), unreadable_file, and parse errors.
result<sigv4::credentials> credentials_from_file(const std::filesystem::path& file, std::string_view profile);

/// The chain: the environment; then the file named by AWS_SHARED_CREDENTIALS_FILE (default
/// $HOME/.aws/credentials), profile AWS_PROFILE (default "default"). A profile that was asked
/// for explicitly (AWS_PROFILE) but is missing is an error, not a silent fall-through.
result<sigv4::credentials> default_credentials(const env_lookup& env);

/// AWS_REGION, then AWS_DEFAULT_REGION.
std::optional<std::string> region_from_env(const env_lookup& env);

/// Parses "2026-11-29T05:00:00Z" (also with fractional seconds or a +00:00 offset).
std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view s);

}  // namespace dropslot::s3

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::s3, credentials_errc)
