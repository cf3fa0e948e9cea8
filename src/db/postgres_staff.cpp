// The company's side on PostgreSQL (staff_database.hpp; schema: postgres_migrations.cpp,
// version 5). Every statement is prepared and parameterized; staff sessions are never
// cached.
#include "postgres_staff.hpp"

#include <dropslot/db/keys.hpp>
#include <dropslot/db/tokens.hpp>

#include "staff_validation.hpp"
#include "validation.hpp"

namespace dropslot::db::detail {
namespace {

#define DROPSLOT_STAFF_JOB_COLUMNS                                                                 \
  "j.id, j.customer_id, j.title, j.address, j.status, j.scheduled_date, j.notes, "                 \
  "j.access_instructions, j.next_photo_number - 1, j.created_at, j.updated_at, j.shots"
#define DROPSLOT_REPLY_COLUMNS \
  "r.quote_id, r.staff_id, r.price_low_cents, r.price_high_cents, r.currency, r.message, r.replied_at"

namespace sql {
constexpr pg_statement staff_create{"staff_create",
                                    "INSERT INTO staff (name, email, created_at) VALUES ($1, $2, $3::bigint) "
                                    "RETURNING id, name, email, created_at"};
constexpr pg_statement staff_list{"staff_list", "SELECT id, name, email, created_at FROM staff ORDER BY id"};
constexpr pg_statement staff_get{"staff_get", "SELECT id, name, email, created_at FROM staff WHERE id = $1::bigint"};
constexpr pg_statement staff_revoke_shares{
    "staff_revoke_shares",
    "UPDATE shares SET revoked_at = $2::bigint WHERE staff_id = $1::bigint AND revoked_at IS NULL"};
constexpr pg_statement staff_delete_sessions{"staff_delete_sessions",
                                             "DELETE FROM staff_sessions WHERE staff_id = $1::bigint"};
constexpr pg_statement staff_delete_codes{"staff_delete_codes",
                                          "DELETE FROM staff_login_codes WHERE staff_id = $1::bigint"};
constexpr pg_statement staff_delete{"staff_delete", "DELETE FROM staff WHERE id = $1::bigint"};
constexpr pg_statement staff_code_create{
    "staff_code_create",
    "INSERT INTO staff_login_codes (code_hash, staff_id, created_at, expires_at) "
    "SELECT $1, id, $3::bigint, $4::bigint FROM staff WHERE id = $2::bigint"};
constexpr pg_statement staff_code_consume{
    "staff_code_consume",
    "UPDATE staff_login_codes SET used_at = $2::bigint "
    "WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2::bigint RETURNING staff_id"};
constexpr pg_statement staff_session_create{
    "staff_session_create",
    "INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) "
    "VALUES ($1, $2::bigint, $3::bigint, $4::bigint)"};
constexpr pg_statement staff_session_lookup{
    "staff_session_lookup",
    "SELECT staff_id, expires_at FROM staff_sessions "
    "WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2::bigint"};
constexpr pg_statement staff_session_revoke{
    "staff_session_revoke",
    "UPDATE staff_sessions SET revoked_at = $2::bigint WHERE token_hash = $1 AND revoked_at IS NULL"};
constexpr pg_statement staff_session_revoke_all{
    "staff_session_revoke_all",
    "UPDATE staff_sessions SET revoked_at = $2::bigint "
    "WHERE staff_id = $1::bigint AND revoked_at IS NULL AND expires_at > $2::bigint"};
// As on SQLite: an index walk in board order (jobs_by_activity), stopped by the LIMIT.
constexpr pg_statement board{
    "staff_board",
    "SELECT " DROPSLOT_STAFF_JOB_COLUMNS ", c.id, c.name, c.email, c.created_at, "
    "j.last_upload_at, j.quotes_waiting, j.activity_at, "
    "(SELECT u.key FROM uploads u WHERE u.job_id = j.id ORDER BY u.photo_number DESC LIMIT 1) "
    "FROM jobs j JOIN customers c ON c.id = j.customer_id "
    "WHERE ($1::int = 0 OR j.quotes_waiting > 0) "
    "AND ($2::bigint IS NULL OR (j.activity_at, j.id) < ($2::bigint, $3::text)) "
    "AND ($4::text IS NULL OR strpos(lower(j.title), $4) > 0 OR strpos(lower(c.name), $4) > 0 "
    "     OR strpos(lower(j.id), $4) > 0) "
    "ORDER BY j.activity_at DESC, j.id DESC LIMIT $5::bigint"};
constexpr pg_statement job_find{"staff_job_find", "SELECT " DROPSLOT_STAFF_JOB_COLUMNS " FROM jobs j WHERE j.id = $1"};
constexpr pg_statement job_update{
    "staff_job_update",
    "UPDATE jobs j SET title = COALESCE($2, j.title), status = COALESCE($3, j.status), updated_at = $4::bigint "
    "WHERE j.id = $1 RETURNING " DROPSLOT_STAFF_JOB_COLUMNS};
constexpr pg_statement job_quotes{
    "staff_job_quotes",
    "SELECT id, customer_id, job_id, description, preferred_date, created_at FROM quotes "
    "WHERE job_id = $1 ORDER BY created_at DESC, id DESC"};
constexpr pg_statement reply{
    "staff_reply",
    "INSERT INTO quote_replies AS r (quote_id, staff_id, price_low_cents, price_high_cents, currency, message, "
    "replied_at) SELECT id, $2::bigint, $3::bigint, $4::bigint, $5, $6, $7::bigint FROM quotes WHERE id = $1::bigint "
    "ON CONFLICT (quote_id) DO UPDATE SET staff_id = excluded.staff_id, "
    "price_low_cents = excluded.price_low_cents, price_high_cents = excluded.price_high_cents, "
    "currency = excluded.currency, message = excluded.message, replied_at = excluded.replied_at "
    "RETURNING " DROPSLOT_REPLY_COLUMNS};
constexpr pg_statement customer_replies{
    "staff_customer_replies",
    "SELECT " DROPSLOT_REPLY_COLUMNS " FROM quote_replies r JOIN quotes q ON q.id = r.quote_id "
    "WHERE q.customer_id = $1::bigint"};
constexpr pg_statement job_replies{
    "staff_job_replies",
    "SELECT " DROPSLOT_REPLY_COLUMNS " FROM quote_replies r JOIN quotes q ON q.id = r.quote_id WHERE q.job_id = $1"};
constexpr pg_statement share_create{
    "staff_share_create",
    "INSERT INTO shares (id, token_hash, job_id, staff_id, created_at, expires_at) "
    "SELECT $1, $2, id, $4::bigint, $5::bigint, $6::bigint FROM jobs WHERE id = $3"};
constexpr pg_statement share_find{
    "staff_share_find",
    "SELECT id, job_id, staff_id, created_at, expires_at FROM shares "
    "WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2::bigint"};
constexpr pg_statement share_revoke{
    "staff_share_revoke",
    "UPDATE shares SET revoked_at = $2::bigint WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2::bigint"};
}  // namespace sql

staff_member read_staff(const pg_result& r, int i) {
  return staff_member{r.int64(i, 0), r.text(i, 1), r.text(i, 2), from_unix(r.int64(i, 3))};
}

quote_reply read_reply(const pg_result& r, int i) {
  return quote_reply{r.int64(i, 0), r.int64(i, 1), r.int64(i, 2), r.int64(i, 3),
                     r.text(i, 4),  r.text(i, 5),  from_unix(r.int64(i, 6))};
}

class postgres_staff final : public staff_database {
 public:
  explicit postgres_staff(pg_pool& pool) : pool_(pool) {}

