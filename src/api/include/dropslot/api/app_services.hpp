#pragma once
// The lower-level way to build the API: with the collaborators given rather than
// made from the config. `dropslot serve` passes the database it already opened and
// seeded; tests pass a clock they can move.
#include <chrono>
#include <functional>
#include <memory>

#include "dropslot/api/app.hpp"

namespace dropslot::db {
class database;
}

namespace dropslot::api {

struct app_services {
  /// The database to use; null: open `config.database_url`.
  std::shared_ptr<db::database> database;
  /// The wall clock; null: std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// As make_api(config), with `services` filled in where given.
result<std::shared_ptr<http::service>> make_api(const app_config& config, app_services services);

}  // namespace dropslot::api
