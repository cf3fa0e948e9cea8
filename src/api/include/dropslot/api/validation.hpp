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

}  // namespace dropslot::api
