#include <dropslot/db/error.hpp>

namespace dropslot::db {

const char* db_errc_message(db_errc e) noexcept {
  switch (e) {
    case db_errc::not_found: return "not found";
    case db_errc::conflict: return "already exists";
    case db_errc::invalid_argument: return "invalid argument";
    case db_errc::limit_reached: return "limit reached";
    case db_errc::unavailable: return "database unavailable";
    case db_errc::internal: return "database error";
  }
  return "unknown database error";
}

}  // namespace dropslot::db

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::db, db_errc, "db", db_errc_message)
