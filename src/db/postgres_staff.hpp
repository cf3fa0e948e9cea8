#pragma once
// The company's side on PostgreSQL (db part internals; postgres_database.cpp owns it).
#include <memory>

#include <dropslot/db/staff_database.hpp>

#include "pg_connection.hpp"

namespace dropslot::db::detail {

/// Runs on `pool`'s connections (the pool must outlive it).
std::unique_ptr<staff_database> make_postgres_staff(pg_pool& pool);

}  // namespace dropslot::db::detail
