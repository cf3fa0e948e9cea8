#pragma once
// Checks the company's side shares across backends (db part internals), so that every
// backend accepts and refuses the same input.
#include <optional>
#include <string>

#include <dropslot/db/error.hpp>
#include <dropslot/db/staff_records.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db::detail {

/// Staff's PATCH of a job: a given title or status is non-empty, short, without NUL.
result<void> check_staff_job_update(const std::optional<std::string>& title, const std::optional<std::string>& status);
/// 0 <= low <= high, a three-letter upper-case currency, a message of at most 4000 bytes.
result<void> check_quote_reply(const quote_reply& r);
/// A share link's public id: "shr-" and 24 hex digits (96 random bits). Not a secret.
std::string new_share_id();

}  // namespace dropslot::db::detail
