#include "wal_checkpointer.hpp"

namespace dropslot::db::detail {

void wal_checkpointer::request() {
  // Called after every commit once the WAL is past the threshold: keep it to one
  // atomic exchange unless the thread actually needs waking.
  if (requested_.exchange(true)) return;
  std::lock_guard lk(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  wake_.notify_one();
}

void wal_checkpointer::run() {
  std::unique_lock lk(mutex_);
  for (;;) {
    wake_.wait(lk, [&] { return stop_ || requested_.load(); });
    if (stop_) return;
    lk.unlock();
    requested_ = false;
    // A connection that cannot be opened is tried again at the next request, as a
    // failed checkpoint is.
    if (!conn_) {
      if (auto c = sqlite_connection::open(path_)) conn_ = std::move(*c);
    }
    int frames = 0, done = 0;
    int rc = conn_ ? sqlite3_wal_checkpoint_v2(conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &done)
                   : SQLITE_CANTOPEN;
    if (rc == SQLITE_OK && frames >= cap_frames) {
      std::lock_guard writers(writer_lock_);
      (void)sqlite3_wal_checkpoint_v2(conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &done);
    }
    lk.lock();
    // A pause between checkpoints: each one costs fsyncs whatever it copies.
    wake_.wait_for(lk, min_interval, [&] { return stop_; });
    if (stop_) return;
    // Then, unless more checkpoints are asked for, wait for the writers to go idle
    // and give the WAL's disk space back.
    for (;;) {
      auto before = commits_.load(std::memory_order_relaxed);
      if (wake_.wait_for(lk, idle_after, [&] { return stop_ || requested_.load(); })) break;
      if (commits_.load(std::memory_order_relaxed) != before) continue;  // still writing, just slowly
      lk.unlock();
      if (conn_) {
        std::lock_guard writers(writer_lock_);
        (void)sqlite3_wal_checkpoint_v2(conn_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
      }
      lk.lock();
      break;
    }
    if (stop_) return;
  }
}

}  // namespace dropslot::db::detail
