#include "database_test_fixture.hpp"

#include "dynalite_server.hpp"

#include <dropslot/db/tokens.hpp>

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace dropslot::db::testing {
namespace {

bool pg_exec(const std::string& url, const std::string& sql, std::string* err = nullptr) {
  PGconn* c = PQconnectdb(url.c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  if (ok) {
    PGresult* r = PQexec(c, sql.c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  if (!ok && err) *err = PQerrorMessage(c);
  PQfinish(c);
  return ok;
}

}  // namespace

std::string with_search_path(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
}

scratch_database::scratch_database(const std::string& backend) : backend_(backend) {
  static std::atomic<int> counter{0};
  if (backend == "sqlite") {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dropslot-db-test.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      skip_reason_ = "cannot create a temp dir";
      return;
    }
    dir_ = tmpl;
    url_ = "sqlite://" + dir_ + "/test.db";
    return;
  }
  if (backend == "dynamodb") {
    // One dynalite per test process; each test gets a table of its own (a prefix
    // from our pid and a counter). A missing dynalite fails the test: CI installs it.
    auto& server = dynalite_server::shared();
    if (!server.running()) {
      ADD_FAILURE() << server.error();
      return;
    }
    server.export_environment();
    url_ = "dynamodb://test-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    return;
  }
  const char* base = std::getenv("DROPSLOT_TEST_PG_URL");
  if (base == nullptr || *base == '\0') {
    skip_reason_ = "DROPSLOT_TEST_PG_URL is not set (scripts/test sets it; locally: "
                   "source scripts/lib/postgres.sh && DROPSLOT_TEST_PG_PORT=55490 start_postgres)";
    return;
  }
  admin_url_ = base;
  // Identifiers built from our pid and a counter only: nothing from outside.
  schema_ = "dropslot_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  std::string err;
  if (!pg_exec(admin_url_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_, &err)) {
    skip_reason_.clear();
    url_.clear();
    ADD_FAILURE() << "cannot create schema on DROPSLOT_TEST_PG_URL: " << err;
    return;
  }
  url_ = with_search_path(admin_url_, schema_);
}

scratch_database::~scratch_database() {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  if (!schema_.empty()) pg_exec(admin_url_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
}

async_answers::async_answers(std::size_t n) : s_(std::make_shared<state>()) {
  s_->got.resize(n);
  s_->calls.resize(n, 0);
}

std::function<void(result<upload_slot>)> async_answers::to(std::size_t i) {
  return [s = s_, i](result<upload_slot> r) {
    std::lock_guard lk(s->mutex);
    if (s->calls[i]++ == 0) {
      s->got[i].emplace(std::move(r));
      ++s->answered;
    }
    s->changed.notify_all();
  };
}

bool async_answers::wait_all(std::chrono::seconds limit) {
  std::unique_lock lk(s_->mutex);
  return s_->changed.wait_for(lk, limit, [&] { return s_->answered == s_->got.size(); });
}

std::size_t async_answers::answered() const {
  std::lock_guard lk(s_->mutex);
  return s_->answered;
}

int async_answers::calls(std::size_t i) const {
  std::lock_guard lk(s_->mutex);
  return s_->calls[i];
}

std::optional<result<upload_slot>> async_answers::answer(std::size_t i) const {
  std::lock_guard lk(s_->mutex);
  return s_->got[i];
}

batch_gate::batch_gate()
    : s_(std::make_shared<state>()), opened_(s_->open.get_future().share()), held_(s_->held.get_future()) {}

std::function<void(result<upload_slot>)> batch_gate::hold(std::function<void(result<upload_slot>)> done) {
  return [s = s_, opened = opened_, caller = std::this_thread::get_id(), done = std::move(done)](result<upload_slot> r) {
    std::call_once(s->held_once, [&] { s->held.set_value(); });
    if (std::this_thread::get_id() != caller) opened.wait();
    done(std::move(r));
  };
}

void batch_gate::wait_held() { held_.wait(); }

void batch_gate::open() {
  std::call_once(s_->opened_once, [&] { s_->open.set_value(); });
}

void database_test::SetUp() {
  scratch_ = std::make_unique<scratch_database>(GetParam());
  if (scratch_->url().empty()) {
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    FAIL() << "no database";
  }
  auto opened = open_database(scratch_->url());
  ASSERT_TRUE(opened) << opened.error().message();
  db_ = std::move(*opened);
}

void database_test::TearDown() {
  db_.reset();
  scratch_.reset();
}

std::unique_ptr<database> database_test::reopen(const open_options& o) {
  auto opened = open_database(scratch_->url(), o);
  EXPECT_TRUE(opened) << opened.error().message();
  return opened ? std::move(*opened) : nullptr;
}

upload_request test_upload(const std::string& job_id, customer_id c, timestamp expires_at) {
  upload_request r;
  r.job_id = job_id;
  r.customer = c;
  r.content_type = "image/jpeg";
  r.size = 10;
  r.expires_at = expires_at;
  r.session_hash = hash_token("s");
  r.ext = "jpg";
  return r;
}

}  // namespace dropslot::db::testing
