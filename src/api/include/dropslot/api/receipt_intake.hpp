#pragma once
// Bucket events into upload receipts (issue 22; DESIGN.md, "Shot list and receipts"):
// the second way into the one confirmation that POST .../complete runs. Under
// `dropslot serve` the embedded store calls object_created after each successful
// PUT, POST or CompleteMultipartUpload; under `dropslot lambda` each record of an S3
// ObjectCreated notification goes to confirm. Events are at-least-once and
// unordered: the confirmation is idempotent (receipts.hpp in src/api).
#include <memory>
#include <string>
#include <string_view>

#include "dropslot/api/app.hpp"
#include "dropslot/api/app_services.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::api {

/// What one event came to.
enum class receipt_outcome {
  ignored,   ///< not a photo key of the API's bucket (a thumbnail, another bucket or prefix)
  unknown,   ///< a photo key without an upload record (reconcile reports it)
  pending,   ///< the object is not (or no longer) there; the record is unchanged
  received,  ///< confirmed (now or before)
  rejected,  ///< failed the checks (now or before): the object and thumbnail are deleted
};

std::string_view to_string(receipt_outcome o) noexcept;

/// Thread-safe.
class receipt_intake {
 public:
  virtual ~receipt_intake() = default;
  /// Queues the confirmation of `key` in `bucket` for a worker thread and returns at
  /// once: the store calls it from its connection, which must not wait for the HEAD
  /// and ranged GET the check sends back to that same store.
  virtual void object_created(std::string_view bucket, std::string_view key) = 0;
  /// Runs the confirmation of `key` in `bucket` on this thread (the Lambda handler).
  virtual result<receipt_outcome> confirm(std::string_view bucket, std::string_view key) = 0;
  /// Waits until every queued confirmation has run (tests; shutdown).
  virtual void drain() = 0;
};

/// The intake for `config`'s bucket, with the database in `services` (opened from
/// config.database_url when null). Fails as make_api does.
result<std::shared_ptr<receipt_intake>> make_receipt_intake(const app_config& config, app_services services);

}  // namespace dropslot::api
