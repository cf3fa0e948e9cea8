#pragma once
// Versioned schema migrations, one ordered list per backend (db part internals).
//
// A migration is applied once, in a transaction, and recorded in schema_migrations.
// Never edit a released migration: add the next version. Versions must match across
// backends so that both hold the same schema at the same version.
#include <span>

namespace dropslot::db::detail {

struct migration {
  int version;
  const char* description;
  const char* sql;  ///< one or more statements, no parameters
};

std::span<const migration> sqlite_migrations();
std::span<const migration> postgres_migrations();

}  // namespace dropslot::db::detail
