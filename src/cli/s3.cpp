// `dropslot s3 [--data DIR] [--listen HOST:PORT] [--region R] [--uploads-bucket NAME
// [--url-expiry SECONDS]]`: only the object store. With --uploads-bucket, NAME gets the
// uploads bucket's policy as deploy/template.yaml sets it on AWS (store/bucket_policy.hpp).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <fmt/core.h>

#include "command.hpp"
#include "metrics_listener.hpp"
#include "dropslot/http/server.hpp"
#include "dropslot/store/object_store.hpp"
#include "dropslot/store/serve.hpp"

namespace dropslot::cli {

namespace {

struct s3_options {
  std::string data = "./data";
  std::string listen = "127.0.0.1:9000";
  std::string metrics_listen;  // off unless given
  std::string region;
  std::vector<std::string> hosts;
  unsigned threads = 0;
  std::string uploads_bucket;
  long url_expiry = 900;
};

bool is_ip(const std::string& host) {
  return host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos ||
         (!host.empty() && host.front() == '[');
}

int run_s3(const s3_options& o) {
  const char* env_id = std::getenv("DROPSLOT_S3_ACCESS_KEY_ID");
  const char* env_secret = std::getenv("DROPSLOT_S3_SECRET_ACCESS_KEY");
  bool created = false;
  auto key = store::load_or_create_access_key(o.data, env_id, env_secret, &created);
  if (!key) return fail_with(fmt::format("store access key: {}", key.error().message()));

  store::store_config sc;
  sc.data_dir = o.data;
  sc.key = *key;
  sc.region = o.region;
  if (sc.region.empty()) {
    const char* r = std::getenv("AWS_REGION");
    sc.region = r && *r ? r : "us-east-1";
  }
  sc.endpoint_hosts = o.hosts;
  auto host = o.listen.substr(0, o.listen.rfind(':'));
  if (!host.empty() && !is_ip(host)) sc.endpoint_hosts.push_back(host);

  if (!o.uploads_bucket.empty()) {
    auto policy = store::bucket_policy::parse(store::uploads_bucket_policy(
        "arn:aws:s3:::" + o.uploads_bucket, std::chrono::seconds(o.url_expiry)));
    if (!policy) return fail_with(fmt::format("uploads bucket policy: {}", policy.error().message()));
    sc.bucket_policies[o.uploads_bucket] = std::make_shared<const store::bucket_policy>(std::move(*policy));
  }
  auto st = store::object_store::open(sc);
  if (!st) return fail_with(fmt::format("object store: {}", st.error().message()));
  http::server server(o.threads);
  auto bound = store::serve_store(server, *st, o.listen);
  if (!bound) return fail_with(fmt::format("cannot listen on {}: {}", o.listen, bound.error().message()));
  std::string metrics_bound;
  if (!o.metrics_listen.empty()) {
    auto m = listen_metrics(server, o.metrics_listen);
    if (!m) return fail_with(fmt::format("cannot listen on {}: {}", o.metrics_listen, m.error().message()));
    metrics_bound = *m;
  }

  // The first line is for scripts and tests: the bound address, port 0 resolved.
  std::string endpoint = "http://" + *bound;
  fmt::print("dropslot s3 listening on {}\n", endpoint);
  bool from_env = env_id && *env_id && env_secret && *env_secret;
  // The secret itself is never printed: it stays in the 0600 file (or the environment).
  fmt::print("  region {}, access key id {}\n", sc.region, key->id);
  if (!o.uploads_bucket.empty())
    fmt::print("  bucket {}: the uploads bucket's policy (query signatures older than {} s refused)\n",
               o.uploads_bucket, o.url_expiry);
  fmt::print("  md5 engine: {}\n", store::object_store::md5_engine_summary());
  if (from_env) {
    fmt::print("  secret: from DROPSLOT_S3_SECRET_ACCESS_KEY\n");
    fmt::print("  use it:  AWS_ACCESS_KEY_ID=$DROPSLOT_S3_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$DROPSLOT_S3_SECRET_ACCESS_KEY \\\n");
  } else {
    auto file = (std::filesystem::absolute(o.data) / "credentials").string();
    fmt::print("  secret: in {} ({})\n", file, created ? "created now, mode 0600" : "mode 0600");
    fmt::print("  use it:  export AWS_ACCESS_KEY_ID={}\n", key->id);
    fmt::print("           export AWS_SECRET_ACCESS_KEY=\"$(sed -n 's/.*\"secret_access_key\":\"\\([^\"]*\\)\".*/\\1/p' {})\"\n", file);
  }
  fmt::print("           aws --endpoint-url {} --region {} s3 mb s3://my-bucket\n", endpoint, sc.region);
  if (!metrics_bound.empty()) fmt::print("  metrics: http://{}/metrics\n", metrics_bound);
  std::fflush(stdout);
  server.run();
  return 0;
}

const registrar reg{"s3", [](CLI::App& app, int& rc) {
  auto o = std::make_shared<s3_options>();
  auto* cmd = app.add_subcommand("s3", "Run only the S3-compatible object store");
  cmd->add_option("--data", o->data, "Data folder (objects, credentials)")->envname("DROPSLOT_DATA");
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0 picks one)");
  cmd->add_option("--region", o->region, "Region the store signs in (default AWS_REGION or us-east-1)");
  cmd->add_option("--virtual-host", o->hosts, "Host name for virtual-hosted-style requests (bucket.HOST)");
  cmd->add_option("--threads", o->threads, "Worker threads (0: one per core)");
  cmd->add_option("--uploads-bucket", o->uploads_bucket,
                  "Enforce the uploads bucket's policy (deploy/template.yaml) on this bucket");
  cmd->add_option("--url-expiry", o->url_expiry,
                  "With --uploads-bucket: the URL lifetime the policy allows (default 900)")
      ->check(CLI::Range(1, 604800));
  cmd->add_option("--metrics-listen", o->metrics_listen,
                  "Serve Prometheus metrics at /metrics on this HOST:PORT (default: off)");
  cmd->callback([o, &rc] { rc = run_s3(*o); });
}};

}  // namespace

}  // namespace dropslot::cli
