#include "thumbnail_backfill.hpp"

#include "thumbnailer.hpp"
#include "dropslot/api/validation.hpp"

namespace dropslot::api {

result<bool> backfill_thumbnail(db::database& db, const bucket_access& bucket, std::string_view job_id,
                                std::int64_t number, std::uint32_t edge, double quality) {
  auto rec = db.get_upload(job_id, number);
  if (!rec) return fail(rec.error());
  if (!*rec || (*rec)->state != db::upload_state::received || !can_thumbnail((*rec)->content_type)) return false;
  const std::string tkey = thumb_key((*rec)->key);
  auto there = bucket.exists(tkey);
  if (!there) return fail(there.error());
  if (*there) return false;
  // The record's size is what S3 accepted for the key (signed Content-Length).
  auto bytes = bucket.read((*rec)->key, (*rec)->size + 1);
  if (!bytes) return fail(bytes.error());
  auto thumb = make_thumbnail((*rec)->content_type, *bytes, edge, static_cast<int>(quality * 100 + 0.5));
  if (!thumb) return false;
  if (auto w = bucket.write(tkey, *thumb, "image/jpeg"); !w) return fail(w.error());
  return true;
}

}  // namespace dropslot::api
