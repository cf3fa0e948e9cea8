// The database suite on DynamoDB (label `dynamodb`): dynalite from tests/node_modules.
#include "database_test_fixture.hpp"

namespace dropslot::db::testing {
INSTANTIATE_TEST_SUITE_P(dynamodb, database_test, ::testing::Values(std::string("dynamodb")));
}
