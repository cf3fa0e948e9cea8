// The photo settings the dashboard reads from GET {base}/settings, and how operators
// set them from the environment (issue 15).
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

TEST(PhotoSettings, Defaults) {
  auto p = photo_settings_from_env(env_of({}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->max_edge, 2560u);
  EXPECT_DOUBLE_EQ(p->quality, 0.75);
  EXPECT_EQ(p->thumb_edge, 320u);
  EXPECT_DOUBLE_EQ(p->thumb_quality, 0.7);
  // Empty counts as unset, as for every other variable.
  auto empty = photo_settings_from_env(env_of({{"DROPSLOT_PHOTO_MAX_EDGE", ""}, {"DROPSLOT_PHOTO_QUALITY", ""}}));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->max_edge, 2560u);
}

TEST(PhotoSettings, OverridesReachTheAppConfig) {
  auto c = app_config_from_env(
      env_of({{"DROPSLOT_DATA", "/tmp/x"}, {"DROPSLOT_PHOTO_MAX_EDGE", "0"}, {"DROPSLOT_PHOTO_QUALITY", "1"}}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->photos.max_edge, 0u);  // keep originals
  EXPECT_DOUBLE_EQ(c->photos.quality, 1.0);
  for (auto [edge, quality] : {std::pair{"320", "0.5"}, std::pair{"16384", "0.01"}, std::pair{"4096", "0.9"}}) {
    auto p = photo_settings_from_env(env_of({{"DROPSLOT_PHOTO_MAX_EDGE", edge}, {"DROPSLOT_PHOTO_QUALITY", quality}}));
    ASSERT_TRUE(p) << edge << " " << quality;
    EXPECT_EQ(p->max_edge, static_cast<std::uint32_t>(std::stoul(edge)));
    EXPECT_DOUBLE_EQ(p->quality, std::stod(quality));
  }
}

TEST(PhotoSettings, BadValuesAreAClearStartupError) {
  for (const char* edge : {"1", "319", "16385", "-1", "2560px", " 2560", "1e3", "99999999999999999999"}) {
    auto p = photo_settings_from_env(env_of({{"DROPSLOT_PHOTO_MAX_EDGE", edge}}));
    ASSERT_FALSE(p) << edge;
    EXPECT_EQ(p.error().code, api_errc::bad_config);
    EXPECT_NE(p.error().detail.find("DROPSLOT_PHOTO_MAX_EDGE"), std::string::npos);
    EXPECT_FALSE(app_config_from_env(env_of({{"DROPSLOT_DATA", "/tmp/x"}, {"DROPSLOT_PHOTO_MAX_EDGE", edge}})));
  }
  for (const char* q : {"0", "0.0", "1.01", "2", "-0.5", "nan", "inf", "0.85 ", "85%", ".", "0x1p-1", "1e-1"}) {
    auto p = photo_settings_from_env(env_of({{"DROPSLOT_PHOTO_QUALITY", q}}));
    ASSERT_FALSE(p) << q;
    EXPECT_EQ(p.error().code, api_errc::bad_config);
    EXPECT_NE(p.error().detail.find("DROPSLOT_PHOTO_QUALITY"), std::string::npos);
  }
}

}  // namespace
}  // namespace dropslot::api
