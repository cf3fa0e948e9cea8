#pragma once
// The company's side of the database (DESIGN.md, "The company's side"): what staff
// accounts, staff sessions, the job board, quote replies and share links need. One
// object per backend, reached through database::staff().
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <dropslot/db/error.hpp>
#include <dropslot/db/records.hpp>
#include <dropslot/db/staff_records.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db {

/// Thread safety, failures and time as db::database. Staff sessions are never cached:
/// a revoke is seen by every instance at once.
class staff_database {
 public:
  virtual ~staff_database() = default;

  // --- staff accounts ----------------------------------------------------------------
  /// conflict when the email is taken by another staff member; invalid_argument when
  /// name or email is empty.
  virtual result<staff_member> create_staff(const std::string& name, const std::string& email, timestamp now) = 0;
  virtual result<std::vector<staff_member>> list_staff() = 0;
  virtual result<std::optional<staff_member>> get_staff(staff_id id) = 0;
  /// Removes the staff member, their sessions and login codes, and revokes the share
  /// links they made. True when they existed.
  virtual result<bool> delete_staff(staff_id id, timestamp now) = 0;

  // --- staff login codes and sessions (as the customer ones) -------------------------
  /// not_found when the staff member does not exist.
  virtual result<login_code> create_staff_login_code(staff_id id, timestamp now,
                                                     std::chrono::seconds ttl = std::chrono::minutes(15)) = 0;
  /// Spends a staff code: the staff id once; nullopt when unknown, expired or used.
  virtual result<std::optional<staff_id>> consume_staff_login_code(std::string_view code, timestamp now) = 0;
  virtual result<new_session> create_staff_session(staff_id id, timestamp now, std::chrono::seconds ttl) = 0;
  virtual result<std::optional<staff_session>> lookup_staff_session(std::string_view token, timestamp now) = 0;
  virtual result<void> revoke_staff_session(std::string_view token, timestamp now) = 0;
  virtual result<std::int64_t> revoke_staff_sessions(staff_id id, timestamp now) = 0;

  // --- the board and a job seen by staff ----------------------------------------------
  /// One page of every customer's jobs, latest activity first. Served from an index
  /// in board order, so the first page costs the same over 10 or 10,000 jobs.
  virtual result<board_page> board(const board_query& q) = 0;
  /// Any customer's job (staff see them all); nullopt when it does not exist.
  virtual result<std::optional<job>> find_job(std::string_view job_id) = 0;
  /// Staff's fields of a job; nullopt when it does not exist.
  virtual result<std::optional<job>> update_job_by_staff(std::string_view job_id, const std::optional<std::string>& title,
                                                         const std::optional<std::string>& status, timestamp now) = 0;
  /// The quote requests on a job, newest first.
  virtual result<std::vector<quote>> job_quotes(std::string_view job_id) = 0;

  // --- quote replies -------------------------------------------------------------------
  /// Records (or replaces) the reply to quote `r.quote_id`; nullopt when there is no
  /// such quote. invalid_argument for a bad currency, message or price range.
  virtual result<std::optional<quote_reply>> reply_quote(const quote_reply& r) = 0;
  /// The replies to the customer's quote requests (for GET {base}/quotes).
  virtual result<std::vector<quote_reply>> customer_quote_replies(customer_id customer) = 0;
  /// The replies to the quote requests on a job.
  virtual result<std::vector<quote_reply>> job_quote_replies(std::string_view job_id) = 0;

  // --- share links --------------------------------------------------------------------
  /// A new link to the job's gallery until `now + ttl`; not_found when the job does
  /// not exist. Only the token's hash is stored.
  virtual result<new_share_link> create_share(std::string_view job_id, staff_id staff, timestamp now,
                                              std::chrono::seconds ttl) = 0;
  /// The live link behind a token; nullopt when unknown, revoked or expired (or its
  /// job is gone).
  virtual result<std::optional<share_link>> find_share(std::string_view token, timestamp now) = 0;
  /// Revokes a link by its id; false when there is no such live link.
  virtual result<bool> revoke_share(std::string_view share_id, timestamp now) = 0;
};

}  // namespace dropslot::db
