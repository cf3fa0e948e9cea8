#pragma once
// A database that times every call of the one it wraps into
// dropslot_db_request_duration_seconds{op, backend} and counts its failures in
// dropslot_db_errors_total (metrics/db_metrics.hpp). A decorator, so no backend knows
// about metrics; `serve` wraps its database in one when --metrics-listen is given.
//
// Adding a member to db::database: add its forward in timed_database.cpp, one line
// through timed(), with the member's name as the op. A member left out falls back to
// database's default (staff() would answer nullptr: the staff routes' 503), so each
// one must be forwarded; timed_database_test checks the ones with defaults.
// staff() hands out the backend's staff_database as is: those calls are not timed yet.
#include <memory>

#include "dropslot/db/database.hpp"

namespace dropslot::db {

/// `inner`, timed. The op and backend labels are registered here, once.
std::shared_ptr<database> with_metrics(std::shared_ptr<database> inner);

/// Whether `e` is a failure of the database (unavailable, internal) rather than an
/// answer (not found, conflict, invalid argument, limit reached).
bool is_database_failure(const error& e) noexcept;

}  // namespace dropslot::db
