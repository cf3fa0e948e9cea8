// `dropslot lambda`: the custom runtime behind API Gateway (the packaged
// `bootstrap` runs it). Wiring only: configuration from the environment, the API
// service built once per sandbox, then the Runtime API loop (src/lambda).
#include <openssl/crypto.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "command.hpp"
#include "dropslot/api/app.hpp"
#include "dropslot/api/app_services.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/lambda/api_gateway_adapter.hpp"
#include "dropslot/lambda/http_runtime_api.hpp"
#include "dropslot/lambda/log.hpp"
#include "dropslot/lambda/runtime_loop.hpp"

namespace dropslot::cli {
namespace {

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
  auto config = api::app_config_from_env(api::process_env());
  if (!config) return lambda::report_init_error(runtime, {"Runtime.InitError", lambda::redact_url_passwords("configuration: " + config.error().message())});
  // The database is opened here, never creating tables: under Lambda the template
  // creates them, and a missing DynamoDB table is an init error that names it.
  db::open_options dbo;
  dbo.create_tables = false;
  auto database = db::open_database(config->database_url, dbo);
  if (!database) return lambda::report_init_error(runtime, {"Runtime.InitError", lambda::redact_url_passwords("database: " + database.error().message())});
  api::app_services services;
  services.database = std::move(*database);
  auto service = api::make_api(*config, std::move(services));
  if (!service) return lambda::report_init_error(runtime, {"Runtime.InitError", lambda::redact_url_passwords("init: " + service.error().message())});
  // Only non-secret configuration goes to the log.
  lambda::log_line("info", "", "init done",
                   {{"bucket", config->bucket}, {"region", config->region}, {"api_base", config->api_base},
                    {"custom_endpoint", !config->s3_endpoint.empty()}});

  lambda::api_gateway_adapter adapter(std::move(service).value());
  return lambda::run_loop(runtime, adapter);
}

const registrar reg{"lambda", [](CLI::App& app, int& exit_code) {
                      auto* cmd = app.add_subcommand(
                          "lambda", "Run the AWS Lambda custom runtime loop (API Gateway events -> the API)");
                      cmd->callback([&exit_code] { exit_code = run_lambda(); });
                    }};

}  // namespace
}  // namespace dropslot::cli
