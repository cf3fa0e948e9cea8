// The database suite on SQLite (label `sqlite`), plus what only SQLite has.
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

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
  ASSERT_EQ(exec(path, "DROP TRIGGER uploads_take_number; DELETE FROM schema_migrations WHERE version > 1"), SQLITE_OK);

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
