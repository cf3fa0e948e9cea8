#include <dropslot/db/database.hpp>

#include <filesystem>

namespace dropslot::db {

result<std::unique_ptr<database>> open_database(const std::string& url) {
  return fail(db_errc::internal, "backends are not built yet");
}

std::string default_database_url(const std::string& data_dir) {
  return "sqlite://" + std::filesystem::absolute(data_dir).lexically_normal().string() + "/dropslot.db";
}

}  // namespace dropslot::db
