// `dropslot serve`: everything in one process (DESIGN.md, CLI). The API under /api,
// the dashboard's static files at /, and the embedded object store on its own
// listener unless --s3-endpoint points at a real S3. Wiring only: the parts do the
// work (the site's routing and page headers: http/site.hpp; flags and environment:
// api::app_config_from_env). The API reaches the store over HTTP on loopback, exactly as it would reach
// AWS: there is no in-process shortcut. The one in-process link is the store's
// "object created" event, which hands a key to the API's receipt intake (issue 22);
// the intake then checks the object over HTTP like any S3 client.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "command.hpp"
#include "metrics_listener.hpp"
#include "dropslot/api/app.hpp"
#include "dropslot/api/app_services.hpp"
#include "dropslot/api/receipt_intake.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/db/seed.hpp"
#include "dropslot/db/timed_database.hpp"
#include "dropslot/http/access_log.hpp"
#include "dropslot/http/server.hpp"
#include "dropslot/http/site.hpp"
#include "dropslot/http/static_files.hpp"
#include "dropslot/s3/client.hpp"
#include "dropslot/s3/credentials.hpp"
#include "dropslot/s3/endpoint.hpp"
#include "dropslot/store/object_store.hpp"
#include "dropslot/store/serve.hpp"

namespace dropslot::cli {
namespace {

namespace fs = std::filesystem;

struct serve_options {
  std::string listen = "127.0.0.1:8080";
  std::string s3_listen = "127.0.0.1:9000";
  std::string metrics_listen;  // off unless given
  std::string web;
  int session_cache = 2;
  unsigned threads = 0;
  int drain_timeout = 10;  // seconds; docs/operate.md (stopping) and deploy/systemd's TimeoutStopSec
  bool no_access_log = false;
  std::string test_clock_file;  // hidden, tests only: see test_clock()
  /// The flags that have an environment variable, under its name ({name, value};
  /// empty: not given). api::app_config_from_env reads them over the environment.
  std::vector<std::pair<std::string, std::string>> config_flags;
};

/// Where the store's events go: the receipt intake, made after the store listens
/// (it needs the store's address), so the store's hook looks it up per event.
struct receipt_slot {
  std::mutex mutex;
  std::shared_ptr<api::receipt_intake> intake;
  std::shared_ptr<api::receipt_intake> get() {
    std::lock_guard lk(mutex);
    return intake;
  }
};

/// The dashboard folder, first found of:
///   1. --web;
///   2. <prefix>/share/dropslot/web, where the executable is <prefix>/bin/dropslot: an
///      installed binary (cmake --install, the .deb) finds its own dashboard from any
///      working folder, and two installs under different prefixes never mix;
///   3. `web/` in the working directory, or above the binary (a checkout:
///      build/<preset>/src/cli/dropslot sits four levels below it).
/// The files stay on disk rather than embedded in the binary, so that an operator can
/// read what is served and a dashboard change needs no rebuild (docs/operate.md).
std::optional<fs::path> find_web_dir(const std::string& flag) {
  if (!flag.empty()) return fs::path(flag);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);  // empty when unreadable
  if (!exe.empty()) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "dropslot" / "web";
    if (fs::exists(installed / "index.html", ec)) return installed;
  }
  if (fs::exists("web/index.html", ec)) return fs::absolute("web", ec);
  for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
    if (fs::exists(p / "web" / "index.html", ec)) return p / "web";
  return std::nullopt;
}

/// The host:port part of "http://host:port".
std::string origin_of(std::string_view host_port) { return fmt::format("http://{}", host_port); }

/// The origins a browser may show the dashboard under. A loopback listener is
/// reached as 127.0.0.1 or localhost; a wildcard listener under any name.
std::vector<std::string> dashboard_origins(const std::string& bound) {
  auto colon = bound.rfind(':');
  std::string host = bound.substr(0, colon), port = bound.substr(colon + 1);
  if (host == "0.0.0.0" || host == "[::]" || host == "::") return {"*"};
  std::vector<std::string> out{origin_of(bound)};
  if (host == "127.0.0.1" || host == "[::1]") out.push_back(fmt::format("http://localhost:{}", port));
  return out;
}

