#pragma once
// The parameterized fixture: every API test runs once on SQLite and once on
// PostgreSQL (skipped with a reason when DROPSLOT_TEST_PG_URL is unset).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "serve_fixture.hpp"

namespace dropslot::test {

class api_test : public ::testing::TestWithParam<backend> {
 protected:
  /// Starts serve on the backend with `extra` flags (call at most once per test).
  void start(std::vector<std::string> extra = {}) {
    if (GetParam() == backend::postgres) {
      pg_ = std::make_unique<pg_database>();
      if (pg_->url().empty()) GTEST_SKIP() << "DROPSLOT_TEST_PG_URL is not set (scripts/test starts PostgreSQL)";
      serve_ = std::make_unique<serve_process>(pg_->url(), std::move(extra));
    } else {
      serve_ = std::make_unique<serve_process>("", std::move(extra));
    }
  }
  void TearDown() override {
    serve_.reset();  // stop serve before its database is dropped
    pg_.reset();
  }
  serve_process& s() { return *serve_; }

  /// Logs in as the demo customer; returns the session token.
  std::string demo_token() {
    auto l = s().login(s().demo_code());
    EXPECT_EQ(l.status, 200);
    demo_id_ = l.customer_id;
    return l.token;
  }
  /// The id of the first job of the session's customer.
  std::string first_job(const std::string& token) {
    auto r = http_request("GET", s().api() + "/api/jobs", bearer(token));
    EXPECT_EQ(r.status, 200) << r.body;
    auto jobs = r.json().at("jobs").as_array();
    EXPECT_FALSE(jobs.empty());
    return std::string(jobs.at(0).at("id").as_string());
  }

  std::string demo_id_;  // set by demo_token()
  std::unique_ptr<pg_database> pg_;
  std::unique_ptr<serve_process> serve_;
};

inline std::string backend_name(const ::testing::TestParamInfo<backend>& i) {
  return i.param == backend::sqlite ? "sqlite" : "postgres";
}

}  // namespace dropslot::test

/// Starts serve in a test body and returns from it when the backend is skipped.
#define DROPSLOT_START(...)            \
  do {                                 \
    start(__VA_ARGS__);                \
    if (IsSkipped() || HasFatalFailure()) return; \
  } while (0)
