#pragma once
// The rows the database hands out and takes in: plain values, no behaviour.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace dropslot::db {

/// Time as the database sees it: whole seconds since the Unix epoch (UTC). Callers pass
/// `now` in, so the part never reads the wall clock and tests can move time.
using timestamp = std::chrono::sys_seconds;

using customer_id = std::int64_t;

struct customer {
  customer_id id = 0;
  std::string name;
  std::string email;
  timestamp created_at{};
};

struct job {
  std::string id;  ///< matches [A-Za-z0-9_-]{1,64} (valid_job_id)
  customer_id customer = 0;
  std::string title;
  std::string address;
  std::string status;                         ///< free text, e.g. "scheduled", "in_progress", "done"
  std::optional<std::string> scheduled_date;  ///< YYYY-MM-DD as given
  std::string notes;                          ///< customer-editable
  std::string access_instructions;            ///< customer-editable
  std::int64_t photo_count = 0;               ///< keys issued so far (next number - 1)
  /// The job's own shot list as JSON text (receipts.hpp parse_shots); nullopt: the
  /// operator's default (DROPSLOT_SHOTS or the built-in list).
  std::optional<std::string> shots;
  timestamp created_at{};
  timestamp updated_at{};
};

/// Input of database::create_job. An empty `id` means "pick one" (a random id).
struct new_job {
  std::string id;
  customer_id customer = 0;
  std::string title;
  std::string address;
  std::string status = "scheduled";
  std::optional<std::string> scheduled_date;
  std::string notes;
  std::string access_instructions;
};

/// The customer's own fields of a job (PATCH); a field left empty-optional is unchanged.
struct job_update {
  std::optional<std::string> notes;
  std::optional<std::string> access_instructions;
};

/// A one-time login code, in plaintext exactly once (only its hash is stored).
struct login_code {
  std::string code;
  timestamp expires_at{};
};

/// A new session: the plaintext token exists only here and in the client's hands.
struct new_session {
  std::string token;       ///< 64 hex chars: 256 random bits
  std::string token_hash;  ///< hash_token(token), what the tables store
  timestamp expires_at{};
};

/// A valid (not expired, not revoked) session, as lookup_session finds it.
struct session {
  customer_id customer = 0;
  std::string token_hash;  ///< to record which session asked for an upload; never log it
  timestamp expires_at{};
};

/// Input of database::allocate_upload.
struct upload_request {
  std::string job_id;
  customer_id customer = 0;  ///< must own the job, else not_found
  std::string content_type;
  std::uint64_t size = 0;                      ///< declared content-length
  std::optional<std::string> checksum_sha256;  ///< as the client gave it (base64)
  timestamp expires_at{};                      ///< when the presigned URL expires
  std::string session_hash;                    ///< session::token_hash of the caller
  std::string ext;                             ///< "jpg", "png"...: from the content type, never the filename
  std::optional<std::int64_t> max_photos;      ///< per-job cap; limit_reached past it
  /// The dashboard's own ID for this photo ([A-Za-z0-9_-]{1,64}), so that a retried
  /// request never makes a second photo: while an upload of the job with the same
  /// client_id exists, allocate_upload returns its slot again (same number, same key,
  /// `reused` set) without taking a new number or counting against max_photos.
  /// invalid_argument when it breaks the pattern. Unset: every call takes a new number.
  std::optional<std::string> client_id;
  /// The requested shot this photo answers (already checked against the job's list)
  /// and the customer's caption (valid UTF-8, at most 500 characters); both optional.
  std::optional<std::string> shot;
  std::optional<std::string> caption;
};

/// What allocate_upload issued: the photo number (1, 2, ...) and the object key.
struct upload_slot {
  std::int64_t number = 0;
  std::string key;      ///< jobs/<job-id>/photo-NNN.<ext>
  bool reused = false;  ///< an earlier call with the same client_id issued this slot
};

struct quote {
  std::int64_t id = 0;
  customer_id customer = 0;
  std::optional<std::string> job_id;
  std::string description;
  std::optional<std::string> preferred_date;  ///< YYYY-MM-DD as given
  timestamp created_at{};
};

/// Input of database::create_quote. A job_id, when given, must be the customer's job.
struct new_quote {
  customer_id customer = 0;
  std::optional<std::string> job_id;
  std::string description;
  std::optional<std::string> preferred_date;
};

}  // namespace dropslot::db
