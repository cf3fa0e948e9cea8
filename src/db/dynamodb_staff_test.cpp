// The board on DynamoDB (issue 21): it never Scans (every operation the board sends
// is recorded on the way to dynalite), and `admin migrate` (database::migrate_data)
// gives jobs made before the board their entries.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <dropslot/db/database.hpp>
#include <dropslot/db/dynamodb_schema.hpp>
#include <dropslot/db/timed_database.hpp>

#include "database_test_fixture.hpp"
#include "dynalite_server.hpp"
#include "dynamodb_table.hpp"

namespace dropslot::db::testing {
namespace {

using namespace std::chrono_literals;

const timestamp t0{std::chrono::seconds(1'800'000'000)};

std::string fresh_prefix() {
  static int n = 0;
  return "board-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

// A customer with three jobs: "a" (two uploads and a quote request), "b" (one
// upload) and "c" (nothing), each later than the one before.
customer fill(database& db) {
  auto c = db.create_customer("Ola Nordmann", "ola@example.com", t0);
  EXPECT_TRUE(c) << c.error().message();
  timestamp at = t0;
  for (const char* id : {"a", "b", "c"}) {
    new_job j;
    j.id = id;
    j.customer = c->id;
    j.title = std::string("Job ") + id;
    at += 10s;
    EXPECT_TRUE(db.create_job(j, at));
  }
  EXPECT_TRUE(db.allocate_upload(test_upload("a", c->id, t0 + 900s), t0 + 40s));
  EXPECT_TRUE(db.allocate_upload(test_upload("a", c->id, t0 + 900s), t0 + 50s));
  EXPECT_TRUE(db.allocate_upload(test_upload("b", c->id, t0 + 900s), t0 + 60s));
  new_quote q;
  q.customer = c->id;
  q.job_id = "a";
  q.description = "How much?";
  EXPECT_TRUE(db.create_quote(q, t0 + 70s));
  return *c;
}

std::vector<std::string> ids(const board_page& p) {
  std::vector<std::string> out;
  for (const auto& r : p.rows) out.push_back(r.j.id);
  return out;
}

class dynamodb_board : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& s = dynalite_server::shared();
    ASSERT_TRUE(s.running()) << s.error();
    s.export_environment();
  }
  void TearDown() override { dynalite_server::shared().export_environment(); }
};

// Through a recording stand-in for the network in front of dynalite (throttling_proxy
// with nothing throttled): every page of the board, filtered or not, is Query and
// BatchGetItem only.
TEST_F(dynamodb_board, the_board_never_scans) {
  auto& server = dynalite_server::shared();
  throttling_proxy proxy(server.port(), 0, 1);
  ::setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.endpoint().c_str(), 1);
  auto d = open_database("dynamodb://" + fresh_prefix());
  ASSERT_TRUE(d) << d.error().message();
  auto& db = **d;
  fill(db);
  auto* staff = db.staff();
  ASSERT_NE(staff, nullptr);

  proxy.clear_operations();
  board_query first;
  first.limit = 2;
  auto page1 = staff->board(first);
  board_query rest;
  rest.limit = 2;
  if (page1 && page1->next) rest.after = page1->next;
  auto page2 = staff->board(rest);
  board_query waiting;
  waiting.needs_quote = true;
  auto quotes = staff->board(waiting);
  board_query text;
  text.text = "job b";
  auto found = staff->board(text);
  auto ops = proxy.operations();

  ASSERT_FALSE(ops.empty());
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Scan"), 0) << "the board sent a Scan";
  for (const auto& op : ops) EXPECT_TRUE(op == "Query" || op == "BatchGetItem") << op;
  EXPECT_GE(std::count(ops.begin(), ops.end(), "Query"), 4);
  ASSERT_TRUE(page1) << page1.error().message();
  ASSERT_TRUE(page2) << page2.error().message();
  ASSERT_TRUE(quotes) << quotes.error().message();
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(ids(*page1), (std::vector<std::string>{"a", "b"}));  // a's quote is its newest activity
  EXPECT_EQ(ids(*page2), (std::vector<std::string>{"c"}));
  EXPECT_EQ(ids(*quotes), (std::vector<std::string>{"a"}));
  EXPECT_EQ(ids(*found), (std::vector<std::string>{"b"}));
}

// Jobs made before the board have no entry: the board does not show them, and
// migrate_data (what `dropslot admin migrate` runs) adds them with their newest
// upload, their waiting quote and their latest activity; a second run adds nothing.
TEST_F(dynamodb_board, migrate_backfills_the_entries_of_older_jobs) {
  const std::string prefix = fresh_prefix();
  auto d = open_database("dynamodb://" + prefix);
  ASSERT_TRUE(d) << d.error().message();
  // Through the metrics decorator, as serve holds it: migrate_data is forwarded.
  auto timed = with_metrics(std::shared_ptr<database>(std::move(*d)));
  auto& db = *timed;
  fill(db);
  auto* staff = db.staff();
  ASSERT_NE(staff, nullptr);
  auto before = staff->board({});
  ASSERT_TRUE(before) << before.error().message();
  const auto expected = *before;

  // As a version before the board left them: no entries for "a" and "c".
  detail::dynamodb_table t(detail::make_dynamodb_client(s3::process_environment()), dynamodb_table_name(prefix));
  for (const char* id : {"a", "c"})
    ASSERT_TRUE(t.call("DeleteItem", {{"Key", detail::item_key(detail::job_pk(id), "BOARD")}}));
  auto gone = staff->board({});
  ASSERT_TRUE(gone);
  EXPECT_EQ(ids(*gone), (std::vector<std::string>{"b"}));

  auto added = db.migrate_data();
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ(*added, 2u);
  auto after = staff->board({});
  ASSERT_TRUE(after) << after.error().message();
  ASSERT_EQ(ids(*after), ids(expected));
  for (std::size_t i = 0; i < after->rows.size(); ++i) {
    const auto& got = after->rows[i];
    const auto& want = expected.rows[i];
    SCOPED_TRACE(got.j.id);
    EXPECT_EQ(got.owner.id, want.owner.id);
    EXPECT_EQ(got.owner.name, want.owner.name);
    EXPECT_EQ(got.owner.email, want.owner.email);
    EXPECT_EQ(got.last_upload_at, want.last_upload_at);
    EXPECT_EQ(got.last_key, want.last_key);
    EXPECT_EQ(got.quote_waiting, want.quote_waiting);
    EXPECT_EQ(got.activity_at, want.activity_at);
    EXPECT_EQ(got.j.photo_count, want.j.photo_count);
  }
  board_query search;
  search.text = "ola";
  auto by_customer = staff->board(search);
  ASSERT_TRUE(by_customer);
  EXPECT_EQ(by_customer->rows.size(), 3u);  // the backfilled entries are searchable too

  auto again = db.migrate_data();
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, 0u);
}

}  // namespace
}  // namespace dropslot::db::testing
