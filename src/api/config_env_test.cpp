#include <gtest/gtest.h>

#include <map>

#include "dropslot/api/app.hpp"
#include "dropslot/api/error.hpp"

namespace dropslot::api {
namespace {

env_lookup env_of(std::map<std::string, std::string> m) {
  return [m = std::move(m)](std::string_view n) -> std::optional<std::string> {
    auto it = m.find(std::string(n));
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigEnv, Defaults) {
  auto c = app_config_from_env(env_of({{"DROPSLOT_DATA", "/tmp/x"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_base, "");
  EXPECT_EQ(c->bucket, "uploads");
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_TRUE(c->s3_endpoint.empty());
  EXPECT_FALSE(c->path_style);
  EXPECT_EQ(c->max_upload_bytes, 25u * 1024 * 1024);
  EXPECT_EQ(c->url_expiry.count(), 900);
  EXPECT_EQ(c->database_url, "sqlite:///tmp/x/dropslot.db");
}

TEST(ConfigEnv, Overrides) {
  auto c = app_config_from_env(env_of({{"DROPSLOT_API_BASE", "/prod/"},
                                       {"DROPSLOT_BUCKET", "b1"},
                                       {"AWS_REGION", "eu-west-1"},
                                       {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000/"},
                                       {"DROPSLOT_DATABASE_URL", "postgres://x"},
                                       {"DROPSLOT_URL_EXPIRY", "60"},
                                       {"DROPSLOT_ALLOWED_TYPES", "image/jpeg=jpg,application/pdf=pdf"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_base, "/prod");
  EXPECT_EQ(c->bucket, "b1");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->s3_endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(c->path_style);
  EXPECT_EQ(c->database_url, "postgres://x");
  EXPECT_EQ(c->url_expiry.count(), 60);
  ASSERT_EQ(c->allowed_types.size(), 2u);
  EXPECT_EQ(c->allowed_types[1].extension, "pdf");
}

TEST(ConfigEnv, FlagsBeatTheEnvironmentWhichBeatsTheDefault) {
  // serve's flags, laid over the environment under the variables' names.
  auto env = env_with_overrides({{"DROPSLOT_BUCKET", "from-flag"}, {"AWS_REGION", "eu-west-1"}, {"DROPSLOT_MAX_PHOTOS", ""}},
                                env_of({{"DROPSLOT_BUCKET", "from-env"}, {"AWS_DEFAULT_REGION", "us-west-2"},
                                        {"DROPSLOT_MAX_PHOTOS", "7"}, {"DROPSLOT_DATA", "/tmp/x"}}));
  auto c = app_config_from_env(env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->bucket, "from-flag");
  EXPECT_EQ(c->region, "eu-west-1");       // the flag's AWS_REGION beats AWS_DEFAULT_REGION
  EXPECT_EQ(c->max_photos_per_job, 7u);    // an empty flag is not given
  EXPECT_EQ(c->url_expiry.count(), 900);   // neither: the default
  EXPECT_EQ(c->database_url, "sqlite:///tmp/x/dropslot.db");
  auto bad = app_config_from_env(env_with_overrides({{"DROPSLOT_URL_EXPIRY", "0"}}, env_of({})));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, api_errc::bad_config);
}

TEST(ConfigEnv, BadValuesFail) {
  EXPECT_FALSE(app_config_from_env(env_of({{"DROPSLOT_URL_EXPIRY", "abc"}})));
  EXPECT_FALSE(app_config_from_env(env_of({{"DROPSLOT_URL_EXPIRY", "604801"}})));
  EXPECT_FALSE(app_config_from_env(env_of({{"DROPSLOT_MAX_UPLOAD_BYTES", "-1"}})));
  auto e = app_config_from_env(env_of({{"DROPSLOT_ALLOWED_TYPES", "image/jpeg=../x"}}));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, api_errc::bad_config);
}

}  // namespace
}  // namespace dropslot::api
