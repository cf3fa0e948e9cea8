// POST {base}/upload-url (DESIGN.md, HTTP API and Security model): the hot path.
#include <fmt/format.h>

#include "api_service.hpp"
#include "dropslot/api/json_io.hpp"
#include "dropslot/api/validation.hpp"
#include "dropslot/db/keys.hpp"
#include "dropslot/metrics/upload_metrics.hpp"

namespace dropslot::api {

namespace {

// A thumbnail of about 320 px is 10-30 KB; this bound leaves room for a busy
// picture and none for a second copy of the photo.
constexpr std::uint64_t max_thumbnail_bytes = 512 * 1024;

boost::json::object headers_json(const std::vector<std::pair<std::string, std::string>>& headers) {
  boost::json::object o;
  for (const auto& [name, value] : headers) o[name] = value;
  return o;
}

}  // namespace

std::variant<http::response, upload_plan> api_service::plan_upload(call& c) {
  const auto& rid = c.req.request_id;
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), rid);
  field_reader f(*body);

  // Every field is checked before anything is written or signed.
  auto job_id = f.required_string("job_id", 256);
  if (!job_id) return api_error_response(job_id.error(), rid);
  if (!db::valid_job_id(*job_id)) return error_response(api_errc::invalid_field, "job_id must match [A-Za-z0-9_-]{1,64}");
  // The filename is informational only: the key and extension never come from it.
  auto filename = f.optional_string("filename", 1024);
  if (!filename) return api_error_response(filename.error(), rid);
  auto content_type = f.required_string("content_type", 256);
  if (!content_type) return api_error_response(content_type.error(), rid);
  auto size = f.required_uint("size");
  if (!size) return api_error_response(size.error(), rid);
  auto checksum = f.optional_string("checksum_sha256", 64);
  if (!checksum) return api_error_response(checksum.error(), rid);

  const allowed_type* type = find_allowed_type(config_.allowed_types, *content_type);
  if (!type) {
    std::string allowed;
    for (const auto& t : config_.allowed_types) allowed += (allowed.empty() ? "" : ", ") + t.content_type;
    return error_response(api_errc::unsupported_media_type, fmt::format("content_type must be one of: {}", allowed));
  }
  if (*size == 0) return error_response(api_errc::invalid_field, "size must be at least 1 byte");
  if (*size > config_.max_upload_bytes)
    return error_response(api_errc::payload_too_large,
                          fmt::format("size must be at most {} bytes", config_.max_upload_bytes));
  if (*checksum && !valid_checksum_sha256(**checksum))
    return error_response(api_errc::invalid_field, "checksum_sha256 must be the base64 of a SHA-256 digest");
  // The field-capture fields (all optional; a client that sends none of them gets
  // the answer it always had, plus "reused": false).
  auto client_id = f.optional_string("client_id", 64);
  if (!client_id) return api_error_response(client_id.error(), rid);
  if (*client_id && !valid_client_id(**client_id))
    return error_response(api_errc::invalid_field, "client_id must match [A-Za-z0-9_-]{1,64}");
  auto captured_at = f.optional_string("captured_at", 32);
  if (!captured_at) return api_error_response(captured_at.error(), rid);
  if (*captured_at && !valid_captured_at(**captured_at))
    return error_response(api_errc::invalid_field, "captured_at must be an RFC 3339 UTC time such as 2026-12-06T13:03:07Z");
  // The shot list and caption (issue 22; both optional).
  auto shot = f.optional_string("shot", 64);
  if (!shot) return api_error_response(shot.error(), rid);
  if (*shot && !db::valid_shot_id(**shot)) return error_response(api_errc::invalid_field, "shot must match [a-z0-9_-]{1,32}");
  auto caption = f.optional_string("caption", 4 * db::max_caption_chars);
  if (!caption) return api_error_response(caption.error(), rid);
  if (*caption && !db::valid_caption(**caption))
    return error_response(api_errc::invalid_field, "caption must be at most 500 characters");
  if (caption->has_value() && (*caption)->empty()) caption->reset();
  std::optional<put_terms> thumb;
  if (auto it = body->find("thumbnail"); it != body->end() && !it->value().is_null()) {
    if (!it->value().is_object())
      return error_response(api_errc::invalid_field, "thumbnail must be an object {size, content_type}");
    field_reader t(it->value().get_object());
    if (auto only = t.only({"size", "content_type"}); !only) return api_error_response(only.error(), rid);
    auto t_type = t.required_string("content_type", 256);
    if (!t_type) return api_error_response(t_type.error(), rid);
    auto t_size = t.required_uint("size");
    if (!t_size) return api_error_response(t_size.error(), rid);
    if (*t_type != "image/jpeg")
      return error_response(api_errc::unsupported_media_type, "thumbnail.content_type must be image/jpeg");
    if (*t_size == 0) return error_response(api_errc::invalid_field, "thumbnail.size must be at least 1 byte");
    if (*t_size > max_thumbnail_bytes)
      return error_response(api_errc::payload_too_large,
                            fmt::format("thumbnail.size must be at most {} bytes", max_thumbnail_bytes));
    thumb = put_terms{"image/jpeg", *t_size, std::nullopt, *captured_at};
  }

  // Rate limit per customer, before the allocation costs a key number.
  if (long wait = upload_limiter_.acquire(std::to_string(c.session->customer), std::chrono::steady_clock::now())) {
    auto res = error_response(api_errc::rate_limited, "too many upload requests; retry later");
    res.headers.add("Retry-After", std::to_string(wait));
    return res;
  }

  // A shot must be one of the job's: one read of the job, only when a shot is named
  // (the allocation checks ownership again; a job that is not the caller's is 404).
  if (*shot) {
    auto j = db_->get_job(*job_id, c.session->customer);
    if (!j) return db_error_response(j.error(), rid);
    if (!*j) return error_response(api_errc::not_found, "no such job");
    if (auto bad = check_shot(**j, **shot)) return std::move(*bad);
  }

  auto expiry = bucket_->expiry_at(c.now);
  if (!expiry) return api_error_response(expiry.error(), rid);

  upload_plan p;
  db::upload_request& ur = p.request;
  ur.job_id = std::move(*job_id);
  ur.customer = c.session->customer;
  ur.content_type = type->content_type;
  ur.size = *size;
  ur.checksum_sha256 = *checksum;
  ur.expires_at = c.now_s + *expiry;
  ur.session_hash = c.session->token_hash;
  ur.ext = type->extension;
  ur.max_photos = config_.max_photos_per_job;
  ur.client_id = std::move(*client_id);
  ur.shot = std::move(*shot);
  ur.caption = std::move(*caption);
  p.terms = put_terms{type->content_type, *size, std::move(*checksum), std::move(*captured_at)};
  p.thumb = std::move(thumb);
  p.ext = type->extension;
  return p;
}

