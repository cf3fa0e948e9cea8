#include "dropslot/api/validation.hpp"

#include <gtest/gtest.h>

#include "dropslot/db/keys.hpp"

namespace dropslot::api {
namespace {

TEST(Validation, JobIdPattern) {
  EXPECT_TRUE(db::valid_job_id("J-1001_a"));
  EXPECT_TRUE(db::valid_job_id(std::string(64, 'a')));
  EXPECT_FALSE(db::valid_job_id(std::string(65, 'a')));
  EXPECT_FALSE(db::valid_job_id(""));
  EXPECT_FALSE(db::valid_job_id("../etc"));
  EXPECT_FALSE(db::valid_job_id("a/b"));
  EXPECT_FALSE(db::valid_job_id("caf\xc3\xa9"));
  EXPECT_FALSE(db::valid_job_id("a b"));
  EXPECT_FALSE(db::valid_job_id(std::string_view("a\0b", 3)));
}

TEST(Validation, KeyFormatPadsToThreeAndWidens) {
  EXPECT_EQ(db::photo_key("J1", 1, "jpg"), "jobs/J1/photo-001.jpg");
  EXPECT_EQ(db::photo_key("J1", 42, "png"), "jobs/J1/photo-042.png");
  EXPECT_EQ(db::photo_key("J1", 999, "webp"), "jobs/J1/photo-999.webp");
  EXPECT_EQ(db::photo_key("J1", 1000, "heic"), "jobs/J1/photo-1000.heic");
  EXPECT_EQ(job_prefix("J1"), "jobs/J1/");
}

TEST(Validation, AllowListByExactTypeCaseInsensitive) {
  auto types = default_allowed_types();
  ASSERT_NE(find_allowed_type(types, "image/jpeg"), nullptr);
  EXPECT_EQ(find_allowed_type(types, "image/jpeg")->extension, "jpg");
  EXPECT_EQ(find_allowed_type(types, "IMAGE/PNG")->extension, "png");
  EXPECT_EQ(find_allowed_type(types, "image/heic")->extension, "heic");
  EXPECT_EQ(find_allowed_type(types, "image/webp")->extension, "webp");
  EXPECT_EQ(find_allowed_type(types, "image/gif"), nullptr);
  EXPECT_EQ(find_allowed_type(types, "text/html"), nullptr);
  EXPECT_EQ(find_allowed_type(types, "image/jpeg; charset=x"), nullptr);
  EXPECT_EQ(find_allowed_type(types, ""), nullptr);
}

TEST(Validation, ChecksumIsBase64OfThirtyTwoBytes) {
  // sha256("") in base64
  EXPECT_TRUE(valid_checksum_sha256("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
  EXPECT_FALSE(valid_checksum_sha256("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"));
  EXPECT_FALSE(valid_checksum_sha256("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV="));  // nonzero pad bits
  EXPECT_FALSE(valid_checksum_sha256("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu!U="));
  EXPECT_FALSE(valid_checksum_sha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

}  // namespace
}  // namespace dropslot::api
