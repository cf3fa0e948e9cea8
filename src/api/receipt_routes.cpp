// Shot lists and upload receipts (issue 22; DESIGN.md, "Shot list and receipts"):
// POST {base}/jobs/{id}/photos/{name}/complete, PATCH {base}/jobs/{id}/photos/{name},
// and the shot and receipt fields that GET {base}/jobs/{id} and the photo listing add.
#include <string_view>

#include "api_service.hpp"
#include "receipts.hpp"
#include "dropslot/api/json_io.hpp"
#include "dropslot/api/validation.hpp"
#include "dropslot/db/keys.hpp"

namespace dropslot::api {

namespace {

constexpr std::size_t max_caption_bytes = 4 * db::max_caption_chars;  // 500 characters of up to 4 bytes

/// A failure of the database or of the bucket, answered as its part says.
http::response failure_response(const error& e, std::string_view rid) {
  return e.code.category() == db::db_errc_category() ? db_error_response(e, rid) : api_error_response(e, rid);
}

}  // namespace

result<std::optional<db::upload_record>> api_service::owned_upload(call& c) {
  auto id = c.params.get("id");
  auto name = c.params.get("name");
  if (!db::valid_job_id(id)) return fail(api_errc::invalid_field, "job id must match [A-Za-z0-9_-]{1,64}");
  if (!valid_photo_name(name)) return fail(api_errc::invalid_field, "the photo name must be like photo-001.jpg");
  // Ownership first: another customer's job is 404, as a missing one.
  auto j = db_->get_job(id, c.session->customer);
  if (!j) return fail(j.error());
  if (!*j) return std::optional<db::upload_record>{};
  const std::string key = job_prefix(id) + std::string(name);
  auto ref = parse_photo_key(key);
  if (!ref) return std::optional<db::upload_record>{};
  auto rec = db_->get_upload(id, ref->number);
  if (!rec) return fail(rec.error());
  // The same number with another extension is another (non-existent) key.
  if (!*rec || (*rec)->key != key) return std::optional<db::upload_record>{};
  return rec;
}

void receipt_json(boost::json::object& o, const db::upload_record& r) {
  o["state"] = db::to_string(r.state);
  if (r.received_at)
    o["received_at"] = iso8601(*r.received_at);
  else
    o["received_at"] = nullptr;
  if (r.shot)
    o["shot"] = *r.shot;
  else
    o["shot"] = nullptr;
  if (r.caption)
    o["caption"] = *r.caption;
  else
    o["caption"] = nullptr;
}

std::optional<http::response> api_service::add_shots(boost::json::object& out, const db::job& j,
                                                     std::string_view request_id) {
  auto counts = db_->received_shot_counts(j.id);
  if (!counts) return db_error_response(counts.error(), request_id);
  const auto shots = db::shots_of(j, config_.default_shots);
  boost::json::array arr;
  for (const auto& s : shots) {
    boost::json::object o;
    o["id"] = s.id;
    o["label"] = s.label;
    if (s.hint) o["hint"] = *s.hint;
    o["required"] = s.required;
    std::int64_t n = 0;
    for (const auto& cnt : *counts)
      if (cnt.shot == s.id) n = cnt.count;
    o["count"] = n;
    arr.push_back(std::move(o));
  }
  boost::json::array missing;
  for (auto& m : db::missing_shots(shots, *counts)) missing.push_back(boost::json::string(m));
  out["shots"] = std::move(arr);
  out["missing_shots"] = std::move(missing);
  return std::nullopt;
}

result<boost::json::array> api_service::missing_shots_json(const db::job& j) {
  // The staff board's rows carry the job's own shot list (staff find_job's columns);
  // the counts come with one indexed read.
  auto counts = db_->received_shot_counts(j.id);
  if (!counts) return fail(counts.error());
  boost::json::array out;
  for (auto& m : db::missing_shots(db::shots_of(j, config_.default_shots), *counts))
    out.push_back(boost::json::string(m));
  return out;
}

std::optional<http::response> api_service::check_shot(const db::job& j, const std::string& shot) const {
  for (const auto& s : db::shots_of(j, config_.default_shots))
    if (s.id == shot) return std::nullopt;
  return error_response(api_errc::invalid_field, "shot is not one of this job's shots");
}

http::response api_service::complete_photo(call& c) {
  const auto& rid = c.req.request_id;
  auto rec = owned_upload(c);
  if (!rec) return failure_response(rec.error(), rid);
  if (!*rec) return error_response(api_errc::not_found, "no such photo");
  auto done = confirm_upload(*db_, *bucket_, (*rec)->job_id, (*rec)->number, c.now_s);
  if (!done) return failure_response(done.error(), rid);
  if (!*done) return error_response(api_errc::not_found, "no such photo");
  const auto& r = (*done)->record;
  if (r.state == db::upload_state::rejected)
    return error_response(api_errc::content_mismatch,
                          (*done)->reason.empty()
                              ? "the uploaded object did not match what was signed; it was deleted"
                              : (*done)->reason + "; it was deleted");
  if (r.state != db::upload_state::received)
    return error_response(api_errc::conflict, "the photo is not in the bucket yet: PUT it first, then complete");
  boost::json::object out;
  out["key"] = r.key;
  out["state"] = db::to_string(r.state);
  out["received_at"] = r.received_at ? boost::json::value(iso8601(*r.received_at)) : boost::json::value(nullptr);
  return json_response(200, out);
}

http::response api_service::patch_photo(call& c) {
  const auto& rid = c.req.request_id;
  auto body = parse_object(c.req.body);
  if (!body) return api_error_response(body.error(), rid);
  field_reader f(*body);
  if (auto r = f.only({"shot", "caption"}); !r) return api_error_response(r.error(), rid);
  db::upload_labels labels;
  // null clears a field ("" too); an absent one stays.
  if (auto it = body->find("shot"); it != body->end()) {
    auto shot = f.optional_string("shot", 64);
    if (!shot) return api_error_response(shot.error(), rid);
    labels.shot = shot->value_or("");
  }
  if (auto it = body->find("caption"); it != body->end()) {
    auto caption = f.optional_string("caption", max_caption_bytes);
    if (!caption) return api_error_response(caption.error(), rid);
    if (*caption && !db::valid_caption(**caption))
      return error_response(api_errc::invalid_field, "caption must be at most 500 characters");
    labels.caption = caption->value_or("");
  }
  auto rec = owned_upload(c);
  if (!rec) return failure_response(rec.error(), rid);
  if (!*rec) return error_response(api_errc::not_found, "no such photo");
  if (labels.shot && !labels.shot->empty()) {
    auto j = db_->get_job((*rec)->job_id, c.session->customer);
    if (!j) return db_error_response(j.error(), rid);
    if (!*j) return error_response(api_errc::not_found, "no such photo");
    if (auto bad = check_shot(**j, *labels.shot)) return std::move(*bad);
  }
  auto updated = db_->label_upload((*rec)->job_id, (*rec)->number, labels);
  if (!updated) return db_error_response(updated.error(), rid);
  if (!*updated) return error_response(api_errc::not_found, "no such photo");
  boost::json::object photo;
  photo["key"] = (*updated)->key;
  receipt_json(photo, **updated);
  boost::json::object out;
  out["photo"] = std::move(photo);
  return json_response(200, out);
}

}  // namespace dropslot::api
