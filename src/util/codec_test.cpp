#include <dropslot/util/codec.hpp>

#include <gtest/gtest.h>

#include <string>

namespace dropslot::util {
namespace {

// RFC 4648 §10 test vectors.
struct vector {
  const char* plain;
  const char* base64;
  const char* hex;
};
constexpr vector rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "66"},
    {"fo", "Zm8=", "666f"},
    {"foo", "Zm9v", "666f6f"},
    {"foob", "Zm9vYg==", "666f6f62"},
    {"fooba", "Zm9vYmE=", "666f6f6261"},
    {"foobar", "Zm9vYmFy", "666f6f626172"},
};

TEST(codec, base64_rfc4648_vectors) {
  for (const vector& v : rfc4648) {
    EXPECT_EQ(base64_encode(v.plain), v.base64) << v.plain;
    EXPECT_EQ(base64_decode(v.base64), std::optional<std::string>(v.plain)) << v.base64;
  }
}

TEST(codec, base64_round_trips_every_byte_and_length) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= bytes.size(); n += 1) {
    const std::string s = bytes.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(s)), s) << n;
  }
}

TEST(codec, base64_decode_is_strict) {
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);       // not a multiple of 4
  EXPECT_EQ(base64_decode("Zg"), std::nullopt);        // unpadded
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);      // three '='
  EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);  // padding in the middle
  EXPECT_EQ(base64_decode("Z=g="), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9v YmFy"), std::nullopt);  // white space
  EXPECT_EQ(base64_decode(" Zm9vYmE="), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9vYmE=\n"), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9-"), std::nullopt);  // base64url alphabet
  EXPECT_EQ(base64_decode("Zm9_"), std::nullopt);
  EXPECT_EQ(base64_decode("Zh=="), std::nullopt);  // non-zero bits under the padding
  EXPECT_EQ(base64_decode("Zm9="), std::nullopt);
  EXPECT_EQ(base64_decode(std::string_view("Zm\0v", 4)), std::nullopt);
  EXPECT_EQ(base64_decode("Hello from Lambda!"), std::nullopt);  // a Lambda body that is not base64
  EXPECT_EQ(base64_decode("Zm9vY==="), std::nullopt);
  EXPECT_EQ(base64_decode("===="), std::nullopt);
  EXPECT_EQ(base64_decode("Zg=a"), std::nullopt);
}

TEST(codec, hex_rfc4648_vectors) {
  for (const vector& v : rfc4648) {
    EXPECT_EQ(hex_encode(std::string_view(v.plain)), v.hex);
    EXPECT_EQ(hex_decode(v.hex), std::optional<std::string>(v.plain));
  }
  EXPECT_EQ(hex_encode(std::string_view("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(hex_decode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(hex_decode("abc"), std::nullopt);
  EXPECT_EQ(hex_decode("zz"), std::nullopt);
  EXPECT_EQ(hex_decode("0g"), std::nullopt);
}

TEST(codec, ascii_case) {
  EXPECT_EQ(ascii_lower("Content-TYPE: X-Amz-Date"), "content-type: x-amz-date");
  EXPECT_EQ(ascii_lower("\xc3\x84"), "\xc3\x84");  // non-ASCII unchanged, no locale
  std::string s = "ABC";
  ascii_lower_in_place(s);
  EXPECT_EQ(s, "abc");
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_FALSE(iequals("Content-Type", "content-typ"));
  EXPECT_FALSE(iequals("a", "b"));
}

TEST(codec, percent_decode) {
  EXPECT_EQ(percent_decode("%2e%2E/a%20b"), "../a b");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%2B", true), "+");
  EXPECT_EQ(percent_decode("caf\xc3\xa9"), "caf\xc3\xa9");  // raw UTF-8 passes
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(percent_decode("%zz"), std::nullopt);
  EXPECT_EQ(percent_decode("%4"), std::nullopt);
  EXPECT_EQ(percent_decode("a%"), std::nullopt);
  EXPECT_EQ(percent_decode("%25zz"), "%zz");  // decoded once, not twice
}

TEST(codec, percent_decode_lenient_keeps_stray_percents) {
  EXPECT_EQ(escape_stray_percents("%2e%zz%4%"), "%2e%25zz%254%25");
  EXPECT_EQ(percent_decode_lenient("%2e%2E/%zz%4"), "../%zz%4");
  EXPECT_EQ(percent_decode_lenient("a+b%"), "a+b%");
  EXPECT_EQ(percent_decode_lenient("a+b%", true), "a b%");
  EXPECT_EQ(percent_decode_lenient("%41%2541"), "A%41");
}

TEST(codec, parse_query) {
  const auto q = parse_query("a=1&b=%20x&&c&d=&e=f=g");
  ASSERT_TRUE(q);
  const std::vector<query_pair> want = {
      {"a", "1", true}, {"b", " x", true}, {"c", "", false}, {"d", "", true}, {"e", "f=g", true}};
  EXPECT_EQ(*q, want);
  EXPECT_EQ(parse_query("a+b=c+d")->at(0), (query_pair{"a+b", "c+d", true}));
  EXPECT_EQ(parse_query("a+b=c+d", true)->at(0), (query_pair{"a b", "c d", true}));
  EXPECT_EQ(parse_query("")->size(), 0u);
  EXPECT_EQ(parse_query("a=%zz"), std::nullopt);
  EXPECT_EQ(parse_query("%=1"), std::nullopt);
}

}  // namespace
}  // namespace dropslot::util
