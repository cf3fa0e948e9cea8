// The API's handler cost without HTTP: `api_service::handle` for POST /upload-url
// in-process on a SQLite file (session cache on, as `dropslot serve` runs it), next
// to a read route and to the presign alone. bench/api/run.sh measures the whole
// server under wrk; this says how much of it is the API and its database calls.
#include <benchmark/benchmark.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>

#include <fmt/format.h>

#include "bucket_access.hpp"
#include "dropslot/api/app_services.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/db/seed.hpp"

namespace {

using namespace dropslot;
namespace fs = std::filesystem;

struct fixture {
  fs::path dir;
  std::shared_ptr<http::service> api;
  std::string token;
  std::string job;

  fixture() {
    dir = fs::temp_directory_path() / fmt::format("dropslot-api-bench-{}", std::random_device{}());
    fs::create_directories(dir);
    db::open_options o;
    o.session_cache_ttl = std::chrono::seconds(2);
    auto opened = db::open_database(db::default_database_url(dir.string()), o);
    if (!opened) throw std::runtime_error(opened.error().message());
    std::shared_ptr<db::database> database = std::move(*opened);
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    auto customer = db::seed_demo(*database, now);
    if (!customer) throw std::runtime_error(customer.error().message());
    auto session = database->create_session(*customer, now, std::chrono::hours(1));
    if (!session) throw std::runtime_error(session.error().message());
    token = session->token;
    job = (*database->list_jobs(*customer)).front().id;

    api::app_config cfg;
    cfg.api_base = "/api";
    cfg.s3_endpoint = "http://127.0.0.1:9000";  // upload-url never calls it
    cfg.path_style = true;
    cfg.credentials = api::explicit_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
    cfg.upload_rate_per_second = 0;
    cfg.max_photos_per_job = 1000000;
    cfg.database_url = "unused";
    api::app_services services;
    services.database = database;
    auto made = api::make_api(cfg, services);
    if (!made) throw std::runtime_error(made.error().message());
    api = std::move(*made);
  }
  ~fixture() {
    api.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  http::request upload_request() const {
    http::request r;
    r.method = "POST";
    r.path = "/api/upload-url";
    r.headers.add("Authorization", "Bearer " + token);
    r.headers.add("Content-Type", "application/json");
    r.body = fmt::format(R"({{"job_id":"{}","filename":"roof.jpg","content_type":"image/jpeg","size":123456}})", job);
    return r;
  }
};

void BM_upload_url(benchmark::State& state) {
  static fixture f;  // one database for every run (numbers keep counting up)
  auto req = f.upload_request();
  for (auto _ : state) {
    auto res = f.api->handle(req);
    if (res.status != 200) state.SkipWithError(res.body.c_str());
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(BM_upload_url)->UseRealTime()->Threads(1)->Threads(2);

void BM_get_job(benchmark::State& state) {
  static fixture f;
  http::request req;
  req.method = "GET";
  req.path = "/api/jobs/" + f.job;
  req.headers.add("Authorization", "Bearer " + f.token);
  for (auto _ : state) {
    auto res = f.api->handle(req);
    if (res.status != 200) state.SkipWithError(res.body.c_str());
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(BM_get_job)->UseRealTime();

void BM_presign_put(benchmark::State& state) {
  api::app_config cfg;
  cfg.s3_endpoint = "http://127.0.0.1:9000";
  cfg.path_style = true;
  cfg.credentials = api::explicit_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
  auto now = std::chrono::system_clock::now();
  auto b = api::make_bucket_access(cfg, now);
  if (!b) {
    state.SkipWithError("bucket access");
    return;
  }
  api::put_terms terms{"image/jpeg", 123456, std::nullopt};
  for (auto _ : state) {
    auto p = (*b)->presign_put("jobs/demo-boiler-service/photo-001.jpg", terms, now);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_presign_put);

}  // namespace
