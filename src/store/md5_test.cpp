// md5_digest against RFC 1321's own test suite and against OpenSSL's one-shot MD5, for
// every engine this CPU can run, over every length around the block and padding edges and
// over bodies fed in random pieces (as a socket delivers them).
#include "md5.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "checksums.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

void PrintTo(md5_digest::engine e, std::ostream* os) {
  *os << (e == md5_digest::engine::avx512 ? "avx512" : e == md5_digest::engine::openssl ? "openssl" : "automatic");
}

namespace {

using engine = md5_digest::engine;

std::string openssl_md5(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr), 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string engine_name(const ::testing::TestParamInfo<engine>& info) { return ::testing::PrintToString(info.param); }

class Md5 : public ::testing::TestWithParam<engine> {
 protected:
  void SetUp() override {
    if (GetParam() == engine::avx512 && !md5_digest::avx512_available())
      GTEST_SKIP() << "this CPU has no AVX-512VL: the avx512 engine is not used here";
  }
  std::string digest(const std::string& data) {
    md5_digest md5(GetParam());
    md5.update(data.data(), data.size());
    return md5.finish();
  }
};

TEST_P(Md5, Rfc1321TestSuite) {
  const std::pair<const char*, const char*> suite[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (const auto& [text, hex] : suite) EXPECT_EQ(util::hex_encode(digest(text)), hex) << '"' << text << '"';
}

TEST_P(Md5, EveryLengthAroundTheBlockAndPaddingEdges) {
  // 0..300 covers a tail of 0..63 bytes with one and with two padding blocks, several times.
  const std::string data = random_bytes(300, 1);
  for (std::size_t n = 0; n <= data.size(); ++n) {
    const std::string part = data.substr(0, n);
    EXPECT_EQ(util::hex_encode(digest(part)), util::hex_encode(openssl_md5(part))) << n << " bytes";
  }
}

TEST_P(Md5, LargeBodyFedInRandomPieces) {
  const std::string data = random_bytes((5 << 20) + 13, 2);
  const std::string want = openssl_md5(data);
  std::mt19937 rng(3);
  for (int round = 0; round < 4; ++round) {
    md5_digest md5(GetParam());
    std::size_t off = 0;
    while (off < data.size()) {
      // Mostly small and unaligned, now and then a large run of whole blocks.
      std::size_t n = rng() % 8 == 0 ? rng() % (1 << 20) : rng() % 200;
      n = std::min(n, data.size() - off);
      md5.update(data.data() + off, n);
      off += n;
    }
    EXPECT_EQ(util::hex_encode(md5.finish()), util::hex_encode(want)) << "round " << round;
  }
}

TEST_P(Md5, EmptyUpdatesChangeNothing) {
  md5_digest md5(GetParam());
  md5.update(nullptr, 0);
  md5.update("ab", 2);
  md5.update("", 0);
  md5.update("c", 1);
  EXPECT_EQ(util::hex_encode(md5.finish()), "900150983cd24fb0d6963f7d28e17f72");
}

INSTANTIATE_TEST_SUITE_P(Engines, Md5, ::testing::Values(engine::automatic, engine::openssl, engine::avx512),
                         engine_name);

TEST(Md5Engine, Avx512RefusedWhereTheCpuLacksIt) {
  if (md5_digest::avx512_available()) {
    EXPECT_NO_THROW(md5_digest{engine::avx512});
  } else {
    EXPECT_THROW(md5_digest{engine::avx512}, std::invalid_argument);
  }
}

// "automatic" is the faster engine as measured, not the one the CPU flags allow (on an
// AMD EPYC with AVX-512 the avx512 engine ran at half OpenSSL's speed).
TEST(Md5Engine, AutomaticIsTheFasterByMeasurement) {
  EXPECT_EQ(md5_digest::pick(1000, 500), engine::avx512);
  EXPECT_EQ(md5_digest::pick(500, 1000), engine::openssl);  // AVX-512 present but slower
  EXPECT_EQ(md5_digest::pick(500, 500), engine::openssl);
  EXPECT_EQ(md5_digest::pick(1000, -1), engine::openssl);  // not available
  const auto& c = md5_digest::automatic_choice();
  EXPECT_GT(c.openssl_mb_s, 0);
  if (!md5_digest::avx512_available()) {
    EXPECT_EQ(c.chosen, engine::openssl);
    EXPECT_EQ(c.avx512_mb_s, 0);
  } else {
    EXPECT_GT(c.avx512_mb_s, 0);
    EXPECT_EQ(c.chosen, c.avx512_mb_s > c.openssl_mb_s ? engine::avx512 : engine::openssl);
  }
  EXPECT_EQ(&c, &md5_digest::automatic_choice());  // measured once
}

}  // namespace
}  // namespace dropslot::store
