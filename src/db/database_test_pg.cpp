// The database suite on PostgreSQL (label `pg`): needs DROPSLOT_TEST_PG_URL.
#include "database_test_fixture.hpp"

namespace dropslot::db::testing {
INSTANTIATE_TEST_SUITE_P(pg, database_test, ::testing::Values(std::string("postgres")));
}
