// `dropslot admin shots --job ID [--set JSON | --reset]` (issue 22): a job's shot list
// from the command line, until staff change it from their page (issue 21). Prints the
// list the job then has, as JSON, on one line.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "admin_reconcile.hpp"
#include "command.hpp"
#include "dropslot/api/app.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/db/receipts.hpp"

namespace dropslot::cli {

namespace {

struct shots_options {
  std::string job;
  std::string set;
  bool reset = false;
};

int run_shots(const std::string& data_dir, const std::string& database_url, const shots_options& o) {
  // The operator's default, DROPSLOT_SHOTS, as serve reads it (the same rules).
  auto config = api::app_config_from_env(
      api::env_with_overrides({{"DROPSLOT_DATA", data_dir}, {"DROPSLOT_DATABASE_URL", database_url}}, api::process_env()));
  if (!config) return fail_with(config.error().message());
  auto d = db::open_database(config->database_url);
  if (!d) return fail_with(d.error().message());
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (!o.set.empty() || o.reset) {
    std::optional<std::string> stored;
    if (!o.reset) {
      auto parsed = db::parse_shots(o.set);
      if (!parsed) return fail_with(parsed.error().detail, 2);
      stored = db::shots_to_json(*parsed);
    }
    auto r = (*d)->set_job_shots(o.job, stored, now);
    if (!r) return fail_with(r.error().message());
    if (!*r) return fail_with("no such job: " + o.job);
  }
  auto jobs = (*d)->list_all_jobs();
  if (!jobs) return fail_with(jobs.error().message());
  for (const auto& j : *jobs)
    if (j.id == o.job) {
      std::printf("%s\n", db::shots_to_json(db::shots_of(j, config->default_shots)).c_str());
      return 0;
    }
  return fail_with("no such job: " + o.job);
}

}  // namespace

void add_shots_command(CLI::App& admin, const std::string& data_dir, const std::string& database_url, int& exit_code) {
  static shots_options o;
  auto* cmd = admin.add_subcommand("shots", "Show or set a job's shot list (JSON [{id, label, hint?, required}])");
  cmd->add_option("--job", o.job, "Job id")->required();
  auto* set = cmd->add_option("--set", o.set, "The job's own list, a JSON array");
  auto* reset = cmd->add_flag("--reset", o.reset, "Back to the operator's default (DROPSLOT_SHOTS or the built-in list)");
  set->excludes(reset);
  cmd->callback([&exit_code, &data_dir, &database_url] { exit_code = run_shots(data_dir, database_url, o); });
}

}  // namespace dropslot::cli
