// The database's share of `POST /upload-url`: session lookup, job check, key
// allocation. Method and figures: docs/benchmarks/db.md.
//
// SQLite runs on a temp file; PostgreSQL runs when DROPSLOT_TEST_PG_URL is set (a
// fresh schema per run), and reports "skipped" otherwise.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <dropslot/db/database.hpp>

namespace dropslot::db {
namespace {

using namespace std::chrono_literals;

const timestamp t0{std::chrono::seconds(1'800'000'000)};

struct bench_db {
  std::unique_ptr<database> db;
  customer_id customer = 0;
  std::string token;
  std::string token_hash;
  std::string error;
};

bool pg_exec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PGresult* r = PQexec(c, sql.c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  PQfinish(c);
  return ok;
}

// Removes what the run created (temp dirs, PostgreSQL schemas) when the binary exits.
struct leftovers {
  std::vector<std::string> dirs;
  std::vector<std::pair<std::string, std::string>> schemas;  // admin URL, schema
  ~leftovers() {
    std::error_code ec;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
    for (const auto& [url, schema] : schemas) pg_exec(url, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }
};
leftovers cleanup;

std::string make_url(const std::string& backend, std::string& error) {
  static int counter = 0;
  if (backend == "sqlite") {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dropslot-db-bench.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return error = "mkdtemp failed", "";
    cleanup.dirs.push_back(tmpl);
    return "sqlite://" + tmpl + "/bench.db";
  }
  const char* base = std::getenv("DROPSLOT_TEST_PG_URL");
  if (base == nullptr || *base == '\0') return error = "DROPSLOT_TEST_PG_URL is not set", "";
  std::string schema = "dropslot_bench_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  if (!pg_exec(base, "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema))
    return error = "cannot create a schema", "";
  cleanup.schemas.emplace_back(base, schema);
  std::string url = base;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
}

// One database per (backend, cache) for the whole binary, with a customer, a live
// session and 100 jobs (one job per benchmark thread to allocate on, plus some).
bench_db& shared(const std::string& backend, bool cached) {
  static std::mutex m;
  static std::map<std::string, std::unique_ptr<bench_db>> all;
  std::lock_guard lk(m);
  auto& slot = all[backend + (cached ? "+cache" : "")];
  if (slot) return *slot;
  slot = std::make_unique<bench_db>();
  std::string url = make_url(backend, slot->error);
  if (url.empty()) return *slot;
  open_options o;
  o.session_cache_ttl = cached ? 5s : 0s;
  o.max_connections = 8;
  auto d = open_database(url, o);
  if (!d) return slot->error = d.error().message(), *slot;
  slot->db = std::move(*d);
  auto c = slot->db->create_customer("Bench", "bench-" + std::to_string(cached) + "@example.com", t0);
  if (!c) return slot->error = c.error().message(), *slot;
  slot->customer = c->id;
  for (int i = 0; i < 100; ++i) {
    new_job j;
    j.id = "bench-" + std::to_string(i);
    j.customer = c->id;
    j.title = "Bench job";
    if (auto r = slot->db->create_job(j, t0); !r && r.error().code != db_errc::conflict)
      return slot->error = r.error().message(), *slot;
  }
  auto s = slot->db->create_session(c->id, t0, 24h * 365);
  if (!s) return slot->error = s.error().message(), *slot;
  slot->token = s->token;
  slot->token_hash = s->token_hash;
  return *slot;
}

upload_request request_for(const bench_db& b, int thread) {
  upload_request r;
  r.job_id = "bench-" + std::to_string(thread % 100);
  r.customer = b.customer;
  r.content_type = "image/jpeg";
  r.size = 2'000'000;
  r.expires_at = t0 + 900s;
  r.session_hash = b.token_hash;
  r.ext = "jpg";
  return r;
}

void BM_hash_token(benchmark::State& state) {
  std::string token = random_token();
  for (auto _ : state) benchmark::DoNotOptimize(hash_token(token));
}
BENCHMARK(BM_hash_token);

void BM_lookup_session(benchmark::State& state, const char* backend, bool cached) {
  auto& b = shared(backend, cached);
  if (!b.db) return state.SkipWithError(b.error.c_str());
  for (auto _ : state) {
    auto s = b.db->lookup_session(b.token, t0 + 1s);
    if (!s || !*s) return state.SkipWithError("lookup failed");
  }
}
BENCHMARK_CAPTURE(BM_lookup_session, sqlite, "sqlite", false)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK_CAPTURE(BM_lookup_session, sqlite_cached, "sqlite", true)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK_CAPTURE(BM_lookup_session, postgres, "postgres", false)->ThreadRange(1, 2)->UseRealTime();

void BM_get_job(benchmark::State& state, const char* backend) {
  auto& b = shared(backend, false);
  if (!b.db) return state.SkipWithError(b.error.c_str());
  for (auto _ : state) {
    auto j = b.db->get_job("bench-1", b.customer);
    if (!j || !*j) return state.SkipWithError("get_job failed");
  }
}
BENCHMARK_CAPTURE(BM_get_job, sqlite, "sqlite")->UseRealTime();
BENCHMARK_CAPTURE(BM_get_job, postgres, "postgres")->UseRealTime();

void BM_allocate_upload(benchmark::State& state, const char* backend) {
  auto& b = shared(backend, false);
  if (!b.db) return state.SkipWithError(b.error.c_str());
  auto req = request_for(b, state.thread_index());
  for (auto _ : state) {
    auto slot = b.db->allocate_upload(req, t0 + 1s);
    if (!slot) return state.SkipWithError(slot.error().message().c_str());
  }
}
BENCHMARK_CAPTURE(BM_allocate_upload, sqlite, "sqlite")->ThreadRange(1, 2)->UseRealTime();
BENCHMARK_CAPTURE(BM_allocate_upload, postgres, "postgres")->ThreadRange(1, 2)->UseRealTime();

// What one POST /upload-url asks of the database: the session, then the allocation
// (which checks ownership in the same statement).
void BM_upload_url_path(benchmark::State& state, const char* backend, bool cached) {
  auto& b = shared(backend, cached);
  if (!b.db) return state.SkipWithError(b.error.c_str());
  auto req = request_for(b, state.thread_index() + 10);
  for (auto _ : state) {
    auto s = b.db->lookup_session(b.token, t0 + 1s);
    if (!s || !*s) return state.SkipWithError("lookup failed");
    auto slot = b.db->allocate_upload(req, t0 + 1s);
    if (!slot) return state.SkipWithError(slot.error().message().c_str());
  }
}
BENCHMARK_CAPTURE(BM_upload_url_path, sqlite, "sqlite", false)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK_CAPTURE(BM_upload_url_path, sqlite_cached, "sqlite", true)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK_CAPTURE(BM_upload_url_path, postgres, "postgres", false)->ThreadRange(1, 2)->UseRealTime();

}  // namespace
}  // namespace dropslot::db
