#include "postgres_database.hpp"

#include "migrations.hpp"
#include "pg_connection.hpp"
#include "postgres_staff.hpp"
#include "session_cache.hpp"
#include "validation.hpp"
#include "dropslot/util/worker_pool.hpp"

namespace dropslot::db::detail {

// Declared in postgres_staff.hpp: the staff side reads its jobs rows with it too.
job read_job(const pg_result& r, int i) {
  job j;
  j.id = r.text(i, 0);
  j.customer = r.int64(i, 1);
  j.title = r.text(i, 2);
  j.address = r.text(i, 3);
  j.status = r.text(i, 4);
  j.scheduled_date = r.opt_text(i, 5);
  j.notes = r.text(i, 6);
  j.access_instructions = r.text(i, 7);
  j.photo_count = r.int64(i, 8);
  j.created_at = from_unix(r.int64(i, 9));
  j.updated_at = from_unix(r.int64(i, 10));
  j.shots = r.opt_text(i, 11);
  return j;
}

namespace {

#define DROPSLOT_JOB_COLUMNS                                                                     \
  "id, customer_id, title, address, status, scheduled_date, notes, access_instructions, "      \
  "next_photo_number - 1, created_at, updated_at, shots"

#define DROPSLOT_UPLOAD_COLUMNS                                                                    \
  "job_id, photo_number, key, customer_id, content_type, size, checksum_sha256, shot, caption, "  \
  "state, received_at, created_at"

// Every statement this backend runs. Each is prepared once per connection.
namespace sql {
constexpr pg_statement ping{"ping", "SELECT 1"};
constexpr pg_statement customer_create{
    "customer_create",
    "INSERT INTO customers (name, email, created_at) VALUES ($1, $2, $3::bigint) "
    "RETURNING id, name, email, created_at"};
constexpr pg_statement customer_list{"customer_list",
                                     "SELECT id, name, email, created_at FROM customers ORDER BY id"};
constexpr pg_statement customer_get{"customer_get",
                                    "SELECT id, name, email, created_at FROM customers WHERE id = $1::bigint"};
// delete_customer, in one transaction: the customer's row and then its jobs' rows are
// locked first (FOR UPDATE), so a concurrent job, session, code or upload for them
// waits and then fails its foreign key instead of failing the delete; then children
// first, since jobs, uploads and quotes have no ON DELETE CASCADE.
constexpr pg_statement customer_lock{"customer_lock", "SELECT 1 FROM customers WHERE id = $1::bigint FOR UPDATE"};
constexpr pg_statement customer_lock_jobs{"customer_lock_jobs",
                                          "SELECT 1 FROM jobs WHERE customer_id = $1::bigint FOR UPDATE"};
constexpr pg_statement customer_delete_quotes{
    "customer_delete_quotes",
    "DELETE FROM quotes WHERE customer_id = $1::bigint "
    "OR job_id IN (SELECT id FROM jobs WHERE customer_id = $1::bigint)"};
constexpr pg_statement customer_delete_uploads{
    "customer_delete_uploads",
    "DELETE FROM uploads WHERE customer_id = $1::bigint "
    "OR job_id IN (SELECT id FROM jobs WHERE customer_id = $1::bigint)"};
constexpr pg_statement customer_delete_jobs{"customer_delete_jobs", "DELETE FROM jobs WHERE customer_id = $1::bigint"};
constexpr pg_statement customer_delete_codes{"customer_delete_codes",
                                             "DELETE FROM login_codes WHERE customer_id = $1::bigint"};
constexpr pg_statement customer_delete_sessions{"customer_delete_sessions",
                                                "DELETE FROM sessions WHERE customer_id = $1::bigint"};
constexpr pg_statement customer_delete{"customer_delete", "DELETE FROM customers WHERE id = $1::bigint"};
constexpr pg_statement code_create{
    "code_create",
    "INSERT INTO login_codes (code_hash, customer_id, created_at, expires_at) "
    "VALUES ($1, $2::bigint, $3::bigint, $4::bigint)"};
// One statement: under READ COMMITTED a second concurrent UPDATE waits for the row lock,
// re-checks `used_at IS NULL`, finds it false and returns no row. Exactly one winner.
constexpr pg_statement code_consume{
    "code_consume",
    "UPDATE login_codes SET used_at = $2::bigint "
    "WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2::bigint RETURNING customer_id"};
constexpr pg_statement session_create{
    "session_create",
    "INSERT INTO sessions (token_hash, customer_id, created_at, expires_at) "
    "VALUES ($1, $2::bigint, $3::bigint, $4::bigint)"};
constexpr pg_statement session_lookup{
    "session_lookup",
    "SELECT customer_id, expires_at FROM sessions "
    "WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2::bigint"};
constexpr pg_statement session_revoke{
    "session_revoke", "UPDATE sessions SET revoked_at = $2::bigint WHERE token_hash = $1 AND revoked_at IS NULL"};
constexpr pg_statement session_revoke_all{
    "session_revoke_all",
    "UPDATE sessions SET revoked_at = $2::bigint "
    "WHERE customer_id = $1::bigint AND revoked_at IS NULL AND expires_at > $2::bigint"};
constexpr pg_statement job_create{
    "job_create",
    "INSERT INTO jobs (id, customer_id, title, address, status, scheduled_date, notes, access_instructions, "
    "created_at, updated_at) VALUES ($1, $2::bigint, $3, $4, $5, $6, $7, $8, $9::bigint, $9::bigint) "
    "RETURNING " DROPSLOT_JOB_COLUMNS};
constexpr pg_statement job_get{
    "job_get", "SELECT " DROPSLOT_JOB_COLUMNS " FROM jobs WHERE id = $1 AND customer_id = $2::bigint"};
constexpr pg_statement job_update{
    "job_update",
    "UPDATE jobs SET notes = COALESCE($3::text, notes), "
    "access_instructions = COALESCE($4::text, access_instructions), updated_at = $5::bigint "
    "WHERE id = $1 AND customer_id = $2::bigint RETURNING " DROPSLOT_JOB_COLUMNS};
constexpr pg_statement job_list{"job_list",
                                "SELECT " DROPSLOT_JOB_COLUMNS " FROM jobs WHERE customer_id = $1::bigint "
                                "ORDER BY scheduled_date IS NULL, scheduled_date, id"};
constexpr pg_statement job_list_all{
    "job_list_all",
    "SELECT " DROPSLOT_JOB_COLUMNS " FROM jobs ORDER BY customer_id, scheduled_date IS NULL, scheduled_date, id"};
// Number, ownership check, cap and record in one atomic statement (one round trip):
// the UPDATE takes the job's row lock, so concurrent callers queue and each gets the
// next number. The key is built here with the same rule as photo_key() (three digits,
// wider past 999) and checked against it by the caller.
constexpr pg_statement upload_allocate{
    "upload_allocate",
    "WITH j AS (UPDATE jobs SET next_photo_number = next_photo_number + 1 "
    "  WHERE id = $1 AND customer_id = $2::bigint AND ($3::bigint IS NULL OR next_photo_number <= $3::bigint) "
    "  RETURNING id, next_photo_number - 1 AS n) "
    "INSERT INTO uploads (key, job_id, customer_id, photo_number, content_type, size, checksum_sha256, "
    "  expires_at, session_hash, created_at, client_id, shot, caption) "
    "SELECT 'jobs/' || j.id || '/photo-' || lpad(j.n::text, greatest(3, length(j.n::text)), '0') || '.' || $4, "
    "  j.id, $2::bigint, j.n, $5, $6::bigint, $7, $8::bigint, $9, $10::bigint, $11::text, $12::text, $13::text FROM j "
    "RETURNING photo_number, key"};
constexpr pg_statement job_exists{"job_exists", "SELECT 1 FROM jobs WHERE id = $1 AND customer_id = $2::bigint"};
// The slot an earlier allocation with the same client_id took, if the job is still the caller's.
constexpr pg_statement upload_by_client_id{
    "upload_by_client_id",
    "SELECT u.photo_number, u.key FROM uploads u JOIN jobs j ON j.id = u.job_id "
    "WHERE u.job_id = $1 AND u.client_id = $2 AND j.customer_id = $3::bigint"};
// Shot lists and receipts (issue 22); the same statements as sqlite_database.cpp.
constexpr pg_statement job_set_shots{"job_set_shots",
                                     "UPDATE jobs SET shots = $2::text, updated_at = $3::bigint WHERE id = $1"};
constexpr pg_statement upload_get{
    "upload_get", "SELECT " DROPSLOT_UPLOAD_COLUMNS " FROM uploads WHERE job_id = $1 AND photo_number = $2::bigint"};
constexpr pg_statement upload_list{
    "upload_list", "SELECT " DROPSLOT_UPLOAD_COLUMNS " FROM uploads WHERE job_id = $1 ORDER BY photo_number"};
constexpr pg_statement upload_label{
    "upload_label",
    "UPDATE uploads SET shot = CASE WHEN $3::text IS NULL THEN shot ELSE NULLIF($3::text, '') END, "
    "caption = CASE WHEN $4::text IS NULL THEN caption ELSE NULLIF($4::text, '') END "
    "WHERE job_id = $1 AND photo_number = $2::bigint RETURNING " DROPSLOT_UPLOAD_COLUMNS};
// The allowed moves are in the WHERE (database::set_upload_state): under READ
// COMMITTED a concurrent second UPDATE waits for the row lock, re-checks the state
// and matches nothing.
constexpr pg_statement upload_set_state{
    "upload_set_state",
    "UPDATE uploads SET state = $3::text, "
    "received_at = CASE WHEN $3::text = 'received' THEN $4::bigint ELSE received_at END "
    "WHERE job_id = $1 AND photo_number = $2::bigint AND (state = 'pending' OR "
    "(state = 'expired' AND $3::text IN ('received', 'rejected')))"};
constexpr pg_statement upload_shot_counts{
    "upload_shot_counts",
    "SELECT shot, COUNT(*) FROM uploads WHERE job_id = $1 AND state = 'received' AND shot IS NOT NULL "
    "GROUP BY shot ORDER BY shot"};
constexpr pg_statement quote_create{
    "quote_create",
    "INSERT INTO quotes (customer_id, job_id, description, preferred_date, created_at) "
    "SELECT $1::bigint, $2::text, $3, $4, $5::bigint "
    "WHERE $2::text IS NULL OR EXISTS (SELECT 1 FROM jobs WHERE id = $2::text AND customer_id = $1::bigint) "
    "RETURNING id, customer_id, job_id, description, preferred_date, created_at"};
constexpr pg_statement quote_list{
    "quote_list",
    "SELECT id, customer_id, job_id, description, preferred_date, created_at FROM quotes "
    "WHERE customer_id = $1::bigint ORDER BY created_at DESC, id DESC"};
constexpr pg_statement migration_current{"migration_current",
                                         "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"};
constexpr pg_statement migration_record{
    "migration_record",
    "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1::int, $2, $3::bigint)"};
}  // namespace sql


upload_record read_upload(const pg_result& r, int i) {
  upload_record u;
  u.job_id = r.text(i, 0);
  u.number = r.int64(i, 1);
  u.key = r.text(i, 2);
  u.customer = r.int64(i, 3);
  u.content_type = r.text(i, 4);
  u.size = static_cast<std::uint64_t>(r.int64(i, 5));
  u.checksum_sha256 = r.opt_text(i, 6);
  u.shot = r.opt_text(i, 7);
  u.caption = r.opt_text(i, 8);
  u.state = parse_upload_state(r.text(i, 9)).value_or(upload_state::pending);
  if (!r.is_null(i, 10)) u.received_at = from_unix(r.int64(i, 10));
  u.created_at = from_unix(r.int64(i, 11));
  return u;
}

customer read_customer(const pg_result& r, int i) {
  return customer{r.int64(i, 0), r.text(i, 1), r.text(i, 2), from_unix(r.int64(i, 3))};
}

quote read_quote(const pg_result& r, int i) {
  return quote{r.int64(i, 0), r.int64(i, 1), r.opt_text(i, 2), r.text(i, 3), r.opt_text(i, 4), from_unix(r.int64(i, 5))};
}

class postgres_database final : public database {
 public:
  postgres_database(const std::string& url, const open_options& o)
      : pool_(url, o.max_connections),
        cache_(o.session_cache_ttl),
        workers_(o.max_connections),
        staff_(make_postgres_staff(pool_)) {}

