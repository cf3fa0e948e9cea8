#pragma once
// What the store keeps about one object (or one multipart part) beside its bytes, and
// its JSON form (Boost.JSON). The metadata is written as a footer of the object file,
// so data and metadata are committed by one rename.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dropslot/util/result.hpp"

namespace dropslot::store {

struct object_meta {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // quoted, as sent in the ETag header
  std::chrono::sys_seconds last_modified{};
  std::string content_type;
  std::string content_disposition;
  std::string cache_control;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  std::vector<std::pair<std::string, std::string>> user_meta;  // names without "x-amz-meta-", lower-case
  std::string checksum_name;   // "x-amz-checksum-crc32" etc., or empty
  std::string checksum_value;  // base64
  int parts_count = 0;         // > 0 for a multipart object
  std::vector<std::uint64_t> part_sizes;  // a multipart object's parts, in order (GetObject partNumber)
};

std::string meta_to_json(const object_meta& m);
/// InternalError for JSON that is not an object_meta.
result<object_meta> meta_from_json(std::string_view json);

}  // namespace dropslot::store
