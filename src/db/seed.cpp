#include <dropslot/db/seed.hpp>

#include <array>

namespace dropslot::db {

result<customer_id> seed_demo(database& db, timestamp now) {
  auto customers = db.list_customers();
  if (!customers) return fail(customers.error());
  for (const auto& c : *customers)
    if (c.email == demo_email) return c.id;

  auto created = db.create_customer("Demo Customer", std::string(demo_email), now);
  if (!created) {
    // Another process seeded it between our list and our insert: use theirs.
    if (created.error().code == db_errc::conflict) {
      auto again = db.list_customers();
      if (!again) return fail(again.error());
      for (const auto& c : *again)
        if (c.email == demo_email) return c.id;
    }
    return fail(created.error());
  }

  struct demo_job {
    const char* id;
    const char* title;
    const char* address;
    const char* status;
    const char* date;
    const char* access;
  };
  static constexpr std::array<demo_job, 3> jobs{{
      {"demo-boiler-service", "Boiler service", "12 Harbour Street", "scheduled", "2026-12-03",
       "Key in the lockbox by the side gate"},
      {"demo-roof-inspection", "Roof inspection", "4 Mill Lane", "in_progress", "2026-12-05", ""},
      {"demo-kitchen-rewire", "Kitchen rewiring", "77 Orchard Road", "scheduled", "2026-12-10",
       "Ring the bell twice; dog is friendly"},
  }};
  for (const auto& d : jobs) {
    new_job j;
    j.id = d.id;
    j.customer = created->id;
    j.title = d.title;
    j.address = d.address;
    j.status = d.status;
    j.scheduled_date = d.date;
    j.access_instructions = d.access;
    auto r = db.create_job(j, now);
    if (!r && r.error().code != db_errc::conflict) return fail(r.error());
  }
  return created->id;
}

}  // namespace dropslot::db
