#pragma once
// `dropslot admin reconcile` (admin_reconcile.cpp) and `admin shots` (admin_shots.cpp),
// registered under `admin`.
#include <CLI/CLI.hpp>

#include <string>

namespace dropslot::cli {

/// Adds `reconcile` under `admin`; `data_dir` and `database_url` are admin's own
/// flags (read when the command runs).
void add_reconcile_command(CLI::App& admin, const std::string& data_dir, const std::string& database_url,
                           int& exit_code);

/// Adds `shots` under `admin` (admin_shots.cpp): a job's shot list.
void add_shots_command(CLI::App& admin, const std::string& data_dir, const std::string& database_url, int& exit_code);

}  // namespace dropslot::cli
