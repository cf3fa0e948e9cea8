#pragma once
// Job ids and object keys (DESIGN.md, Keys).
#include <cstdint>
#include <string>
#include <string_view>

namespace dropslot::db {

/// True when `id` matches [A-Za-z0-9_-]{1,64}: safe in a key, a path and a query.
bool valid_job_id(std::string_view id) noexcept;

/// jobs/<job-id>/photo-NNN.<ext>: NNN from 001, zero-padded to three digits, wider past
/// 999. The caller has validated job_id and ext.
std::string photo_key(std::string_view job_id, std::int64_t number, std::string_view ext);

}  // namespace dropslot::db
