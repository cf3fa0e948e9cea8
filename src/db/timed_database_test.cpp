// The timing decorator around a real SQLite database: the calls reach the backend,
// members with a default (staff()) are forwarded, and each call is recorded.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <unistd.h>

#include "dropslot/db/database.hpp"
#include "dropslot/db/seed.hpp"
#include "dropslot/db/timed_database.hpp"
#include "dropslot/metrics/db_metrics.hpp"
#include "dropslot/metrics/text_writer.hpp"

namespace dropslot::db {
namespace {

TEST(TimedDatabase, ForwardsToTheBackendAndRecordsEachCall) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("dropslot-timed-db-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    auto opened = open_database("sqlite://" + (dir / "t.db").string(), {});
    ASSERT_TRUE(opened) << opened.error().message();
    std::shared_ptr<database> inner = std::move(*opened);
    auto timed = with_metrics(inner);
    EXPECT_EQ(timed->backend(), "sqlite");
    EXPECT_EQ(timed->staff(), inner->staff());  // forwarded, not the default nullptr
    EXPECT_NE(timed->staff(), nullptr);
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    ASSERT_TRUE(seed_demo(*timed, now));
    auto missing = timed->get_job("no-such-job", customer_id{1});
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->has_value());
    ASSERT_TRUE(timed->ping());

    metrics::text_writer w;
    metrics::db().write(w);
    const auto& t = w.text();
    EXPECT_NE(t.find("dropslot_db_request_duration_seconds_count{op=\"get_job\",backend=\"sqlite\"} 1\n"),
              std::string::npos) << t;
    EXPECT_NE(t.find("dropslot_db_errors_total{op=\"get_job\",backend=\"sqlite\"} 0\n"), std::string::npos);
    EXPECT_NE(t.find("op=\"ping\",backend=\"sqlite\""), std::string::npos);
  }
  fs::remove_all(dir);
}

TEST(TimedDatabase, AnswersAreNotFailures) {
  EXPECT_FALSE(is_database_failure(error{make_error_code(db_errc::not_found), {}}));
  EXPECT_FALSE(is_database_failure(error{make_error_code(db_errc::conflict), {}}));
  EXPECT_TRUE(is_database_failure(error{make_error_code(db_errc::unavailable), {}}));
  EXPECT_TRUE(is_database_failure(error{make_error_code(db_errc::internal), {}}));
}

}  // namespace
}  // namespace dropslot::db
