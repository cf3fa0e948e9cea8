// The receipt's pure parts (receipts.hpp): each type's magic number, and which keys
// are photo keys.
#include "receipts.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dropslot::api {
namespace {

using namespace std::string_view_literals;  // the signatures hold NUL bytes

std::string box(const std::string& brand) { return std::string("\0\0\0\x18", 4) + "ftyp" + brand + std::string(12, '\0'); }

TEST(receipts, each_type_has_its_magic_number) {
  EXPECT_TRUE(magic_matches("image/jpeg", "\xff\xd8\xff\xe0rest"));
  EXPECT_TRUE(magic_matches("Image/JPEG; charset=x", "\xff\xd8\xff\xdb"));
  EXPECT_FALSE(magic_matches("image/jpeg", "GIF89a"));
  EXPECT_FALSE(magic_matches("image/jpeg", "\xff\xd8"));  // too short
  EXPECT_TRUE(magic_matches("image/png", "\x89PNG\r\n\x1a\n...."sv));
  EXPECT_FALSE(magic_matches("image/png", "\x89PNG\r\n\x1a"));
  EXPECT_TRUE(magic_matches("image/webp", "RIFF\x24\0\0\0WEBPVP8 "sv));
  EXPECT_FALSE(magic_matches("image/webp", "RIFF\x24\0\0\0WAVEfmt "sv));
  EXPECT_TRUE(magic_matches("image/heic", box("heic")));
  EXPECT_TRUE(magic_matches("image/heif", box("mif1")));
  EXPECT_FALSE(magic_matches("image/heic", box("isom")));
  EXPECT_TRUE(magic_matches("video/mp4", box("isom")));
  EXPECT_FALSE(magic_matches("video/mp4", box("qt  ")));
  EXPECT_TRUE(magic_matches("video/quicktime", box("qt  ")));
  EXPECT_TRUE(magic_matches("video/quicktime", std::string("\0\0\0\x08wide", 8)));
  EXPECT_FALSE(magic_matches("video/quicktime", box("isom")));
  EXPECT_TRUE(magic_matches("video/webm", "\x1a\x45\xdf\xa3...."));
  EXPECT_FALSE(magic_matches("video/webm", "\xff\xd8\xff"));
  // A type with no known signature (an operator's addition) is not refused for it.
  EXPECT_TRUE(magic_matches("image/avif-or-whatever", "anything"));
}

TEST(receipts, photo_keys_are_split_and_everything_else_is_not_one) {
  auto r = parse_photo_key("jobs/J-1/photo-007.jpg");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->job_id, "J-1");
  EXPECT_EQ(r->number, 7);
  auto wide = parse_photo_key("jobs/j/photo-1234.png");
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->number, 1234);
  for (const char* k : {"jobs/j/thumbs/photo-007.jpg", "jobs/j/photo-07.jpg", "jobs/j/photo-0007.jpg",
                        "jobs/j/photo-000.jpg", "jobs/../photo-001.jpg", "jobs/j/photo-001", "uploads/j/photo-001.jpg",
                        "jobs/j/photo-001.JPG", "jobs//photo-001.jpg", "jobs/j/sub/photo-001.jpg"})
    EXPECT_FALSE(parse_photo_key(k)) << k;
}

}  // namespace
}  // namespace dropslot::api
