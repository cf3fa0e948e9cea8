#pragma once
// Every S3 operation the store implements, one function each, named after the operation
// (GetObject → get_object). The route table (s3_routes.cpp) says which request reaches
// which; the files here group them by what they act on:
//
//   ops/bucket_operations.cpp     ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
//                                 GetBucketLocation, Get/Put/DeleteBucketCors,
//                                 ListObjects (v1, v2), ListMultipartUploads, DeleteObjects
//   ops/object_operations.cpp     PutObject, CopyObject, GetObject, HeadObject, DeleteObject
//   ops/multipart_operations.cpp  CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//                                 AbortMultipartUpload, ListParts
//   ops/post_object.cpp           PostObject (browser form upload with a signed policy)
//
// Each gets an authenticated request whose bucket, when the route says so, exists.
#include <memory>

#include "../engine.hpp"

namespace dropslot::store::ops {

using operation = dispatch (*)(store_engine& e, std::shared_ptr<request_ctx> ctx);

dispatch list_buckets(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch create_bucket(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch head_bucket(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch delete_bucket(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch get_bucket_location(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch get_bucket_cors(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch put_bucket_cors(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch delete_bucket_cors(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch list_objects(store_engine& e, std::shared_ptr<request_ctx> ctx);  // v1 and v2 (list-type=2)
dispatch list_multipart_uploads(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch delete_objects(store_engine& e, std::shared_ptr<request_ctx> ctx);

dispatch put_object(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch copy_object(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch get_object(store_engine& e, std::shared_ptr<request_ctx> ctx);  // also HeadObject
dispatch delete_object(store_engine& e, std::shared_ptr<request_ctx> ctx);

dispatch create_multipart_upload(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch upload_part(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch complete_multipart_upload(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch abort_multipart_upload(store_engine& e, std::shared_ptr<request_ctx> ctx);
dispatch list_parts(store_engine& e, std::shared_ptr<request_ctx> ctx);

dispatch post_object(store_engine& e, std::shared_ptr<request_ctx> ctx);

}  // namespace dropslot::store::ops
