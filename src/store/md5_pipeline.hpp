#pragma once
// MD5 on a helper thread, over the blocks a large body is received into. MD5 (the S3
// ETag) is the costliest thing a PUT does per byte (md5_digest: ~716 MB/s on this machine
// class, the chain's floor is ~748; slower than SHA-256 with SHA-NI), and it cannot be
// skipped: clients compare the ETag with their MD5. The connection receives the body straight into one of a few
// 4096-aligned blocks; a full block goes to this thread and, from the same memory, to
// the disk with O_DIRECT (temp_file), so between the socket and the disk no byte is
// copied, and a large PUT costs max(hash, I/O) rather than their sum
// (docs/benchmarks/store.md). Memory is bounded: `block_count` blocks of `block_size`.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dropslot::store {

class md5_pipeline {
 public:
  static constexpr std::size_t block_size = 2 * 1024 * 1024;
  static constexpr std::size_t block_count = 4;
  static constexpr std::size_t block_alignment = 4096;  // O_DIRECT's

  md5_pipeline();
  /// Joins the thread (the digest is dropped if finish() was not called).
  ~md5_pipeline();
  md5_pipeline(const md5_pipeline&) = delete;
  md5_pipeline& operator=(const md5_pipeline&) = delete;

  /// The block to fill next (`block_size` bytes), once the thread is done with it. The
  /// block handed out before must have gone to hash() first.
  char* next_block();
  /// Hashes the first `n` bytes of the block from next_block() on the thread. The block
  /// may be read meanwhile (the disk write) but not changed until next_block() returns it.
  void hash(const char* block, std::size_t n);
  /// The raw MD5 of everything hashed. Called once.
  std::string finish();

 private:
  struct block_free {
    void operator()(char* p) const;
  };
  void run();

  std::vector<std::unique_ptr<char, block_free>> blocks_;  // allocated as needed, up to block_count
  std::uint64_t handed_ = 0;                               // next_block() calls
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<const char*, std::size_t>> queue_;
  std::uint64_t hashed_ = 0;  // blocks the thread is done with
  bool closing_ = false;
  std::string digest_;
  std::thread thread_;
};

}  // namespace dropslot::store
