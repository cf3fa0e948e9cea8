#include "staff_validation.hpp"

#include <dropslot/db/tokens.hpp>

namespace dropslot::db::detail {
namespace {

result<void> check_short(const std::optional<std::string>& v, const char* field) {
  if (!v) return {};
  if (v->empty()) return fail(db_errc::invalid_argument, std::string(field) + " is empty");
  if (v->size() > 1024) return fail(db_errc::invalid_argument, std::string(field) + " is too long");
  if (v->find('\0') != std::string::npos) return fail(db_errc::invalid_argument, std::string(field) + " contains NUL");
  return {};
}

}  // namespace

result<void> check_staff_job_update(const std::optional<std::string>& title, const std::optional<std::string>& status) {
  if (auto r = check_short(title, "title"); !r) return r;
  return check_short(status, "status");
}

result<void> check_quote_reply(const quote_reply& r) {
  if (r.price_low_cents < 0 || r.price_high_cents < r.price_low_cents)
    return fail(db_errc::invalid_argument, "prices must satisfy 0 <= price_low_cents <= price_high_cents");
  if (r.currency.size() != 3) return fail(db_errc::invalid_argument, "currency must be three letters (ISO 4217)");
  for (char c : r.currency)
    if (c < 'A' || c > 'Z') return fail(db_errc::invalid_argument, "currency must be three upper-case letters (ISO 4217)");
  if (r.message.size() > 4000) return fail(db_errc::invalid_argument, "message is too long");
  if (r.message.find('\0') != std::string::npos) return fail(db_errc::invalid_argument, "message contains NUL");
  return {};
}

std::string new_share_id() { return "shr-" + random_token().substr(0, 24); }

}  // namespace dropslot::db::detail
