// The database suite on SQLite (label `sqlite`).
#include "database_test_fixture.hpp"

namespace dropslot::db::testing {
INSTANTIATE_TEST_SUITE_P(sqlite, database_test, ::testing::Values(std::string("sqlite")));
}