  std::string_view backend() const noexcept override { return "postgres"; }

  staff_database* staff() noexcept override { return staff_.get(); }

  result<void> ping() override {
    auto r = run(sql::ping, {});
    if (!r) return fail(r.error());
    return {};
  }

  result<customer> create_customer(const std::string& name, const std::string& email, timestamp now) override {
    if (auto v = check_new_customer(name, email); !v) return fail(v.error());
    auto r = run(sql::customer_create, {name, email, to_unix(now)});
    if (!r) return fail(r.error());
    return read_customer(*r, 0);
  }

  result<std::vector<customer>> list_customers() override {
    auto r = run(sql::customer_list, {});
    if (!r) return fail(r.error());
    std::vector<customer> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_customer(*r, i));
    return out;
  }

  result<std::optional<customer>> get_customer(customer_id id) override {
    auto r = run(sql::customer_get, {id});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<customer>{};
    return std::optional<customer>(read_customer(*r, 0));
  }

  result<bool> delete_customer(customer_id id) override {
    auto r = [&]() -> result<bool> {
      auto c = pool_.acquire();
      if (!c) return fail(c.error());
      if (auto b = (*c)->exec("BEGIN"); !b) return fail(b.error());
      auto body = [&]() -> result<bool> {
        for (const pg_statement* st : {&sql::customer_lock, &sql::customer_lock_jobs, &sql::customer_delete_quotes,
                                       &sql::customer_delete_uploads, &sql::customer_delete_jobs,
                                       &sql::customer_delete_codes, &sql::customer_delete_sessions})
          if (auto e = (*c)->run(*st, {id}); !e) return fail(e.error());
        auto gone = (*c)->run(sql::customer_delete, {id});
        if (!gone) return fail(gone.error());
        return gone->affected() > 0;
      };
      auto out = body();
      if (out) {
        if (auto cm = (*c)->exec("COMMIT"); !cm) return fail(cm.error());
        return out;
      }
      (void)(*c)->exec("ROLLBACK");
      return out;
    }();
    // After the write (session_cache.hpp), also when it failed, as in revoke_session.
    cache_.erase_customer(id);
    return r;
  }

