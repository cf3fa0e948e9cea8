// Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload, ListParts.
#include "../checksums.hpp"
#include "../s3_xml.hpp"
#include "../upload_consumer.hpp"
#include "operations.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store::ops {

namespace {

constexpr std::uint64_t max_part = 5ull * 1024 * 1024 * 1024;

error err(s3_errc c, std::string detail = {}) { return error{make_error_code(c), std::move(detail)}; }

std::optional<int> part_number(const request_ctx& ctx) {
  auto v = ctx.param("partNumber");
  if (!v || v->empty() || v->size() > 5) return std::nullopt;
  for (char c : *v)
    if (c < '0' || c > '9') return std::nullopt;
  int n = std::stoi(*v);
  if (n < 1 || n > 10000) return std::nullopt;
  return n;
}

// The upload must exist and belong to this key.
result<object_meta> upload_for(store_engine& e, const request_ctx& ctx, const std::string& id) {
  auto m = e.backend().upload_meta(ctx.target.bucket, id);
  if (!m) return m;
  if (m->key != ctx.target.key) return fail(s3_errc::no_such_upload);
  return m;
}

std::string upload_id(const request_ctx& ctx) { return ctx.param("uploadId").value_or(""); }

}  // namespace

dispatch create_multipart_upload(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  object_meta meta = meta_from_headers(ctx->head.headers, ctx->target.key);
  if (auto a = ctx->head.headers.get("x-amz-checksum-algorithm"))
    meta.checksum_name = checksum_header_name(parse_checksum_algorithm(*a).value_or(checksum_algorithm::none));
  return dispatch{{}, buffered_body(e, ctx, [&e, ctx, meta](const std::string&) -> s3_response {
                    auto id = e.backend().create_upload(ctx->target.bucket, meta, e.now());
                    if (!id) return e.error_response(*ctx, id.error());
                    return xml_response(200, initiate_multipart_xml(ctx->target.bucket, ctx->target.key, *id));
                  })};
}

dispatch upload_part(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  const std::string id = upload_id(*ctx);
  auto refuse = [&](const error& x) {
    auto r = e.error_response(*ctx, x);
    r.close = true;  // the body is not read
    return respond(std::move(r));
  };
  auto n = part_number(*ctx);
  if (!n) return refuse(err(s3_errc::invalid_argument, "Part number must be an integer between 1 and 10000, inclusive"));
  if (auto u = upload_for(e, *ctx, id); !u) return refuse(u.error());
  if (ctx->head.headers.contains("x-amz-copy-source"))
    return refuse(err(s3_errc::not_implemented, "UploadPartCopy is not supported"));
  return upload_body(e, ctx, max_part, [&e, ctx, id, num = *n](temp_object body, const body_reader& reader) -> s3_response {
    object_meta pm;
    pm.key = ctx->target.key;
    pm.size = reader.decoded_size();
    pm.etag = "\"" + util::hex_encode(reader.digests().md5()) + "\"";
    pm.last_modified = e.now();
    pm.checksum_name = reader.checksum_name();
    pm.checksum_value = reader.checksum_value();
    if (auto r = e.backend().commit_part(ctx->target.bucket, id, num, std::move(body), pm); !r)
      return e.error_response(*ctx, r.error());
    s3_response res;
    res.headers.set("ETag", pm.etag);
    if (!pm.checksum_name.empty()) res.headers.set(pm.checksum_name, pm.checksum_value);
    return res;
  });
}

dispatch complete_multipart_upload(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  // No upload check first: a completed upload is gone, yet a repeated Complete with the
  // same parts must answer as the first did (complete_upload checks both cases).
  const std::string id = upload_id(*ctx);
  const bool must_not_exist = ctx->head.headers.get("if-none-match") == std::optional<std::string_view>("*");
  return dispatch{{}, buffered_body(e, ctx, [&e, ctx, id, must_not_exist](const std::string& body) -> s3_response {
                    auto parts = parse_complete_multipart(body);
                    if (!parts) return e.error_response(*ctx, parts.error());
                    auto done = e.backend().complete_upload(ctx->target.bucket, id, ctx->target.key, *parts, e.now(),
                                                            must_not_exist);
                    if (!done) return e.error_response(*ctx, done.error());
                    e.object_created(ctx->target.bucket, ctx->target.key);
                    std::string location = "/" + ctx->target.bucket + "/" + url_encode_key(ctx->target.key);
                    return xml_response(200, complete_multipart_xml(location, ctx->target.bucket, ctx->target.key, done->etag));
                  })};
}

dispatch abort_multipart_upload(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  const std::string id = upload_id(*ctx);
  if (auto u = upload_for(e, *ctx, id); !u) return respond(e.error_response(*ctx, u.error()));
  if (auto r = e.backend().abort_upload(ctx->target.bucket, id); !r) return respond(e.error_response(*ctx, r.error()));
  s3_response r;
  r.status = 204;
  return respond(e.finish_response(*ctx, std::move(r)));
}

dispatch list_parts(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  const std::string id = upload_id(*ctx);
  if (auto u = upload_for(e, *ctx, id); !u) return respond(e.error_response(*ctx, u.error()));
  auto parts = e.backend().list_parts(ctx->target.bucket, id);
  if (!parts) return respond(e.error_response(*ctx, parts.error()));
  int marker = 0;
  if (auto v = ctx->param("part-number-marker"); v && !v->empty()) marker = std::atoi(v->c_str());
  int max = 1000;
  if (auto v = ctx->param("max-parts"); v && !v->empty()) max = std::clamp(std::atoi(v->c_str()), 0, 1000);
  return respond(e.finish_response(
      *ctx, xml_response(200, list_parts_xml(ctx->target.bucket, ctx->target.key, id, *parts, marker, max, e.owner_id()))));
}

}  // namespace dropslot::store::ops
