// The database suite on SQLite (label `sqlite`), plus what only SQLite has.
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "database_test_fixture.hpp"

namespace dropslot::db::testing {

INSTANTIATE_TEST_SUITE_P(sqlite, database_test, ::testing::Values(std::string("sqlite")));

namespace {

const timestamp t0{std::chrono::seconds(1'800'000'000)};

int exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open(path.c_str(), &db);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc;
}

TEST(sqlite_migrations, a_file_at_version_1_is_brought_to_the_latest) {
  scratch_database scratch("sqlite");
  std::string path = scratch.url().substr(std::string("sqlite://").size());
  {
    auto d = open_database(scratch.url());
    ASSERT_TRUE(d) << d.error().message();
  }
  // Make the file look as version 1 left it.
  ASSERT_EQ(exec(path,
                 "DROP TRIGGER uploads_take_number; DROP INDEX uploads_by_client_id; "
                 "ALTER TABLE uploads DROP COLUMN client_id; ALTER TABLE jobs DROP COLUMN shots; "
                 "ALTER TABLE uploads DROP COLUMN shot; ALTER TABLE uploads DROP COLUMN caption; "
                 "ALTER TABLE uploads DROP COLUMN state; ALTER TABLE uploads DROP COLUMN received_at; "
                 // version 5 (the company's side)
                 "DROP TRIGGER uploads_touch_board; DROP TRIGGER quotes_wait; DROP TRIGGER quotes_answered; "
                 "DROP TRIGGER jobs_activity_on_insert; DROP TRIGGER jobs_activity_on_update; "
                 "DROP TABLE shares; DROP TABLE quote_replies; DROP TABLE staff_login_codes; "
                 "DROP TABLE staff_sessions; DROP TABLE staff; DROP INDEX jobs_by_activity; DROP INDEX quotes_by_job; "
                 "ALTER TABLE jobs DROP COLUMN activity_at; ALTER TABLE jobs DROP COLUMN last_upload_at; "
                 "ALTER TABLE jobs DROP COLUMN quotes_waiting; "
                 "DELETE FROM schema_migrations WHERE version > 1"),
            SQLITE_OK);

  auto d = open_database(scratch.url());
  ASSERT_TRUE(d) << d.error().message();
  auto c = (*d)->create_customer("A", "a@example.com", t0);
  ASSERT_TRUE(c);
  new_job j;
  j.id = "j";
  j.customer = c->id;
  j.title = "t";
  ASSERT_TRUE((*d)->create_job(j, t0));
  upload_request u;
  u.job_id = "j";
  u.customer = c->id;
  u.content_type = "image/png";
  u.ext = "png";
  u.session_hash = "h";
  for (int i = 1; i <= 2; ++i) {
    auto r = (*d)->allocate_upload(u, t0);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->number, i);
  }
  // Version 3's column and index are back: a photo ID keeps its slot.
  u.client_id = "photo-a";
  auto first = (*d)->allocate_upload(u, t0);
  auto again = (*d)->allocate_upload(u, t0);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->number, 3);
  EXPECT_EQ(again->number, 3);
  EXPECT_TRUE(again->reused);
}

// The wal-index header (sqlite.org/walformat.html): mxFrame, the last valid frame, at
// byte 16; nBackfill, how many frames a checkpoint has copied back, at byte 96.
struct wal_progress {
  std::uint32_t frames = 0;
  std::uint32_t backfilled = 0;
};
wal_progress read_wal_index(const std::string& db_path) {
  wal_progress p;
  std::ifstream shm(db_path + "-shm", std::ios::binary);
  char header[100] = {};
  if (!shm.read(header, sizeof header)) return p;
  std::memcpy(&p.frames, header + 16, 4);
  std::memcpy(&p.backfilled, header + 96, 4);
  return p;
}

TEST(sqlite_wal, the_background_checkpointer_copies_the_wal_back_and_lets_it_restart) {
  scratch_database scratch("sqlite");
  std::string path = scratch.url().substr(std::string("sqlite://").size());
  auto d = open_database(scratch.url());
  ASSERT_TRUE(d) << d.error().message();
  auto c = (*d)->create_customer("A", "a@example.com", t0);
  ASSERT_TRUE(c);
  new_job j;
  j.id = "j";
  j.customer = c->id;
  j.title = "t";
  ASSERT_TRUE((*d)->create_job(j, t0));
  upload_request u;
  u.job_id = "j";
  u.customer = c->id;
  u.content_type = "image/png";
  u.ext = "png";
  u.session_hash = "h";
  // Past the 1,000-frame threshold: the writer's commit hook wakes the checkpointer
  // (SQLite's own in-commit checkpoint is off once the hook is installed).
  while (read_wal_index(path).frames < 1500) ASSERT_TRUE((*d)->allocate_upload(u, t0));

  // With the writes stopped, a PASSIVE checkpoint can copy every frame. Poll for it
  // (no fixed sleep: the wait ends as soon as it has happened).
  wal_progress p;
  for (int i = 0; i < 400; ++i) {
    p = read_wal_index(path);
    if (p.backfilled == p.frames) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(p.backfilled, p.frames);
  EXPECT_GE(p.frames, 1500u);

  // The next write starts the WAL over from its beginning instead of growing it.
  ASSERT_TRUE((*d)->allocate_upload(u, t0));
  EXPECT_LT(read_wal_index(path).frames, 100u);
}

// A customer with one job "j" to allocate in.
struct one_job {
  std::unique_ptr<database> db;
  customer_id customer = 0;
};
one_job open_with_job(const scratch_database& scratch) {
  one_job out;
  auto d = open_database(scratch.url());
  EXPECT_TRUE(d) << d.error().message();
  if (!d) return out;
  out.db = std::move(*d);
  auto c = out.db->create_customer("A", "a@example.com", t0);
  EXPECT_TRUE(c);
  if (!c) return out;
  out.customer = c->id;
  new_job j;
  j.id = "j";
  j.customer = c->id;
  j.title = "t";
  EXPECT_TRUE(out.db->create_job(j, t0));
  return out;
}

upload_request upload_in_j(customer_id c) {
  upload_request u;
  u.job_id = "j";
  u.customer = c;
  u.content_type = "image/png";
  u.ext = "png";
  u.session_hash = "h";
  return u;
}

TEST(sqlite_group_commit, a_batch_waits_out_another_process_holding_the_write_lock) {
  scratch_database scratch("sqlite");
  std::string path = scratch.url().substr(std::string("sqlite://").size());
  auto [db, customer] = open_with_job(scratch);
  ASSERT_TRUE(db);
  sqlite3* other = nullptr;  // "dropslot admin" beside "dropslot serve"
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "PRAGMA busy_timeout = 5000", nullptr, nullptr, nullptr), SQLITE_OK);

