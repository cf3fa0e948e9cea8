#include "validation.hpp"

#include <dropslot/db/receipts.hpp>

#include <dropslot/db/keys.hpp>
#include <dropslot/db/tokens.hpp>

namespace dropslot::db::detail {
namespace {

// Generous caps: the API has its own, tighter body limits; these keep a caller that
// forgot them from filling the database with one row.
constexpr std::size_t short_text_max = 1024;
constexpr std::size_t long_text_max = 64 * 1024;

result<void> check_text(const std::string& v, const char* field, std::size_t max, bool required) {
  if (required && v.empty()) return fail(db_errc::invalid_argument, std::string(field) + " is empty");
  if (v.size() > max) return fail(db_errc::invalid_argument, std::string(field) + " is too long");
  // NUL would be cut by PostgreSQL's text type and kept by SQLite: refuse it on both.
  if (v.find('\0') != std::string::npos)
    return fail(db_errc::invalid_argument, std::string(field) + " contains NUL");
  return {};
}

}  // namespace

result<void> check_new_customer(const std::string& name, const std::string& email) {
  if (auto r = check_text(name, "name", short_text_max, true); !r) return r;
  return check_text(email, "email", short_text_max, true);
}

result<void> check_new_job(const new_job& j) {
  if (!j.id.empty() && !valid_job_id(j.id))
    return fail(db_errc::invalid_argument, "job id must match [A-Za-z0-9_-]{1,64}");
  if (auto r = check_text(j.title, "title", short_text_max, true); !r) return r;
  if (auto r = check_text(j.address, "address", short_text_max, false); !r) return r;
  if (auto r = check_text(j.status, "status", short_text_max, true); !r) return r;
  if (j.scheduled_date)
    if (auto r = check_text(*j.scheduled_date, "scheduled date", short_text_max, false); !r) return r;
  if (auto r = check_text(j.notes, "notes", long_text_max, false); !r) return r;
  return check_text(j.access_instructions, "access instructions", long_text_max, false);
}

result<void> check_job_update(const job_update& u) {
  if (u.notes)
    if (auto r = check_text(*u.notes, "notes", long_text_max, false); !r) return r;
  if (u.access_instructions)
    if (auto r = check_text(*u.access_instructions, "access instructions", long_text_max, false); !r) return r;
  return {};
}

result<void> check_upload_request(const upload_request& r) {
  if (!valid_job_id(r.job_id)) return fail(db_errc::invalid_argument, "job id must match [A-Za-z0-9_-]{1,64}");
  // The extension ends up in an object key: keep it to a short lowercase token.
  if (r.ext.empty() || r.ext.size() > 10) return fail(db_errc::invalid_argument, "bad extension");
  for (char c : r.ext)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return fail(db_errc::invalid_argument, "bad extension");
  if (auto c = check_text(r.content_type, "content type", short_text_max, true); !c) return c;
  if (r.checksum_sha256)
    if (auto c = check_text(*r.checksum_sha256, "checksum", short_text_max, false); !c) return c;
  if (r.size > static_cast<std::uint64_t>(INT64_MAX)) return fail(db_errc::invalid_argument, "size too large");
  // The client photo ID has the job id's alphabet and length.
  if (r.client_id && !valid_job_id(*r.client_id))
    return fail(db_errc::invalid_argument, "client id must match [A-Za-z0-9_-]{1,64}");
  if (r.shot && !valid_shot_id(*r.shot)) return fail(db_errc::invalid_argument, "shot must match [a-z0-9_-]{1,32}");
  if (r.caption && !valid_caption(*r.caption))
    return fail(db_errc::invalid_argument, "caption must be valid UTF-8 of at most 500 characters");
  return {};
}

result<void> check_new_quote(const new_quote& q) {
  if (q.job_id && !valid_job_id(*q.job_id)) return fail(db_errc::not_found, "no such job");
  if (auto r = check_text(q.description, "description", long_text_max, true); !r) return r;
  if (q.preferred_date)
    if (auto r = check_text(*q.preferred_date, "preferred date", short_text_max, false); !r) return r;
  return {};
}

std::string random_job_id() { return "job-" + random_token().substr(0, 12); }

}  // namespace dropslot::db::detail
