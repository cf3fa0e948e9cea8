// GET/PATCH {base}/jobs[/{id}] and GET {base}/jobs/{id}/photos (DESIGN.md, HTTP API).
#include "api_service.hpp"
#include "dropslot/api/json_io.hpp"
#include "dropslot/api/validation.hpp"
#include "dropslot/db/keys.hpp"

namespace dropslot::api {

namespace {

// A listing bigger than this is refused rather than presigned in one response; the
// per-job photo cap keeps real jobs far below it.
constexpr std::size_t max_listed_photos = 10000;
constexpr std::size_t max_text_field = 4000;

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

}  // namespace

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
  boost::json::object out;
  out["job"] = job_json(**j);
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

  auto expiry = bucket_->expiry_at(c.now);
  if (!expiry) return api_error_response(expiry.error(), c.req.request_id);
  auto objects = bucket_->list(job_prefix(id), max_listed_photos);
  if (!objects) return api_error_response(objects.error(), c.req.request_id);

  boost::json::array photos;
  photos.reserve(objects->size());
  for (const auto& o : *objects) {
    auto get = bucket_->presign_get(o.key, c.now);
    if (!get) return api_error_response(get.error(), c.req.request_id);
    boost::json::object p;
    p["key"] = o.key;
    p["url"] = get->url;
    p["size"] = o.size;
    p["last_modified"] = o.last_modified;
    photos.push_back(std::move(p));
  }
  boost::json::object out;
  out["photos"] = std::move(photos);
  out["expires_in"] = expiry->count();
  return json_response(200, out);
}

}  // namespace dropslot::api
