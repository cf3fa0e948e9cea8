#pragma once
// The company's side (DESIGN.md, "The company's side"): staff accounts and sessions,
// the job board, quote replies and share links. Plain values, no behaviour.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <dropslot/db/records.hpp>

namespace dropslot::db {

using staff_id = std::int64_t;

/// One of the company's people. Not a customer: an id of its own number space.
struct staff_member {
  staff_id id = 0;
  std::string name;
  std::string email;
  timestamp created_at{};
};

/// A valid (not expired, not revoked) staff session.
struct staff_session {
  staff_id staff = 0;
  std::string token_hash;  ///< never log it
  timestamp expires_at{};
};

/// Where a board page starts: after the job with this (activity, id), in board order.
struct board_cursor {
  timestamp activity_at{};
  std::string job_id;
};

/// Input of staff_database::board.
struct board_query {
  bool needs_quote = false;  ///< only jobs with a quote request that has no reply
  std::string text;          ///< lowercase; matches within title, customer name or job id (ASCII case-insensitive)
  std::optional<board_cursor> after;
  std::size_t limit = 50;
};

/// One line of the board: a job, its customer and what staff scan for.
struct board_row {
  job j;
  customer owner;
  std::optional<timestamp> last_upload_at;  ///< newest upload record (its URL's issue time)
  std::optional<std::string> last_key;       ///< that record's object key (the board's thumbnail)
  bool quote_waiting = false;               ///< a quote request on this job has no reply yet
  timestamp activity_at{};                  ///< newest of: created, changed, upload, quote request
};

struct board_page {
  std::vector<board_row> rows;  ///< latest activity first, then job id descending
  std::optional<board_cursor> next;
};

/// Staff's answer to a quote request. One per quote: a second reply replaces it.
struct quote_reply {
  std::int64_t quote_id = 0;
  staff_id staff = 0;
  std::int64_t price_low_cents = 0;
  std::int64_t price_high_cents = 0;
  std::string currency;  ///< ISO 4217, three upper-case letters
  std::string message;
  timestamp replied_at{};
};

/// A read-only link to a job's gallery. Only the token's hash is stored.
struct share_link {
  std::string id;  ///< public handle for revoking (not the token)
  std::string job_id;
  staff_id staff = 0;
  timestamp created_at{};
  timestamp expires_at{};
};

/// A new share link: the plaintext token exists only here and in the link.
struct new_share_link {
  share_link link;
  std::string token;  ///< 64 hex chars: 256 random bits
};

}  // namespace dropslot::db
