#pragma once
// The backend-independent database suite's fixture. One TEST_P suite
// (database_test.cpp) runs against each backend; each test binary instantiates it for
// one backend (database_test_sqlite.cpp, database_test_pg.cpp) so that CTest can label
// the SQLite and the PostgreSQL runs apart.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <dropslot/db/database.hpp>

namespace dropslot::db::testing {

/// A fresh, empty database for one test: a SQLite file in a temp dir, or a PostgreSQL
/// schema of its own (dropped afterwards). `url` is empty with `skip_reason` set when
/// the backend is not available.
class scratch_database {
 public:
  explicit scratch_database(const std::string& backend);
  ~scratch_database();
  const std::string& url() const { return url_; }
  const std::string& skip_reason() const { return skip_reason_; }

 private:
  std::string backend_;
  std::string url_;
  std::string skip_reason_;
  std::string dir_;     // sqlite
  std::string schema_;  // postgres
  std::string admin_url_;
};

/// Appends a libpq `options=-csearch_path=<schema>` parameter to a postgres URL.
std::string with_search_path(const std::string& url, const std::string& schema);

class database_test : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Opens another handle on the same database (another "process").
  std::unique_ptr<database> reopen(const open_options& o = {});

  std::unique_ptr<scratch_database> scratch_;
  std::unique_ptr<database> db_;
};

}  // namespace dropslot::db::testing
