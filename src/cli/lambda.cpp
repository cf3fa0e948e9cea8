// `dropslot lambda`: the custom runtime behind API Gateway (the packaged
// `bootstrap` runs it). Wiring only: configuration from the environment, the API
// service built once per sandbox, then the Runtime API loop (src/lambda). The same
// loop takes the bucket's events (receipts) and the daily schedule (reconcile).
#include <openssl/crypto.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "command.hpp"
#include "dropslot/api/app.hpp"
#include "dropslot/api/app_services.hpp"
#include "dropslot/api/receipt_intake.hpp"
#include "dropslot/api/reconcile.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/lambda/api_gateway_adapter.hpp"
#include "dropslot/lambda/beast_http_transport.hpp"
#include "dropslot/lambda/http_runtime_api.hpp"
#include "dropslot/lambda/log.hpp"
#include "dropslot/lambda/runtime_loop.hpp"
#include "dropslot/lambda/scheduled_event.hpp"
#include "dropslot/s3/aws_json.hpp"
#include "dropslot/s3/credentials.hpp"

namespace dropslot::cli {
namespace {

// The secrets the stack hands the function by ARN (deploy/template.yaml): read
// once per sandbox, at init, with Secrets Manager's GetSecretValue over the AWS
// JSON protocol, signed with the execution role's credentials.
class secret_reader {
 public:
  secret_reader(const s3::env_lookup& env, s3::http_transport_factory transport) {
    std::string region = s3::region_from_env(env).value_or("us-east-1");
    s3::aws_json_config cfg;
    cfg.service = "secretsmanager";
    cfg.target_prefix = "secretsmanager";
    cfg.content_type = "application/x-amz-json-1.1";
    cfg.endpoint = s3::resolve_service_endpoint(env, "SECRETS_MANAGER", "secretsmanager", region);
    cfg.region = region;
    cfg.credentials = s3::cached_default_credentials(env);
    cfg.transport = std::move(transport);  // Beast, not libcurl: see run_lambda
    client_ = std::make_unique<s3::aws_json_client>(std::move(cfg));
  }

  /// The SecretString of `arn`, or nullopt with `error` set. The error names the
  /// ARN and what went wrong, never a value.
  std::optional<std::string> read(const std::string& arn, std::string& error) {
    auto answer = client_->call("GetSecretValue", boost::json::object{{"SecretId", arn}});
    if (!answer) {
      error = "GetSecretValue " + arn + ": " + answer.error().describe();
      return std::nullopt;
    }
    const auto* value = answer->if_contains("SecretString");
    if (!value || !value->is_string() || value->as_string().empty()) {
      error = "GetSecretValue " + arn + ": no SecretString (a binary secret is not supported)";
      return std::nullopt;
    }
    return std::string(value->as_string());
  }

