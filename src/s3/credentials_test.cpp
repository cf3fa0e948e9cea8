#include <gtest/gtest.h>

#include <dropslot/s3/credentials.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace dropslot::s3 {
namespace {

env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

const char* file_text =
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key=secret/default+\n"
    "\n"
    "[temp]\r\n"
    "aws_access_key_id=AKIDTEMP\r\n"
    "aws_secret_access_key = secretTemp\r\n"
    "aws_session_token = tok==\r\n"
    "aws_expiration = 2026-11-29T05:00:00Z\r\n"
    "[half]\n"
    "aws_access_key_id=AKIDHALF\n";

TEST(credentials, environment_first) {
  auto c = credentials_from_env(fake_env({{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"},
                                          {"AWS_SESSION_TOKEN", "TK"}, {"AWS_CREDENTIAL_EXPIRATION", "2026-01-02T03:04:05Z"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key.value(), "AK");
  EXPECT_EQ(c->secret.reveal(), "SK");
  ASSERT_TRUE(c->token);
  EXPECT_EQ(c->token->reveal(), "TK");
  ASSERT_TRUE(c->expiry);
  EXPECT_EQ(*c->expiry, std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours{3} +
                            std::chrono::minutes{4} + std::chrono::seconds{5});
  EXPECT_EQ(credentials_from_env(fake_env({})).error().code, credentials_errc::not_found);
  EXPECT_EQ(credentials_from_env(fake_env({{"AWS_ACCESS_KEY_ID", "AK"}})).error().code, credentials_errc::incomplete);
  EXPECT_EQ(credentials_from_env(fake_env({{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"},
                                           {"AWS_CREDENTIAL_EXPIRATION", "tomorrow"}}))
                .error()
                .code,
            credentials_errc::malformed);
}

TEST(credentials, profile_file) {
  auto d = parse_credentials_file(file_text, "default");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->access_key.value(), "AKIDDEFAULT");
  EXPECT_EQ(d->secret.reveal(), "secret/default+");
  EXPECT_FALSE(d->token);
  auto t = parse_credentials_file(file_text, "temp");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->secret.reveal(), "secretTemp");
  EXPECT_EQ(t->token->reveal(), "tok==");
  EXPECT_TRUE(t->expiry);
  EXPECT_EQ(parse_credentials_file(file_text, "nope").error().code, credentials_errc::profile_not_found);
  EXPECT_EQ(parse_credentials_file(file_text, "half").error().code, credentials_errc::incomplete);
}

class chain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dropslot-cred-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / ".aws");
    std::ofstream(dir_ / ".aws" / "credentials") << file_text;
    std::ofstream(dir_ / "other") << "[default]\naws_access_key_id=AKIDOTHER\naws_secret_access_key=x\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(chain, env_then_profile_file) {
  auto home = dir_.string();
  auto c = default_credentials(fake_env({{"HOME", home}}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->access_key.value(), "AKIDDEFAULT");
  c = default_credentials(fake_env({{"HOME", home}, {"AWS_PROFILE", "temp"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key.value(), "AKIDTEMP");
  c = default_credentials(fake_env({{"HOME", home}, {"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key.value(), "AK");
  c = default_credentials(fake_env({{"HOME", home}, {"AWS_SHARED_CREDENTIALS_FILE", (dir_ / "other").string()}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key.value(), "AKIDOTHER");
  EXPECT_EQ(default_credentials(fake_env({{"HOME", home}, {"AWS_PROFILE", "missing"}})).error().code,
            credentials_errc::profile_not_found);
  EXPECT_EQ(default_credentials(fake_env({{"HOME", (dir_ / "nowhere").string()}})).error().code,
            credentials_errc::not_found);
  EXPECT_EQ(default_credentials(fake_env({})).error().code, credentials_errc::not_found);
}

TEST(credentials, region) {
  EXPECT_EQ(region_from_env(fake_env({{"AWS_REGION", "a"}, {"AWS_DEFAULT_REGION", "b"}})), "a");
  EXPECT_EQ(region_from_env(fake_env({{"AWS_DEFAULT_REGION", "b"}})), "b");
  EXPECT_FALSE(region_from_env(fake_env({})));
}

TEST(credentials, iso8601) {
  EXPECT_TRUE(parse_iso8601("2026-11-29T05:00:00Z"));
  EXPECT_TRUE(parse_iso8601("2026-11-29T05:00:00.123Z"));
  EXPECT_TRUE(parse_iso8601("2026-11-29T05:00:00+00:00"));
  EXPECT_FALSE(parse_iso8601("2026-11-29 05:00"));
  EXPECT_FALSE(parse_iso8601("2026-13-29T05:00:00Z"));
}

}  // namespace
}  // namespace dropslot::s3
