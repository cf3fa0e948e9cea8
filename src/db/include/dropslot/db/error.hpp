#pragma once
// The db part's expected failures (STYLE.md, Errors).
#include <dropslot/util/error_category.hpp>

namespace dropslot::db {

/// What a database operation can fail with. The API maps `unavailable` to 503,
/// `not_found` to 404, `conflict` to 409, `invalid_argument` to 400 and
/// `limit_reached` to 409/429 as it sees fit; `internal` is a 500.
enum class db_errc {
  not_found = 1,     ///< the row (customer, job) does not exist or is not the caller's
  conflict,          ///< a unique key already exists (job id, customer email)
  invalid_argument,  ///< a value breaks a rule (job id pattern, empty title, bad URL)
  limit_reached,     ///< the per-job photo cap is used up
  unavailable,       ///< the server is down or the connection broke; the next call reconnects
  internal,          ///< anything else (a bug, a corrupt file, a failed migration)
};

const char* db_errc_message(db_errc e) noexcept;

}  // namespace dropslot::db

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::db, db_errc)
