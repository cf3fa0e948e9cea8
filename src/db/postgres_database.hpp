#pragma once
// The PostgreSQL backend (db part internals; open_database builds it).
#include <memory>
#include <string>

#include <dropslot/db/database.hpp>

namespace dropslot::db::detail {

/// Connects to `url` (postgres://… as libpq takes it), applies pending migrations and
/// returns the backend: a bounded pool of connections with prepared statements.
result<std::unique_ptr<database>> open_postgres(const std::string& url, const open_options& options);

}  // namespace dropslot::db::detail
