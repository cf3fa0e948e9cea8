#pragma once
// The body consumer of PutObject and UploadPart: bytes → body_reader (aws-chunked,
// signatures, digests) → a temporary file; at the end every declared digest is
// checked and only then `commit` makes the object visible. Any failure drops the
// temporary (a dropped temp_object leaves nothing), so nothing partial is ever visible.
#include <functional>
#include <memory>

#include "body_reader.hpp"
#include "storage.hpp"
#include "engine.hpp"

namespace dropslot::store {

using commit_fn = std::function<s3_response(temp_object body, const body_reader& reader)>;

/// Builds the consumer; an error response when the body's declarations are invalid or
/// no temporary can be created.
dispatch upload_body(store_engine& e, std::shared_ptr<request_ctx> ctx, std::uint64_t max_body, commit_fn commit);

/// The object metadata a PUT (or CreateMultipartUpload) declares in its headers.
object_meta meta_from_headers(const http::headers& h, std::string key);

}  // namespace dropslot::store
