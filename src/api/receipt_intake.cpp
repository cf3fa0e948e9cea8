#include "dropslot/api/receipt_intake.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "api_service.hpp"
#include "bucket_access.hpp"
#include "receipts.hpp"
#include "thumbnail_backfill.hpp"
#include "dropslot/util/worker_pool.hpp"

namespace dropslot::api {

std::string_view to_string(receipt_outcome o) noexcept {
  switch (o) {
    case receipt_outcome::ignored: return "ignored";
    case receipt_outcome::unknown: return "unknown";
    case receipt_outcome::pending: return "pending";
    case receipt_outcome::received: return "received";
    case receipt_outcome::rejected: return "rejected";
  }
  return "ignored";
}

namespace {

class bucket_receipt_intake final : public receipt_intake {
 public:
  bucket_receipt_intake(const app_config& config, std::shared_ptr<db::database> db,
                        std::unique_ptr<bucket_access> access, std::function<std::chrono::system_clock::time_point()> clock)
      : bucket_(config.bucket),
        thumb_delay_(config.thumbnail_delay),
        thumb_edge_(config.photos.thumb_edge),
        thumb_quality_(config.photos.thumb_quality),
        db_(std::move(db)),
        access_(std::move(access)),
        clock_(std::move(clock)) {}

  ~bucket_receipt_intake() override {
    drain();
    {
      std::lock_guard lk(mutex_);
      stopping_ = true;
    }
    due_changed_.notify_all();
    if (timer_.joinable()) timer_.join();
  }

  void object_created(std::string_view bucket, std::string_view key) override {
    if (bucket != bucket_ || !parse_photo_key(key)) return;  // thumbnails never queue work
    {
      std::lock_guard lk(mutex_);
      ++queued_;
    }
    auto job = [this, b = std::string(bucket), k = std::string(key)] {
      auto r = confirm(b, k);
      // An event lost to a failure is not lost for good: complete and reconcile run
      // the same check later.
      if (!r) log_failure("", "receipt event", std::string(k) + ": " + r.error().message());
      // Only here, in a long-lived process (serve), not in confirm (Lambda's
      // sandbox may be frozen between invocations; reconcile backfills there).
      if (r && *r == receipt_outcome::received)
        if (auto ref = parse_photo_key(k)) schedule_thumbnail(ref->job_id, ref->number);
      std::lock_guard lk(mutex_);
      if (--queued_ == 0) idle_.notify_all();
    };
    if (!workers_.post(job)) job();
  }

  result<receipt_outcome> confirm(std::string_view bucket, std::string_view key) override {
    if (bucket != bucket_) return receipt_outcome::ignored;
    auto ref = parse_photo_key(key);
    if (!ref) return receipt_outcome::ignored;
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_());
    auto done = confirm_upload(*db_, *access_, ref->job_id, ref->number, now);
    if (!done) return fail(done.error());
    if (!*done || (*done)->record.key != key) return receipt_outcome::unknown;
    if (!(*done)->object_found) return receipt_outcome::pending;
    switch ((*done)->record.state) {
      case db::upload_state::received: return receipt_outcome::received;
      case db::upload_state::rejected: return receipt_outcome::rejected;
      default: return receipt_outcome::pending;
    }
  }

  void drain() override {
    std::unique_lock lk(mutex_);
    idle_.wait(lk, [&] { return queued_ == 0; });
  }

 private:
  // A received photo's thumbnail is checked thumb_delay_ later, on the timer thread:
  // by then the browser's own thumbnail PUT (sent right after the photo's) is in.
  void schedule_thumbnail(const std::string& job, std::int64_t number) {
    std::lock_guard lk(mutex_);
    if (stopping_) return;
    due_.emplace(std::chrono::steady_clock::now() + thumb_delay_, std::make_pair(job, number));
    if (!timer_.joinable()) timer_ = std::thread([this] { run_timer(); });
    due_changed_.notify_all();
  }

  void run_timer() {
    std::unique_lock lk(mutex_);
    while (!stopping_) {
      if (due_.empty()) {
        due_changed_.wait(lk);
        continue;
      }
      auto first = due_.begin();
      if (first->first > std::chrono::steady_clock::now()) {
        due_changed_.wait_until(lk, first->first);
        continue;
      }
      auto [job, number] = first->second;
      due_.erase(first);
      lk.unlock();
      auto made = backfill_thumbnail(*db_, *access_, job, number, thumb_edge_, thumb_quality_);
      if (!made) log_failure("", "thumbnail backfill", job + "/" + std::to_string(number) + ": " + made.error().message());
      lk.lock();
    }
  }

  std::string bucket_;
  std::chrono::seconds thumb_delay_;
  std::uint32_t thumb_edge_;
  double thumb_quality_;
  std::shared_ptr<db::database> db_;
  std::unique_ptr<bucket_access> access_;
  std::function<std::chrono::system_clock::time_point()> clock_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t queued_ = 0;
  std::condition_variable due_changed_;
  std::multimap<std::chrono::steady_clock::time_point, std::pair<std::string, std::int64_t>> due_;
  bool stopping_ = false;
  std::thread timer_;  // started by the first received photo
  // Two threads: a confirmation is two short requests to the store and one write;
  // a burst of uploads queues rather than taking the server's threads. Last member:
  // destroyed first, so queued work finishes while the rest still exists.
  util::worker_pool workers_{2};
};

}  // namespace

result<std::shared_ptr<receipt_intake>> make_receipt_intake(const app_config& config, app_services services) {
  auto parts = make_parts(config, std::move(services));
  if (!parts) return fail(parts.error());
  return std::shared_ptr<receipt_intake>(std::make_shared<bucket_receipt_intake>(
      config, std::move(parts->database), std::move(parts->bucket), std::move(parts->clock)));
}

}  // namespace dropslot::api
