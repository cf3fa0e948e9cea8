#pragma once
// `dropslot admin reconcile [--fix]` (issue 22; DESIGN.md, "Shot list and receipts"):
// compares the bucket with the upload records and reports
//   - records without an object (received, yet the object is gone),
//   - objects without a record (a photo key nobody issued, or one of a rejected photo),
//   - thumbnails without an original,
//   - pending records older than 24 h, which it marks expired,
// and confirms a pending photo whose object is there (an event that never came),
// through the same confirmation as POST .../complete, and makes the thumbnail of a
// received JPEG, PNG or WebP photo that has none (received more than
// config.thumbnail_delay ago). With `fix`, orphaned objects
// older than 24 h are deleted. It walks the bucket one ListObjectsV2 page (1,000 keys)
// at a time, holding one job's records at once: never a whole bucket in memory.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "dropslot/api/app.hpp"
#include "dropslot/api/app_services.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::api {

enum class finding_kind {
  record_without_object,
  object_without_record,
  thumbnail_without_original,
  stale_pending,  ///< pending for more than 24 h, no object: marked expired
  confirmed,      ///< pending with its object there: run through the confirmation
  thumbnail_made, ///< a received JPEG/PNG/WebP without a thumbnail: the server made one
};

std::string_view to_string(finding_kind k) noexcept;

/// One line of the report.
struct finding {
  finding_kind kind;
  std::string key;
  /// What was done: "reported", "deleted", "expired", "received", "rejected", or
  /// "kept (younger than 24 h)".
  std::string action;
};

struct reconcile_summary {
  std::int64_t objects = 0;  ///< objects looked at
  std::int64_t records = 0;  ///< upload records looked at
  std::int64_t findings = 0;
  /// False when `out_of_time` stopped the walk early (the scheduled run under
  /// Lambda): what was reported stands, and the next run starts over.
  bool complete = true;
};

/// Runs one reconciliation of `config`'s bucket against the database in `services`
/// (or config.database_url). `services.clock` is the time the findings are judged
/// at (what counts as older than 24 h); requests to the bucket are dated by the
/// wall clock, as S3 checks their time. Each finding goes to
/// `report` as it is found. Errors: the first failure of S3 or the database (what
/// was reported until then stands; a second run picks up where it failed).
/// `out_of_time`, when given, is asked before each bucket page and each job of the
/// second pass: true stops the walk there, with `complete` false in the summary.
result<reconcile_summary> reconcile(const app_config& config, app_services services, bool fix,
                                    const std::function<void(const finding&)>& report,
                                    const std::function<bool()>& out_of_time = {});

}  // namespace dropslot::api
