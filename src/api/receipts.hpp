#pragma once
// The one confirmation of an upload (issue 22; DESIGN.md, "Shot list and receipts"):
// POST {base}/jobs/{id}/photos/{name}/complete, the embedded store's in-process
// event, S3 ObjectCreated notifications and `dropslot admin reconcile` all call
// confirm_upload. It is idempotent and safe to run twice or out of order: every move
// of the record is one conditional write in the database (set_upload_state).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bucket_access.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::api {

/// How many first bytes of an object the magic-number check reads.
inline constexpr std::size_t magic_bytes = 32;

/// True when `first_bytes` start as a file of `content_type` does: JPEG (FF D8 FF),
/// PNG (the 8-byte signature), WebP (RIFF....WEBP), HEIC/HEIF (an ftyp box with a
/// HEIF brand), MP4 (an ftyp box, not QuickTime's), QuickTime (ftyp "qt  " or a
/// leading moov/mdat/wide/free/skip atom) and WebM (the EBML header). A type with no
/// known signature (an operator's addition to DROPSLOT_ALLOWED_TYPES) passes: the
/// size and type checks still apply.
bool magic_matches(std::string_view content_type, std::string_view first_bytes) noexcept;

/// A photo key split into its job and number: "jobs/<id>/photo-NNN.<ext>" (the
/// spelling allocation makes); nullopt for anything else (thumbnails included).
struct photo_ref {
  std::string job_id;
  std::int64_t number = 0;
};
std::optional<photo_ref> parse_photo_key(std::string_view key);

/// What confirm_upload found.
struct confirmation {
  db::upload_record record;  ///< as it stands afterwards
  /// Why it was rejected, when this call rejected it (for the 422's message; says
  /// what differed, never more than the record holds).
  std::string reason;
  /// False when the object is not in the bucket (the record stays as it was).
  bool object_found = true;
};

/// Confirms the upload (job_id, number): nullopt when there is no such record.
/// A received or rejected record is returned as it is, without touching the bucket.
/// Otherwise HEAD the object: none -> unchanged (object_found false). Its size and
/// type must be the signed ones and its first bytes the type's magic number:
/// received at `now`; else the record is marked rejected FIRST (so it can never be
/// received later) and then the thumbnail and the object are deleted (reconcile
/// deletes what a failure between the two leaves). Errors: storage_unavailable,
/// the database's.
result<std::optional<confirmation>> confirm_upload(db::database& db, const bucket_access& bucket,
                                                   std::string_view job_id, std::int64_t number, db::timestamp now);

}  // namespace dropslot::api
