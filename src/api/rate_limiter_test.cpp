#include "dropslot/api/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace dropslot::api {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, BurstThenRetryAfter) {
  rate_limiter rl(1.0, 3.0);
  auto t = rate_limiter::clock::time_point{} + 100s;
  EXPECT_EQ(rl.acquire("c1", t), 0);
  EXPECT_EQ(rl.acquire("c1", t), 0);
  EXPECT_EQ(rl.acquire("c1", t), 0);
  EXPECT_EQ(rl.acquire("c1", t), 1);  // empty: one token per second
  EXPECT_EQ(rl.acquire("c2", t), 0);  // another customer has its own bucket
  EXPECT_EQ(rl.acquire("c1", t + 1s), 0);
  EXPECT_GE(rl.acquire("c1", t + 1s), 1);
}

TEST(RateLimiter, SlowRateGivesLongerRetryAfter) {
  rate_limiter rl(0.1, 1.0);
  auto t = rate_limiter::clock::time_point{} + 100s;
  EXPECT_EQ(rl.acquire("c", t), 0);
  EXPECT_EQ(rl.acquire("c", t), 10);
}

TEST(RateLimiter, ZeroRateDisables) {
  rate_limiter rl(0, 1);
  auto t = rate_limiter::clock::time_point{};
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rl.acquire("c", t), 0);
}

}  // namespace
}  // namespace dropslot::api
