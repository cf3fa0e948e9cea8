#pragma once
// The backend-independent database suite's fixture. One TEST_P suite
// (database_test.cpp) runs against each backend; each test binary instantiates it for
// one backend (database_test_sqlite.cpp, database_test_pg.cpp,
// database_test_dynamodb.cpp) so that CTest can label the runs apart.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <dropslot/db/database.hpp>

namespace dropslot::db::testing {

/// A fresh, empty database for one test: a SQLite file in a temp dir, a PostgreSQL
/// schema of its own (dropped afterwards), or a DynamoDB table of its own in the test
/// process's dynalite. `url` is empty with `skip_reason` set when
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

/// An upload request for customer `c`'s job `job_id`: a 10-byte JPEG whose URL
/// expires at `expires_at`, for a session hashed from "s".
upload_request test_upload(const std::string& job_id, customer_id c, timestamp expires_at);

/// Appends a libpq `options=-csearch_path=<schema>` parameter to a postgres URL.
std::string with_search_path(const std::string& url, const std::string& schema);

/// Collects the answers of allocate_upload_async calls, which may come on another
/// thread and after the call returns. The callbacks share its state, so a test that
/// stops early leaves them nothing dangling to write to.
class async_answers {
 public:
  explicit async_answers(std::size_t n);
  /// The callback for the i-th call.
  std::function<void(result<upload_slot>)> to(std::size_t i);
  /// Waits until every call has been answered at least once; false at the deadline.
  bool wait_all(std::chrono::seconds limit = std::chrono::seconds(60));
  std::size_t answered() const;
  /// How many times the i-th callback ran.
  int calls(std::size_t i) const;
  /// The i-th answer (the first, if it ran more than once); nullopt before it came.
  std::optional<result<upload_slot>> answer(std::size_t i) const;

 private:
  struct state {
    mutable std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::optional<result<upload_slot>>> got;
    std::vector<int> calls;
    std::size_t answered = 0;
  };
  std::shared_ptr<state> s_;
};

/// Holds the SQLite writer thread inside one allocation's callback until opened (or
/// destroyed), so that every allocation queued meanwhile lands in the next batch as
/// one transaction. A callback that runs on the calling thread (the default
/// allocate_upload_async, PostgreSQL) is not held: it would wait on itself.
class batch_gate {
 public:
  batch_gate();
  ~batch_gate() { open(); }
  /// `done`, held at the gate. One per gate.
  std::function<void(result<upload_slot>)> hold(std::function<void(result<upload_slot>)> done);
  /// Waits until the held callback has started (and, on SQLite, is being held).
  void wait_held();
  void open();

 private:
  struct state {
    std::once_flag opened_once, held_once;
    std::promise<void> open, held;
  };
  std::shared_ptr<state> s_;  // shared with the callback, which may outlive the gate
  std::shared_future<void> opened_;
  std::future<void> held_;
};

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
