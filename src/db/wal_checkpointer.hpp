#pragma once
// Background WAL checkpoints for the SQLite backend (db part internals).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sqlite_connection.hpp"

namespace dropslot::db::detail {

// Checkpoints the WAL on a thread of its own.
//
// A checkpoint copies the WAL back into the database file and fsyncs both (about
// 4 ms each on this class of VM). SQLite's automatic checkpoint runs inside the
// commit that crosses 1000 WAL frames, so with the default one commit in a few
// hundred stalled every writer for two fsyncs: allocations averaged ~175 us, mostly
// waiting (docs/benchmarks/db.md). Here the writer's commit hook only wakes this
// thread, which checkpoints PASSIVE, never blocking writers or readers.
//
// Under a steady stream of writes a PASSIVE checkpoint never catches the writer, and
// the WAL can only restart from its beginning once fully checkpointed. So when the
// WAL passes `cap_frames`, the thread finishes the job while holding the in-process
// writer lock: only the frames written since the unlocked pass are left to copy,
// and the stall comes once per cap_frames instead of once per 1000 frames.
//
// Restarting the WAL from its beginning keeps the file's size (journal_size_limit
// is off, see sqlite_connection.cpp). Once no commit has come for `idle_after`, the
// thread truncates the WAL file to zero (a TRUNCATE checkpoint, under the writer
// lock): the disk space comes back while nobody is waiting for a write.
//
// The thread and its connection start with the first checkpoint request, not with the
// database: a short-lived process (an admin command, a Lambda sandbox's first
// invocation) seldom writes 1000 frames, and opening a connection (schema read,
// pragmas) and starting a thread are start-up time it then spends for nothing
// (docs/benchmarks/lambda.md).
class wal_checkpointer {
 public:
  wal_checkpointer(std::string path, std::mutex& writer_lock) : path_(std::move(path)), writer_lock_(writer_lock) {}
  ~wal_checkpointer() {
    {
      std::lock_guard lk(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  /// Installed as the writer connection's sqlite3_wal_hook (which also turns off
  /// SQLite's in-commit automatic checkpoint on that connection).
  static int on_commit(void* self, sqlite3*, const char*, int wal_frames) {
    auto* me = static_cast<wal_checkpointer*>(self);
    me->commits_.fetch_add(1, std::memory_order_relaxed);
    if (wal_frames >= threshold_frames) me->request();
    return SQLITE_OK;
  }

 private:
  static constexpr int threshold_frames = 1000;  // SQLite's own default
  // 256 MiB of 4 KiB pages. With group commit a batch writes one frame per page it
  // touches, whatever its size: ~6,500 frames/s at 50,000 allocations/s, so the
  // locked finish (two fdatasyncs and the frames written meanwhile, 20-27 ms here)
  // comes about once every 10 s (docs/benchmarks/db.md). A checkpoint
  // copies each page once whatever the WAL's length, so a long WAL costs disk space
  // (given back by the idle truncation above), not checkpoint time.
  static constexpr int cap_frames = 65536;
  static constexpr auto min_interval = std::chrono::milliseconds(50);
  static constexpr auto idle_after = std::chrono::seconds(2);

  void request();
  void run();

  std::string path_;
  std::unique_ptr<sqlite_connection> conn_;  // opened by the thread; only it uses it
  std::mutex& writer_lock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> requested_{false};
  std::atomic<std::uint64_t> commits_{0};
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dropslot::db::detail
