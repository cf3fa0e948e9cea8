#pragma once
// Request target → bucket and key. Path style (`/bucket/key`) and virtual-hosted style
// (`Host: bucket.<endpoint-host>`). Pure: the endpoint hosts come in as values.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dropslot/http/message.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

struct bucket_key {
  std::string bucket;  // empty: the service (ListBuckets)
  std::string key;     // decoded; empty: the bucket itself
  bool virtual_hosted = false;
};

/// Splits a request. `raw_path` is still percent-encoded; `host` may carry a port.
/// A host `<bucket>.<h>` where `h` is one of `endpoint_hosts` or "localhost" is
/// virtual-hosted. KeyTooLongError for keys over 1,024 bytes; InvalidArgument for a
/// path that is not absolute or a key that is not UTF-8 (S3 keys are UTF-8).
result<bucket_key> split_target(std::string_view host, std::string_view raw_path,
                                const std::vector<std::string>& endpoint_hosts);

/// True when `s` is well-formed UTF-8 (shared with the Lambda adapter, in http).
using http::valid_utf8;

/// S3's bucket naming rules: 3–63 of [a-z0-9.-], starting and ending with a letter or
/// digit, no "..", not an IPv4 address. Anything that passes is safe as a path segment.
bool valid_bucket_name(std::string_view name);

}  // namespace dropslot::store
