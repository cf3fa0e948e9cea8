#include "md5.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "checksums.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DROPSLOT_MD5_AVX512 1
#include <immintrin.h>
#endif

namespace dropslot::store {

namespace {

#if DROPSLOT_MD5_AVX512

// RFC 1321's constants, floor(abs(sin(i + 1)) * 2^32), in step order.
alignas(32) constexpr std::uint32_t round_constants[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

// Which message word each step adds (RFC 1321: i, 5i+1, 3i+5, 7i, mod 16).
alignas(32) constexpr std::int32_t message_index[64] = {
    0, 1, 2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,  //
    1, 6, 11, 0,  5,  10, 15, 4,  9,  14, 3,  8,  13, 2,  7,  12,  //
    5, 8, 11, 14, 1,  4,  7,  10, 13, 0,  3,  6,  9,  12, 15, 2,   //
    0, 7, 14, 5,  12, 3,  10, 1,  8,  15, 6,  13, 4,  11, 2,  9};

// K[i] + M[g(i)] for the 64 steps of one block: off the chain, so it is done for the
// next block while this one runs. 256-bit registers only: with 512-bit ones this Intel
// core lowered its clock, and the whole ran at 1.07x OpenSSL instead of 1.16x
// (docs/benchmarks/store.md).
__attribute__((target("avx512f,avx512vl"))) void schedule(std::uint32_t* kw, const unsigned char* block) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 32));
  for (int j = 0; j < 8; ++j) {
    const __m256i idx = _mm256_load_si256(reinterpret_cast<const __m256i*>(message_index + 8 * j));
    const __m256i k = _mm256_load_si256(reinterpret_cast<const __m256i*>(round_constants + 8 * j));
    _mm256_store_si256(reinterpret_cast<__m256i*>(kw + 8 * j),
                       _mm256_add_epi32(_mm256_permutex2var_epi32(lo, idx, hi), k));
  }
}

// One step, A = B + rotl(A + K[i] + M[g(i)] + f(B, C, D), s), in the low lane of xmm
// registers. The chain from B to the new A is vpternlogd, vpaddd, vprold, vpaddd: one
// cycle each. f's truth table takes (D, C, B) as its (A, B, C) operands so that the copy
// ternlog overwrites is of D, which is ready early, not of B. Assembler, not intrinsics:
// the compiler turned the kw loads into scalar extractions and lost a third of the speed.
#define DROPSLOT_MD5_STEP(f, A, B, C, D, i, s)                              \
  {                                                                         \
    __m128i t;                                                              \
    __asm__("vpaddd %[kw]%{1to4%}, %[a], %[a]\n\t"                          \
            "vmovdqa32 %[d], %[t]\n\t"                                      \
            "vpternlogd $" #f ", %[b], %[c], %[t]\n\t"                      \
            "vpaddd %[t], %[a], %[a]\n\t"                                   \
            "vprold $" #s ", %[a], %[a]\n\t"                                \
            "vpaddd %[b], %[a], %[a]"                                       \
            : [a] "+v"(A), [t] "=&v"(t)                                     \
            : [b] "v"(B), [c] "v"(C), [d] "v"(D), [kw] "m"(kw[i]));         \
  }
#define DROPSLOT_MD5_4STEPS(f, i, s1, s2, s3, s4)    \
  DROPSLOT_MD5_STEP(f, a, b, c, d, i, s1)            \
  DROPSLOT_MD5_STEP(f, d, a, b, c, (i) + 1, s2)      \
  DROPSLOT_MD5_STEP(f, c, d, a, b, (i) + 2, s3)      \
  DROPSLOT_MD5_STEP(f, b, c, d, a, (i) + 3, s4)
// Truth tables over (D, C, B): F = B ? C : D is 0xd8, G = D ? B : C is 0xac,
// H = B ^ C ^ D is 0x96, I = C ^ (B | ~D) is 0x63.
#define DROPSLOT_MD5_ROUND(f, i, s1, s2, s3, s4)         \
  DROPSLOT_MD5_4STEPS(f, i, s1, s2, s3, s4)              \
  DROPSLOT_MD5_4STEPS(f, (i) + 4, s1, s2, s3, s4)        \
  DROPSLOT_MD5_4STEPS(f, (i) + 8, s1, s2, s3, s4)        \
  DROPSLOT_MD5_4STEPS(f, (i) + 12, s1, s2, s3, s4)

__attribute__((target("avx512f,avx512vl"))) void blocks_avx512(std::uint32_t state[4], const unsigned char* p,
                                                               std::size_t blocks) {
  __m128i a = _mm_cvtsi32_si128(static_cast<int>(state[0]));
  __m128i b = _mm_cvtsi32_si128(static_cast<int>(state[1]));
  __m128i c = _mm_cvtsi32_si128(static_cast<int>(state[2]));
  __m128i d = _mm_cvtsi32_si128(static_cast<int>(state[3]));
  alignas(32) std::uint32_t schedules[2][64];
  if (blocks) schedule(schedules[0], p);
  for (std::size_t n = 0; n < blocks; ++n, p += 64) {
    const std::uint32_t* kw = schedules[n & 1];
    if (n + 1 < blocks) schedule(schedules[(n + 1) & 1], p + 64);
    const __m128i a0 = a, b0 = b, c0 = c, d0 = d;
    DROPSLOT_MD5_ROUND(0xd8, 0, 7, 12, 17, 22)
    DROPSLOT_MD5_ROUND(0xac, 16, 5, 9, 14, 20)
    DROPSLOT_MD5_ROUND(0x96, 32, 4, 11, 16, 23)
    DROPSLOT_MD5_ROUND(0x63, 48, 6, 10, 15, 21)
    a = _mm_add_epi32(a, a0);
    b = _mm_add_epi32(b, b0);
    c = _mm_add_epi32(c, c0);
    d = _mm_add_epi32(d, d0);
  }
  state[0] = static_cast<std::uint32_t>(_mm_cvtsi128_si32(a));
  state[1] = static_cast<std::uint32_t>(_mm_cvtsi128_si32(b));
  state[2] = static_cast<std::uint32_t>(_mm_cvtsi128_si32(c));
  state[3] = static_cast<std::uint32_t>(_mm_cvtsi128_si32(d));
}

