// PostgreSQL restart recovery: the test starts a private server (initdb + pg_ctl on a
// free port), so stopping it cannot disturb other tests sharing DROPSLOT_TEST_PG_URL.
// While the server is down, calls fail with db_errc::unavailable (the API's 503); once
// it is back, the same database object reconnects by itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <dropslot/db/database.hpp>

#include "process.hpp"

namespace dropslot::db::testing {
namespace {

using namespace std::chrono_literals;

const timestamp t0{std::chrono::seconds(1'800'000'000)};

std::string postgres_bin_dir() {
  std::string best;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
    if (std::filesystem::exists(e.path() / "bin" / "initdb") && e.path().string() > best) best = e.path().string();
  return best.empty() ? best : best + "/bin";
}

class private_postgres {
 public:
  // Returns an empty string on success, else why the server could not start.
  std::string start() {
    bin_ = postgres_bin_dir();
    if (bin_.empty()) return "PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin)";
    std::string tmpl = (std::filesystem::temp_directory_path() / "dropslot-pg-restart.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return "mkdtemp failed";
    dir_ = tmpl;
    // PostgreSQL refuses to run as root: run it as `postgres` then (as scripts/lib/postgres.sh does).
    as_ = geteuid() == 0 ? "runuser -u postgres -- " : "";
    if (geteuid() == 0 && run_command("chown postgres:postgres " + shell_quote(dir_)).exit_code != 0)
      return "cannot chown the data dir to postgres";
    auto init = run_command(as_ + shell_quote(bin_ + "/initdb") + " -D " + shell_quote(dir_ + "/data") +
                            " -U postgres -A trust -E UTF8");
    if (init.exit_code != 0) return "initdb failed: " + init.err;
    port_ = free_port();
    return ctl("start");
  }

  std::string ctl(const std::string& action) {
    std::string opts = "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port_) +
                       " -c unix_socket_directories=" + dir_ + " -c fsync=off";
    auto r = run_command(as_ + shell_quote(bin_ + "/pg_ctl") + " -D " + shell_quote(dir_ + "/data") + " -l " +
                         shell_quote(dir_ + "/log") + " -w -m fast -o " + shell_quote(opts) + " " + action);
    return r.exit_code == 0 ? std::string() : "pg_ctl " + action + " failed: " + r.out + r.err;
  }

  std::string url() const { return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres"; }

  ~private_postgres() {
    if (dir_.empty()) return;
    run_command(as_ + shell_quote(bin_ + "/pg_ctl") + " -D " + shell_quote(dir_ + "/data") + " -m immediate stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  std::string bin_, dir_, as_;
  int port_ = 0;
};

TEST(pg_restart, calls_fail_as_unavailable_while_down_and_recover_after) {
  if (std::getenv("DROPSLOT_TEST_PG_URL") == nullptr)
    GTEST_SKIP() << "DROPSLOT_TEST_PG_URL is not set: PostgreSQL tests are off (scripts/test turns them on)";
  private_postgres pg;
  if (auto why = pg.start(); !why.empty()) FAIL() << why;

  open_options o;
  o.max_connections = 4;
  auto opened = open_database(pg.url(), o);
  ASSERT_TRUE(opened) << opened.error().message();
  auto& d = **opened;
  auto c = d.create_customer("Ann", "ann@example.com", t0);
  ASSERT_TRUE(c) << c.error().message();
  new_job j;
  j.id = "j1";
  j.customer = c->id;
  j.title = "Roof";
  ASSERT_TRUE(d.create_job(j, t0));
  ASSERT_TRUE(d.ping());

  ASSERT_EQ(pg.ctl("stop"), "");
  auto down = d.ping();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, db_errc::unavailable) << down.error().message();
  auto down2 = d.get_job("j1", c->id);
  ASSERT_FALSE(down2);
  EXPECT_EQ(down2.error().code, db_errc::unavailable);

  ASSERT_EQ(pg.ctl("start"), "");
  // The failed calls above already dropped the dead pooled connections, so the very
  // first call after the restart connects afresh and succeeds.
  auto back = d.ping();
  ASSERT_TRUE(back) << back.error().message();
  auto job = d.get_job("j1", c->id);
  ASSERT_TRUE(job) << job.error().message();
  ASSERT_TRUE(job->has_value());
  upload_request u;
  u.job_id = "j1";
  u.customer = c->id;
  u.content_type = "image/jpeg";
  u.size = 10;
  u.expires_at = t0 + 900s;
  u.session_hash = "h";
  u.ext = "jpg";
  auto slot = d.allocate_upload(u, t0);
  ASSERT_TRUE(slot) << slot.error().message();
  EXPECT_EQ(slot->key, "jobs/j1/photo-001.jpg");

  // A restart while the pool sits idle: the pool notices the closed connections
  // before it uses one, so not even the first call fails.
  ASSERT_EQ(pg.ctl("restart"), "");
  auto after_idle_restart = d.allocate_upload(u, t0);
  ASSERT_TRUE(after_idle_restart) << after_idle_restart.error().message();
  EXPECT_EQ(after_idle_restart->key, "jobs/j1/photo-002.jpg");
}

}  // namespace
}  // namespace dropslot::db::testing
