// GET/PATCH {base}/jobs[/{id}], GET {base}/jobs/{id}/photos, DELETE
// {base}/jobs/{id}/photos/{name} and GET {base}/settings (DESIGN.md, HTTP API).
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "api_service.hpp"
#include "dropslot/api/json_io.hpp"
#include "dropslot/api/validation.hpp"
#include "dropslot/db/keys.hpp"

namespace dropslot::api {

namespace {

// A listing bigger than this is refused rather than presigned in one response; the
// per-job photo cap keeps real jobs far below it (each photo and its thumbnail).
constexpr std::size_t max_listed_objects = 20000;
constexpr std::size_t max_text_field = 4000;

}  // namespace

boost::json::object job_json(const db::job& j) {
  boost::json::object o;
  o["id"] = j.id;
  o["title"] = j.title;
  o["address"] = j.address;
  o["status"] = j.status;
  if (j.scheduled_date)
    o["scheduled_date"] = *j.scheduled_date;
  else
    o["scheduled_date"] = nullptr;
  o["notes"] = j.notes;
  o["access_instructions"] = j.access_instructions;
  o["photo_count"] = j.photo_count;
  o["created_at"] = iso8601(j.created_at);
  o["updated_at"] = iso8601(j.updated_at);
  return o;
}

http::response api_service::list_jobs(call& c) {
  auto jobs = db_->list_jobs(c.session->customer);
  if (!jobs) return db_error_response(jobs.error(), c.req.request_id);
  boost::json::array arr;
  for (const auto& j : *jobs) arr.push_back(job_json(j));
  boost::json::object out;
  out["jobs"] = std::move(arr);
  return json_response(200, out);
}

http::response api_service::get_job(call& c) {
  auto id = c.params.get("id");
  if (!db::valid_job_id(id)) return error_response(api_errc::invalid_field, "job id must match [A-Za-z0-9_-]{1,64}");
  auto j = db_->get_job(id, c.session->customer);
  if (!j) return db_error_response(j.error(), c.req.request_id);
  if (!*j) return error_response(api_errc::not_found, "no such job");
  boost::json::object job = job_json(**j);
  if (auto failed = add_shots(job, **j, c.req.request_id)) return std::move(*failed);
  boost::json::object out;
  out["job"] = std::move(job);
  return json_response(200, out);
}

http::response api_service::patch_job(call& c) {
  auto id = c.params.get("id");
  if (!db::valid_job_id(id)) return error_response(api_errc::invalid_field, "job id must match [A-Za-z0-9_-]{1,64}");
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), c.req.request_id);
  field_reader f(*body);
  // Only the customer's own fields; anything else (title, status...) is refused
  // rather than silently ignored.
  if (auto r = f.only({"notes", "access_instructions"}); !r) return api_error_response(r.error(), c.req.request_id);
  auto notes = f.optional_string("notes", max_text_field);
  if (!notes) return api_error_response(notes.error(), c.req.request_id);
  auto access = f.optional_string("access_instructions", max_text_field);
  if (!access) return api_error_response(access.error(), c.req.request_id);
  db::job_update u{std::move(*notes), std::move(*access)};
  auto j = db_->update_job(id, c.session->customer, u, c.now_s);
  if (!j) return db_error_response(j.error(), c.req.request_id);
  if (!*j) return error_response(api_errc::not_found, "no such job");
  boost::json::object out;
  out["job"] = job_json(**j);
  return json_response(200, out);
}

http::response api_service::list_photos(call& c) {
  auto id = c.params.get("id");
  if (!db::valid_job_id(id)) return error_response(api_errc::invalid_field, "job id must match [A-Za-z0-9_-]{1,64}");
  // Ownership first: a job that is not yours is 404, and its bucket prefix is
  // never listed.
  auto j = db_->get_job(id, c.session->customer);
  if (!j) return db_error_response(j.error(), c.req.request_id);
  if (!*j) return error_response(api_errc::not_found, "no such job");
  auto listing = photo_listing(c, id);
  if (auto* refused = std::get_if<http::response>(&listing)) return std::move(*refused);
  return json_response(200, std::get<boost::json::object>(listing));
}