#undef DROPSLOT_MD5_ROUND
#undef DROPSLOT_MD5_4STEPS
#undef DROPSLOT_MD5_STEP

#endif  // DROPSLOT_MD5_AVX512

void blocks(std::uint32_t state[4], const unsigned char* p, std::size_t n) {
#if DROPSLOT_MD5_AVX512
  blocks_avx512(state, p, n);
#else
  (void)state, (void)p, (void)n;
  throw std::logic_error("md5: no avx512 engine in this build");
#endif
}

}  // namespace

bool md5_digest::avx512_available() {
#if DROPSLOT_MD5_AVX512
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return yes;
#else
  return false;
#endif
}

md5_digest::engine md5_digest::pick(double openssl_ns, double avx512_ns) {
  return avx512_ns > 0 && avx512_ns < openssl_ns ? engine::avx512 : engine::openssl;
}

namespace {

// Nanoseconds for one digest of `probe` with engine `e`.
double time_once(md5_digest::engine e, const std::vector<unsigned char>& probe) {
  const auto t0 = std::chrono::steady_clock::now();
  md5_digest d(e);
  d.update(probe.data(), probe.size());
  const std::string sum = d.finish();
  const auto t1 = std::chrono::steady_clock::now();
  volatile char sink = sum[0];  // the digest is used, so the work cannot be dropped
  (void)sink;
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
}

md5_digest::choice measure() {
  md5_digest::choice c;
  // 16 KiB: 256 blocks, long enough that a clock read is noise, short enough that six
  // probes take ~0.1 ms at 900 MB/s (0.2 ms at 500). Alternating rounds, best of each,
  // so a preemption or a cold cache in one round does not decide.
  std::vector<unsigned char> probe(16 * 1024);
  for (std::size_t i = 0; i < probe.size(); ++i) probe[i] = static_cast<unsigned char>(i * 131 + 7);
  const bool avx = md5_digest::avx512_available();
  // First use of each engine, not timed: OpenSSL fetches its MD5 implementation (~1 ms
  // the first time in a process, which the first PUT would pay anyway), and the first
  // AVX-512 instructions may run slower until the core is up to speed.
  (void)time_once(md5_digest::engine::openssl, {probe.begin(), probe.begin() + 64});
  if (avx) (void)time_once(md5_digest::engine::avx512, {probe.begin(), probe.begin() + 64});
  const auto started = std::chrono::steady_clock::now();
  double best_ssl = 1e18, best_avx = avx ? 1e18 : -1;
  for (int round = 0; round < 3; ++round) {
    best_ssl = std::min(best_ssl, time_once(md5_digest::engine::openssl, probe));
    if (avx) best_avx = std::min(best_avx, time_once(md5_digest::engine::avx512, probe));
  }
  auto mb_s = [&](double ns) { return ns > 0 ? static_cast<double>(probe.size()) * 1e3 / ns : 0.0; };
  c.openssl_mb_s = mb_s(best_ssl);
  c.avx512_mb_s = avx ? mb_s(best_avx) : 0;
  c.chosen = md5_digest::pick(best_ssl, best_avx);
  c.probe_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return c;
}

}  // namespace

const md5_digest::choice& md5_digest::automatic_choice() {
  static const choice c = measure();
  return c;
}

md5_digest::md5_digest(engine e) {
  if (e == engine::avx512 && !avx512_available())
    throw std::invalid_argument("md5: this CPU has no AVX-512VL");
  if (e == engine::automatic) e = automatic_choice().chosen;
  if (e == engine::openssl) evp_ = std::make_unique<evp_digest>(evp_digest::kind::md5);
}

md5_digest::~md5_digest() = default;

void md5_digest::update(const void* data, std::size_t n) {
  if (evp_) return evp_->update(data, n);
  if (n == 0) return;
  auto* p = static_cast<const unsigned char*>(data);
  length_ += n;
  if (buffered_) {
    const std::size_t take = std::min(n, sizeof buffer_ - buffered_);
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < sizeof buffer_) return;
    blocks(state_, buffer_, 1);
    buffered_ = 0;
  }
  if (n >= 64) {
    blocks(state_, p, n / 64);
    p += n / 64 * 64;
    n %= 64;
  }
  std::memcpy(buffer_, p, n);
  buffered_ = n;
}

std::string md5_digest::finish() {
  if (evp_) return evp_->finish();
  // 0x80, zeros up to 56 mod 64, then the length in bits, little-endian.
  const std::uint64_t bits = length_ * 8;
  unsigned char tail[128] = {};
  std::memcpy(tail, buffer_, buffered_);
  tail[buffered_] = 0x80;
  const std::size_t tail_size = buffered_ < 56 ? 64 : 128;
  for (int i = 0; i < 8; ++i) tail[tail_size - 8 + i] = static_cast<unsigned char>(bits >> (8 * i));
  blocks(state_, tail, tail_size / 64);
  std::string out(16, '\0');
  for (int w = 0; w < 4; ++w)
    for (int i = 0; i < 4; ++i) out[4 * w + i] = static_cast<char>(state_[w] >> (8 * i));
  return out;
}

}  // namespace dropslot::store
