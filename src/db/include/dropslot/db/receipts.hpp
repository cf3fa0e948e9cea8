#pragma once
// Shot lists and upload receipts (issue 22; DESIGN.md, "Shot list and receipts"):
// the values the database hands out for them, and the shot-list rules every caller
// (API, staff board, admin) shares. Plain values and pure functions: no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <dropslot/db/records.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db {

/// One requested shot of a job: id matches [a-z0-9_-]{1,32}.
struct shot {
  std::string id;
  std::string label;
  std::optional<std::string> hint;
  bool required = false;
};

/// Where an upload record stands. pending: URL issued; received: the object was
/// confirmed (size, type, magic number); rejected: it failed the checks and was
/// deleted; expired: no object 24 h after the URL was issued.
enum class upload_state { pending, received, rejected, expired };

std::string_view to_string(upload_state s) noexcept;
/// nullopt for anything but the four names.
std::optional<upload_state> parse_upload_state(std::string_view s) noexcept;

/// One upload record (a key issued by allocate_upload) with its receipt.
struct upload_record {
  std::string job_id;
  std::int64_t number = 0;
  std::string key;
  customer_id customer = 0;
  std::string content_type;
  std::uint64_t size = 0;
  std::optional<std::string> checksum_sha256;
  std::optional<std::string> shot;
  std::optional<std::string> caption;
  upload_state state = upload_state::pending;
  std::optional<timestamp> received_at;
  timestamp created_at{};
};

/// The owner's later change of an upload's labels (PATCH); unset fields stay.
/// An empty string clears the field.
struct upload_labels {
  std::optional<std::string> shot;
  std::optional<std::string> caption;
};

/// How many `received` uploads a job has per shot (shots without any are absent).
struct shot_count {
  std::string shot;
  std::int64_t count = 0;
};

/// The longest caption, in characters (code points) of valid UTF-8.
inline constexpr std::size_t max_caption_chars = 500;

bool valid_shot_id(std::string_view id) noexcept;
/// Valid UTF-8 of at most max_caption_chars code points.
bool valid_caption(std::string_view caption) noexcept;

/// The built-in default list (junk removal): wide, closeup, access (required), other.
std::vector<shot> builtin_shots();
/// Parses a shot list given as a JSON array of {id, label, hint?, required?}
/// (DROPSLOT_SHOTS, a job's stored list, PATCH /staff/jobs/{id}). invalid_argument,
/// naming the rule, for anything else: bad ids, duplicates, empty labels, more than
/// 32 shots, unknown fields.
result<std::vector<shot>> parse_shots(std::string_view json);
/// The canonical JSON text of a list (what the database stores; parse_shots reads it).
std::string shots_to_json(const std::vector<shot>& shots);

/// The job's list: its own (job::shots) when set, else `defaults`.
std::vector<shot> shots_of(const job& j, const std::vector<shot>& defaults);
/// The required shots without a received photo, in the list's order.
std::vector<std::string> missing_shots(const std::vector<shot>& shots, const std::vector<shot_count>& received);

}  // namespace dropslot::db