// The caller has checked who may see the job (its owner, or staff).
std::variant<http::response, boost::json::object> api_service::photo_listing(const call& c, std::string_view id) {
  // Every GET URL of this listing is signed at the same moment for the same
  // lifetime: this is how long each of them works (bucket_access::presign_get).
  auto expiry = bucket_->get_url_expires_in(c.now);
  if (!expiry) return api_error_response(expiry.error(), c.req.request_id);
  const std::string prefix = job_prefix(id);
  auto objects = bucket_->list(prefix, max_listed_objects);
  if (!objects) return api_error_response(objects.error(), c.req.request_id);
  // The receipts (issue 22): read after the listing, so an object listed has its
  // record's latest state or a later one.
  auto records = db_->list_uploads(id);
  if (!records) return db_error_response(records.error(), c.req.request_id);
  std::unordered_map<std::string_view, const db::upload_record*> by_key;
  for (const auto& r : *records) by_key.emplace(r.key, &r);

  // Photos are the objects right under the job's prefix; thumbnails live under
  // thumbs/ and pair with the photo of the same number. Anything deeper is neither.
  const std::string thumbs = prefix + "thumbs/";
  std::unordered_set<std::string_view> thumb_keys;
  for (const auto& o : *objects)
    if (o.key.starts_with(thumbs) && o.key.find('/', thumbs.size()) == std::string::npos) thumb_keys.insert(o.key);

  boost::json::array photos;
  photos.reserve(objects->size() - thumb_keys.size());
  for (const auto& o : *objects) {
    if (o.key.find('/', prefix.size()) != std::string::npos) continue;
    auto rec = by_key.find(o.key);
    // A rejected photo's object is being deleted: never shown.
    if (rec != by_key.end() && rec->second->state == db::upload_state::rejected) continue;
    auto get = bucket_->presign_get(o.key, c.now);
    if (!get) return api_error_response(get.error(), c.req.request_id);
    boost::json::object p;
    p["key"] = o.key;
    p["url"] = get->url;
    if (std::string tkey = thumb_key(o.key); thumb_keys.count(tkey)) {
      auto tget = bucket_->presign_get(tkey, c.now);
      if (!tget) return api_error_response(tget.error(), c.req.request_id);
      p["thumb_url"] = tget->url;
    }
    p["size"] = o.size;
    p["last_modified"] = o.last_modified;
    if (rec != by_key.end()) {
      receipt_json(p, *rec->second);
    } else {
      // An object with no record (written before receipts existed, or by hand):
      // nothing vouches for it, so it is not called received.
      p["state"] = "pending";
      p["received_at"] = nullptr;
      p["shot"] = nullptr;
      p["caption"] = nullptr;
    }
    photos.push_back(std::move(p));
  }
  boost::json::object out;
  out["photos"] = std::move(photos);
  out["expires_in"] = expiry->count();
  return out;
}

http::response api_service::delete_photo(call& c) {
  auto id = c.params.get("id");
  auto name = c.params.get("name");
  if (!db::valid_job_id(id)) return error_response(api_errc::invalid_field, "job id must match [A-Za-z0-9_-]{1,64}");
  // The name becomes a key: only the spelling allocation makes (no "..", no '/',
  // no other spelling of a number) gets near the bucket.
  if (!valid_photo_name(name))
    return error_response(api_errc::invalid_field, "the photo name must be like photo-001.jpg");
  // Ownership first: another customer's job is 404, as a missing one, and nothing
  // of it is touched.
  auto j = db_->get_job(id, c.session->customer);
  if (!j) return db_error_response(j.error(), c.req.request_id);
  if (!*j) return error_response(api_errc::not_found, "no such photo");

  const std::string key = job_prefix(id) + std::string(name);
  auto there = bucket_->exists(key);
  if (!there) return api_error_response(there.error(), c.req.request_id);
  if (!*there) return error_response(api_errc::not_found, "no such photo");
  // The thumbnail first: a failure between the two leaves the photo listed, and a
  // retry finishes the job (S3 deletes of absent keys succeed).
  if (auto r = bucket_->remove(thumb_key(key)); !r) return api_error_response(r.error(), c.req.request_id);
  if (auto r = bucket_->remove(key); !r) return api_error_response(r.error(), c.req.request_id);
  http::response res;
  res.status = 204;
  res.headers.set("Cache-Control", "no-store");
  return res;
}

http::response api_service::settings(call&) {
  // Public and the same for everyone: the dashboard reads it before signing in too.
  boost::json::object photos;
  photos["max_edge"] = config_.photos.max_edge;
  photos["quality"] = config_.photos.quality;
  photos["thumb_edge"] = config_.photos.thumb_edge;
  photos["thumb_quality"] = config_.photos.thumb_quality;
  boost::json::object out;
  out["photos"] = std::move(photos);
  return json_response(200, out);
}

}  // namespace dropslot::api
