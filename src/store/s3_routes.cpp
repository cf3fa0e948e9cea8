#include "s3_routes.hpp"

#include <array>

namespace dropslot::store {

namespace {

using enum addressed;

// First match wins: a route that needs a query parameter or header comes before the one
// that does not.
constexpr std::array routes = {
    s3_route{"ListBuckets", "GET", service, "", "", false, ops::list_buckets},

    s3_route{"PutBucketCors", "PUT", bucket, "cors", "", true, ops::put_bucket_cors},
    s3_route{"CreateBucket", "PUT", bucket, "", "", false, ops::create_bucket},
    s3_route{"HeadBucket", "HEAD", bucket, "", "", true, ops::head_bucket},
    s3_route{"DeleteBucketCors", "DELETE", bucket, "cors", "", true, ops::delete_bucket_cors},
    s3_route{"DeleteBucket", "DELETE", bucket, "", "", true, ops::delete_bucket},
    s3_route{"GetBucketCors", "GET", bucket, "cors", "", true, ops::get_bucket_cors},
    s3_route{"GetBucketLocation", "GET", bucket, "location", "", true, ops::get_bucket_location},
    s3_route{"ListMultipartUploads", "GET", bucket, "uploads", "", true, ops::list_multipart_uploads},
    s3_route{"ListObjects", "GET", bucket, "", "", true, ops::list_objects},  // and ListObjectsV2
    s3_route{"DeleteObjects", "POST", bucket, "delete", "", true, ops::delete_objects},

    s3_route{"CreateMultipartUpload", "POST", object, "uploads", "", true, ops::create_multipart_upload},
    s3_route{"CompleteMultipartUpload", "POST", object, "uploadId", "", true, ops::complete_multipart_upload},
    s3_route{"UploadPart", "PUT", object, "uploadId", "", true, ops::upload_part},
    s3_route{"AbortMultipartUpload", "DELETE", object, "uploadId", "", true, ops::abort_multipart_upload},
    s3_route{"ListParts", "GET", object, "uploadId", "", true, ops::list_parts},
    s3_route{"CopyObject", "PUT", object, "", "x-amz-copy-source", true, ops::copy_object},
    s3_route{"PutObject", "PUT", object, "", "", true, ops::put_object},
    s3_route{"GetObject", "GET", object, "", "", true, ops::get_object},
    s3_route{"HeadObject", "HEAD", object, "", "", true, ops::get_object},
    s3_route{"DeleteObject", "DELETE", object, "", "", true, ops::delete_object},
};

addressed target_of(const request_ctx& ctx) {
  if (ctx.target.bucket.empty()) return service;
  return ctx.target.key.empty() ? bucket : object;
}

}  // namespace

const s3_route* find_route(const request_ctx& ctx) {
  const addressed t = target_of(ctx);
  for (const auto& r : routes) {
    if (r.target != t || r.method != ctx.head.method) continue;
    if (!r.query.empty() && !ctx.has(r.query)) continue;
    if (!r.header.empty() && !ctx.head.headers.contains(r.header)) continue;
    return &r;
  }
  return nullptr;
}

bool unsupported_subresource(const request_ctx& ctx) {
  static constexpr std::string_view object_only[] = {"acl", "tagging", "retention", "legal-hold", "torrent",
                                                     "restore", "select", "attributes"};
  static constexpr std::string_view bucket_only[] = {
      "policy",    "acl",           "lifecycle", "website", "tagging", "versions", "object-lock", "encryption",
      "replication", "logging",     "notification", "requestPayment", "accelerate", "analytics", "metrics",
      "inventory", "ownershipControls", "publicAccessBlock", "intelligent-tiering", "versioning"};
  switch (target_of(ctx)) {
    case object:
      for (auto s : object_only)
        if (ctx.has(s)) return true;
      return false;
    case bucket:
      for (auto s : bucket_only)
        if (ctx.has(s)) return true;
      return false;
    default: return false;
  }
}

}  // namespace dropslot::store
