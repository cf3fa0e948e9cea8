#pragma once
// Input rules of the API (DESIGN.md, Keys and Security model). Pure functions: they
// run before any value reaches a key, a query or a signature. Job ids and key
// numbering are the db part's (db/keys.hpp: valid_job_id, photo_key), so both
// sides apply one rule.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dropslot/api/app.hpp"

namespace dropslot::api {

/// The allow-list entry for `content_type` (compared case-insensitively, without
/// parameters such as "; charset"), or nullptr when it is not allowed.
const allowed_type* find_allowed_type(const std::vector<allowed_type>& types,
                                      std::string_view content_type) noexcept;

/// The key prefix that holds a job's photos: "jobs/<job-id>/".
std::string job_prefix(std::string_view job_id);

/// True when `b64` is the base64 form of a 32-byte SHA-256 digest (44 characters,
/// one '=' pad), as S3 expects in x-amz-checksum-sha256.
bool valid_checksum_sha256(std::string_view b64) noexcept;

/// True when `id` is a dashboard photo ID: [A-Za-z0-9_-]{1,64}.
bool valid_client_id(std::string_view id) noexcept;

/// True when `t` is an RFC 3339 UTC time to the second, exactly
/// "YYYY-MM-DDTHH:MM:SSZ", naming a real calendar day (years 1900..9999, no
/// leap second, no fraction, no offset): what is signed as x-amz-meta-captured-at.
bool valid_captured_at(std::string_view t) noexcept;

/// True when `name` is the last segment of a photo key as allocation makes it:
/// "photo-" + the number (three digits zero-padded, or more digits without a
/// leading zero past 999, never 000) + "." + an extension of 1..10 [a-z0-9].
bool valid_photo_name(std::string_view name) noexcept;

/// The thumbnail's key for a photo key: "jobs/<id>/photo-007.png" ->
/// "jobs/<id>/thumbs/photo-007.jpg" (thumbnails are always JPEG).
std::string thumb_key(std::string_view photo_key);

}  // namespace dropslot::api
