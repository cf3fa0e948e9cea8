#pragma once
// The demo data `dropslot serve` creates on first start (DESIGN.md, CLI: serve).
#include <dropslot/db/database.hpp>

namespace dropslot::db {

/// The demo customer's email; seed_demo finds the customer by it.
inline constexpr std::string_view demo_email = "demo@example.com";

/// Creates the demo customer and three jobs unless that customer exists; returns its id
/// either way (idempotent, safe to call on every start).
result<customer_id> seed_demo(database& db, timestamp now);

}  // namespace dropslot::db
