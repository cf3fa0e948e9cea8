#include <dropslot/db/database.hpp>

#include <filesystem>

#include "dynamodb_database.hpp"
#include "postgres_database.hpp"
#include "sqlite_database.hpp"

namespace dropslot::db {

result<std::unique_ptr<database>> open_database(const std::string& url, const open_options& options) {
  constexpr std::string_view sqlite_scheme = "sqlite://";
  std::string_view u = url;
  if (u.starts_with(sqlite_scheme)) {
    std::string path(u.substr(sqlite_scheme.size()));
    if (path.empty() || path.front() != '/')
      return fail(db_errc::invalid_argument, "a SQLite URL needs an absolute path: sqlite:///abs/path.db");
    return detail::open_sqlite(path, options);
  }
  if (u.starts_with("postgres://") || u.starts_with("postgresql://")) return detail::open_postgres(url, options);
  if (u.starts_with("dynamodb://")) return detail::open_dynamodb(url, options);
  // Never echo the URL: a postgres URL may hold a password.
  return fail(db_errc::invalid_argument, "the database URL must start with sqlite:///, postgres:// or dynamodb://");
}

std::string default_database_url(const std::string& data_dir) {
  return "sqlite://" + std::filesystem::absolute(data_dir).lexically_normal().string() + "/dropslot.db";
}

}  // namespace dropslot::db
