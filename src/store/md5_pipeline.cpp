#include "md5_pipeline.hpp"

#include <cstdlib>
#include <new>

#include "md5.hpp"

namespace dropslot::store {

void md5_pipeline::block_free::operator()(char* p) const { std::free(p); }

md5_pipeline::md5_pipeline() : thread_([this] { run(); }) {}

md5_pipeline::~md5_pipeline() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

char* md5_pipeline::next_block() {
  const std::uint64_t k = handed_++;
  if (blocks_.size() < block_count) {
    // Small bodies never touch the memory of blocks they do not need.
    char* p = static_cast<char*>(std::aligned_alloc(block_alignment, block_size));
    if (!p) throw std::bad_alloc();
    blocks_.emplace_back(p);
    return p;
  }
  // Block k reuses the memory of block k - block_count: wait until it is hashed.
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return hashed_ + block_count > k; });
  return blocks_[k % block_count].get();
}

void md5_pipeline::hash(const char* block, std::size_t n) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(block, n);
  }
  cv_.notify_all();
}

std::string md5_pipeline::finish() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  cv_.notify_all();
  thread_.join();
  return digest_;
}

void md5_pipeline::run() {
  md5_digest md5;
  for (;;) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (queue_.empty()) break;  // closing and drained
    auto [p, n] = queue_.front();
    queue_.pop_front();
    lock.unlock();
    md5.update(p, n);
    lock.lock();
    ++hashed_;
    lock.unlock();
    cv_.notify_all();
  }
  digest_ = md5.finish();
}

}  // namespace dropslot::store