  result<login_code> create_login_code(customer_id customer, timestamp now, std::chrono::seconds ttl) override {
    login_code code{random_token(), now + ttl};
    auto r = run(sql::code_create, {hash_token(code.code), customer, to_unix(now), to_unix(code.expires_at)});
    if (!r) return fail(r.error());
    return code;
  }

  result<std::optional<customer_id>> consume_login_code(std::string_view code, timestamp now) override {
    auto r = run(sql::code_consume, {hash_token(code), to_unix(now)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<customer_id>{};
    return std::optional<customer_id>(r->int64(0, 0));
  }

  result<new_session> create_session(customer_id customer, timestamp now, std::chrono::seconds ttl) override {
    new_session s;
    s.token = random_token();
    s.token_hash = hash_token(s.token);
    s.expires_at = now + ttl;
    auto r = run(sql::session_create, {s.token_hash, customer, to_unix(now), to_unix(s.expires_at)});
    if (!r) return fail(r.error());
    return s;
  }

  result<std::optional<session>> lookup_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    std::uint64_t gen = 0;
    if (cache_.enabled()) {
      if (auto hit = cache_.find(hash, now)) return hit;
      gen = cache_.generation();
    }
    auto r = run(sql::session_lookup, {hash, to_unix(now)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<session>{};
    session s{r->int64(0, 0), std::move(hash), from_unix(r->int64(0, 1))};
    if (cache_.enabled()) cache_.put(s, now, gen);
    return std::optional<session>(std::move(s));
  }

  result<void> revoke_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    auto r = run(sql::session_revoke, {hash, to_unix(now)});
    // After the write (session_cache.hpp): a lookup that read the row before it cannot
    // store it now, and one that reads after it finds no row.
    cache_.erase(hash);
    if (!r) return fail(r.error());
    return {};
  }

  result<std::int64_t> revoke_sessions(customer_id customer, timestamp now) override {
    auto r = run(sql::session_revoke_all, {customer, to_unix(now)});
    cache_.erase_customer(customer);  // after the write, as in revoke_session
    if (!r) return fail(r.error());
    return r->affected();
  }

  result<job> create_job(const new_job& j, timestamp now) override {
    if (auto v = check_new_job(j); !v) return fail(v.error());
    std::string id = j.id.empty() ? random_job_id() : j.id;
    auto r = run(sql::job_create, {id, j.customer, j.title, j.address, j.status, j.scheduled_date, j.notes,
                                   j.access_instructions, to_unix(now)});
    if (!r) return fail(r.error());
    return read_job(*r, 0);
  }

  result<std::vector<job>> list_jobs(customer_id customer) override { return list_all_jobs(customer); }

  result<std::optional<job>> get_job(std::string_view job_id, customer_id customer) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    auto r = run(sql::job_get, {job_id, customer});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<job>{};
    return std::optional<job>(read_job(*r, 0));
  }

  result<std::optional<job>> update_job(std::string_view job_id, customer_id customer, const job_update& u,
                                        timestamp now) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    if (auto v = check_job_update(u); !v) return fail(v.error());
    auto r = run(sql::job_update, {job_id, customer, u.notes, u.access_instructions, to_unix(now)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<job>{};
    return std::optional<job>(read_job(*r, 0));
  }

  result<std::vector<job>> list_all_jobs(std::optional<customer_id> customer) override {
    auto r = customer ? run(sql::job_list, {*customer}) : run(sql::job_list_all, {});
    if (!r) return fail(r.error());
    std::vector<job> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_job(*r, i));
    return out;
  }

  result<upload_slot> allocate_upload(const upload_request& req, timestamp now) override {
    if (auto v = check_upload_request(req); !v) return fail(v.error());
    auto c = pool_.acquire();
    if (!c) return fail(c.error());
    // A retry with a client_id the job already holds gets that slot: looked up first,
    // so it takes no number and does not count against the cap.
    auto earlier = [&]() -> result<std::optional<upload_slot>> {
      auto e = (*c)->run(sql::upload_by_client_id, {req.job_id, *req.client_id, req.customer});
      if (!e) return fail(e.error());
      if (e->rows() == 0) return std::optional<upload_slot>{};
      return std::optional<upload_slot>(upload_slot{e->int64(0, 0), e->text(0, 1), true});
    };
    if (req.client_id) {
      auto e = earlier();
      if (!e) return fail(e.error());
      if (*e) return std::move(**e);
    }
    auto r = (*c)->run(sql::upload_allocate,
                       {req.job_id, req.customer, req.max_photos, req.ext, req.content_type,
                        static_cast<std::int64_t>(req.size), req.checksum_sha256, to_unix(req.expires_at),
                        req.session_hash, to_unix(now), req.client_id, req.shot, req.caption});
    if (!r && req.client_id && r.error().code == db_errc::conflict) {
      // A concurrent request with the same client_id committed between the lookup and
      // this insert: the unique index refused the second row (the whole statement,
      // counter included, rolled back), so that request's slot is the answer.
      auto e = earlier();
      if (!e) return fail(e.error());
      if (*e) return std::move(**e);
    }
    if (!r) return fail(r.error());
    if (r->rows() == 1) {
      upload_slot slot{r->int64(0, 0), r->text(0, 1)};
      assert(slot.key == photo_key(req.job_id, slot.number, req.ext));
      return slot;
    }
    auto e = (*c)->run(sql::job_exists, {req.job_id, req.customer});
    if (!e) return fail(e.error());
    if (e->rows() == 0) return fail(db_errc::not_found, "no such job");
    return fail(db_errc::limit_reached, "the job's photo limit is reached");
  }

  // An allocation is a round trip to the server, and waits behind concurrent
  // allocations for the same job (its row lock). `dropslot serve`'s worker threads hand
  // it to this pool and serve other connections meanwhile; up to max_connections
  // allocations are in flight at once, each on its own connection.
  void allocate_upload_async(upload_request req, timestamp now,
                             std::function<void(result<upload_slot>)> done) override {
    if (auto v = check_upload_request(req); !v) return done(fail(v.error()));
    auto job = [this, req = std::move(req), now, done]() { done(allocate_upload(req, now)); };
    if (!workers_.post(job)) job();
  }

  // --- shot lists and receipts ----------------------------------------------------
  result<bool> set_job_shots(std::string_view job_id, const std::optional<std::string>& shots_json,
                             timestamp now) override {
    if (!valid_job_id(job_id)) return false;
    auto r = run(sql::job_set_shots, {job_id, shots_json, to_unix(now)});
    if (!r) return fail(r.error());
    return r->affected() > 0;
  }

  result<std::optional<upload_record>> get_upload(std::string_view job_id, std::int64_t number) override {
    auto r = run(sql::upload_get, {job_id, number});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<upload_record>{};
    return std::optional<upload_record>(read_upload(*r, 0));
  }

  result<std::vector<upload_record>> list_uploads(std::string_view job_id) override {
    auto r = run(sql::upload_list, {job_id});
    if (!r) return fail(r.error());
    std::vector<upload_record> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_upload(*r, i));
    return out;
  }

