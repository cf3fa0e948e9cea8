// `dropslot admin` driven as scripts drive it: the real binary, a real database
// (SQLite in a temp dir, or a fresh PostgreSQL schema), output read back through the
// db part. Built once per backend (DROPSLOT_TEST_BACKEND) so CTest labels differ.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include <dropslot/db/database.hpp>

#include "process.hpp"

namespace dropslot::db::testing {
namespace {

using namespace std::chrono_literals;

bool pg_exec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PGresult* r = PQexec(c, sql.c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  PQfinish(c);
  return ok;
}

timestamp now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

class admin_cli_base : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("DROPSLOT_BIN");
    bin_ = bin && *bin ? bin : DROPSLOT_BINARY_DIR "/src/cli/dropslot";
    ASSERT_TRUE(std::filesystem::exists(bin_)) << bin_;
    std::string tmpl = (std::filesystem::temp_directory_path() / "dropslot-admin-test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    if (std::string(DROPSLOT_TEST_BACKEND) == "sqlite") {
      url_ = "sqlite://" + dir_ + "/data/dropslot.db";
      target_ = "--data " + shell_quote(dir_ + "/data");
      return;
    }
    const char* base = std::getenv("DROPSLOT_TEST_PG_URL");
    if (base == nullptr || *base == '\0')
      GTEST_SKIP() << "DROPSLOT_TEST_PG_URL is not set (scripts/test sets it; locally: "
                      "source scripts/lib/postgres.sh && DROPSLOT_TEST_PG_PORT=55490 start_postgres)";
    admin_url_ = base;
    schema_ = "dropslot_cli_" + std::to_string(getpid());
    ASSERT_TRUE(pg_exec(admin_url_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_));
    url_ = admin_url_ + (admin_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
    target_ = "--database " + shell_quote(url_);
  }

  void TearDown() override {
    if (!schema_.empty()) pg_exec(admin_url_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  // Runs `dropslot admin <args>` against the test's database, with a clean environment
  // for the variables admin reads.
  command_result admin(const std::string& args, const std::string& env = "") {
    return run_command("env -u DROPSLOT_DATA -u DROPSLOT_DATABASE_URL -u DROPSLOT_PUBLIC_URL " + env + " " +
                       shell_quote(bin_) + " admin " + args + " " + target_);
  }

  std::unique_ptr<database> open_db() {
    auto d = open_database(url_);
    EXPECT_TRUE(d) << d.error().message();
    return d ? std::move(*d) : nullptr;
  }

  static void expect_one_line_error(const command_result& r) {
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.out, "");
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_EQ(r.err.rfind("dropslot: ", 0), 0u) << r.err;
  }

  std::string bin_, dir_, url_, target_, admin_url_, schema_;
};

// One suite name per backend (DROPSLOT_TEST_SUITE: admin_cli_sqlite, admin_cli_pg), so
// the two binaries' tests have distinct names in CTest.
class DROPSLOT_TEST_SUITE : public admin_cli_base {};

TEST_F(DROPSLOT_TEST_SUITE, customer_job_and_login_link_round_trip) {
  auto c = admin("customer add --name " + shell_quote("Ann O'Neil; DROP TABLE jobs") + " --email ann@example.com");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  ASSERT_TRUE(std::regex_match(c.out, std::regex("[0-9]+\n"))) << c.out;
  std::string id = c.out.substr(0, c.out.size() - 1);

  auto j = admin("job add --customer " + id + " --title " + shell_quote("Fix the roof") +
                 " --id roof-1 --address " + shell_quote("4 Mill Lane") + " --scheduled 2026-12-01 --status in_progress");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(j.out, "roof-1\n");
  auto auto_id = admin("job add --customer " + id + " --title Gutters");
  ASSERT_EQ(auto_id.exit_code, 0) << auto_id.err;
  EXPECT_TRUE(std::regex_match(auto_id.out, std::regex("[A-Za-z0-9_-]{1,64}\n"))) << auto_id.out;

  auto link = admin("login-link --customer " + id);
  ASSERT_EQ(link.exit_code, 0) << link.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(link.out, m, std::regex(R"(http://127\.0\.0\.1:8080/\?code=([0-9a-f]{64})\n)")))
      << link.out;
  std::string code = m[1];

  // What the CLI wrote is what the API will read.
  auto d = open_db();
  ASSERT_TRUE(d);
  auto customers = d->list_customers();
  ASSERT_TRUE(customers);
  ASSERT_EQ(customers->size(), 1u);
  EXPECT_EQ(customers->front().name, "Ann O'Neil; DROP TABLE jobs");
  auto roof = d->get_job("roof-1", std::stoll(id));
  ASSERT_TRUE(roof && roof->has_value());
  EXPECT_EQ((*roof)->title, "Fix the roof");
  EXPECT_EQ((*roof)->address, "4 Mill Lane");
  EXPECT_EQ((*roof)->status, "in_progress");
  EXPECT_EQ((*roof)->scheduled_date, "2026-12-01");
  auto spent = d->consume_login_code(code, now());
  ASSERT_TRUE(spent);
  ASSERT_TRUE(spent->has_value());
  EXPECT_EQ(**spent, std::stoll(id));
  EXPECT_FALSE(d->consume_login_code(code, now())->has_value());

  auto list = admin("job list --customer " + id);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("roof-1\t" + id + "\tin_progress\t2026-12-01\tFix the roof\n"), std::string::npos) << list.out;
  auto customers_out = admin("customer list");
  ASSERT_EQ(customers_out.exit_code, 0);
  EXPECT_EQ(customers_out.out, id + "\tAnn O'Neil; DROP TABLE jobs\tann@example.com\n");
}

