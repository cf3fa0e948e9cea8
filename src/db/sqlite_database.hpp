#pragma once
// The SQLite backend (db part internals; open_database builds it).
#include <memory>
#include <string>

#include <dropslot/db/database.hpp>

namespace dropslot::db::detail {

/// Opens the file at `path` (absolute), applies pending migrations and returns the
/// backend. Readers share a small pool of connections; writers are serialized in
/// process on one connection, so SQLite never makes them sleep on a busy lock.
result<std::unique_ptr<database>> open_sqlite(const std::string& path, const open_options& options);

}  // namespace dropslot::db::detail
