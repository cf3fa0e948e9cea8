#pragma once
// `dropslot admin backup` and `dropslot admin restore` (admin_backup.cpp), added to
// `dropslot admin` by admin.cpp, whose --data and --database they read.
#include <CLI/CLI.hpp>

#include <string>

namespace dropslot::cli {

/// Adds `backup` and `restore` under `admin`. `data_dir` and `database_url` are
/// admin's --data and --database, read when the command runs.
void add_backup_commands(CLI::App& admin, const std::string& data_dir, const std::string& database_url,
                         int& exit_code);

}  // namespace dropslot::cli