TEST_F(DROPSLOT_TEST_SUITE, login_link_base_comes_from_flag_or_environment) {
  auto c = admin("customer add --name Bo --email bo@example.com");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::string id = c.out.substr(0, c.out.size() - 1);
  auto env = admin("login-link --customer " + id, "DROPSLOT_PUBLIC_URL=https://dash.example.com");
  ASSERT_EQ(env.exit_code, 0) << env.err;
  EXPECT_TRUE(std::regex_match(env.out, std::regex(R"(https://dash\.example\.com/\?code=[0-9a-f]{64}\n)"))) << env.out;
  auto flag = admin("login-link --customer " + id + " --base-url https://x.example.com/app/",
                    "DROPSLOT_PUBLIC_URL=https://dash.example.com");
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_TRUE(std::regex_match(flag.out, std::regex(R"(https://x\.example\.com/app/\?code=[0-9a-f]{64}\n)"))) << flag.out;
}

TEST_F(DROPSLOT_TEST_SUITE, sessions_revoke_ends_live_sessions) {
  auto c = admin("customer add --name Cy --email cy@example.com");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  customer_id id = std::stoll(c.out);
  auto d = open_db();
  ASSERT_TRUE(d);
  auto s1 = d->create_session(id, now(), 1h);
  auto s2 = d->create_session(id, now(), 1h);
  ASSERT_TRUE(s1 && s2);
  auto r = admin("sessions revoke --customer " + std::to_string(id));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2\n");
  EXPECT_FALSE(d->lookup_session(s1->token, now())->has_value());
  EXPECT_FALSE(d->lookup_session(s2->token, now())->has_value());
  expect_one_line_error(admin("sessions revoke --customer 999999"));
}

// What deploy/smoke.sh cleans up with: the customer, their jobs, sessions and codes go;
// the other customer stays; the email is free again; a second remove is an error.
TEST_F(DROPSLOT_TEST_SUITE, customer_remove_takes_everything_of_theirs) {
  auto c = admin("customer add --name Ed --email ed@example.com");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::string id = c.out.substr(0, c.out.size() - 1);
  auto other = admin("customer add --name Flo --email flo@example.com");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  std::string other_id = other.out.substr(0, other.out.size() - 1);
  ASSERT_EQ(admin("job add --customer " + id + " --title Roof --id ed-roof").exit_code, 0);
  ASSERT_EQ(admin("job add --customer " + other_id + " --title Shed --id flo-shed").exit_code, 0);
  ASSERT_EQ(admin("login-link --customer " + id).exit_code, 0);
  auto d = open_db();
  ASSERT_TRUE(d);
  auto s = d->create_session(std::stoll(id), now(), 1h);
  ASSERT_TRUE(s);

  auto r = admin("customer remove --id " + id);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(d->lookup_session(s->token, now())->has_value());
  auto customers = admin("customer list");
  ASSERT_EQ(customers.exit_code, 0) << customers.err;
  EXPECT_EQ(customers.out, other_id + "\tFlo\tflo@example.com\n");
  auto jobs = admin("job list");
  ASSERT_EQ(jobs.exit_code, 0) << jobs.err;
  EXPECT_EQ(jobs.out.find("ed-roof"), std::string::npos) << jobs.out;
  EXPECT_NE(jobs.out.find("flo-shed"), std::string::npos) << jobs.out;
  EXPECT_EQ(admin("customer add --name Ed --email ed@example.com").exit_code, 0);

  expect_one_line_error(admin("customer remove --id " + id));
  expect_one_line_error(admin("customer remove"));
}

TEST_F(DROPSLOT_TEST_SUITE, errors_are_one_line_and_non_zero) {
  auto c = admin("customer add --name Di --email di@example.com");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::string id = c.out.substr(0, c.out.size() - 1);
  expect_one_line_error(admin("customer add --name Again --email di@example.com"));
  expect_one_line_error(admin("customer add --name NoEmail"));
  expect_one_line_error(admin("job add --customer 999999 --title Nobody"));
  expect_one_line_error(admin("job add --customer " + id + " --title Bad --id ../etc"));
  expect_one_line_error(admin("job add --customer " + id + " --title Long --id " + std::string(65, 'x')));
  ASSERT_EQ(admin("job add --customer " + id + " --title T --id dup").exit_code, 0);
  expect_one_line_error(admin("job add --customer " + id + " --title T --id dup"));
  expect_one_line_error(admin("login-link --customer 999999"));
  // A bad URL in the environment loses to the flag; a bad flag is an error.
  auto flag_wins = run_command("DROPSLOT_DATABASE_URL=mysql://nope " + shell_quote(bin_) +
                               " admin customer list --database " + shell_quote(url_));
  EXPECT_EQ(flag_wins.exit_code, 0) << flag_wins.err;
  EXPECT_EQ(flag_wins.out, id + "\tDi\tdi@example.com\n");
  auto env_used = run_command("DROPSLOT_DATABASE_URL=" + shell_quote(url_) + " " + shell_quote(bin_) +
                              " admin customer list");
  EXPECT_EQ(env_used.exit_code, 0) << env_used.err;
  EXPECT_EQ(env_used.out, flag_wins.out);
  auto bad = run_command(shell_quote(bin_) + " admin customer list --database mysql://nope");
  expect_one_line_error(bad);
  auto down = run_command(shell_quote(bin_) + " admin customer list --database postgres://127.0.0.1:1/none");
  expect_one_line_error(down);
}

}  // namespace
}  // namespace dropslot::db::testing
