#pragma once
// MD5, the S3 ETag of a single-part body and of each part. It is the costliest thing a PUT
// does per byte, and one MD5 is a single chain: 64 steps per 64-byte block, each needing
// the step before. On x86-64 cores with AVX-512VL a step is four one-cycle instructions
// (ternary logic, add, rotate, add), the least the chain allows; OpenSSL's scalar code
// takes ~4.8 cycles a step on Intel. But the flag does not say the engine is faster: on
// an AMD EPYC (family 26) with AVX-512 ours ran at half OpenSSL's speed. So "automatic"
// is decided by measuring: each engine hashes a 16 KiB probe once at start-up (well
// under a millisecond in all) and the faster one is used from then on.
// docs/benchmarks/store.md has the figures (build/release/src/store/store_bench).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace dropslot::store {

class evp_digest;

class md5_digest {
 public:
  enum class engine {
    automatic,  // the faster of the two on this CPU, measured once (automatic_choice)
    openssl,
    avx512,  // throws std::invalid_argument where the CPU lacks it
  };

  explicit md5_digest(engine e = engine::automatic);
  ~md5_digest();
  md5_digest(const md5_digest&) = delete;
  md5_digest& operator=(const md5_digest&) = delete;

  void update(const void* p, std::size_t n);
  /// The raw 16-byte digest; the object is finished afterwards.
  std::string finish();

  /// Whether this CPU (and this build) can run the avx512 engine.
  static bool avx512_available();

  /// What `automatic` means on this CPU, decided the first time it is asked (object_store
  /// asks at start-up): each available engine hashes the same 16 KiB probe, best of three
  /// alternating rounds (after one untimed first use each), and the faster wins. The speeds are kept for the start-up log.
  struct choice {
    engine chosen = engine::openssl;
    double openssl_mb_s = 0;
    double avx512_mb_s = 0;  // 0 where the engine is not available
    double probe_ms = 0;     // how long the timed probes took, all engines
  };
  static const choice& automatic_choice();
  /// Picks from measured probe times (nanoseconds for the same bytes; avx512 < 0 means not
  /// available): the faster, OpenSSL on a tie. Separate from the timing so it is testable.
  static engine pick(double openssl_ns, double avx512_ns);

 private:
  std::unique_ptr<evp_digest> evp_;  // the openssl engine; null for avx512
  std::uint32_t state_[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
  std::uint64_t length_ = 0;  // bytes
  unsigned char buffer_[64];
  std::size_t buffered_ = 0;
};

}  // namespace dropslot::store
