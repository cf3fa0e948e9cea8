// Object operations: PutObject, GetObject (Range, conditions), HeadObject, DeleteObject,
// CopyObject.
#include <cstring>

#include "../checksums.hpp"
#include "../http_conditions.hpp"
#include "../md5.hpp"
#include "../meta_encoding.hpp"
#include "../s3_xml.hpp"
#include "../upload_consumer.hpp"
#include "operations.hpp"
#include "dropslot/sigv4/signer.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store::ops {

namespace {

// S3's single-PUT limit.
constexpr std::uint64_t max_put = 5ull * 1024 * 1024 * 1024;

error err(s3_errc c, std::string detail = {}) { return error{make_error_code(c), std::move(detail)}; }

conditions conditions_from(const http::headers& h, const char* prefix = "") {
  auto get = [&](const char* name) -> std::optional<std::string> {
    if (auto v = h.get(std::string(prefix) + name)) return std::string(*v);
    return std::nullopt;
  };
  conditions c;
  c.if_match = get("if-match");
  c.if_none_match = get("if-none-match");
  c.if_modified_since = get("if-modified-since");
  c.if_unmodified_since = get("if-unmodified-since");
  return c;
}

void add_object_headers(http::headers& out, const object_meta& m) {
  out.set("ETag", m.etag);
  out.set("Last-Modified", format_http_date(m.last_modified));
  out.set("Content-Type", m.content_type.empty() ? "binary/octet-stream" : m.content_type);
  if (!m.content_disposition.empty()) out.set("Content-Disposition", m.content_disposition);
  if (!m.cache_control.empty()) out.set("Cache-Control", m.cache_control);
  if (!m.content_encoding.empty()) out.set("Content-Encoding", m.content_encoding);
  if (!m.content_language.empty()) out.set("Content-Language", m.content_language);
  if (!m.expires.empty()) out.set("Expires", m.expires);
  for (const auto& [k, v] : m.user_meta) out.add("x-amz-meta-" + k, meta_value_to_send(v));
  out.set("Accept-Ranges", "bytes");
}

}  // namespace

dispatch put_object(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  const bool must_not_exist = ctx->head.headers.get("if-none-match") == std::optional<std::string_view>("*");
  // Fail early (before a byte is read) when the outcome is already known; the commit
  // checks If-None-Match again under the bucket lock, so a race cannot slip through.
  auto current = e.backend().stat_object(ctx->target.bucket, ctx->target.key);
  if (ctx->head.headers.contains("if-none-match") || ctx->head.headers.contains("if-match")) {
    conditions c;
    c.if_match = ctx->head.headers.get("if-match") ? std::optional<std::string>(*ctx->head.headers.get("if-match")) : std::nullopt;
    c.if_none_match = ctx->head.headers.get("if-none-match") ? std::optional<std::string>(*ctx->head.headers.get("if-none-match")) : std::nullopt;
    auto outcome = evaluate_conditions(c, "PUT", current.has_value(), current ? current->etag : "",
                                       current ? current->last_modified : sys_seconds{});
    if (outcome != condition_outcome::proceed) {
      if (c.if_match && !current) {
        auto r = e.error_response(*ctx, err(s3_errc::no_such_key));
        r.close = true;
        return respond(std::move(r));
      }
      auto r = e.error_response(*ctx, err(s3_errc::precondition_failed));
      r.close = true;
      return respond(std::move(r));
    }
  }
  return upload_body(e, ctx, max_put, [&e, ctx, must_not_exist](temp_object body, const body_reader& reader) -> s3_response {
    object_meta m = meta_from_headers(ctx->head.headers, ctx->target.key);
    m.size = reader.decoded_size();
    m.etag = "\"" + util::hex_encode(reader.digests().md5()) + "\"";
    m.last_modified = e.now();
    m.checksum_name = reader.checksum_name();
    m.checksum_value = reader.checksum_value();
    if (auto r = e.backend().commit_object(ctx->target.bucket, std::move(body), m, must_not_exist); !r)
      return e.error_response(*ctx, r.error());
    e.object_created(ctx->target.bucket, ctx->target.key);
    s3_response res;
    res.headers.set("ETag", m.etag);
    if (!m.checksum_name.empty()) res.headers.set(m.checksum_name, m.checksum_value);
    return res;
  });
}