/// Whether "host:port" is a loopback address.
bool loopback(std::string_view host_port) {
  return host_port.starts_with("127.") || host_port.starts_with("[::1]:") || host_port.starts_with("localhost:");
}

/// --test-clock-file FILE (hidden; for the browser tests that must see what happens
/// 10 or 15 minutes after a listing): the clock the API, its S3 client and the
/// embedded store read is the wall clock plus the whole seconds written in FILE,
/// re-read on every call (absent or unreadable: 0). run_serve refuses it unless
/// every listener is on loopback and says so on stderr; `dropslot lambda` has no
/// such flag, so a deployed API never runs on a moved clock.
std::function<std::chrono::system_clock::time_point()> test_clock(const std::string& file) {
  return [file] {
    long long offset = 0;
    if (std::FILE* f = std::fopen(file.c_str(), "r")) {
      if (std::fscanf(f, "%lld", &offset) != 1) offset = 0;
      std::fclose(f);
    }
    return std::chrono::system_clock::now() + std::chrono::seconds(offset);
  };
}

int run_serve(const serve_options& o) {
  using clock = std::chrono::system_clock;
  // SIGINT/SIGTERM are taken by this thread (sigwait at the end). Blocked before any
  // thread exists, so every worker inherits the mask and none is killed by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // --- configuration: flag beats env beats default (DESIGN.md, CLI). The flags lie
  // over the environment under its names, and the API's reader applies one set of
  // rules to both, as it does for `dropslot lambda` (api/config_env.cpp).
  const api::env_lookup env = api::env_with_overrides(o.config_flags, api::process_env());
  auto config = api::app_config_from_env(env);
  if (!config) return fail_with(config.error().detail, 2);
  api::app_config& cfg = *config;
  cfg.api_base = "/api";  // the site's routing (http::site_service) puts the API there
  const auto data_flag = env("DROPSLOT_DATA");
  fs::path data = fs::absolute(data_flag && !data_flag->empty() ? *data_flag : "data").lexically_normal();
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) return fail_with(fmt::format("cannot create the data folder {}: {}", data.string(), ec.message()));
  const std::string database_url = cfg.database_url;
  const bool embedded_store = cfg.s3_endpoint.empty();
  const std::string bucket = cfg.bucket;
  const std::string region = cfg.region;

  // --- database: open, migrate, seed the demo customer.
  db::open_options dbo;
  // Sessions are looked up on every request; a short cache keeps the hot path off
  // the database. A logout through this process clears it at once; a revoke by
  // `dropslot admin` takes effect within this TTL.
  dbo.session_cache_ttl = std::chrono::seconds(o.session_cache);
  auto opened = db::open_database(database_url, dbo);
  if (!opened) return fail_with(fmt::format("database: {}", opened.error().message()));
  std::shared_ptr<db::database> database = std::move(*opened);
  std::function<clock::time_point()> now_fn;
  if (!o.test_clock_file.empty()) {
    if (!loopback(o.listen) || !loopback(o.s3_listen))
      return fail_with("--test-clock-file is for tests on loopback only (--listen and --s3-listen 127.x)", 2);
    std::fprintf(stderr, "dropslot: TEST CLOCK: the wall clock plus the seconds in %s\n", o.test_clock_file.c_str());
    now_fn = test_clock(o.test_clock_file);
  }
  auto now_s = std::chrono::time_point_cast<std::chrono::seconds>(clock::now());
  auto demo = db::seed_demo(*database, now_s);
  if (!demo) return fail_with(fmt::format("seeding the demo data: {}", demo.error().message()));

  // The access log (JSON lines on stdout) is on unless asked otherwise; the
  // benchmarks turn it off, as their peers have none.
  if (o.no_access_log) http::set_access_log_sink({});
  http::server server(o.threads);
  std::string metrics_origin;
  if (!o.metrics_listen.empty()) {
    auto bound = listen_metrics(server, o.metrics_listen);
    if (!bound) return fail_with(fmt::format("cannot listen on {}: {}", o.metrics_listen, bound.error().message()));
    metrics_origin = origin_of(*bound);
    // Every database call from here on is timed (db/timed_database.hpp).
    database = db::with_metrics(std::move(database));
  }

  // --- the object store (embedded) or the given endpoint.
  std::string s3_origin;
  auto receipts = std::make_shared<receipt_slot>();
  if (embedded_store) {
    auto key = store::load_or_create_access_key(data / "s3", std::getenv("DROPSLOT_S3_ACCESS_KEY_ID"),
                                                std::getenv("DROPSLOT_S3_SECRET_ACCESS_KEY"));
    if (!key) return fail_with(fmt::format("store access key: {}", key.error().message()));
    store::store_config sc;
    sc.on_object_created = [receipts](std::string_view b, std::string_view k) {
      if (auto intake = receipts->get()) intake->object_created(b, k);
    };
    sc.data_dir = data / "s3";
    sc.region = region;
    sc.key = *key;
    if (now_fn) sc.now = now_fn;
    // The uploads bucket's policy as the stack sets it on AWS (deploy/template.yaml):
    // query signatures older than the URL lifetime are refused here too.
    auto policy = store::bucket_policy::parse(
        store::uploads_bucket_policy(fmt::format("arn:aws:s3:::{}", bucket), cfg.url_expiry));
    if (!policy) return fail_with(fmt::format("uploads bucket policy: {}", policy.error().message()));
    sc.bucket_policies[bucket] = std::make_shared<const store::bucket_policy>(std::move(*policy));
    auto st = store::object_store::open(sc);
    if (!st) return fail_with(fmt::format("object store: {}", st.error().message()));
    auto bound = store::serve_store(server, *st, o.s3_listen);
    if (!bound) return fail_with(fmt::format("cannot listen on {}: {}", o.s3_listen, bound.error().message()));
    s3_origin = origin_of(*bound);
    cfg.s3_endpoint = s3_origin;
    cfg.path_style = true;
    cfg.credentials = api::explicit_credentials{key->id, key->secret, {}, {}};
  } else {
    s3_origin = cfg.s3_endpoint;  // path style, as app_config_from_env sets for a custom endpoint
  }

  // --- the site: listen first (port 0 is resolved here), then fill in the services
  // that need the bound address (CSRF origin, CSP). Nothing is served before start().
  auto site = std::make_shared<http::site_service>();
  http::limits api_limits;
  api_limits.max_body_bytes = 64 * 1024;
  auto api_bound = server.listen(o.listen, site, api_limits);
  if (!api_bound) return fail_with(fmt::format("cannot listen on {}: {}", o.listen, api_bound.error().message()));
  std::string api_origin = origin_of(*api_bound);
  auto origins = dashboard_origins(*api_bound);
  cfg.dashboard_origin = origins.front() == "*" ? std::string() : origins.front();

  api::app_services services;
  services.database = database;
  services.clock = now_fn;
  auto api = api::make_api(cfg, services);
  if (!api) return fail_with(fmt::format("api: {}", api.error().message()));
  site->api = std::move(*api);
  if (embedded_store) {
    auto intake = api::make_receipt_intake(cfg, services);
    if (!intake) return fail_with(fmt::format("receipts: {}", intake.error().message()));
    std::lock_guard lk(receipts->mutex);
    receipts->intake = std::move(*intake);
  }

  site->page_headers = http::dashboard_page_headers(s3_origin);
  const auto web = find_web_dir(o.web);
  if (web) {
    http::static_options so;
    so.cache_control = "no-cache";
    auto files = http::static_files::open(*web, so);
    if (!files) return fail_with(fmt::format("web folder {}: {}", web->string(), files.error().message()));
    site->files.emplace(std::move(*files));
  } else if (!o.web.empty()) {
    return fail_with(fmt::format("web folder {} not found", o.web));
  } else {
    std::fprintf(stderr, "dropslot: warning: no dashboard files found (start with --web DIR); serving the API only\n");
  }

  server.set_drain_timeout(std::chrono::seconds(o.drain_timeout));  // the SIGTERM bound, at the end
  server.start();

  // --- the bucket with CORS for the dashboard, through the S3 client over HTTP
  // (the same calls work against AWS).
  {
    auto ep = s3::make_bucket_endpoint(cfg.s3_endpoint, bucket, region, true);
    if (!ep) return fail_with(fmt::format("S3 endpoint: {}", ep.error().message()));
    s3::client_config cc;
    cc.endpoint = *ep;
    if (now_fn) cc.now = now_fn;  // the store's clock, so its skew check agrees
    if (cfg.credentials) {
      sigv4::credentials c;
      c.access_key = sigv4::access_key_id(cfg.credentials->access_key_id);
      c.secret = sigv4::secret_access_key(cfg.credentials->secret_access_key);
      cc.credentials = [c] { return result<sigv4::credentials>(c); };
    } else {
      cc.credentials = [] { return s3::default_credentials(s3::process_environment()); };
    }
    s3::client s3c(cc);
    bool bucket_ok = false;
    if (cc.credentials) {
      auto created = s3c.create_bucket();
      if (!created)
        std::fprintf(stderr, "dropslot: warning: creating bucket %s: %s\n", bucket.c_str(), created.error().message().c_str());
      s3::cors_rule rule;
      rule.allowed_origins = origins;
      rule.allowed_methods = {"GET", "PUT", "HEAD"};
      rule.allowed_headers = {"*"};
      rule.expose_headers = {"ETag", "x-amz-meta-captured-at"};  // the dashboard shows the capture time
      rule.max_age_seconds = 600;
      auto cors = s3c.put_bucket_cors({rule});
      bucket_ok = cors.has_value();
      if (!cors)
        std::fprintf(stderr, "dropslot: warning: setting CORS on bucket %s: %s\n", bucket.c_str(),
                     cors.error().message().c_str());
    }
    if (!bucket_ok && embedded_store) {
      server.stop();
      server.join();
      return fail_with("the embedded store did not accept the bucket setup");
    }
  }

  // --- what a person (and the tests) read: bound addresses and a login link.
  auto code = database->create_login_code(*demo, now_s);
  if (!code) {
    server.stop();
    server.join();
    return fail_with(fmt::format("login code: {}", code.error().message()));
  }
  if (embedded_store) std::printf("dropslot s3 listening on %s\n", s3_origin.c_str());
  if (embedded_store) std::printf("  md5 engine: %s\n", store::object_store::md5_engine_summary().c_str());
  std::printf("dropslot api listening on %s\n", api_origin.c_str());
  if (!metrics_origin.empty()) std::printf("dropslot metrics listening on %s/metrics\n", metrics_origin.c_str());
  std::printf("dashboard: %s/\n", api_origin.c_str());
  if (web) std::printf("dashboard files: %s\n", web->string().c_str());
  std::printf("login link (demo customer, one use, 15 minutes): %s/?code=%s\n", api_origin.c_str(), code->code.c_str());
  std::fflush(stdout);

  // --- stop on SIGTERM (systemd, docker, kill) or SIGINT. The listeners stop accepting;
  // a request in flight (an upload's body among them) gets --drain-timeout to finish
  // and is answered; what is still open then is closed without an answer. An upload
  // cut off that way was never committed: the store renames a body into place only
  // when all of it has arrived and been checked, so no partial object is visible, and
  // its temporary is removed at the next start. Then the database is closed. The
  // process so exits within the drain timeout plus the time to close the database.
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "dropslot: %s: stopping; requests in flight get up to %d s\n", sig == SIGTERM ? "SIGTERM" : "SIGINT",
               o.drain_timeout);
  server.stop();
  server.join();
  // Confirmations still queued finish (or fail and are logged) before the database closes.
  if (auto intake = receipts->get()) intake->drain();
  std::fprintf(stderr, "dropslot: stopped\n");
  return 0;
}

