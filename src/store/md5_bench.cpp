// What a large PUT's MD5 (its ETag) costs per byte, per engine, over the 2 MiB blocks
// md5_pipeline hashes, and the floor no MD5 of one stream can pass on this core: 64 steps
// a 64-byte block, each at least four dependent one-cycle operations (the boolean
// function, two adds and a rotate). BM_Md5ChainFloor runs exactly such a chain and
// reports it as bytes per second. bench/store/put_vs_nginx.py measures the whole PUT.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "md5.hpp"
#include "md5_pipeline.hpp"

namespace {

using dropslot::store::md5_digest;

const std::string& block() {
  static const std::string b = [] {
    std::string s(dropslot::store::md5_pipeline::block_size, '\0');
    std::mt19937 rng(1);
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  }();
  return b;
}

void BM_Md5(benchmark::State& state, md5_digest::engine e) {
  if (e == md5_digest::engine::avx512 && !md5_digest::avx512_available()) {
    state.SkipWithError("this CPU has no AVX-512VL");
    return;
  }
  const std::string& b = block();
  for (auto _ : state) {
    md5_digest md5(e);
    md5.update(b.data(), b.size());
    benchmark::DoNotOptimize(md5.finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b.size()));
}
BENCHMARK_CAPTURE(BM_Md5, openssl, md5_digest::engine::openssl);
BENCHMARK_CAPTURE(BM_Md5, avx512, md5_digest::engine::avx512);
BENCHMARK_CAPTURE(BM_Md5, automatic, md5_digest::engine::automatic);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The floor: per "64 bytes", 64 steps of and, add, rotate, add, each on the one before.
void BM_Md5ChainFloor(benchmark::State& state) {
  std::uint32_t a = 1, b = 2, c = 3;
  for (auto _ : state) {
    for (int step = 0; step < 64; ++step)
      __asm__ volatile(
          "and %[b], %[a]\n\t"
          "add %[c], %[a]\n\t"
          "rol $7, %[a]\n\t"
          "add %[b], %[a]"
          : [a] "+r"(a)
          : [b] "r"(b), [c] "r"(c));
  }
  benchmark::DoNotOptimize(a);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 64));
}
BENCHMARK(BM_Md5ChainFloor);
#endif

}  // namespace
