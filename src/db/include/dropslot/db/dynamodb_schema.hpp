#pragma once
// The DynamoDB backend's one table, defined in one place: `dropslot admin migrate`
// and `serve` create it from this definition, `dropslot admin dynamodb-schema`
// prints it, and deploy/template.yaml's test compares the template with that output.
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include <dropslot/db/error.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db {

/// The attribute DynamoDB's TTL deletes expired items by (epoch seconds), set on
/// login codes and sessions only.
inline constexpr std::string_view dynamodb_ttl_attribute = "expires_at";

/// The index `revoke_sessions` and `list_jobs` query: a customer's sessions and jobs.
inline constexpr std::string_view dynamodb_gsi1 = "gsi1";

/// invalid_argument unless `prefix` is 1..200 of [A-Za-z0-9_.-] (DynamoDB's table
/// name alphabet), so that "<prefix>-main" is a valid table name.
result<void> check_dynamodb_prefix(std::string_view prefix);

/// "<prefix>-main".
std::string dynamodb_table_name(std::string_view prefix);

/// The CreateTable input for the table: PAY_PER_REQUEST, key pk (S, HASH) + sk (S,
/// RANGE), one global secondary index gsi1 on gsi1pk (S, HASH) + gsi1sk (S, RANGE)
/// projecting ALL. TTL is not part of CreateTable: migrate enables it on
/// dynamodb_ttl_attribute with UpdateTimeToLive.
boost::json::object dynamodb_table_definition(std::string_view prefix);

/// The prefix of a dynamodb://PREFIX URL; invalid_argument for another URL or a bad prefix.
result<std::string> dynamodb_prefix_of(std::string_view url);

}  // namespace dropslot::db