  result<std::optional<upload_record>> label_upload(std::string_view job_id, std::int64_t number,
                                                    const upload_labels& l) override {
    auto r = run(sql::upload_label, {job_id, number, l.shot, l.caption});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<upload_record>{};
    return std::optional<upload_record>(read_upload(*r, 0));
  }

  result<std::optional<upload_record>> set_upload_state(std::string_view job_id, std::int64_t number,
                                                        upload_state to, timestamp at) override {
    auto c = pool_.acquire();
    if (!c) return fail(c.error());
    auto u = (*c)->run(sql::upload_set_state, {job_id, number, to_string(to), to_unix(at)});
    if (!u) return fail(u.error());
    auto r = (*c)->run(sql::upload_get, {job_id, number});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return std::optional<upload_record>{};
    return std::optional<upload_record>(read_upload(*r, 0));
  }

  result<std::vector<shot_count>> received_shot_counts(std::string_view job_id) override {
    auto r = run(sql::upload_shot_counts, {job_id});
    if (!r) return fail(r.error());
    std::vector<shot_count> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back({r->text(i, 0), r->int64(i, 1)});
    return out;
  }

  result<quote> create_quote(const new_quote& q, timestamp now) override {
    if (auto v = check_new_quote(q); !v) return fail(v.error());
    auto r = run(sql::quote_create, {q.customer, q.job_id, q.description, q.preferred_date, to_unix(now)});
    if (!r) return fail(r.error());
    if (r->rows() == 0) return fail(db_errc::not_found, "no such job");
    return read_quote(*r, 0);
  }