http::response api_service::finish_upload(const call& c, result<db::upload_slot> slot, upload_plan& plan) {
  const auto& rid = c.req.request_id;
  if (!slot) return db_error_response(slot.error(), rid);
  // A retry reuses its slot's key, whose extension came from the first request's
  // type: a retry with another type would sign a type that contradicts the key.
  if (slot->reused && !(slot->key.size() > plan.ext.size() && slot->key.ends_with(plan.ext) &&
                        slot->key[slot->key.size() - plan.ext.size() - 1] == '.'))
    return error_response(api_errc::conflict, "this client_id was first used for a photo of another content_type");
  auto put = bucket_->presign_put(slot->key, plan.terms, c.now);
  if (!put) return api_error_response(put.error(), rid);

  boost::json::object out;
  out["url"] = std::move(put->url);
  out["method"] = "PUT";
  out["headers"] = headers_json(put->headers);
  if (plan.thumb) {
    std::string tkey = thumb_key(slot->key);
    auto tput = bucket_->presign_put(tkey, *plan.thumb, c.now);
    if (!tput) return api_error_response(tput.error(), rid);
    boost::json::object thumb;
    thumb["url"] = std::move(tput->url);
    thumb["method"] = "PUT";
    thumb["headers"] = headers_json(tput->headers);
    thumb["key"] = std::move(tkey);
    out["thumb"] = std::move(thumb);
  }
  out["key"] = std::move(slot->key);
  out["expires_at"] = iso8601(put->expires_at);
  out["expires_in"] = put->expires_in.count();
  out["reused"] = slot->reused;
  metrics::uploads().issued.inc();  // the funnel's first step (docs/metrics.md)
  return json_response(200, out);
}

http::response api_service::upload_url(call& c) {
  auto plan = plan_upload(c);
  if (auto* refused = std::get_if<http::response>(&plan)) return std::move(*refused);
  auto& p = std::get<upload_plan>(plan);
  return finish_upload(c, db_->allocate_upload(p.request, c.now_s), p);
}

void api_service::upload_url_async(std::shared_ptr<call> c, http::reply_fn reply) {
  auto plan = plan_upload(*c);
  if (auto* refused = std::get_if<http::response>(&plan)) return reply(std::move(*refused));
  auto p = std::make_shared<upload_plan>(std::move(std::get<upload_plan>(plan)));
  // The request goes to the database's queue; the presign runs once the key is
  // committed, on whichever thread the database answers from.
  db_->allocate_upload_async(std::move(p->request), c->now_s, [this, c, p, reply](result<db::upload_slot> slot) {
    reply(guarded(c->req.request_id, [&] { return finish_upload(*c, std::move(slot), *p); }));
  });
}

}  // namespace dropslot::api
