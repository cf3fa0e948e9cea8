#pragma once
// The DynamoDB backend (db part internals; open_database builds it).
#include <memory>
#include <string>

#include <dropslot/db/database.hpp>

namespace dropslot::db::detail {

/// Opens dynamodb://PREFIX: the table PREFIX-main in the region and at the endpoint
/// of the standard AWS configuration. Creates the table (and its TTL) when it is
/// missing and options.create_tables is set; otherwise a missing table is not_found
/// naming it.
result<std::unique_ptr<database>> open_dynamodb(const std::string& url, const open_options& options);

}  // namespace dropslot::db::detail