  result<staff_member> create_staff(const std::string& name, const std::string& email, timestamp now) override {
    if (auto v = check_new_customer(name, email); !v) return fail(v.error());
    auto r = run(sql::staff_create, {name, email, to_unix(now)});
    if (!r) return fail(r.error());
    return read_staff(*r, 0);
  }

  result<std::vector<staff_member>> list_staff() override {
    auto r = run(sql::staff_list, {});
    if (!r) return fail(r.error());
    std::vector<staff_member> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_staff(*r, i));
    return out;
  }

  result<std::optional<staff_member>> get_staff(staff_id id) override {
    auto r = run(sql::staff_get, {id});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<staff_member>{};
    return std::optional<staff_member>(read_staff(*r, 0));
  }

  result<bool> delete_staff(staff_id id, timestamp now) override {
    auto c = pool_.acquire();
    if (!c) return fail(c.error());
    if (auto b = (*c)->exec("BEGIN"); !b) return fail(b.error());
    auto body = [&]() -> result<bool> {
      if (auto e = (*c)->run(sql::staff_revoke_shares, {id, to_unix(now)}); !e) return fail(e.error());
      if (auto e = (*c)->run(sql::staff_delete_sessions, {id}); !e) return fail(e.error());
      if (auto e = (*c)->run(sql::staff_delete_codes, {id}); !e) return fail(e.error());
      auto gone = (*c)->run(sql::staff_delete, {id});
      if (!gone) return fail(gone.error());
      return gone->affected() > 0;
    };
    auto out = body();
    if (out) {
      if (auto cm = (*c)->exec("COMMIT"); !cm) out = fail(cm.error());
    } else {
      (void)(*c)->exec("ROLLBACK");
    }
    return out;
  }

