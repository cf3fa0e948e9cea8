#include "dropslot/api/reconcile.hpp"

#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <unordered_set>

#include "api_service.hpp"
#include "bucket_access.hpp"
#include "receipts.hpp"
#include "thumbnail_backfill.hpp"
#include "dropslot/api/error.hpp"
#include "dropslot/api/validation.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/metrics/upload_metrics.hpp"

namespace dropslot::api {

std::string_view to_string(finding_kind k) noexcept {
  switch (k) {
    case finding_kind::record_without_object: return "record_without_object";
    case finding_kind::object_without_record: return "object_without_record";
    case finding_kind::thumbnail_without_original: return "thumbnail_without_original";
    case finding_kind::stale_pending: return "stale_pending";
    case finding_kind::confirmed: return "confirmed";
    case finding_kind::thumbnail_made: return "thumbnail_made";
  }
  return "record_without_object";
}

namespace {

using namespace std::chrono;

// How long an object may sit without a record (or a pending record without an
// object) before it counts as abandoned: a presigned PUT URL lives at most 7 days,
// the API's default 15 minutes; 24 h is DESIGN.md's rule.
constexpr seconds grace{24 * 3600};

/// S3's LastModified ("2026-12-08T01:02:03.000Z"); nullopt when it does not parse
/// (then the object counts as young: never deleted on a guess).
std::optional<sys_seconds> parse_last_modified(const std::string& t) {
  std::tm tm{};
  if (!strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
  return sys_seconds(seconds(timegm(&tm)));
}

/// The job id of a key under jobs/ ("jobs/<id>/..."); empty when there is none.
std::string_view job_of(std::string_view key) {
  if (!key.starts_with("jobs/")) return {};
  key.remove_prefix(5);
  auto slash = key.find('/');
  return slash == std::string_view::npos ? std::string_view() : key.substr(0, slash);
}

class reconciler {
 public:
  reconciler(const app_config& config, db::database& db, const bucket_access& bucket, sys_seconds now, bool fix,
             const std::function<void(const finding&)>& report, const std::function<bool()>& out_of_time)
      : config_(config), db_(db), bucket_(bucket), now_(now), fix_(fix), report_(report), out_of_time_(out_of_time) {}

  result<reconcile_summary> run() {
    // Pass 1: the bucket, a page at a time. A job's keys are contiguous in
    // ListObjectsV2's order (they share the prefix jobs/<id>/), and its photos come
    // before its thumbs/ ("p" < "t"), so one job's records and seen keys suffice.
    std::string token, next;
    do {
      if (stop()) return summary_;
      auto page = bucket_.list_page("jobs/", token, next);
      if (!page) return fail(page.error());
      for (const auto& o : *page)
        if (auto r = object(o); !r) return fail(r.error());
      token = next;
    } while (!token.empty());
    if (auto r = finish_job(); !r) return fail(r.error());
    // Pass 2: jobs that have records but no object at all.
    auto jobs = db_.list_all_jobs();
    if (!jobs) return fail(jobs.error());
    for (const auto& j : *jobs) {
      if (jobs_seen_.count(j.id)) continue;
      if (stop()) return summary_;
      if (auto r = start_job(j.id); !r) return fail(r.error());
      if (auto r = finish_job(); !r) return fail(r.error());
    }
    return summary_;
  }

 private:
  // Asked between pages and jobs, never inside one: a stopped run leaves no job
  // half-judged (the job open when it stops is simply not finished).
  bool stop() {
    if (!out_of_time_ || !out_of_time_()) return false;
    summary_.complete = false;
    return true;
  }

  void add(finding_kind kind, std::string key, std::string action) {
    ++summary_.findings;
    report_(finding{kind, std::move(key), std::move(action)});
  }

  result<void> start_job(const std::string& id) {
    job_ = id;
    jobs_seen_.insert(id);
    records_.clear();
    seen_.clear();
    thumbs_seen_.clear();
    auto recs = db_.list_uploads(id);
    if (!recs) return fail(recs.error());
    for (auto& r : *recs) records_.emplace(r.number, std::move(r));
    summary_.records += static_cast<std::int64_t>(records_.size());
    return {};
  }

  // An object nothing vouches for: reported, and with --fix deleted once old.
  result<void> orphan(finding_kind kind, const listed_object& o) {
    auto modified = parse_last_modified(o.last_modified);
    bool old = modified && now_ - *modified > grace;
    if (!fix_) {
      add(kind, o.key, "reported");
      return {};
    }
    if (!old) {
      add(kind, o.key, "kept (younger than 24 h)");
      return {};
    }
    if (auto r = bucket_.remove(o.key); !r) return fail(r.error());
    add(kind, o.key, "deleted");
    return {};
  }

  result<void> object(const listed_object& o) {
    ++summary_.objects;
    std::string_view job = job_of(o.key);
    if (job.empty()) return orphan(finding_kind::object_without_record, o);
    if (job != job_) {
      if (auto r = finish_job(); !r) return r;
      if (auto r = start_job(std::string(job)); !r) return r;
    }
    if (auto ref = parse_photo_key(o.key)) {
      auto it = records_.find(ref->number);
      if (it == records_.end() || it->second.key != o.key || it->second.state == db::upload_state::rejected)
        return orphan(finding_kind::object_without_record, o);
      seen_.insert(ref->number);
      auto& rec = it->second;
      if (rec.state == db::upload_state::pending || rec.state == db::upload_state::expired) {
        // The object is there and nobody confirmed it: an event that never came.
        auto done = confirm_upload(db_, bucket_, job_, rec.number, now_);
        if (!done) return fail(done.error());
        if (*done) {
          rec = (*done)->record;
          add(finding_kind::confirmed, o.key, std::string(db::to_string(rec.state)));
          if (rec.state == db::upload_state::rejected) seen_.erase(rec.number);
        }
      }
      return {};
    }
    // A thumbnail pairs with the photo of its number: jobs/<id>/thumbs/photo-NNN.jpg.
    const std::string thumbs = "jobs/" + job_ + "/thumbs/";
    if (o.key.starts_with(thumbs)) {
      std::string_view name = std::string_view(o.key).substr(thumbs.size());
      if (valid_photo_name(name)) {
        auto ref = parse_photo_key("jobs/" + job_ + "/" + std::string(name));
        if (ref && seen_.count(ref->number)) {
          thumbs_seen_.insert(ref->number);
          return {};
        }
      }
      return orphan(finding_kind::thumbnail_without_original, o);
    }
    return orphan(finding_kind::object_without_record, o);
  }

  // The job's records whose object never showed in the listing.
  result<void> finish_job() {
    if (job_.empty()) return {};
    for (auto& [number, rec] : records_) {
      if (seen_.count(number)) {
        // A thumbnail that never came: the browser's arrives right after its photo.
        if (rec.state == db::upload_state::received && !thumbs_seen_.count(number) && rec.received_at &&
            now_ - *rec.received_at > config_.thumbnail_delay) {
          auto made = backfill_thumbnail(db_, bucket_, job_, number, config_.photos.thumb_edge,
                                         config_.photos.thumb_quality);
          if (!made) return fail(made.error());
          if (*made) add(finding_kind::thumbnail_made, thumb_key(rec.key), "made");
        }
        continue;
      }
      if (rec.state == db::upload_state::received) {
        add(finding_kind::record_without_object, rec.key, "reported");
      } else if (rec.state == db::upload_state::pending && now_ - rec.created_at > grace) {
        auto moved = db_.set_upload_state(job_, number, db::upload_state::expired, now_);
        if (!moved) return fail(moved.error());
        if (*moved && (*moved)->state == db::upload_state::expired) metrics::uploads().expired.inc();
        add(finding_kind::stale_pending, rec.key, *moved ? std::string(db::to_string((*moved)->state)) : "gone");
      }
    }
    job_.clear();
    records_.clear();
    seen_.clear();
    thumbs_seen_.clear();
    return {};
  }

  const app_config& config_;
  db::database& db_;
  const bucket_access& bucket_;
  sys_seconds now_;
  bool fix_;
  const std::function<void(const finding&)>& report_;
  const std::function<bool()>& out_of_time_;
  reconcile_summary summary_;
  std::string job_;
  std::map<std::int64_t, db::upload_record> records_;
  std::set<std::int64_t> seen_;
  std::set<std::int64_t> thumbs_seen_;
  std::unordered_set<std::string> jobs_seen_;
};

}  // namespace

result<reconcile_summary> reconcile(const app_config& config, app_services services, bool fix,
                                    const std::function<void(const finding&)>& report,
                                    const std::function<bool()>& out_of_time) {
  // `services.clock` says when the findings are judged (what is 24 h old); the
  // bucket's requests are dated by the wall clock, since S3 checks their time.
  const auto judged_at = time_point_cast<seconds>(services.clock ? services.clock() : system_clock::now());
  services.clock = nullptr;
  auto parts = make_parts(config, std::move(services));
  if (!parts) return fail(parts.error());
  reconciler r(config, *parts->database, *parts->bucket, judged_at, fix, report, out_of_time);
  return r.run();
}

}  // namespace dropslot::api
