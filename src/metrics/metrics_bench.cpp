// What recording costs per request, next to what the request itself costs (~25-35 µs of
// CPU for POST /upload-url: docs/benchmarks/metrics.md): one http series (route lookup
// among the API's templates, method, class, bucket, two atomic adds), one db call's,
// the same from two threads at once (the cache line is shared), and a whole scrape.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "dropslot/metrics/db_metrics.hpp"
#include "dropslot/metrics/exposition.hpp"
#include "dropslot/metrics/http_metrics.hpp"

using namespace dropslot::metrics;
using namespace std::chrono_literals;

namespace {

// The API's route table at the time of writing: upload-url is the 10th template.
const std::vector<std::string> templates = {"/healthz", "/login", "/logout", "/jobs", "/jobs/{id}", "/jobs/{id}",
                                            "/jobs/{id}/photos", "/jobs/{id}/photos/{name}", "/settings",
                                            "/upload-url", "/quotes", "/quotes"};

http_metrics& registered() {
  static http_metrics& m = [] () -> http_metrics& {
    for (const auto& t : templates) http().record(t, "GET", 200, 1ms);
    return http();
  }();
  return m;
}

}  // namespace

static void BM_http_record_upload_url(benchmark::State& state) {
  auto& m = registered();
  for (auto _ : state) m.record("/upload-url", "POST", 200, 230us);
}
BENCHMARK(BM_http_record_upload_url)->Threads(1)->Threads(2);

static void BM_http_record_unknown_route(benchmark::State& state) {
  auto& m = registered();
  for (auto _ : state) m.record("", "GET", 404, 50us);
}
BENCHMARK(BM_http_record_unknown_route);

static void BM_db_record(benchmark::State& state) {
  auto op = db().op("allocate_upload");
  auto backend = db().backend("sqlite");
  for (auto _ : state) db().record(op, backend, 180us, false);
}
BENCHMARK(BM_db_record)->Threads(1)->Threads(2);

static void BM_render_scrape(benchmark::State& state) {
  registered();
  for (auto _ : state) benchmark::DoNotOptimize(render());
}
BENCHMARK(BM_render_scrape);
