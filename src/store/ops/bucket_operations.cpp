// Bucket operations: ListBuckets, Create/Head/DeleteBucket, GetBucketLocation,
// Put/Get/DeleteBucketCors, ListObjects v1 and v2, ListMultipartUploads, DeleteObjects.
#include "../checksums.hpp"
#include "../s3_xml.hpp"
#include "operations.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store::ops {

namespace {

s3_response ok_empty(int status = 200) {
  s3_response r;
  r.status = status;
  return r;
}

error err(s3_errc c, std::string detail = {}) { return error{make_error_code(c), std::move(detail)}; }

std::optional<int> parse_max(const request_ctx& ctx, const char* name, int fallback) {
  auto v = ctx.param(name);
  if (!v) return fallback;
  if (v->empty() || v->size() > 9) return std::nullopt;
  for (char c : *v)
    if (c < '0' || c > '9') return std::nullopt;
  return std::min(std::stoi(*v), 1000);
}

// CreateBucket and DeleteBucket take no subresource this store does not know.
bool foreign_query(const request_ctx& ctx) { return !ctx.query.empty() && !ctx.has("x-id"); }

}  // namespace

dispatch list_buckets(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  return respond(e.finish_response(*ctx, xml_response(200, list_buckets_xml(e.backend().list_buckets(), e.owner_id()))));
}

dispatch create_bucket(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  if (foreign_query(*ctx)) return respond(e.error_response(*ctx, err(s3_errc::not_implemented)));
  auto run = [&e, ctx](const std::string&) -> s3_response {
    // us-east-1 answers 200 for a bucket you already own (legacy S3 behaviour clients rely on).
    auto r = e.backend().create_bucket(ctx->target.bucket, ctx->now, e.config().region == "us-east-1");
    if (!r) return e.error_response(*ctx, r.error());
    auto res = ok_empty();
    res.headers.set("Location", "/" + ctx->target.bucket);
    return res;
  };
  return dispatch{{}, buffered_body(e, ctx, run)};
}

dispatch head_bucket(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  auto r = ok_empty();
  r.headers.set("x-amz-bucket-region", e.config().region);
  return respond(e.finish_response(*ctx, std::move(r)));
}

dispatch delete_bucket(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  if (foreign_query(*ctx)) return respond(e.error_response(*ctx, err(s3_errc::not_implemented)));
  if (auto r = e.backend().delete_bucket(ctx->target.bucket); !r) return respond(e.error_response(*ctx, r.error()));
  e.set_cors_cache(ctx->target.bucket, {});
  return respond(e.finish_response(*ctx, ok_empty(204)));
}

dispatch get_bucket_location(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  return respond(e.finish_response(*ctx, xml_response(200, location_xml(e.config().region))));
}

dispatch get_bucket_cors(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  auto xml = e.backend().get_cors(ctx->target.bucket);
  if (!xml) return respond(e.error_response(*ctx, xml.error()));
  if (!*xml) return respond(e.error_response(*ctx, err(s3_errc::no_such_cors_configuration)));
  return respond(e.finish_response(*ctx, xml_response(200, **xml)));
}

dispatch put_bucket_cors(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  return dispatch{{}, buffered_body(e, ctx, [&e, ctx](const std::string& body) -> s3_response {
                    auto rules = parse_cors_xml(body);
                    if (!rules) return e.error_response(*ctx, rules.error());
                    if (auto r = e.backend().put_cors(ctx->target.bucket, cors_to_xml(*rules)); !r)
                      return e.error_response(*ctx, r.error());
                    e.set_cors_cache(ctx->target.bucket, std::move(*rules));
                    return ok_empty();
                  })};
}

dispatch delete_bucket_cors(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  if (auto r = e.backend().delete_cors(ctx->target.bucket); !r) return respond(e.error_response(*ctx, r.error()));
  e.set_cors_cache(ctx->target.bucket, {});
  return respond(e.finish_response(*ctx, ok_empty(204)));
}

dispatch list_objects(store_engine& e, std::shared_ptr<request_ctx> ctx_ptr) {
  const request_ctx& ctx = *ctx_ptr;
  const bool v2 = ctx.param("list-type") == std::optional<std::string>("2");
  list_params p;
  p.bucket = ctx.target.bucket;
  p.prefix = ctx.param("prefix").value_or("");
  p.delimiter = ctx.param("delimiter").value_or("");
  auto max = parse_max(ctx, "max-keys", 1000);
  if (!max) return respond(e.error_response(ctx, err(s3_errc::invalid_argument, "Provided max-keys not an integer or within integer range")));
  p.max_keys = *max;
  if (auto enc = ctx.param("encoding-type")) {
    if (*enc != "url") return respond(e.error_response(ctx, err(s3_errc::invalid_argument, "Invalid Encoding Method specified in Request")));
    p.url_encode = true;
  }
  p.owner_id = e.owner_id();
  list_request req;
  req.prefix = p.prefix;
  req.delimiter = p.delimiter;
  req.max_keys = p.max_keys;
  if (v2) {
    p.fetch_owner = ctx.param("fetch-owner") == std::optional<std::string>("true");
    p.start_after = ctx.param("start-after").value_or("");
    req.marker = p.start_after;
    if (auto token = ctx.param("continuation-token")) {
      // The token is the base64 of the last key or prefix returned: opaque to clients.
      // An empty one continues nothing: the listing starts over, and echoes it as S3 does.
      p.continuation_token = *token;
      if (!token->empty()) {
        auto key = util::base64_decode(*token);
        if (!key || key->empty())
          return respond(e.error_response(ctx, err(s3_errc::invalid_argument, "The continuation token provided is incorrect")));
        req.marker = *key;
      }
    }
  } else {
    p.marker = ctx.param("marker").value_or("");
    req.marker = p.marker;
  }
  auto r = e.backend().list(ctx.target.bucket, req);
  if (!r) return respond(e.error_response(ctx, r.error()));
  if (r->truncated) p.next_continuation_token = util::base64_encode(r->last);
  std::string body = v2 ? list_objects_v2_xml(p, *r) : list_objects_v1_xml(p, *r);
  return respond(e.finish_response(ctx, xml_response(200, std::move(body))));
}

dispatch list_multipart_uploads(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  const auto& bucket = ctx->target.bucket;
  auto ups = e.backend().list_uploads(bucket, ctx->param("prefix").value_or(""));
  if (!ups) return respond(e.error_response(*ctx, ups.error()));
  return respond(e.finish_response(
      *ctx, xml_response(200, list_uploads_xml(bucket, ctx->param("prefix").value_or(""), *ups, e.owner_id()))));
}

dispatch delete_objects(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  return dispatch{{}, buffered_body(e, ctx, [&e, ctx](const std::string& body) -> s3_response {
                    auto req = parse_delete_objects(body);
                    if (!req) return e.error_response(*ctx, req.error());
                    std::vector<std::string> deleted;
                    for (const auto& k : req->keys)
                      if (e.backend().delete_object(ctx->target.bucket, k)) deleted.push_back(k);
                    return xml_response(200, delete_result_xml(deleted, req->quiet));
                  })};
}

}  // namespace dropslot::store::ops
