#pragma once
// The company's side on PostgreSQL (db part internals; postgres_database.cpp owns it).
#include <memory>

#include <dropslot/db/staff_database.hpp>

#include "pg_connection.hpp"

namespace dropslot::db::detail {

/// Row i of a jobs result in postgres_database.cpp's column order (DROPSLOT_JOB_COLUMNS:
/// id ... updated_at, shots), as a job.
job read_job(const pg_result& r, int i);

/// Runs on `pool`'s connections (the pool must outlive it).
std::unique_ptr<staff_database> make_postgres_staff(pg_pool& pool);

}  // namespace dropslot::db::detail
