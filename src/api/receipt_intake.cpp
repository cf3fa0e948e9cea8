#include "dropslot/api/receipt_intake.hpp"

#include <condition_variable>
#include <mutex>

#include "api_service.hpp"
#include "bucket_access.hpp"
#include "receipts.hpp"
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
  bucket_receipt_intake(std::string bucket, std::shared_ptr<db::database> db, std::unique_ptr<bucket_access> access,
                        std::function<std::chrono::system_clock::time_point()> clock)
      : bucket_(std::move(bucket)), db_(std::move(db)), access_(std::move(access)), clock_(std::move(clock)) {}

  ~bucket_receipt_intake() override { drain(); }

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
  std::string bucket_;
  std::shared_ptr<db::database> db_;
  std::unique_ptr<bucket_access> access_;
  std::function<std::chrono::system_clock::time_point()> clock_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t queued_ = 0;
  // Two threads: a confirmation is two short requests to the store and one write;
  // a burst of uploads queues rather than taking the server's threads. Last member:
  // destroyed first, so queued work finishes while the rest still exists.
  util::worker_pool workers_{2};
};

}  // namespace

result<std::shared_ptr<receipt_intake>> make_receipt_intake(const app_config& config, app_services services) {
  auto clock = services.clock ? services.clock : [] { return std::chrono::system_clock::now(); };
  std::shared_ptr<db::database> database = services.database;
  if (!database) {
    if (config.database_url.empty()) return fail(api_errc::bad_config, "no database URL");
    auto opened = db::open_database(config.database_url);
    if (!opened) return fail(opened.error());
    database = std::move(*opened);
  }
  auto bucket = make_bucket_access(config, clock());
  if (!bucket) return fail(bucket.error());
  return std::shared_ptr<receipt_intake>(
      std::make_shared<bucket_receipt_intake>(config.bucket, std::move(database), std::move(*bucket), std::move(clock)));
}

}  // namespace dropslot::api
