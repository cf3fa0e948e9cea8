// `dropslot admin reconcile [--fix]` (issue 22): the bucket against the upload
// records, on any of the three databases (api/reconcile.hpp does the work). Wiring
// only: the bucket comes from the same configuration as `serve` and `lambda`
// (DROPSLOT_BUCKET, AWS_ENDPOINT_URL_S3, the credentials chain); for a `serve` data
// folder with an embedded store, its own key and --s3-endpoint (the address `serve
// --s3-listen` printed, default http://127.0.0.1:9000). One tab-separated line per
// finding: kind, key, action; then a summary line on stderr. Under AWS the stack's
// schedule makes the same api::reconcile call with --fix (src/cli/lambda.cpp).
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "admin_reconcile.hpp"
#include "command.hpp"
#include "dropslot/api/app.hpp"
#include "dropslot/api/reconcile.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/store/object_store.hpp"

namespace dropslot::cli {

namespace {

struct reconcile_options {
  bool fix = false;
  std::string s3_endpoint;
  std::string bucket;
};

int run_reconcile(const std::string& data_dir, const std::string& database_url, const reconcile_options& o) {
  std::vector<std::pair<std::string, std::string>> flags{{"AWS_ENDPOINT_URL_S3", o.s3_endpoint},
                                                         {"DROPSLOT_BUCKET", o.bucket},
                                                         {"DROPSLOT_DATA", data_dir},
                                                         {"DROPSLOT_DATABASE_URL", database_url}};
  auto env = api::env_with_overrides(std::move(flags), api::process_env());
  auto config = api::app_config_from_env(env);
  if (!config) return fail_with(config.error().message());
  // A serve data folder: its embedded store's key, at serve's default address
  // unless told otherwise. The file is only read, never created here.
  std::error_code ec;
  const auto key_file = std::filesystem::path(data_dir) / "s3" / "credentials";
  if (std::filesystem::exists(key_file, ec)) {
    auto key = store::load_or_create_access_key(std::filesystem::path(data_dir) / "s3", nullptr, nullptr);
    if (!key) return fail_with(fmt::format("store access key: {}", key.error().message()));
    config->credentials = api::explicit_credentials{key->id, key->secret, {}, {}};
    if (config->s3_endpoint.empty()) {
      config->s3_endpoint = "http://127.0.0.1:9000";
      config->path_style = true;
    }
  }
  auto summary = api::reconcile(*config, {}, o.fix, [](const api::finding& f) {
    std::printf("%s\t%s\t%s\n", std::string(api::to_string(f.kind)).c_str(), f.key.c_str(), f.action.c_str());
    std::fflush(stdout);
  });
  if (!summary) return fail_with(fmt::format("reconcile: {}", summary.error().message()));
  std::fprintf(stderr, "reconcile: %lld objects, %lld records, %lld findings%s\n",
               static_cast<long long>(summary->objects), static_cast<long long>(summary->records),
               static_cast<long long>(summary->findings), o.fix ? " (--fix)" : "");
  return 0;
}

}  // namespace

void add_reconcile_command(CLI::App& admin, const std::string& data_dir, const std::string& database_url,
                           int& exit_code) {
  static reconcile_options o;
  auto* cmd = admin.add_subcommand(
      "reconcile",
      "Compare the bucket with the upload records: records without objects, objects without records, thumbnails "
      "without originals, stale pending records (marked expired); --fix deletes orphans older than 24 h");
  cmd->add_flag("--fix", o.fix, "Delete orphaned objects and thumbnails older than 24 h");
  cmd->add_option("--s3-endpoint", o.s3_endpoint,
                  "S3 endpoint (env AWS_ENDPOINT_URL_S3; for a serve data folder default http://127.0.0.1:9000)");
  cmd->add_option("--bucket", o.bucket, "Bucket (env DROPSLOT_BUCKET, default uploads)");
  cmd->callback([&exit_code, &data_dir, &database_url] { exit_code = run_reconcile(data_dir, database_url, o); });
}

}  // namespace dropslot::cli
