#pragma once
// MD5 on a helper thread, for large bodies. MD5 (the S3 ETag) is the costliest thing a
// PUT does per byte (~600 MB/s on this machine class, slower than SHA-256 with SHA-NI),
// and it cannot be skipped: clients compare the ETag with their MD5. Hashing on a second
// thread lets it run beside the socket reads and file writes, so a large PUT costs
// max(hash, I/O) rather than their sum (docs/benchmarks/store.md). Memory is bounded:
// at most `max_blocks` blocks of `block_size` bytes wait for the thread.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dropslot::store {

class md5_pipeline {
 public:
  static constexpr std::size_t block_size = 1024 * 1024;
  static constexpr std::size_t max_blocks = 2;

  md5_pipeline();
  /// Joins the thread (the digest is dropped if finish() was not called).
  ~md5_pipeline();
  md5_pipeline(const md5_pipeline&) = delete;
  md5_pipeline& operator=(const md5_pipeline&) = delete;

  /// Copies `n` bytes into the pipeline; blocks while `max_blocks` are already waiting.
  void update(const void* p, std::size_t n);
  /// The raw MD5 of everything given. Called once.
  std::string finish();

 private:
  void push_current();
  void run();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::vector<char>> queue_;
  std::vector<std::vector<char>> spare_;  // hashed blocks, reused (a fresh 1 MiB block faults in every page)
  std::vector<char> current_;
  bool closing_ = false;
  std::string digest_;
  std::thread thread_;
};

}  // namespace dropslot::store
