#pragma once
// A few threads that run blocking work handed over by threads that must not block: the
// database's writer (SQLite group commit) and PostgreSQL allocations, and the store's
// release of replaced and deleted objects.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace dropslot::util {

class worker_pool {
 public:
  /// Starts threads on demand, at most `max_threads`.
  explicit worker_pool(std::size_t max_threads) : max_threads_(max_threads ? max_threads : 1) {}
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Runs every job still queued, then joins the threads.
  ~worker_pool() {
    {
      std::lock_guard lk(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
  }

  /// Queues `job` for a pool thread. False when there is none and none can be started
  /// (the caller then runs the job itself).
  bool post(std::function<void()> job) {
    std::lock_guard lk(mutex_);
    if (idle_ == 0 && threads_.size() < max_threads_) {
      try {
        threads_.emplace_back([this] { run(); });
      } catch (const std::system_error&) {
        if (threads_.empty()) return false;
      }
    }
    queue_.push_back(std::move(job));
    ready_.notify_one();
    return true;
  }

 private:
  void run() {
    std::unique_lock lk(mutex_);
    for (;;) {
      ++idle_;
      ready_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;  // stopping, and nothing left
      auto job = std::move(queue_.front());
      queue_.pop_front();
      lk.unlock();
      job();
      lk.lock();
    }
  }

  const std::size_t max_threads_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;  // threads waiting for a job
  bool stopping_ = false;
};

}  // namespace dropslot::util
