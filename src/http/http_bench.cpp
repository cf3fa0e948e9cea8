// Micro-benchmarks of the per-request pieces the server adds around a handler:
// the access-log line, the request id, and a static file answer.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dropslot/http/access_log.hpp"
#include "dropslot/http/static_files.hpp"

using namespace dropslot::http;

static void BM_format_access_record(benchmark::State& state) {
  access_record r{"POST", "/api/upload-url", 200, 512, std::chrono::microseconds(230), "0123456789abcdef",
                  "127.0.0.1"};
  for (auto _ : state) benchmark::DoNotOptimize(format_access_record(r));
}
BENCHMARK(BM_format_access_record);

static void BM_new_request_id(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(new_request_id());
}
BENCHMARK(BM_new_request_id);

static void BM_static_file(benchmark::State& state) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("dropslot-static-bench-" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::ofstream(root / "app.js") << std::string(4096, 'x');
  auto files = static_files::open(root);
  request req;
  req.method = "GET";
  req.path = "/app.js";
  for (auto _ : state) benchmark::DoNotOptimize(files->serve(req));
  fs::remove_all(root);
}
BENCHMARK(BM_static_file);
