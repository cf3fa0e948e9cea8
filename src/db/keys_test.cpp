#include <dropslot/db/keys.hpp>
#include <dropslot/db/tokens.hpp>

#include <gtest/gtest.h>

#include <set>

namespace dropslot::db {
namespace {

TEST(photo_key, pads_to_three_digits_and_grows_past_999) {
  EXPECT_EQ(photo_key("j", 1, "jpg"), "jobs/j/photo-001.jpg");
  EXPECT_EQ(photo_key("j", 42, "png"), "jobs/j/photo-042.png");
  EXPECT_EQ(photo_key("j", 999, "webp"), "jobs/j/photo-999.webp");
  EXPECT_EQ(photo_key("j", 1000, "heic"), "jobs/j/photo-1000.heic");
  EXPECT_EQ(photo_key("job_A-1", 123456, "jpg"), "jobs/job_A-1/photo-123456.jpg");
}

TEST(valid_job_id, accepts_the_pattern_and_nothing_else) {
  EXPECT_TRUE(valid_job_id("a"));
  EXPECT_TRUE(valid_job_id("Job_1-x"));
  EXPECT_TRUE(valid_job_id(std::string(64, 'z')));
  EXPECT_FALSE(valid_job_id(""));
  EXPECT_FALSE(valid_job_id(std::string(65, 'z')));
  for (const char* bad : {"..", "../a", "a/b", "a\\b", "a.b", "a b", "caf\xc3\xa9", "%2e", "a\n"})
    EXPECT_FALSE(valid_job_id(bad)) << bad;
  EXPECT_FALSE(valid_job_id(std::string_view("a\0b", 3)));
}

TEST(tokens, are_random_256_bit_hex_and_hash_to_sha256) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto t = random_token();
    ASSERT_EQ(t.size(), 64u);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace dropslot::db
