#include "dropslot/lambda/base64.hpp"

#include <gtest/gtest.h>

namespace dropslot::lambda {
namespace {

// RFC 4648 §10 test vectors.
TEST(Base64, EncodesRfcVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesRfcVectorsWithAndWithoutPadding) {
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYg"), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("SGVsbG8="), "Hello");
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    auto text = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(text)), text);
  }
}

TEST(Base64, RejectsWhatNoEncoderProduces) {
  EXPECT_FALSE(base64_decode("Hello from Lambda!"));  // the fixture left out of shared/testdata
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_FALSE(base64_decode("Zm9vY==="));
  EXPECT_FALSE(base64_decode("Zm9vYh=="));  // non-zero leftover bits
  EXPECT_FALSE(base64_decode("Zg=a"));
}

}  // namespace
}  // namespace dropslot::lambda
