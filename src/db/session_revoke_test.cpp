// Logout against the per-process session cache, on every backend (database_test_fixture.hpp).
//
// The race this guards: a revoke that cleared the cache *before* its database write let a
// lookup in between read the still-valid row and cache it again, so the logged-out token
// kept working for up to the cache TTL. Lookups here run on other threads all through the
// revoke; once the revoke has returned, not one of them may find the session.
#include <atomic>
#include <thread>
#include <vector>

#include "database_test_fixture.hpp"

namespace dropslot::db::testing {
namespace {

using namespace std::chrono_literals;

const timestamp t0{std::chrono::seconds(1'800'000'000)};

void revoke_while_looking_up(database& db, bool whole_customer, int rounds) {
  auto customer = db.create_customer("Racer", whole_customer ? "all@example.com" : "one@example.com", t0);
  ASSERT_TRUE(customer) << customer.error().message();
  constexpr int lookers = 4;
  constexpr int lookups_after_revoke = 64;  // per looker and round
  for (int round = 0; round < rounds; ++round) {
    auto s = db.create_session(customer->id, t0, 1h);
    ASSERT_TRUE(s) << s.error().message();
    ASSERT_TRUE(db.lookup_session(s->token, t0)->has_value());  // cached from here on

    std::atomic<bool> revoked{false};
    std::atomic<int> found_after_revoke{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < lookers; ++t)
      threads.emplace_back([&] {
        int after = 0;
        while (after < lookups_after_revoke) {
          // Read before the lookup starts: a lookup that began after the revoke returned
          // must miss; one that began before may still see the session.
          const bool began_after_revoke = revoked.load();
          auto r = db.lookup_session(s->token, t0 + 1s);
          if (!r) ++errors;
          else if (began_after_revoke && r->has_value()) ++found_after_revoke;
          if (began_after_revoke) ++after;
        }
      });
    std::string revoke_error;
    if (whole_customer) {
      if (auto r = db.revoke_sessions(customer->id, t0 + 1s); !r) revoke_error = r.error().message();
    } else {
      if (auto r = db.revoke_session(s->token, t0 + 1s); !r) revoke_error = r.error().message();
    }
    revoked = true;
    for (auto& t : threads) t.join();
    ASSERT_EQ(revoke_error, "");
    EXPECT_EQ(errors.load(), 0);
    ASSERT_EQ(found_after_revoke.load(), 0) << "round " << round << ": a revoked session was found again";
    EXPECT_FALSE(db.lookup_session(s->token, t0 + 2s)->has_value());
  }
}

TEST_P(database_test, a_lookup_racing_logout_does_not_cache_the_session_again) {
  open_options o;
  o.session_cache_ttl = 60s;
  auto cached = reopen(o);
  ASSERT_TRUE(cached);
  revoke_while_looking_up(*cached, /*whole_customer=*/false, 40);
}

TEST_P(database_test, a_lookup_racing_revoke_all_does_not_cache_the_session_again) {
  open_options o;
  o.session_cache_ttl = 60s;
  auto cached = reopen(o);
  ASSERT_TRUE(cached);
  revoke_while_looking_up(*cached, /*whole_customer=*/true, 40);
}

}  // namespace
}  // namespace dropslot::db::testing
