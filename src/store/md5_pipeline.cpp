#include "md5_pipeline.hpp"

#include <cstring>

#include "checksums.hpp"

namespace dropslot::store {

md5_pipeline::md5_pipeline() : thread_([this] { run(); }) { current_.reserve(block_size); }

md5_pipeline::~md5_pipeline() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void md5_pipeline::push_current() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return queue_.size() < max_blocks; });
  queue_.push_back(std::move(current_));
  current_ = std::vector<char>();
  if (!spare_.empty()) {
    current_ = std::move(spare_.back());
    spare_.pop_back();
  }
  lock.unlock();
  cv_.notify_all();
  current_.clear();
  current_.reserve(block_size);
}

void md5_pipeline::update(const void* p, std::size_t n) {
  auto* bytes = static_cast<const char*>(p);
  while (n) {
    std::size_t take = std::min(n, block_size - current_.size());
    current_.insert(current_.end(), bytes, bytes + take);
    bytes += take;
    n -= take;
    if (current_.size() == block_size) push_current();
  }
}

std::string md5_pipeline::finish() {
  if (!current_.empty()) push_current();
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  cv_.notify_all();
  thread_.join();
  return digest_;
}

void md5_pipeline::run() {
  evp_digest md5(evp_digest::kind::md5);
  for (;;) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (queue_.empty()) break;  // closing and drained
    std::vector<char> block = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    cv_.notify_all();
    md5.update(block.data(), block.size());
    lock.lock();
    if (spare_.size() < max_blocks) spare_.push_back(std::move(block));
  }
  digest_ = md5.finish();
}

}  // namespace dropslot::store