  constexpr std::size_t per_round = 50;
  std::set<std::int64_t> numbers;
  // The other writer commits a change in one round and gives up in the other.
  for (const char* end : {"UPDATE customers SET name = 'B'; COMMIT", "ROLLBACK"}) {
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    async_answers got(per_round);
    for (std::size_t i = 0; i < per_round; ++i) db->allocate_upload_async(upload_in_j(customer), t0, got.to(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // Nothing can have committed: no key may be handed out yet (busy_timeout is 5 s).
    EXPECT_EQ(got.answered(), 0u);
    ASSERT_EQ(sqlite3_exec(other, end, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(other);
    ASSERT_TRUE(got.wait_all());
    for (std::size_t i = 0; i < per_round; ++i) {
      EXPECT_EQ(got.calls(i), 1);
      auto r = got.answer(i);
      ASSERT_TRUE(*r) << i << ": " << r->error().message();
      EXPECT_TRUE(numbers.insert((*r)->number).second) << "number " << (*r)->number << " handed out twice";
    }
  }
  sqlite3_close(other);
  ASSERT_EQ(numbers.size(), 2 * per_round);
  EXPECT_EQ(*numbers.begin(), 1);
  EXPECT_EQ(*numbers.rbegin(), static_cast<std::int64_t>(2 * per_round));
  EXPECT_EQ((*db->get_job("j", customer))->photo_count, static_cast<std::int64_t>(2 * per_round));
  EXPECT_EQ((*db->get_customer(customer))->name, "B");
}

std::uintmax_t wal_size(const std::string& db_path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(db_path + "-wal", ec);
  return ec ? 0 : n;
}

TEST(sqlite_wal, the_wal_file_is_truncated_once_writes_stop) {
  scratch_database scratch("sqlite");
  std::string path = scratch.url().substr(std::string("sqlite://").size());
  auto [db, customer] = open_with_job(scratch);
  ASSERT_TRUE(db);
  // Well past the 1,000-frame threshold, so the checkpointer thread is running.
  std::uint32_t most_frames = 0;
  std::int64_t allocated = 0;
  while (allocated < 2000 || most_frames < 1000) {
    ASSERT_TRUE(db->allocate_upload(upload_in_j(customer), t0));
    ++allocated;
    if (allocated % 50 == 0) most_frames = std::max(most_frames, read_wal_index(path).frames);
  }
  EXPECT_GT(wal_size(path), 0u);

  // No writes for idle_after (2 s): the file goes back to zero bytes. The deadline is
  // generous; the test asserts that it happens, not how soon.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (wal_size(path) != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(wal_size(path), 0u);
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));  // truncated, not deleted

  // Everything is in the database file, for this handle and for a fresh one.
  EXPECT_EQ((*db->get_job("j", customer))->photo_count, allocated);
  db.reset();
  auto again = open_database(scratch.url());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ((*(*again)->get_job("j", customer))->photo_count, allocated);
  auto next = (*again)->allocate_upload(upload_in_j(customer), t0);
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(next->number, allocated + 1);
}

TEST(sqlite_open, refuses_relative_paths_and_other_schemes) {
  for (const char* url : {"sqlite://relative.db", "sqlite://", "mysql://x", "file:///tmp/x.db"}) {
    auto d = open_database(url);
    ASSERT_FALSE(d) << url;
    EXPECT_EQ(d.error().code, db_errc::invalid_argument) << url;
  }
}

TEST(sqlite_open, a_missing_folder_is_unavailable_not_a_crash) {
  auto d = open_database("sqlite:///nonexistent-dropslot-dir/x/y.db");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, db_errc::unavailable) << d.error().message();
}

TEST(sqlite_open, new_files_are_owner_only) {
  scratch_database scratch("sqlite");
  auto d = open_database(scratch.url());
  ASSERT_TRUE(d);
  auto perms = std::filesystem::status(scratch.url().substr(std::string("sqlite://").size())).permissions();
  using std::filesystem::perms;
  EXPECT_EQ(perms & (perms::group_all | perms::others_all), perms::none);
}

}  // namespace
}  // namespace dropslot::db::testing
