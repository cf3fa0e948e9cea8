#include "s3_xml.hpp"

#include <pugixml.hpp>

#include <sstream>

#include "http_conditions.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

namespace {

constexpr const char* s3_ns = "http://s3.amazonaws.com/doc/2006-03-01/";

pugi::xml_node start(pugi::xml_document& doc, const char* root_name, bool with_ns = true) {
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child(root_name);
  if (with_ns) root.append_attribute("xmlns") = s3_ns;
  return root;
}

std::string render(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

void add(pugi::xml_node parent, const char* name, std::string_view value) {
  parent.append_child(name).text() = std::string(value).c_str();
}

void add_owner(pugi::xml_node parent, const char* name, std::string_view owner_id) {
  auto o = parent.append_child(name);
  add(o, "ID", owner_id);
  add(o, "DisplayName", "dropslot");
}

std::string iso(std::chrono::sys_seconds t) { return format_iso8601(t); }

}  // namespace

std::string url_encode_key(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string error_xml(std::string_view code, std::string_view message, std::string_view resource,
                      std::string_view request_id, const std::vector<std::pair<std::string, std::string>>& extra) {
  pugi::xml_document doc;
  auto root = start(doc, "Error", false);
  add(root, "Code", code);
  add(root, "Message", message);
  for (const auto& [k, v] : extra) add(root, k.c_str(), v);
  add(root, "Resource", resource);
  add(root, "RequestId", request_id);
  return render(doc);
}

std::string list_buckets_xml(const std::vector<bucket_entry>& buckets, std::string_view owner_id) {
  pugi::xml_document doc;
  auto root = start(doc, "ListAllMyBucketsResult");
  add_owner(root, "Owner", owner_id);
  auto list = root.append_child("Buckets");
  for (const auto& b : buckets) {
    auto n = list.append_child("Bucket");
    add(n, "Name", b.name);
    add(n, "CreationDate", iso(b.created));
  }
  return render(doc);
}

namespace {
void add_listing_body(pugi::xml_node root, const list_params& p, const list_result& r) {
  auto enc = [&](std::string_view s) { return p.url_encode ? url_encode_key(s) : std::string(s); };
  for (const auto& [key, e] : r.objects) {
    auto c = root.append_child("Contents");
    add(c, "Key", enc(key));
    add(c, "LastModified", iso(e.last_modified));
    add(c, "ETag", e.etag);
    add(c, "Size", std::to_string(e.size));
    if (p.fetch_owner) add_owner(c, "Owner", p.owner_id);
    add(c, "StorageClass", "STANDARD");
  }
  for (const auto& cp : r.common_prefixes) add(root.append_child("CommonPrefixes"), "Prefix", enc(cp));
  if (p.url_encode) add(root, "EncodingType", "url");
}
}  // namespace

std::string list_objects_v2_xml(const list_params& p, const list_result& r) {
  pugi::xml_document doc;
  auto root = start(doc, "ListBucketResult");
  auto enc = [&](std::string_view s) { return p.url_encode ? url_encode_key(s) : std::string(s); };
  add(root, "Name", p.bucket);
  add(root, "Prefix", enc(p.prefix));
  if (!p.delimiter.empty()) add(root, "Delimiter", enc(p.delimiter));
  add(root, "MaxKeys", std::to_string(p.max_keys));
  add(root, "KeyCount", std::to_string(r.objects.size() + r.common_prefixes.size()));
  add(root, "IsTruncated", r.truncated ? "true" : "false");
  if (p.continuation_token) add(root, "ContinuationToken", *p.continuation_token);
  if (r.truncated) add(root, "NextContinuationToken", p.next_continuation_token);
  if (!p.start_after.empty()) add(root, "StartAfter", enc(p.start_after));
  add_listing_body(root, p, r);
  return render(doc);
}

std::string list_objects_v1_xml(const list_params& p, const list_result& r) {
  pugi::xml_document doc;
  auto root = start(doc, "ListBucketResult");
  auto enc = [&](std::string_view s) { return p.url_encode ? url_encode_key(s) : std::string(s); };
  add(root, "Name", p.bucket);
  add(root, "Prefix", enc(p.prefix));
  add(root, "Marker", enc(p.marker));
  if (!p.delimiter.empty()) add(root, "Delimiter", enc(p.delimiter));
  add(root, "MaxKeys", std::to_string(p.max_keys));
  add(root, "IsTruncated", r.truncated ? "true" : "false");
  // NextMarker is only sent with a delimiter (S3); clients use the last key otherwise.
  if (r.truncated && !p.delimiter.empty()) add(root, "NextMarker", enc(r.last));
  add_listing_body(root, p, r);
  return render(doc);
}

std::string initiate_multipart_xml(std::string_view bucket, std::string_view key, std::string_view upload_id) {
  pugi::xml_document doc;
  auto root = start(doc, "InitiateMultipartUploadResult");
  add(root, "Bucket", bucket);
  add(root, "Key", key);
  add(root, "UploadId", upload_id);
  return render(doc);
}

std::string complete_multipart_xml(std::string_view location, std::string_view bucket, std::string_view key,
                                   std::string_view etag) {
  pugi::xml_document doc;
  auto root = start(doc, "CompleteMultipartUploadResult");
  add(root, "Location", location);
  add(root, "Bucket", bucket);
  add(root, "Key", key);
  add(root, "ETag", etag);
  return render(doc);
}

std::string list_parts_xml(std::string_view bucket, std::string_view key, std::string_view upload_id,
                           const std::vector<part_entry>& parts, int part_marker, int max_parts,
                           std::string_view owner_id) {
  pugi::xml_document doc;
  auto root = start(doc, "ListPartsResult");
  add(root, "Bucket", bucket);
  add(root, "Key", key);
  add(root, "UploadId", upload_id);
  add_owner(root, "Initiator", owner_id);
  add_owner(root, "Owner", owner_id);
  add(root, "StorageClass", "STANDARD");
  add(root, "PartNumberMarker", std::to_string(part_marker));
  int count = 0, last = part_marker;
  bool truncated = false;
  for (const auto& p : parts) {
    if (p.number <= part_marker) continue;
    if (count == max_parts) {
      truncated = true;
      break;
    }
    auto n = root.append_child("Part");
    add(n, "PartNumber", std::to_string(p.number));
    add(n, "LastModified", iso(p.last_modified));
    add(n, "ETag", p.etag);
    add(n, "Size", std::to_string(p.size));
    last = p.number;
    ++count;
  }
  add(root, "NextPartNumberMarker", std::to_string(last));
  add(root, "MaxParts", std::to_string(max_parts));
  add(root, "IsTruncated", truncated ? "true" : "false");
  return render(doc);
}

std::string list_uploads_xml(std::string_view bucket, std::string_view prefix, const std::vector<upload_entry>& uploads,
                             std::string_view owner_id) {
  pugi::xml_document doc;
  auto root = start(doc, "ListMultipartUploadsResult");
  add(root, "Bucket", bucket);
  add(root, "KeyMarker", "");
  add(root, "UploadIdMarker", "");
  add(root, "NextKeyMarker", uploads.empty() ? "" : uploads.back().key);
  add(root, "NextUploadIdMarker", uploads.empty() ? "" : uploads.back().id);
  add(root, "Prefix", prefix);
  add(root, "MaxUploads", "1000");
  add(root, "IsTruncated", "false");
  for (const auto& u : uploads) {
    auto n = root.append_child("Upload");
    add(n, "Key", u.key);
    add(n, "UploadId", u.id);
    add_owner(n, "Initiator", owner_id);
    add_owner(n, "Owner", owner_id);
    add(n, "StorageClass", "STANDARD");
    add(n, "Initiated", iso(u.initiated));
  }
  return render(doc);
}

std::string copy_object_result_xml(std::string_view etag, std::chrono::sys_seconds last_modified) {
  pugi::xml_document doc;
  auto root = start(doc, "CopyObjectResult");
  add(root, "LastModified", iso(last_modified));
  add(root, "ETag", etag);
  return render(doc);
}

std::string location_xml(std::string_view region) {
  pugi::xml_document doc;
  auto root = start(doc, "LocationConstraint");
  // us-east-1 is reported as an empty constraint, as S3 does.
  if (region != "us-east-1") root.text() = std::string(region).c_str();
  return render(doc);
}

result<std::vector<std::pair<int, std::string>>> parse_complete_multipart(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return fail(s3_errc::malformed_xml);
  auto root = doc.child("CompleteMultipartUpload");
  if (!root) return fail(s3_errc::malformed_xml);
  std::vector<std::pair<int, std::string>> parts;
  for (auto p : root.children("Part")) {
    auto num = p.child("PartNumber");
    auto etag = p.child("ETag");
    if (!num || !etag) return fail(s3_errc::malformed_xml);
    int n = num.text().as_int(0);
    if (n < 1 || n > 10000) return fail(s3_errc::invalid_argument, "Part number must be an integer between 1 and 10000, inclusive");
    parts.emplace_back(n, etag.text().get());
  }
  if (parts.empty()) return fail(s3_errc::malformed_xml);
  return parts;
}

result<delete_request> parse_delete_objects(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return fail(s3_errc::malformed_xml);
  auto root = doc.child("Delete");
  if (!root) return fail(s3_errc::malformed_xml);
  delete_request out;
  out.quiet = std::string_view(root.child("Quiet").text().get()) == "true";
  for (auto o : root.children("Object")) {
    auto k = o.child("Key");
    if (!k) return fail(s3_errc::malformed_xml);
    out.keys.emplace_back(k.text().get());
  }
  if (out.keys.empty() || out.keys.size() > 1000) return fail(s3_errc::malformed_xml);
  return out;
}

std::string delete_result_xml(const std::vector<std::string>& deleted, bool quiet) {
  pugi::xml_document doc;
  auto root = start(doc, "DeleteResult");
  if (!quiet)
    for (const auto& k : deleted) add(root.append_child("Deleted"), "Key", k);
  return render(doc);
}

}  // namespace dropslot::store
