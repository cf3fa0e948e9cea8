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

TEST(Validation, ClientIds) {
  EXPECT_TRUE(valid_client_id("a"));
  EXPECT_TRUE(valid_client_id("Photo_01-x"));
  EXPECT_TRUE(valid_client_id(std::string(64, 'z')));
  for (std::string bad : {std::string(), std::string(65, 'z'), std::string("a/b"), std::string("a.b"),
                          std::string("a b"), std::string("caf\xc3\xa9"), std::string("a\0b", 3)})
    EXPECT_FALSE(valid_client_id(bad)) << bad;
}

TEST(Validation, CapturedAtIsStrictRfc3339Utc) {
  EXPECT_TRUE(valid_captured_at("2026-12-06T13:03:07Z"));
  EXPECT_TRUE(valid_captured_at("2024-02-29T00:00:00Z"));  // leap day
  EXPECT_TRUE(valid_captured_at("2000-02-29T23:59:59Z"));
  for (const char* bad : {"", "2026-12-06", "2026-12-06T13:03:07", "2026-12-06T13:03:07z", "2026-12-06 13:03:07Z",
                          "2026-12-06T13:03:07.5Z", "2026-12-06T13:03:07+00:00", "2026-13-06T13:03:07Z",
                          "2026-00-06T13:03:07Z", "2026-02-29T13:03:07Z", "1900-02-29T13:03:07Z",
                          "2026-04-31T13:03:07Z", "2026-12-00T13:03:07Z", "2026-12-06T24:00:00Z",
                          "2026-12-06T13:60:07Z", "2026-12-06T13:03:60Z", "0999-12-06T13:03:07Z",
                          "2026-1a-06T13:03:07Z", "+026-12-06T13:03:07Z", "2026-12-06T13:03:07Z\n"})
    EXPECT_FALSE(valid_captured_at(bad)) << bad;
}

TEST(Validation, PhotoNamesFollowTheKeyGrammar) {
  for (const char* good : {"photo-001.jpg", "photo-999.heic", "photo-1000.png", "photo-12345.webp", "photo-010.jpg"})
    EXPECT_TRUE(valid_photo_name(good)) << good;
  for (const char* bad : {"", "photo-000.jpg", "photo-01.jpg", "photo-1.jpg", "photo-0001.jpg", "photo-001",
                          "photo-001.", "photo-001.JPG", "photo-001.jpg/x", "../photo-001.jpg", "photo-001.j.pg",
                          "photo-001.jpg%00", "photo-0x1.jpg", "Photo-001.jpg", "thumbs", "photo-001.abcdefghijk",
                          "photo--01.jpg", "photo-001..", "photo-12345678901234567890.jpg"})
    EXPECT_FALSE(valid_photo_name(bad)) << bad;
}

TEST(Validation, ThumbKeyIsBesideThePhotoUnderThumbs) {
  EXPECT_EQ(thumb_key("jobs/J1/photo-001.jpg"), "jobs/J1/thumbs/photo-001.jpg");
  EXPECT_EQ(thumb_key("jobs/J1/photo-1000.heic"), "jobs/J1/thumbs/photo-1000.jpg");
}

}  // namespace
}  // namespace dropslot::api
