#pragma once
// Checks and conversions both backends share (db part internals), so that SQLite and
// PostgreSQL accept and refuse exactly the same input.
#include <chrono>
#include <cstdint>
#include <string>

#include <dropslot/db/error.hpp>
#include <dropslot/db/records.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db::detail {

inline std::int64_t to_unix(timestamp t) noexcept { return t.time_since_epoch().count(); }
inline timestamp from_unix(std::int64_t s) noexcept { return timestamp(std::chrono::seconds(s)); }

result<void> check_new_customer(const std::string& name, const std::string& email);
result<void> check_new_job(const new_job& j);
result<void> check_job_update(const job_update& u);
result<void> check_upload_request(const upload_request& r);
result<void> check_new_quote(const new_quote& q);

/// A fresh random job id, "job-" and 12 hex digits (48 random bits).
std::string random_job_id();

}  // namespace dropslot::db::detail
