// The company's side on SQLite (staff_database.hpp; schema: sqlite_migrations.cpp,
// version 5). Every statement is parameterized; staff sessions are never cached.
#include <cassert>

#include <dropslot/db/keys.hpp>
#include <dropslot/db/tokens.hpp>

#include "sqlite_access.hpp"
#include "staff_validation.hpp"
#include "validation.hpp"

namespace dropslot::db::detail {
namespace {

// The job columns, qualified for the board's join.
#define DROPSLOT_STAFF_JOB_COLUMNS                                                                 \
  "j.id, j.customer_id, j.title, j.address, j.status, j.scheduled_date, j.notes, "                 \
  "j.access_instructions, j.next_photo_number - 1, j.created_at, j.updated_at, j.shots"

staff_member read_staff(const sqlite_stmt& s) {
  return staff_member{s.int64(0), s.text(1), s.text(2), from_unix(s.int64(3))};
}

quote_reply read_reply(const sqlite_stmt& s) {
  return quote_reply{s.int64(0), s.int64(1), s.int64(2), s.int64(3), s.text(4), s.text(5), from_unix(s.int64(6))};
}

#define DROPSLOT_REPLY_COLUMNS \
  "r.quote_id, r.staff_id, r.price_low_cents, r.price_high_cents, r.currency, r.message, r.replied_at"
// RETURNING takes bare column names.
#define DROPSLOT_REPLY_BARE_COLUMNS \
  "quote_id, staff_id, price_low_cents, price_high_cents, currency, message, replied_at"
#define DROPSLOT_STAFF_JOB_BARE_COLUMNS                                                           \
  "id, customer_id, title, address, status, scheduled_date, notes, access_instructions, "       \
  "next_photo_number - 1, created_at, updated_at, shots"

class sqlite_staff final : public staff_database {
 public:
  explicit sqlite_staff(sqlite_access& a) : a_(a) {}

  // --- staff accounts ----------------------------------------------------------------
  result<staff_member> create_staff(const std::string& name, const std::string& email, timestamp now) override {
    if (auto v = check_new_customer(name, email); !v) return fail(v.error());
    std::optional<staff_member> out;
    auto r = a_.writing([&](sqlite_connection& c) {
      return c.query("INSERT INTO staff (name, email, created_at) VALUES (?1, ?2, ?3) "
                     "RETURNING id, name, email, created_at",
                     [&](const sqlite_stmt& s) { out = read_staff(s); }, name, email, to_unix(now));
    });
    if (!r) return fail(r.error());
    return std::move(*out);
  }

  result<std::vector<staff_member>> list_staff() override {
    std::vector<staff_member> out;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query("SELECT id, name, email, created_at FROM staff ORDER BY id",
                     [&](const sqlite_stmt& s) { out.push_back(read_staff(s)); });
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<std::optional<staff_member>> get_staff(staff_id id) override {
    std::optional<staff_member> out;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query("SELECT id, name, email, created_at FROM staff WHERE id = ?1",
                     [&](const sqlite_stmt& s) { out = read_staff(s); }, id);
    });
    if (!r) return fail(r.error());
    return out;
  }

  // One transaction: the links they made stop working, then the account (its sessions
  // and codes go by ON DELETE CASCADE, and by name here too).
  result<bool> delete_staff(staff_id id, timestamp now) override {
    bool gone = false;
    auto r = a_.writing([&](sqlite_connection& c) -> result<void> {
      if (auto b = c.exec("BEGIN IMMEDIATE"); !b) return b;
      auto body = [&]() -> result<void> {
        if (auto e = c.execute("UPDATE shares SET revoked_at = ?2 WHERE staff_id = ?1 AND revoked_at IS NULL", id,
                               to_unix(now));
            !e)
          return fail(e.error());
        if (auto e = c.execute("DELETE FROM staff_sessions WHERE staff_id = ?1", id); !e) return fail(e.error());
        if (auto e = c.execute("DELETE FROM staff_login_codes WHERE staff_id = ?1", id); !e) return fail(e.error());
        auto n = c.execute("DELETE FROM staff WHERE id = ?1", id);
        if (!n) return fail(n.error());
        gone = *n > 0;
        return {};
      };
      auto out = body();
      if (out) out = c.exec("COMMIT");
      if (!out && !sqlite3_get_autocommit(c.handle())) (void)c.exec("ROLLBACK");
      return out;
    });
    if (!r) return fail(r.error());
    return gone;
  }