const registrar reg{"serve", [](CLI::App& app, int& exit_code) {
                      static serve_options o;
                      auto* cmd = app.add_subcommand(
                          "serve", "Run the API, the dashboard and the embedded object store in one process");
                      // Flags with an environment variable are kept as given (strings) and
                      // read by api::app_config_from_env over the environment.
                      static std::string data, database, s3_endpoint, bucket, region, url_expiry, upload_rate,
                          upload_burst, max_photos;
                      cmd->add_option("--data", data, "Data folder (env DROPSLOT_DATA; default ./data)");
                      cmd->add_option("--listen", o.listen, "API and dashboard address (default 127.0.0.1:8080)");
                      cmd->add_option("--s3-listen", o.s3_listen, "Embedded store address (default 127.0.0.1:9000)");
                      cmd->add_option("--database", database,
                                      "sqlite:///abs/path.db or postgres://... (env DROPSLOT_DATABASE_URL)");
                      cmd->add_option("--s3-endpoint", s3_endpoint,
                                      "Use this S3 endpoint instead of the embedded store (env AWS_ENDPOINT_URL_S3)");
                      cmd->add_option("--bucket", bucket, "Bucket for uploads (env DROPSLOT_BUCKET; default uploads)");
                      cmd->add_option("--region", region, "S3 region (env AWS_REGION; default us-east-1)");
                      cmd->add_option("--metrics-listen", o.metrics_listen,
                                      "Serve Prometheus metrics at /metrics on this HOST:PORT (default: off)");
                      cmd->add_option("--web", o.web, "Dashboard folder (default: web/ of the checkout)");
                      cmd->add_option("--url-expiry", url_expiry,
                                      "Presigned URL lifetime in seconds (env DROPSLOT_URL_EXPIRY; default 900)")
                          ->check(CLI::Range(1, 604800));
                      cmd->add_option("--session-cache", o.session_cache,
                                      "Seconds a session lookup may be cached (default 2; 0 disables)");
                      cmd->add_option("--upload-rate", upload_rate,
                                      "upload-url requests per second per customer (env DROPSLOT_UPLOAD_RATE; "
                                      "default 10; 0: no limit)")
                          ->check(CLI::NonNegativeNumber);
                      cmd->add_option("--upload-burst", upload_burst,
                                      "upload-url burst per customer (env DROPSLOT_UPLOAD_BURST; default 60)")
                          ->check(CLI::NonNegativeNumber);
                      cmd->add_option("--max-photos", max_photos,
                                      "Most photos per job (env DROPSLOT_MAX_PHOTOS; default 500)")
                          ->check(CLI::Range(1u, 1000000u));
                      cmd->add_option("--threads", o.threads, "Worker threads (default: one per core)");
                      cmd->add_option("--drain-timeout", o.drain_timeout,
                                      "Seconds requests in flight get to finish on SIGTERM/SIGINT (default 10)")
                          ->check(CLI::Range(0, 3600));
                      cmd->add_flag("--no-access-log", o.no_access_log, "Do not write the JSON access log to stdout");
                      cmd->add_option("--test-clock-file", o.test_clock_file,
                                      "Tests only: move the clock by the seconds in this file")
                          ->group("");  // hidden from --help
                      cmd->callback([&exit_code] {
                        o.config_flags = {{"DROPSLOT_DATA", data},
                                          {"DROPSLOT_DATABASE_URL", database},
                                          {"AWS_ENDPOINT_URL_S3", s3_endpoint},
                                          {"DROPSLOT_BUCKET", bucket},
                                          {"AWS_REGION", region},
                                          {"DROPSLOT_URL_EXPIRY", url_expiry},
                                          {"DROPSLOT_UPLOAD_RATE", upload_rate},
                                          {"DROPSLOT_UPLOAD_BURST", upload_burst},
                                          {"DROPSLOT_MAX_PHOTOS", max_photos}};
                        exit_code = run_serve(o);
                      });
                    }};

}  // namespace
}  // namespace dropslot::cli
