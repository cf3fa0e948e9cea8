#pragma once
// Bucket events for the upload receipts (issue 22): an invocation that is not an API
// Gateway request but news of objects created in the uploads bucket. Two shapes
// reach the function:
//   - an S3 event notification: {"Records": [{"eventSource": "aws:s3", "eventName":
//     "ObjectCreated:Put", "s3": {"bucket": {"name"}, "object": {"key"}}}]}, keys
//     URL-encoded with '+' for a space;
//   - an EventBridge "Object Created" event from S3 (what deploy/template.yaml
//     wires, since its key filter can leave thumbnails out): {"source": "aws.s3",
//     "detail-type": "Object Created", "detail": {"bucket": {"name"}, "object":
//     {"key"}}}, keys as they are.
// Pure: no I/O, thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dropslot::lambda {

struct created_object {
  std::string bucket;
  std::string key;  ///< decoded
};

/// The created objects an event names; nullopt when `json` is not a bucket event of
/// either shape (then it is for the API Gateway adapter). Records of other events
/// (ObjectRemoved...) are skipped; a record without bucket or key is skipped too.
std::optional<std::vector<created_object>> parse_s3_event(std::string_view json);

}  // namespace dropslot::lambda
