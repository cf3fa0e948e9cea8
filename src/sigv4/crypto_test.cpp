#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include <dropslot/sigv4/crypto.hpp>
#include <dropslot/sigv4/key_cache.hpp>

namespace dropslot::sigv4 {
namespace {

TEST(crypto, sha256_known_answers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(crypto, hasher_matches_one_shot_and_resets) {
  std::string data(100000, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  sha256_hasher h;
  for (std::size_t i = 0; i < data.size(); i += 777) h.update(std::string_view(data).substr(i, 777));
  EXPECT_EQ(h.finish(), sha256(data));
  h.update("abc");
  EXPECT_EQ(hex(h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231 test cases 2 (short key) and 6 (key longer than the block).
TEST(crypto, hmac_rfc4231) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  std::string key(131, '\xaa');
  EXPECT_EQ(hex(hmac_sha256(key, "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  hmac_sha256_key k(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>("Jefe"), 4));
  EXPECT_EQ(hex(k.mac("what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(k.mac("what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// The first-block memo must give the plain MAC whatever the key and message: the
// same key and block (reused), another block, another key (even one allocated where
// a freed key was), and messages shorter than a block.
TEST(crypto, hmac_first_block_memo_gives_the_plain_mac) {
  auto bytes = [](std::string_view s) {
    return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  const std::string block(64, 'b');
  const std::vector<std::string> messages = {block + "tail one", block + "tail two", std::string(64, 'c') + "x",
                                             block, "short", "", std::string(200, 'b')};
  hmac_first_block_memo memo;
  for (int round = 0; round < 3; ++round) {
    for (std::string key_text : {"key one", "key two"}) {
      auto key = std::make_unique<hmac_sha256_key>(bytes(key_text + std::to_string(round)));
      for (const std::string& m : messages) {
        EXPECT_EQ(key->mac(m, memo), key->mac(m)) << key_text << " " << m.size();
        EXPECT_EQ(key->mac(m, memo), hmac_sha256(key_text + std::to_string(round), m));
      }
    }
  }
}

TEST(crypto, constant_time_equal) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}


TEST(key_cache, reuses_keys_per_tuple_and_is_thread_safe) {
  key_cache cache(16);
  secret_access_key s("secret");
  auto a = cache.get(s, "20240101", "us-east-1", "s3");
  auto b = cache.get(s, "20240101", "us-east-1", "s3");
  auto c = cache.get(s, "20240102", "us-east-1", "s3");
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(a->bytes(), derive_signing_key_bytes(s, "20240101", "us-east-1", "s3"));

  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::string date = "202401" + std::to_string(10 + (i + t) % 20);
        auto k = cache.get(s, date, "us-east-1", "s3");
        if (k->bytes() != derive_signing_key_bytes(s, date, "us-east-1", "s3")) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 16u);
}

}  // namespace
}  // namespace dropslot::sigv4