namespace {

// GetObject/HeadObject ?partNumber=N: the bytes of part N of a multipart object, as a
// range. An object PUT whole has one part, the whole object (S3 answers partNumber=1 so,
// without x-amz-mp-parts-count); past the last part, 416 InvalidPartNumber with the
// part asked for and the count, as S3 answers (docs/s3-conformance.md has the evidence).
result<std::optional<byte_range>> part_range(const request_ctx& ctx, const object_meta& m) {
  auto v = *ctx.param("partNumber");
  int n = 0;
  if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string::npos || (n = std::stoi(v)) < 1 ||
      n > 10000)
    return fail(s3_errc::invalid_argument, "Part number must be an integer between 1 and 10000, inclusive");
  if (ctx.head.headers.contains("range"))
    return fail(s3_errc::invalid_request, "Cannot specify both Range header and partNumber query parameter");
  if (m.part_sizes.empty()) {
    if (n != 1) return fail(s3_errc::invalid_part_number);
    if (m.size == 0) return std::optional<byte_range>{};
    return std::optional<byte_range>(byte_range{0, m.size - 1});
  }
  if (static_cast<std::size_t>(n) > m.part_sizes.size()) return fail(s3_errc::invalid_part_number);
  std::uint64_t first = 0;
  for (int i = 0; i + 1 < n; ++i) first += m.part_sizes[static_cast<std::size_t>(i)];
  const std::uint64_t size = m.part_sizes[static_cast<std::size_t>(n) - 1];
  if (size == 0) return std::optional<byte_range>{};
  return std::optional<byte_range>(byte_range{first, first + size - 1});
}

}  // namespace

dispatch get_object(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  const bool head = ctx->head.method == "HEAD";
  auto obj = e.backend().open_object(ctx->target.bucket, ctx->target.key);
  if (!obj) return respond(e.error_response(*ctx, obj.error()));
  const object_meta& m = obj->meta;
  auto outcome = evaluate_conditions(conditions_from(ctx->head.headers), ctx->head.method, true, m.etag, m.last_modified);
  if (outcome == condition_outcome::not_modified) {
    s3_response r;
    r.status = 304;
    r.headers.set("ETag", m.etag);
    r.headers.set("Last-Modified", format_http_date(m.last_modified));
    return respond(e.finish_response(*ctx, std::move(r)));
  }
  if (outcome == condition_outcome::precondition_failed)
    return respond(e.error_response(*ctx, err(s3_errc::precondition_failed)));
  result<std::optional<byte_range>> range = std::optional<byte_range>{};
  if (ctx->has("partNumber")) {
    range = part_range(*ctx, m);
    if (!range && range.error().code == make_error_code(s3_errc::invalid_part_number))
      return respond(e.error_response(
          *ctx, range.error(),
          {{"PartNumberRequested", std::string(*ctx->param("partNumber"))},
           {"ActualPartCount", std::to_string(m.part_sizes.empty() ? 1 : m.part_sizes.size())}}));
    if (!range) return respond(e.error_response(*ctx, range.error()));
  } else {
    range = parse_range(ctx->head.headers.get("range"), m.size);
    if (!range) {
      auto r = e.error_response(*ctx, range.error());
      r.headers.set("Content-Range", "bytes */" + std::to_string(m.size));
      return respond(std::move(r));
    }
  }
  s3_response r;
  add_object_headers(r.headers, m);
  // Only a read of one part says how many there are (as S3 does).
  if (ctx->has("partNumber") && m.parts_count) r.headers.set("x-amz-mp-parts-count", std::to_string(m.parts_count));
  // Presigned GETs may override response headers (response-content-type, …).
  static const std::pair<const char*, const char*> overrides[] = {
      {"response-content-type", "Content-Type"},         {"response-content-disposition", "Content-Disposition"},
      {"response-cache-control", "Cache-Control"},       {"response-content-encoding", "Content-Encoding"},
      {"response-content-language", "Content-Language"}, {"response-expires", "Expires"}};
  for (const auto& [param, header] : overrides)
    if (auto v = ctx->param(param)) r.headers.set(header, *v);
  if (!m.checksum_name.empty() && !*range &&
      ctx->head.headers.get("x-amz-checksum-mode").value_or("") == "ENABLED")
    r.headers.set(m.checksum_name, m.checksum_value);
  if (*range) {
    r.status = 206;
    r.source_offset = (*range)->first;
    r.source_length = (*range)->length();
    r.headers.set("Content-Range", "bytes " + std::to_string((*range)->first) + "-" + std::to_string((*range)->last) +
                                       "/" + std::to_string(m.size));
  } else {
    r.source_offset = 0;
    r.source_length = m.size;
  }
  r.headers.set("Content-Length", std::to_string(r.source_length));
  if (!head) r.source = std::move(obj->body);
  return respond(e.finish_response(*ctx, std::move(r)));
}

