#include <dropslot/s3/credentials.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <dropslot/sigv4/post_policy.hpp>
#include <dropslot/util/codec.hpp>

namespace dropslot::s3 {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Builds credentials from the three strings of a source; `where` names the source
// for the error detail (never the values).
result<sigv4::credentials> assemble(std::optional<std::string> id, std::optional<std::string> secret,
                                    std::optional<std::string> token, std::optional<std::string> expiry,
                                    const std::string& where) {
  if (!id && !secret) return fail(credentials_errc::not_found, where);
  if (!id || !secret) return fail(credentials_errc::incomplete, where + ": need both an access key id and a secret");
  sigv4::credentials c;
  c.access_key = sigv4::access_key_id(std::move(*id));
  c.secret = sigv4::secret_access_key(std::move(*secret));
  if (token) c.token = sigv4::session_token(std::move(*token));
  if (expiry) {
    auto t = parse_iso8601(*expiry);
    if (!t) return fail(credentials_errc::malformed, where + ": expiry is not ISO 8601");
    c.expiry = *t;
  }
  return c;
}

}  // namespace

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

env_lookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view s) { return sigv4::parse_iso8601_utc(trim(s)); }

result<sigv4::credentials> credentials_from_env(const env_lookup& env) {
  // AWS_CREDENTIAL_EXPIRATION is what the AWS SDKs read for env credentials with a known end.
  return assemble(env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN"),
                  env("AWS_CREDENTIAL_EXPIRATION"), "environment");
}

result<sigv4::credentials> parse_credentials_file(std::string_view text, std::string_view profile) {
  bool in_section = false, found = false;
  std::optional<std::string> id, secret, token, expiry;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') return fail(credentials_errc::malformed, "bad section header in the credentials file");
      in_section = trim(line.substr(1, line.size() - 2)) == profile;
      found = found || in_section;
      continue;
    }
    if (!in_section) continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;  // e.g. a nested s3 = block line; not ours
    std::string key = util::ascii_lower(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    if (value.empty()) continue;
    if (key == "aws_access_key_id") id = value;
    else if (key == "aws_secret_access_key") secret = value;
    else if (key == "aws_session_token") token = value;
    else if (key == "aws_expiration" || key == "expiration" || key == "aws_credential_expiration") expiry = value;
  }
  if (!found) return fail(credentials_errc::profile_not_found, "[" + std::string(profile) + "]");
  auto c = assemble(std::move(id), std::move(secret), std::move(token), std::move(expiry),
                    "profile [" + std::string(profile) + "]");
  if (!c && c.error().code == credentials_errc::not_found)
    return fail(credentials_errc::incomplete, "profile [" + std::string(profile) + "] has no aws_access_key_id");
  return c;
}

result<sigv4::credentials> credentials_from_file(const std::filesystem::path& file, std::string_view profile) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return fail(credentials_errc::not_found, file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(credentials_errc::unreadable_file, file.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return fail(credentials_errc::unreadable_file, file.string());
  auto c = parse_credentials_file(ss.str(), profile);
  if (!c) return fail(error{c.error().code, file.string() + ": " + c.error().detail});
  return c;
}

result<sigv4::credentials> default_credentials(const env_lookup& env) {
  auto from_env = credentials_from_env(env);
  if (from_env || from_env.error().code != credentials_errc::not_found) return from_env;

  std::optional<std::string> explicit_profile = env("AWS_PROFILE");
  std::string profile = explicit_profile.value_or("default");
  std::filesystem::path file;
  if (auto f = env("AWS_SHARED_CREDENTIALS_FILE")) {
    file = *f;
  } else if (auto home = env("HOME")) {
    file = std::filesystem::path(*home) / ".aws" / "credentials";
  } else {
    return fail(credentials_errc::not_found,
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or create ~/.aws/credentials");
  }
  auto from_file = credentials_from_file(file, profile);
  if (from_file) return from_file;
  // A default profile that is simply absent means "no credentials"; a named one is an error.
  if (from_file.error().code == credentials_errc::not_found ||
      (from_file.error().code == credentials_errc::profile_not_found && !explicit_profile))
    return fail(credentials_errc::not_found,
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add [" + profile + "] to " + file.string());
  return from_file;
}

std::optional<std::string> region_from_env(const env_lookup& env) {
  if (auto r = env("AWS_REGION")) return r;
  return env("AWS_DEFAULT_REGION");
}

}  // namespace dropslot::s3

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::s3, credentials_errc, "s3.credentials", to_message)
