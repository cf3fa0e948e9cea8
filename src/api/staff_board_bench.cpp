// The staff board's first page (issue 21; DESIGN.md budget: <= 20 ms p99 on SQLite over
// 10,000 jobs and 100,000 uploads): `api_service::handle` for GET /api/staff/jobs
// in-process, staff session included, on a SQLite file holding 10,000 jobs of 20
// customers with 10 upload records each. Beside it, in the same run, the floor: a
// customer's GET /api/jobs/{id} (session lookup and one row). Figures:
// docs/benchmarks/db.md. DROPSLOT_BOARD_BENCH_JOBS shrinks the data (CTest's smoke run).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "bucket_access.hpp"
#include "dropslot/api/app_services.hpp"
#include "dropslot/db/database.hpp"

namespace {

using namespace dropslot;
namespace fs = std::filesystem;

struct fixture {
  fs::path dir;
  std::shared_ptr<http::service> api;
  std::string staff_token, customer_token, job;
  std::size_t jobs = 10000;

  fixture() {
    if (const char* n = std::getenv("DROPSLOT_BOARD_BENCH_JOBS")) jobs = std::max<std::size_t>(1, std::strtoul(n, nullptr, 10));
    dir = fs::temp_directory_path() / fmt::format("dropslot-board-bench-{}", std::random_device{}());
    fs::create_directories(dir);
    auto opened = db::open_database(db::default_database_url(dir.string()));
    if (!opened) throw std::runtime_error(opened.error().message());
    std::shared_ptr<db::database> database = std::move(*opened);
    const db::timestamp t0{std::chrono::seconds(1'800'000'000)};
    std::vector<db::customer_id> customers;
    for (int c = 0; c < 20; ++c) {
      auto made = database->create_customer(fmt::format("Customer {}", c), fmt::format("c{}@example.com", c), t0);
      if (!made) throw std::runtime_error(made.error().message());
      customers.push_back(made->id);
    }
    for (std::size_t i = 0; i < jobs; ++i) {
      db::new_job nj;
      nj.id = fmt::format("job-{:05}", i);
      nj.customer = customers[i % customers.size()];
      nj.title = fmt::format("Garage clear-out {}", i);
      auto at = t0 + std::chrono::seconds(i);
      if (auto r = database->create_job(nj, at); !r) throw std::runtime_error(r.error().message());
      for (int u = 0; u < 10; ++u) {
        db::upload_request req;
        req.job_id = nj.id;
        req.customer = nj.customer;
        req.content_type = "image/jpeg";
        req.size = 2'000'000;
        req.expires_at = at + std::chrono::minutes(15);
        req.session_hash = "bench";
        req.ext = "jpg";
        if (auto r = database->allocate_upload(req, at + std::chrono::seconds(u)); !r)
          throw std::runtime_error(r.error().message());
      }
    }
    job = fmt::format("job-{:05}", jobs / 2);
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    auto staff = database->staff()->create_staff("Sam", "sam@example.com", now);
    if (!staff) throw std::runtime_error(staff.error().message());
    staff_token = database->staff()->create_staff_session(staff->id, now, std::chrono::hours(1))->token;
    customer_token = database->create_session(customers[(jobs / 2) % customers.size()], now, std::chrono::hours(1))->token;

    api::app_config cfg;
    cfg.api_base = "/api";
    cfg.s3_endpoint = "http://127.0.0.1:9000";  // the board never calls it
    cfg.path_style = true;
    cfg.credentials = api::explicit_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
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
};

fixture& shared() {
  static fixture f;
  return f;
}

// Every iteration timed on its own, so the run reports p50 and p99 (ms) besides
// Google Benchmark's mean.
void run(benchmark::State& state, const http::request& req) {
  auto& f = shared();
  std::vector<double> ms;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto res = f.api->handle(req);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (res.status != 200) state.SkipWithError(res.body.c_str());
    benchmark::DoNotOptimize(res);
  }
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.counters["jobs"] = static_cast<double>(f.jobs);
}

// A GET of `path` (and `query`) with `token` as its bearer.
http::request get(std::string path, std::string query, const std::string& token) {
  http::request req;
  req.method = "GET";
  req.path = std::move(path);
  req.query = std::move(query);
  req.headers.add("Authorization", "Bearer " + token);
  return req;
}

void BM_staff_board_first_page(benchmark::State& state) {
  run(state, get("/api/staff/jobs", "", shared().staff_token));
}
BENCHMARK(BM_staff_board_first_page)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_staff_board_search(benchmark::State& state) {
  run(state, get("/api/staff/jobs", "q=customer%207", shared().staff_token));
}
BENCHMARK(BM_staff_board_search)->UseRealTime()->Unit(benchmark::kMillisecond);

// The floor: a customer's one-job read through the same service and database.
void BM_customer_get_job(benchmark::State& state) {
  run(state, get("/api/jobs/" + shared().job, "", shared().customer_token));
}
BENCHMARK(BM_customer_get_job)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