namespace {

// "x-amz-copy-source: /bucket/key?versionId=…", percent-encoded.
std::optional<std::pair<std::string, std::string>> parse_copy_source(std::string_view v) {
  auto q = v.find('?');
  std::string src = util::percent_decode_lenient(v.substr(0, q));
  if (!src.empty() && src.front() == '/') src.erase(0, 1);
  auto slash = src.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == src.size()) return std::nullopt;
  return std::make_pair(src.substr(0, slash), src.substr(slash + 1));
}

}  // namespace

dispatch copy_object(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  auto src = parse_copy_source(*ctx->head.headers.get("x-amz-copy-source"));
  if (!src) return respond(e.error_response(*ctx, err(s3_errc::invalid_argument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")));
  auto obj = e.backend().open_object(src->first, src->second);
  if (!obj) return respond(e.error_response(*ctx, obj.error()));
  auto outcome = evaluate_conditions(conditions_from(ctx->head.headers, "x-amz-copy-source-"), "PUT", true,
                                     obj->meta.etag, obj->meta.last_modified);
  if (outcome != condition_outcome::proceed) return respond(e.error_response(*ctx, err(s3_errc::precondition_failed)));
  const bool replace = ctx->head.headers.get("x-amz-metadata-directive").value_or("COPY") == "REPLACE";
  if (!replace && src->first == ctx->target.bucket && src->second == ctx->target.key)
    return respond(e.error_response(*ctx, err(s3_errc::invalid_request, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")));
  auto temp = e.backend().new_temp();
  if (!temp) return respond(e.error_response(*ctx, temp.error()));
  // Read once: the copy needs its own MD5 (the source may be a multipart object).
  md5_digest md5;
  std::string buf(1 << 20, '\0');
  std::uint64_t off = 0, left = obj->meta.size;
  while (left) {
    auto got = obj->body->read_at(off, buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size())));
    if (!got || !*got) return respond(e.error_response(*ctx, err(s3_errc::internal_error, "copy read")));
    const std::size_t n = *got;
    md5.update(buf.data(), static_cast<std::size_t>(n));
    if (auto w = temp->write(std::string_view(buf.data(), static_cast<std::size_t>(n))); !w)
      return respond(e.error_response(*ctx, w.error()));
    off += static_cast<std::uint64_t>(n);
    left -= static_cast<std::uint64_t>(n);
  }
  object_meta m = replace ? meta_from_headers(ctx->head.headers, ctx->target.key) : obj->meta;
  m.key = ctx->target.key;
  m.size = obj->meta.size;
  m.etag = "\"" + util::hex_encode(md5.finish()) + "\"";
  m.last_modified = e.now();
  m.parts_count = 0;
  if (replace) {
    m.checksum_name = obj->meta.checksum_name;
    m.checksum_value = obj->meta.checksum_value;
  }
  const bool must_not_exist = ctx->head.headers.get("if-none-match") == std::optional<std::string_view>("*");
  if (auto r = e.backend().commit_object(ctx->target.bucket, std::move(*temp), m, must_not_exist); !r)
    return respond(e.error_response(*ctx, r.error()));
  return respond(e.finish_response(*ctx, xml_response(200, copy_object_result_xml(m.etag, m.last_modified))));
}

dispatch delete_object(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  if (auto r = e.backend().delete_object(ctx->target.bucket, ctx->target.key); !r)
    return respond(e.error_response(*ctx, r.error()));
  s3_response r;
  r.status = 204;
  return respond(e.finish_response(*ctx, std::move(r)));
}

}  // namespace dropslot::store::ops
