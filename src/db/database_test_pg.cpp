// The database suite on PostgreSQL (label `pg`): needs DROPSLOT_TEST_PG_URL.
#include <libpq-fe.h>

#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "database_test_fixture.hpp"

namespace dropslot::db::testing {
INSTANTIATE_TEST_SUITE_P(pg, database_test, ::testing::Values(std::string("postgres")));

namespace {

using namespace std::chrono_literals;

// Twins with one client_id that both miss the lookup: a test connection holds the
// job's row lock, so every allocation looks its ID up (nothing yet), then waits at
// the counter's UPDATE. Released, one inserts; the unique index must turn every other
// insert into a conflict (answered with the first one's slot), never a second photo.
// The shared suite's concurrency test rarely gets two requests into this window; this
// one always does.
TEST(pg_client_id, twins_past_the_lookup_still_get_one_slot) {
  scratch_database scratch("postgres");
  if (scratch.url().empty()) GTEST_SKIP() << scratch.skip_reason();
  auto d = open_database(scratch.url());
  ASSERT_TRUE(d) << d.error().message();
  const timestamp t0{std::chrono::seconds(1'800'000'000)};
  auto c = (*d)->create_customer("A", "a@example.com", t0);
  ASSERT_TRUE(c);
  new_job j;
  j.id = "race";
  j.customer = c->id;
  j.title = "t";
  ASSERT_TRUE((*d)->create_job(j, t0));

  PGconn* holder = PQconnectdb(scratch.url().c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK) << PQerrorMessage(holder);
  auto exec = [](PGconn* conn, const char* sql) {
    PGresult* r = PQexec(conn, sql);
    auto status = PQresultStatus(r);
    std::string first = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return std::pair{status, first};
  };
  ASSERT_EQ(exec(holder, "BEGIN").first, PGRES_COMMAND_OK);
  ASSERT_EQ(exec(holder, "SELECT 1 FROM jobs WHERE id = 'race' FOR UPDATE").first, PGRES_TUPLES_OK);

  constexpr int n = 4;  // within the pool (8 connections): all of them race
  std::vector<std::optional<result<upload_slot>>> got(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      upload_request u;
      u.job_id = "race";
      u.customer = c->id;
      u.content_type = "image/jpeg";
      u.size = 1;
      u.expires_at = t0 + 900s;
      u.session_hash = "h";
      u.ext = "jpg";
      u.client_id = "twin";
      got[i] = (*d)->allocate_upload(u, t0);
    });
  // Wait until all of them are blocked on the row lock (past their lookup).
  PGconn* watcher = PQconnectdb(scratch.url().c_str());
  ASSERT_EQ(PQstatus(watcher), CONNECTION_OK);
  int waiting = 0;
  for (int tries = 0; tries < 200 && waiting < n; ++tries) {
    waiting = std::stoi(exec(watcher, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                      "AND query LIKE '%UPDATE jobs SET next_photo_number%'")
                            .second);
    if (waiting < n) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(waiting, n);
  ASSERT_EQ(exec(holder, "COMMIT").first, PGRES_COMMAND_OK);
  for (auto& t : threads) t.join();
  PQfinish(watcher);
  PQfinish(holder);

  std::set<std::string> keys;
  int fresh = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(*got[i]) << (*got[i]).error().message();
    keys.insert((*got[i])->key);
    fresh += (*got[i])->reused ? 0 : 1;
  }
  EXPECT_EQ(keys, (std::set<std::string>{"jobs/race/photo-001.jpg"}));
  EXPECT_EQ(fresh, 1);
  // The refused inserts rolled their counter step back with them: no number skipped.
  EXPECT_EQ((*(*d)->get_job("race", c->id))->photo_count, 1);
}

}  // namespace
}  // namespace dropslot::db::testing