  result<login_code> create_staff_login_code(staff_id id, timestamp now, std::chrono::seconds ttl) override {
    login_code code{random_token(), now + ttl};
    auto r = run(sql::staff_code_create, {hash_token(code.code), id, to_unix(now), to_unix(code.expires_at)});
    if (!r) return fail(r.error());
    if (r->affected() == 0) return fail(db_errc::not_found, "no such staff member");
    return code;
  }

  result<std::optional<staff_id>> consume_staff_login_code(std::string_view code, timestamp now) override {
    auto r = run(sql::staff_code_consume, {hash_token(code), to_unix(now)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<staff_id>{};
    return std::optional<staff_id>(r->int64(0, 0));
  }

  result<new_session> create_staff_session(staff_id id, timestamp now, std::chrono::seconds ttl) override {
    new_session s;
    s.token = random_token();
    s.token_hash = hash_token(s.token);
    s.expires_at = now + ttl;
    auto r = run(sql::staff_session_create, {s.token_hash, id, to_unix(now), to_unix(s.expires_at)});
    if (!r) return fail(r.error());
    return s;
  }

  result<std::optional<staff_session>> lookup_staff_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    auto r = run(sql::staff_session_lookup, {hash, to_unix(now)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<staff_session>{};
    return std::optional<staff_session>(staff_session{r->int64(0, 0), std::move(hash), from_unix(r->int64(0, 1))});
  }

  result<void> revoke_staff_session(std::string_view token, timestamp now) override {
    auto r = run(sql::staff_session_revoke, {hash_token(token), to_unix(now)});
    if (!r) return fail(r.error());
    return {};
  }

  result<std::int64_t> revoke_staff_sessions(staff_id id, timestamp now) override {
    auto r = run(sql::staff_session_revoke_all, {id, to_unix(now)});
    if (!r) return fail(r.error());
    return r->affected();
  }

  result<board_page> board(const board_query& q) override {
    std::optional<std::int64_t> after_at;
    std::optional<std::string> after_id;
    if (q.after) {
      after_at = to_unix(q.after->activity_at);
      after_id = q.after->job_id;
    }
    std::optional<std::string> text;
    if (!q.text.empty()) text = q.text;
    std::size_t limit = q.limit == 0 ? 1 : q.limit;
    auto r = run(sql::board, {q.needs_quote ? 1 : 0, after_at, after_id, text, static_cast<std::int64_t>(limit + 1)});
    if (!r) return fail(r.error());
    board_page page;
    for (int i = 0; i < r->rows(); ++i) {
      board_row row;
      row.j = read_job(*r, i);
      row.owner = customer{r->int64(i, 12), r->text(i, 13), r->text(i, 14), from_unix(r->int64(i, 15))};
      if (!r->is_null(i, 16)) row.last_upload_at = from_unix(r->int64(i, 16));
      row.quote_waiting = r->int64(i, 17) > 0;
      row.activity_at = from_unix(r->int64(i, 18));
      row.last_key = r->opt_text(i, 19);
      page.rows.push_back(std::move(row));
    }
    if (page.rows.size() > limit) {
      page.rows.pop_back();
      page.next = board_cursor{page.rows.back().activity_at, page.rows.back().j.id};
    }
    return page;
  }

  result<std::optional<job>> find_job(std::string_view job_id) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    auto r = run(sql::job_find, {job_id});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<job>{};
    return std::optional<job>(read_job(*r, 0));
  }

  result<std::optional<job>> update_job_by_staff(std::string_view job_id, const std::optional<std::string>& title,
                                                 const std::optional<std::string>& status, timestamp now) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    if (auto v = check_staff_job_update(title, status); !v) return fail(v.error());
    auto r = run(sql::job_update, {job_id, title, status, to_unix(now)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<job>{};
    return std::optional<job>(read_job(*r, 0));
  }

  result<std::vector<quote>> job_quotes(std::string_view job_id) override {
    auto r = run(sql::job_quotes, {job_id});
    if (!r) return fail(r.error());
    std::vector<quote> out;
    for (int i = 0; i < r->rows(); ++i)
      out.push_back(quote{r->int64(i, 0), r->int64(i, 1), r->opt_text(i, 2), r->text(i, 3), r->opt_text(i, 4),
                          from_unix(r->int64(i, 5))});
    return out;
  }

  result<std::optional<quote_reply>> reply_quote(const quote_reply& rep) override {
    if (auto v = check_quote_reply(rep); !v) return fail(v.error());
    auto r = run(sql::reply, {rep.quote_id, rep.staff, rep.price_low_cents, rep.price_high_cents, rep.currency,
                              rep.message, to_unix(rep.replied_at)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<quote_reply>{};
    return std::optional<quote_reply>(read_reply(*r, 0));
  }

  result<std::vector<quote_reply>> customer_quote_replies(customer_id customer) override {
    return replies(sql::customer_replies, customer);
  }

  result<std::vector<quote_reply>> job_quote_replies(std::string_view job_id) override {
    return replies(sql::job_replies, job_id);
  }

  result<new_share_link> create_share(std::string_view job_id, staff_id staff, timestamp now,
                                      std::chrono::seconds ttl) override {
    if (!valid_job_id(job_id)) return fail(db_errc::not_found, "no such job");
    new_share_link out{share_link{new_share_id(), std::string(job_id), staff, now, now + ttl}, random_token()};
    auto r = run(sql::share_create, {out.link.id, hash_token(out.token), out.link.job_id, staff, to_unix(now),
                                     to_unix(out.link.expires_at)});
    if (!r) return fail(r.error());
    if (r->affected() == 0) return fail(db_errc::not_found, "no such job");
    return out;
  }

  result<std::optional<share_link>> find_share(std::string_view token, timestamp now) override {
    auto r = run(sql::share_find, {hash_token(token), to_unix(now)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<share_link>{};
    return std::optional<share_link>(
        share_link{r->text(0, 0), r->text(0, 1), r->int64(0, 2), from_unix(r->int64(0, 3)), from_unix(r->int64(0, 4))});
  }

  result<bool> revoke_share(std::string_view share_id, timestamp now) override {
    auto r = run(sql::share_revoke, {share_id, to_unix(now)});
    if (!r) return fail(r.error());
    return r->affected() > 0;
  }

 private:
  result<std::vector<quote_reply>> replies(const pg_statement& st, pg_param key) {
    auto r = run(st, {key});
    if (!r) return fail(r.error());
    std::vector<quote_reply> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_reply(*r, i));
    return out;
  }

  result<pg_result> run(const pg_statement& st, std::initializer_list<pg_param> params) {
    auto c = pool_.acquire();
    if (!c) return fail(c.error());
    return (*c)->run(st, params);
  }

  pg_pool& pool_;
};

}  // namespace

std::unique_ptr<staff_database> make_postgres_staff(pg_pool& pool) { return std::make_unique<postgres_staff>(pool); }

}  // namespace dropslot::db::detail