 private:
  std::unique_ptr<s3::aws_json_client> client_;
};

// Seconds of the invocation kept back when the schedule runs reconcile: no new
// bucket page or job is started with less left, so the run stops cleanly and
// reports before Lambda's timeout cuts it off. One page can take a while (1,000
// keys, each possibly a confirmation or a thumbnail to make), hence a full minute
// by default (the template gives the reconcile function 15 minutes).
constexpr std::int64_t default_reserve_seconds = 60;

// The schedule's invocation (deploy/template.yaml, ReconcileRule): the same
// reconcile as `dropslot admin reconcile --fix`, on the sandbox's database and
// bucket, bounded by the invocation's deadline. Findings go to the log one line
// each, then one summary line, which is also the response.
lambda::invocation_outcome run_scheduled_reconcile(const api::app_config& config,
                                                   const std::shared_ptr<db::database>& database,
                                                   std::int64_t reserve_seconds, const lambda::invocation& inv) {
  using namespace std::chrono;
  const auto started = steady_clock::now();
  auto out_of_time = [&]() {
    if (!inv.deadline_ms) return false;
    auto now_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    return *inv.deadline_ms - now_ms < reserve_seconds * 1000;
  };
  std::map<std::string, std::int64_t> by_kind;
  api::app_services services;
  services.database = database;
  auto summary = api::reconcile(
      config, std::move(services), /*fix=*/true,
      [&](const api::finding& f) {
        ++by_kind[std::string(api::to_string(f.kind))];
        lambda::log_line("info", inv.request_id, "reconcile finding",
                         {{"kind", api::to_string(f.kind)}, {"key", f.key}, {"action", f.action}});
      },
      out_of_time);
  const auto elapsed_ms = duration_cast<milliseconds>(steady_clock::now() - started).count();
  if (!summary) {
    lambda::log_line("error", inv.request_id, "reconcile failed",
                     {{"detail", lambda::redact_url_passwords(summary.error().message())}, {"ms", elapsed_ms}});
    return {std::nullopt, {"Reconcile.Failed", "reconcile failed; the next run starts over (see the log)"}};
  }
  boost::json::object kinds;
  for (const auto& [kind, n] : by_kind) kinds[kind] = n;
  boost::json::object doc{{"reconcile", summary->complete ? "complete" : "partial"},
                          {"fix", true},
                          {"objects", summary->objects},
                          {"records", summary->records},
                          {"findings", summary->findings},
                          {"by_kind", kinds},
                          {"ms", elapsed_ms}};
  lambda::log_line(summary->complete ? "info" : "warn", inv.request_id, "reconcile summary",
                   {{"reconcile", doc["reconcile"]}, {"objects", summary->objects}, {"records", summary->records},
                    {"findings", summary->findings}, {"by_kind", kinds}, {"ms", elapsed_ms}});
  return {boost::json::serialize(doc), {}};
}

int run_lambda() {
  const char* endpoint = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (!endpoint || !*endpoint)
    return fail_with("AWS_LAMBDA_RUNTIME_API is not set: `dropslot lambda` runs inside AWS Lambda (or its emulator)");
  // OpenSSL reads its configuration file on first use: ~0.4 ms of a cold start here
  // (Debian's /usr/lib/ssl/openssl.cnf, 12 KB). The packaged Debian libcrypto looks
  // for it in that same directory, which Amazon Linux does not have, so on Lambda
  // nothing is read anyway; skipping it keeps local runs (the tests, the cold-start
  // benchmark) the same as Lambda. An explicit OPENSSL_CONF is still read.
  if (!std::getenv("OPENSSL_CONF")) OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
  lambda::http_runtime_api runtime(endpoint);

  // Init, once per sandbox: configuration, database connection (and migrations),
  // credentials and the S3 client with its signing-key cache (libcurl itself is
  // loaded by the first S3 request; libpq by a PostgreSQL URL). A failure here is an
  // init error: Lambda returns it to the first invocation and recycles the sandbox.
  //
  // Secrets first. DROPSLOT_ORIGIN_SECRET_ARN: the value of the header CloudFront
  // adds (the adapter refuses requests without it). DROPSLOT_DATABASE_SECRET_ARN
  // (the PostgreSQL path): the database URL, which is then in no environment
  // variable, argument or log line.
  // The AWS JSON calls (Secrets Manager, DynamoDB) go over Beast, not libcurl, through
  // one factory, so they share one TLS context: the CA file is read once.
  const s3::http_transport_factory aws_transport = lambda::beast_http_transport_factory();
  auto process_env = api::process_env();
  auto origin_arn = process_env("DROPSLOT_ORIGIN_SECRET_ARN");
  auto database_arn = process_env("DROPSLOT_DATABASE_SECRET_ARN");
  std::optional<lambda::origin_check> origin;
  std::optional<std::string> database_url;
  if ((origin_arn && !origin_arn->empty()) || (database_arn && !database_arn->empty())) {
    secret_reader secrets(s3::process_environment(), aws_transport);
    std::string error;
    if (origin_arn && !origin_arn->empty()) {
      auto value = secrets.read(*origin_arn, error);
      if (!value) return lambda::report_init_error(runtime, {"Runtime.InitError", "origin secret: " + error});
      origin = lambda::origin_check{"X-Dropslot-Origin-Verify", std::move(*value)};
    }
    if (database_arn && !database_arn->empty()) {
      database_url = secrets.read(*database_arn, error);
      if (!database_url) return lambda::report_init_error(runtime, {"Runtime.InitError", "database secret: " + error});
    }
  }
  api::env_lookup env = [&](std::string_view name) -> std::optional<std::string> {
    if (name == "DROPSLOT_DATABASE_URL" && database_url) return database_url;
    return process_env(name);
  };
  auto config = api::app_config_from_env(env);
  if (!config) return lambda::report_init_error(runtime, {"Runtime.InitError", lambda::redact_url_passwords("configuration: " + config.error().message())});
  // The database is opened here, never creating tables: under Lambda the template
  // creates them, and a missing DynamoDB table is an init error that names it.
  db::open_options dbo;
  dbo.create_tables = false;
  // DynamoDB's calls (like Secrets Manager's above) go over Beast, not libcurl: loading
  // libcurl's ~30 libraries was half of a DynamoDB cold start's CPU
  // (docs/benchmarks/lambda.md). serve and admin keep libcurl.
  dbo.aws_transport = aws_transport;
  auto database = db::open_database(config->database_url, dbo);
  if (!database) return lambda::report_init_error(runtime, {"Runtime.InitError", lambda::redact_url_passwords("database: " + database.error().message())});
  api::app_services services;
  services.database = std::move(*database);
  const std::shared_ptr<db::database> shared_database = services.database;  // the schedule's reconcile
  std::int64_t reserve_seconds = default_reserve_seconds;
  if (auto r = process_env("DROPSLOT_RECONCILE_RESERVE_SECONDS"); r && !r->empty()) {
    char* end = nullptr;
    long long v = std::strtoll(r->c_str(), &end, 10);
    if (*end || v < 0)
      return lambda::report_init_error(runtime,
                                       {"Runtime.InitError", "DROPSLOT_RECONCILE_RESERVE_SECONDS: not a number of seconds"});
    reserve_seconds = v;
  }
  // Bucket events (S3 ObjectCreated through EventBridge, deploy/template.yaml) run
  // the upload receipt's confirmation on the same database (issue 22).
  auto intake = api::make_receipt_intake(*config, services);
  if (!intake) return lambda::report_init_error(runtime, {"Runtime.InitError", lambda::redact_url_passwords("receipts: " + intake.error().message())});
  auto service = api::make_api(*config, std::move(services));
  if (!service) return lambda::report_init_error(runtime, {"Runtime.InitError", lambda::redact_url_passwords("init: " + service.error().message())});
  // Only non-secret configuration goes to the log.
  lambda::log_line("info", "", "init done",
                   {{"bucket", config->bucket}, {"region", config->region}, {"api_base", config->api_base},
                    {"custom_endpoint", !config->s3_endpoint.empty()}, {"origin_check", origin.has_value()},
                    {"database_from_secret", database_url.has_value()}});

  lambda::bucket_event_sink bucket_events = [receipts = *intake](std::string_view bucket, std::string_view key) {
    auto r = receipts->confirm(bucket, key);
    if (!r) {
      lambda::log_line("error", "", "receipt", {{"key", key}, {"detail", r.error().message()}});
      return false;
    }
    lambda::log_line("info", "", "receipt", {{"key", key}, {"outcome", api::to_string(*r)}});
    return true;
  };
  lambda::api_gateway_adapter adapter(std::move(service).value(), std::move(origin), std::move(bucket_events));
  const api::app_config& cfg = *config;
  return lambda::run_loop(runtime, [&](const lambda::invocation& inv) {
    if (lambda::is_scheduled_event(inv.event))
      return run_scheduled_reconcile(cfg, shared_database, reserve_seconds, inv);
    return adapter(inv);
  });
}

const registrar reg{"lambda", [](CLI::App& app, int& exit_code) {
                      auto* cmd = app.add_subcommand(
                          "lambda", "Run the AWS Lambda custom runtime loop (API Gateway events -> the API)");
                      cmd->callback([&exit_code] { exit_code = run_lambda(); });
                    }};

}  // namespace
}  // namespace dropslot::cli