  result<std::vector<quote>> list_quotes(customer_id customer) override {
    auto r = run(sql::quote_list, {customer});
    if (!r) return fail(r.error());
    std::vector<quote> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_quote(*r, i));
    return out;
  }

  result<void> migrate(timestamp now) {
    auto c = pool_.acquire();
    if (!c) return fail(c.error());
    // Nearly every open finds the schema current: one read says so (two round trips:
    // prepare, execute), without the transaction, the lock and the DDL below (six:
    // BEGIN, lock, DDL, prepare, read, COMMIT) at every cold start
    // (docs/benchmarks/lambda.md). No table yet (a new database) is an error here,
    // and the full path runs.
    if (auto cur = (*c)->run(sql::migration_current, {}); cur && cur->int64(0, 0) >= postgres_migrations().back().version)
      return {};
    if (auto b = (*c)->exec("BEGIN"); !b) return b;
    auto body = [&]() -> result<void> {
      // A transaction-scoped advisory lock serializes concurrent openers (two
      // processes starting at once) before either looks at schema_migrations. The
      // key is an arbitrary constant: "dropslot" in ASCII.
      if (auto l = (*c)->exec("SELECT pg_advisory_xact_lock(7237954439474817652)"); !l) return l;
      if (auto t = (*c)->exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                              "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
          !t)
        return t;
      auto cur = (*c)->run(sql::migration_current, {});
      if (!cur) return fail(cur.error());
      std::int64_t current = cur->int64(0, 0);
      for (const auto& m : postgres_migrations()) {
        if (m.version <= current) continue;
        if (auto e = (*c)->exec(m.sql); !e) return e;
        auto rec = (*c)->run(sql::migration_record, {m.version, m.description, to_unix(now)});
        if (!rec) return fail(rec.error());
      }
      return {};
    };
    auto r = body();
    if (!r) {
      (void)(*c)->exec("ROLLBACK");
      return r;
    }
    return (*c)->exec("COMMIT");
  }

 private:
  result<pg_result> run(const pg_statement& st, std::initializer_list<pg_param> params) {
    auto c = pool_.acquire();
    if (!c) return fail(c.error());
    return (*c)->run(st, params);
  }

  pg_pool pool_;
  session_cache cache_;
  util::worker_pool workers_;  // destroyed after staff_, after the allocations it holds have run
  std::unique_ptr<staff_database> staff_;
};

}  // namespace

result<std::unique_ptr<database>> open_postgres(const std::string& url, const open_options& options) {
  auto db = std::make_unique<postgres_database>(url, options);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (auto m = db->migrate(now); !m) return fail(m.error());
  return std::unique_ptr<database>(std::move(db));
}

}  // namespace dropslot::db::detail
