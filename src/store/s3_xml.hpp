#pragma once
// S3's XML request and response bodies, built and parsed with pugixml only.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

/// `<Error><Code/><Message/>[extra…]<Resource/><RequestId/></Error>`; `extra` adds
/// fields such as StringToSign and CanonicalRequest.
std::string error_xml(std::string_view code, std::string_view message, std::string_view resource,
                      std::string_view request_id, const std::vector<std::pair<std::string, std::string>>& extra = {});

std::string list_buckets_xml(const std::vector<bucket_entry>& buckets, std::string_view owner_id);

/// The echo of a listing request, with `encoding-type=url` applied when `url_encode`.
struct list_params {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  int max_keys = 1000;
  bool url_encode = false;
  bool fetch_owner = false;
  std::string owner_id;
  // v2
  std::string start_after;
  std::optional<std::string> continuation_token;
  std::string next_continuation_token;  // set when truncated
  // v1
  std::string marker;
};
std::string list_objects_v2_xml(const list_params& p, const list_result& r);
std::string list_objects_v1_xml(const list_params& p, const list_result& r);

std::string initiate_multipart_xml(std::string_view bucket, std::string_view key, std::string_view upload_id);
std::string complete_multipart_xml(std::string_view location, std::string_view bucket, std::string_view key,
                                   std::string_view etag);
std::string list_parts_xml(std::string_view bucket, std::string_view key, std::string_view upload_id,
                           const std::vector<part_entry>& parts, int part_marker, int max_parts, std::string_view owner_id);
std::string list_uploads_xml(std::string_view bucket, std::string_view prefix, const std::vector<upload_entry>& uploads,
                             std::string_view owner_id);
std::string copy_object_result_xml(std::string_view etag, std::chrono::sys_seconds last_modified);
std::string location_xml(std::string_view region);

/// <CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…: (number, etag) pairs in
/// the order given. MalformedXML on bad input.
result<std::vector<std::pair<int, std::string>>> parse_complete_multipart(std::string_view xml);

struct delete_request {
  std::vector<std::string> keys;
  bool quiet = false;
};
result<delete_request> parse_delete_objects(std::string_view xml);
std::string delete_result_xml(const std::vector<std::string>& deleted, bool quiet);

/// Percent-encodes like S3's encoding-type=url (RFC 3986 unreserved kept, '/' kept).
std::string url_encode_key(std::string_view s);

}  // namespace dropslot::store
