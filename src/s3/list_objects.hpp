#pragma once
// Parsing a ListObjectsV2 response body (internal; pugixml).
#include <string_view>

#include "dropslot/s3/client.hpp"

namespace dropslot::s3::detail {

/// The page in `xml`; bad_response when it is not a ListBucketResult.
result<list_page> parse_list_objects_v2(std::string_view xml);

}  // namespace dropslot::s3::detail
