#pragma once
// How code beside the SQLite backend borrows its connections (db part internals):
// sqlite_staff.cpp runs on the same reader pool and the same serialized writer as
// sqlite_database.cpp, without knowing how either is kept.
#include <functional>
#include <memory>

#include <dropslot/db/staff_database.hpp>

#include "sqlite_connection.hpp"

namespace dropslot::db::detail {

class sqlite_access {
 public:
  virtual ~sqlite_access() = default;
  /// Runs `body` on a pooled reader connection.
  virtual result<void> reading(const std::function<result<void>(sqlite_connection&)>& body) = 0;
  /// Runs `body` on the writer connection, alone (statements in it are serialized
  /// with every other write of this process).
  virtual result<void> writing(const std::function<result<void>(sqlite_connection&)>& body) = 0;
};

/// A jobs row in sqlite_database.cpp's column order (DROPSLOT_JOB_COLUMNS: id ...
/// updated_at, shots), as a job.
job read_job(const sqlite_stmt& s);

/// The company's side on SQLite, on `access`'s connections (which must outlive it).
std::unique_ptr<staff_database> make_sqlite_staff(sqlite_access& access);

}  // namespace dropslot::db::detail