  // --- login codes and sessions --------------------------------------------------------
  result<login_code> create_staff_login_code(staff_id id, timestamp now, std::chrono::seconds ttl) override {
    login_code code{random_token(), now + ttl};
    auto r = a_.writing([&](sqlite_connection& c) -> result<void> {
      auto n = c.execute("INSERT INTO staff_login_codes (code_hash, staff_id, created_at, expires_at) "
                         "SELECT ?1, id, ?3, ?4 FROM staff WHERE id = ?2",
                         hash_token(code.code), id, to_unix(now), to_unix(code.expires_at));
      if (!n) return fail(n.error());
      if (*n == 0) return fail(db_errc::not_found, "no such staff member");
      return {};
    });
    if (!r) return fail(r.error());
    return code;
  }

  result<std::optional<staff_id>> consume_staff_login_code(std::string_view code, timestamp now) override {
    std::string hash = hash_token(code);
    std::optional<staff_id> out;
    // One statement: the row flips from unused to used once, whoever asks first.
    auto r = a_.writing([&](sqlite_connection& c) {
      return c.query("UPDATE staff_login_codes SET used_at = ?2 "
                     "WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING staff_id",
                     [&](const sqlite_stmt& s) { out = s.int64(0); }, hash, to_unix(now));
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<new_session> create_staff_session(staff_id id, timestamp now, std::chrono::seconds ttl) override {
    new_session s;
    s.token = random_token();
    s.token_hash = hash_token(s.token);
    s.expires_at = now + ttl;
    auto r = a_.writing([&](sqlite_connection& c) -> result<void> {
      auto n = c.execute("INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) "
                         "VALUES (?1, ?2, ?3, ?4)",
                         s.token_hash, id, to_unix(now), to_unix(s.expires_at));
      if (!n) return fail(n.error());
      return {};
    });
    if (!r) return fail(r.error());
    return s;
  }

  result<std::optional<staff_session>> lookup_staff_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    std::optional<staff_session> out;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query("SELECT staff_id, expires_at FROM staff_sessions "
                     "WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                     [&](const sqlite_stmt& s) { out = staff_session{s.int64(0), hash, from_unix(s.int64(1))}; },
                     hash, to_unix(now));
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<void> revoke_staff_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    return a_.writing([&](sqlite_connection& c) -> result<void> {
      auto n = c.execute("UPDATE staff_sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
                         hash, to_unix(now));
      if (!n) return fail(n.error());
      return {};
    });
  }

  result<std::int64_t> revoke_staff_sessions(staff_id id, timestamp now) override {
    std::int64_t count = 0;
    auto r = a_.writing([&](sqlite_connection& c) -> result<void> {
      auto n = c.execute("UPDATE staff_sessions SET revoked_at = ?2 "
                         "WHERE staff_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                         id, to_unix(now));
      if (!n) return fail(n.error());
      count = *n;
      return {};
    });
    if (!r) return fail(r.error());
    return count;
  }

  // --- the board ---------------------------------------------------------------------
  // Walks jobs_by_activity from the cursor and stops after limit + 1 rows: the first
  // page reads a few dozen index entries whatever the number of jobs. The filters are
  // checked row by row on that walk (a rare filter reads further).
  result<board_page> board(const board_query& q) override {
    board_page page;
    std::optional<std::int64_t> after_at;
    std::optional<std::string> after_id;
    if (q.after) {
      after_at = to_unix(q.after->activity_at);
      after_id = q.after->job_id;
    }
    std::optional<std::string> text;
    if (!q.text.empty()) text = q.text;
    std::size_t limit = q.limit == 0 ? 1 : q.limit;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query(
          "SELECT " DROPSLOT_STAFF_JOB_COLUMNS ", c.id, c.name, c.email, c.created_at, "
          "j.last_upload_at, j.quotes_waiting, j.activity_at, "
          "(SELECT u.key FROM uploads u WHERE u.job_id = j.id ORDER BY u.photo_number DESC LIMIT 1) "
          "FROM jobs j INDEXED BY jobs_by_activity JOIN customers c ON c.id = j.customer_id "
          "WHERE (?1 = 0 OR j.quotes_waiting > 0) "
          "AND (?2 IS NULL OR j.activity_at < ?2 OR (j.activity_at = ?2 AND j.id < ?3)) "
          "AND (?4 IS NULL OR instr(lower(j.title), ?4) > 0 OR instr(lower(c.name), ?4) > 0 "
          "     OR instr(lower(j.id), ?4) > 0) "
          "ORDER BY j.activity_at DESC, j.id DESC LIMIT ?5",
          [&](const sqlite_stmt& s) {
            board_row row;
            row.j = read_job(s);
            row.owner = customer{s.int64(12), s.text(13), s.text(14), from_unix(s.int64(15))};
            if (!s.is_null(16)) row.last_upload_at = from_unix(s.int64(16));
            row.quote_waiting = s.int64(17) > 0;
            row.activity_at = from_unix(s.int64(18));
            row.last_key = s.opt_text(19);
            page.rows.push_back(std::move(row));
          },
          std::int64_t{q.needs_quote ? 1 : 0}, after_at, after_id, text, static_cast<std::int64_t>(limit + 1));
    });
    if (!r) return fail(r.error());
    if (page.rows.size() > limit) {
      page.rows.pop_back();
      page.next = board_cursor{page.rows.back().activity_at, page.rows.back().j.id};
    }
    return page;
  }

  result<std::optional<job>> find_job(std::string_view job_id) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    std::optional<job> out;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query("SELECT " DROPSLOT_STAFF_JOB_COLUMNS " FROM jobs j WHERE j.id = ?1",
                     [&](const sqlite_stmt& s) { out = read_job(s); }, job_id);
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<std::optional<job>> update_job_by_staff(std::string_view job_id, const std::optional<std::string>& title,
                                                 const std::optional<std::string>& status, timestamp now) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    if (auto v = check_staff_job_update(title, status); !v) return fail(v.error());
    std::optional<job> out;
    auto r = a_.writing([&](sqlite_connection& c) {
      return c.query("UPDATE jobs SET title = COALESCE(?2, title), status = COALESCE(?3, status), "
                     "updated_at = ?4 WHERE id = ?1 RETURNING " DROPSLOT_STAFF_JOB_BARE_COLUMNS,
                     [&](const sqlite_stmt& s) { out = read_job(s); }, job_id, title, status, to_unix(now));
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<std::vector<quote>> job_quotes(std::string_view job_id) override {
    std::vector<quote> out;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query("SELECT id, customer_id, job_id, description, preferred_date, created_at FROM quotes "
                     "WHERE job_id = ?1 ORDER BY created_at DESC, id DESC",
                     [&](const sqlite_stmt& s) {
                       out.push_back(quote{s.int64(0), s.int64(1), s.opt_text(2), s.text(3), s.opt_text(4),
                                           from_unix(s.int64(5))});
                     },
                     job_id);
    });
    if (!r) return fail(r.error());
    return out;
  }

  // --- quote replies -------------------------------------------------------------------
  // A first reply INSERTs (the quotes_answered trigger takes the job off "needs a
  // quote"); a second one replaces the first with an UPDATE, which fires no trigger.
  result<std::optional<quote_reply>> reply_quote(const quote_reply& rep) override {
    if (auto v = check_quote_reply(rep); !v) return fail(v.error());
    std::optional<quote_reply> out;
    auto r = a_.writing([&](sqlite_connection& c) {
      return c.query(
          "INSERT INTO quote_replies (quote_id, staff_id, price_low_cents, price_high_cents, currency, message, "
          "replied_at) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7 FROM quotes WHERE id = ?1 "
          "ON CONFLICT (quote_id) DO UPDATE SET staff_id = excluded.staff_id, "
          "price_low_cents = excluded.price_low_cents, price_high_cents = excluded.price_high_cents, "
          "currency = excluded.currency, message = excluded.message, replied_at = excluded.replied_at "
          "RETURNING " DROPSLOT_REPLY_BARE_COLUMNS,
          [&](const sqlite_stmt& s) { out = read_reply(s); }, rep.quote_id, rep.staff, rep.price_low_cents,
          rep.price_high_cents, rep.currency, rep.message, to_unix(rep.replied_at));
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<std::vector<quote_reply>> customer_quote_replies(customer_id customer) override {
    std::vector<quote_reply> out;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query("SELECT " DROPSLOT_REPLY_COLUMNS " FROM quote_replies r JOIN quotes q ON q.id = r.quote_id "
                     "WHERE q.customer_id = ?1",
                     [&](const sqlite_stmt& s) { out.push_back(read_reply(s)); }, customer);
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<std::vector<quote_reply>> job_quote_replies(std::string_view job_id) override {
    std::vector<quote_reply> out;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query("SELECT " DROPSLOT_REPLY_COLUMNS " FROM quote_replies r JOIN quotes q ON q.id = r.quote_id "
                     "WHERE q.job_id = ?1",
                     [&](const sqlite_stmt& s) { out.push_back(read_reply(s)); }, job_id);
    });
    if (!r) return fail(r.error());
    return out;
  }

  // --- share links --------------------------------------------------------------------
  result<new_share_link> create_share(std::string_view job_id, staff_id staff, timestamp now,
                                      std::chrono::seconds ttl) override {
    if (!valid_job_id(job_id)) return fail(db_errc::not_found, "no such job");
    new_share_link out{share_link{new_share_id(), std::string(job_id), staff, now, now + ttl}, random_token()};
    auto r = a_.writing([&](sqlite_connection& c) -> result<void> {
      auto n = c.execute("INSERT INTO shares (id, token_hash, job_id, staff_id, created_at, expires_at) "
                         "SELECT ?1, ?2, id, ?4, ?5, ?6 FROM jobs WHERE id = ?3",
                         out.link.id, hash_token(out.token), out.link.job_id, staff, to_unix(now),
                         to_unix(out.link.expires_at));
      if (!n) return fail(n.error());
      if (*n == 0) return fail(db_errc::not_found, "no such job");
      return {};
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<std::optional<share_link>> find_share(std::string_view token, timestamp now) override {
    std::optional<share_link> out;
    auto r = a_.reading([&](sqlite_connection& c) {
      return c.query("SELECT id, job_id, staff_id, created_at, expires_at FROM shares "
                     "WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                     [&](const sqlite_stmt& s) {
                       out = share_link{s.text(0), s.text(1), s.int64(2), from_unix(s.int64(3)), from_unix(s.int64(4))};
                     },
                     hash_token(token), to_unix(now));
    });
    if (!r) return fail(r.error());
    return out;
  }

  result<bool> revoke_share(std::string_view share_id, timestamp now) override {
    bool revoked = false;
    auto r = a_.writing([&](sqlite_connection& c) -> result<void> {
      auto n = c.execute("UPDATE shares SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                         share_id, to_unix(now));
      if (!n) return fail(n.error());
      revoked = *n > 0;
      return {};
    });
    if (!r) return fail(r.error());
    return revoked;
  }

 private:
  sqlite_access& a_;
};

}  // namespace

std::unique_ptr<staff_database> make_sqlite_staff(sqlite_access& access) {
  return std::make_unique<sqlite_staff>(access);
}

}  // namespace dropslot::db::detail
