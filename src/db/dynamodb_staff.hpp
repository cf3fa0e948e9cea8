#pragma once
// The company's side on DynamoDB (db part internals; dynamodb_database.cpp owns it and
// calls the board_* hooks where a job's activity changes).
//
// Items (one table, docs/architecture.md, db):
//   STAFF#<id> / PROFILE               a staff member; STAFFEMAIL#<email> / EMAIL claims the email
//   STAFFCODE#<hash> / CODE            a staff login code (TTL on expires_at)
//   STAFFSESSION#<hash> / SESSION      a staff session (TTL); gsi1: STAFF#<id> / SESSION#<hash>
//   JOB#<id> / BOARD                   the job's board entry; gsi1: BOARD / <activity, 12 digits>#<job id>
//   CUSTOMER#<id> / REPLY#<quote id>   staff's reply to one of the customer's quote requests
//   QUOTEREF#<quote id> / QUOTEREF     where quote <id> is (its customer and sort key)
//   SHARE#<hash> / SHARE               a share link; gsi1: STAFF#<id> / SHARE#<share id>
//   SHAREID#<share id> / SHAREID       the link's handle (its token hash), for revoking by id
// The board is a Query on gsi1's BOARD partition, newest first: never a Scan.
#include <memory>
#include <string_view>

#include <dropslot/db/database.hpp>

#include "dynamodb_table.hpp"

namespace dropslot::db::detail {

/// A job item (JOB#<id> / JOB), as a job (dynamodb_database.cpp).
job read_job(const json::object& item);

/// Runs on `table`; reads jobs, customers and quotes through `db` (the backend that
/// owns it). Both must outlive it.
std::unique_ptr<staff_database> make_dynamodb_staff(dynamodb_table& table, database& db);

/// A new job's board entry (its customer's name and email are kept on it, as the
/// search text). Best effort: the job stands if this write fails.
result<void> board_job_created(dynamodb_table& table, const job& j, const customer& owner);
/// `dropslot admin migrate`: an entry for every job that has none (jobs made before
/// the board existed), from the job, its newest upload and its quotes still waiting;
/// how many were added. Scans the table: admin only, never on a request's path.
result<std::size_t> board_backfill(dynamodb_table& table, database& db);
/// Moves the job up the board to `now`; with `upload`, also its newest upload time
/// (and `upload_key`, the board's thumbnail); with `quote_added`, one more quote
/// request waits. Only an existing entry is touched (a job made before the board
/// has none).
result<void> board_touch(dynamodb_table& table, std::string_view job_id, timestamp now, bool upload, bool quote_added,
                         std::string_view upload_key = {});

/// Records where quote `quote_id` is stored, so a reply can find it by id. Written
/// before the quote itself: a quote without it never exists.
result<void> quote_reference(dynamodb_table& table, std::int64_t quote_id, customer_id customer,
                             std::string_view quote_sk, const std::optional<std::string>& job_id);

}  // namespace dropslot::db::detail
