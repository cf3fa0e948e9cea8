#include "list_objects.hpp"

#include <charconv>
#include <cstring>
#include <pugixml.hpp>

namespace dropslot::s3::detail {

result<list_page> parse_list_objects_v2(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size()))
    return fail(s3_errc::bad_response, "ListObjectsV2: the body is not XML");
  auto root = doc.child("ListBucketResult");
  if (!root) return fail(s3_errc::bad_response, "ListObjectsV2: no ListBucketResult");
  list_page page;
  page.truncated = std::strcmp(root.child_value("IsTruncated"), "true") == 0;
  page.next_continuation_token = root.child_value("NextContinuationToken");
  for (auto c : root.children("Contents")) {
    object_summary o;
    o.key = c.child_value("Key");
    std::string_view size = c.child_value("Size");
    auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), o.size);
    if (ec != std::errc{} || p != size.data() + size.size() || o.key.empty())
      return fail(s3_errc::bad_response, "ListObjectsV2: a Contents entry without a key or size");
    o.last_modified = c.child_value("LastModified");
    o.etag = c.child_value("ETag");
    page.objects.push_back(std::move(o));
  }
  return page;
}

}  // namespace dropslot::s3::detail
