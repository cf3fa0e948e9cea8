#include "sqlite_database.hpp"

#include <cassert>
#include <filesystem>
#include <mutex>
#include <vector>

#include "migrations.hpp"
#include "session_cache.hpp"
#include "sqlite_access.hpp"
#include "sqlite_connection.hpp"
#include "validation.hpp"
#include "wal_checkpointer.hpp"
#include "dropslot/util/worker_pool.hpp"

namespace dropslot::db::detail {

// Declared in sqlite_access.hpp: the staff side reads its jobs rows with it too.
job read_job(const sqlite_stmt& s) {
  job j;
  j.id = s.text(0);
  j.customer = s.int64(1);
  j.title = s.text(2);
  j.address = s.text(3);
  j.status = s.text(4);
  j.scheduled_date = s.opt_text(5);
  j.notes = s.text(6);
  j.access_instructions = s.text(7);
  j.photo_count = s.int64(8);
  j.created_at = from_unix(s.int64(9));
  j.updated_at = from_unix(s.int64(10));
  j.shots = s.opt_text(11);
  return j;
}

namespace {

#define DROPSLOT_JOB_COLUMNS                                                                     \
  "id, customer_id, title, address, status, scheduled_date, notes, access_instructions, "      \
  "next_photo_number - 1, created_at, updated_at, shots"

#define DROPSLOT_UPLOAD_COLUMNS                                                                    \
  "job_id, photo_number, key, customer_id, content_type, size, checksum_sha256, shot, caption, "  \
  "state, received_at, created_at"


upload_record read_upload(const sqlite_stmt& s) {
  upload_record u;
  u.job_id = s.text(0);
  u.number = s.int64(1);
  u.key = s.text(2);
  u.customer = s.int64(3);
  u.content_type = s.text(4);
  u.size = static_cast<std::uint64_t>(s.int64(5));
  u.checksum_sha256 = s.opt_text(6);
  u.shot = s.opt_text(7);
  u.caption = s.opt_text(8);
  u.state = parse_upload_state(s.text(9)).value_or(upload_state::pending);
  if (!s.is_null(10)) u.received_at = from_unix(s.int64(10));
  u.created_at = from_unix(s.int64(11));
  return u;
}

customer read_customer(const sqlite_stmt& s) {
  return customer{s.int64(0), s.text(1), s.text(2), from_unix(s.int64(3))};
}

quote read_quote(const sqlite_stmt& s) {
  return quote{s.int64(0), s.int64(1), s.opt_text(2), s.text(3), s.opt_text(4), from_unix(s.int64(5))};
}

class sqlite_database final : public database, private sqlite_access {
 public:
  sqlite_database(std::string path, std::unique_ptr<sqlite_connection> writer, const open_options& o)
      : path_(std::move(path)),
        writer_(std::move(writer)),
        checkpointer_(path_, write_mutex_),
        max_idle_(o.max_connections),
        cache_(o.session_cache_ttl),
        staff_(make_sqlite_staff(*this)) {
    sqlite3_wal_hook(writer_->handle(), &wal_checkpointer::on_commit, &checkpointer_);
  }
  ~sqlite_database() override {
    writer_thread_.reset();  // answers every queued allocation, then ends
    sqlite3_wal_hook(writer_->handle(), nullptr, nullptr);
  }

  std::string_view backend() const noexcept override { return "sqlite"; }

  staff_database* staff() noexcept override { return staff_.get(); }

  result<void> ping() override {
    return read([](sqlite_connection& c) -> result<void> {
      auto r = c.query("SELECT 1", [](const sqlite_stmt&) {});
      return r;
    });
  }

  // --- customers ---------------------------------------------------------------------
  result<customer> create_customer(const std::string& name, const std::string& email, timestamp now) override {
    if (auto v = check_new_customer(name, email); !v) return fail(v.error());
    return write([&](sqlite_connection& c) -> result<customer> {
      std::optional<customer> out;
      auto r = c.query("INSERT INTO customers (name, email, created_at) VALUES (?1, ?2, ?3) "
                       "RETURNING id, name, email, created_at",
                       [&](const sqlite_stmt& s) { out = read_customer(s); }, name, email, to_unix(now));
      if (!r) return fail(r.error());
      return std::move(*out);
    });
  }

  result<std::vector<customer>> list_customers() override {
    return read([](sqlite_connection& c) -> result<std::vector<customer>> {
      std::vector<customer> out;
      auto r = c.query("SELECT id, name, email, created_at FROM customers ORDER BY id",
                       [&](const sqlite_stmt& s) { out.push_back(read_customer(s)); });
      if (!r) return fail(r.error());
      return out;
    });
  }

  result<std::optional<customer>> get_customer(customer_id id) override {
    return read([&](sqlite_connection& c) -> result<std::optional<customer>> {
      std::optional<customer> out;
      auto r = c.query("SELECT id, name, email, created_at FROM customers WHERE id = ?1",
                       [&](const sqlite_stmt& s) { out = read_customer(s); }, id);
      if (!r) return fail(r.error());
      return out;
    });
  }

  // One transaction, children first (jobs, uploads and quotes have no ON DELETE
  // CASCADE). Sessions and codes are deleted by name too rather than left to the
  // cascade, so the statement list says everything that goes.
  result<bool> delete_customer(customer_id id) override {
    auto r = write([&](sqlite_connection& c) -> result<bool> {
      if (auto b = c.exec("BEGIN IMMEDIATE"); !b) return fail(b.error());
      auto body = [&]() -> result<bool> {
        // Any row that names one of the customer's jobs goes with it, whoever's it is.
        if (auto e = c.execute("DELETE FROM quotes WHERE customer_id = ?1 "
                               "OR job_id IN (SELECT id FROM jobs WHERE customer_id = ?1)", id); !e)
          return fail(e.error());
        if (auto e = c.execute("DELETE FROM uploads WHERE customer_id = ?1 "
                               "OR job_id IN (SELECT id FROM jobs WHERE customer_id = ?1)", id); !e)
          return fail(e.error());
        if (auto e = c.execute("DELETE FROM jobs WHERE customer_id = ?1", id); !e) return fail(e.error());
        if (auto e = c.execute("DELETE FROM login_codes WHERE customer_id = ?1", id); !e) return fail(e.error());
        if (auto e = c.execute("DELETE FROM sessions WHERE customer_id = ?1", id); !e) return fail(e.error());
        auto gone = c.execute("DELETE FROM customers WHERE id = ?1", id);
        if (!gone) return fail(gone.error());
        return *gone > 0;
      };
      auto out = body();
      if (out) {
        if (auto cm = c.exec("COMMIT"); !cm) out = fail(cm.error());
      }
      if (!out && !sqlite3_get_autocommit(c.handle())) (void)c.exec("ROLLBACK");
      return out;
    });
    // After the write (session_cache.hpp), also when it failed, as in revoke_session.
    cache_.erase_customer(id);
    return r;
  }

  // --- login codes -------------------------------------------------------------------
  result<login_code> create_login_code(customer_id customer, timestamp now, std::chrono::seconds ttl) override {
    login_code code{random_token(), now + ttl};
    auto r = write([&](sqlite_connection& c) {
      return c.execute("INSERT INTO login_codes (code_hash, customer_id, created_at, expires_at) "
                       "VALUES (?1, ?2, ?3, ?4)",
                       hash_token(code.code), customer, to_unix(now), to_unix(code.expires_at));
    });
    if (!r) return fail(r.error());
    return code;
  }

  result<std::optional<customer_id>> consume_login_code(std::string_view code, timestamp now) override {
    std::string hash = hash_token(code);
    return write([&](sqlite_connection& c) -> result<std::optional<customer_id>> {
      // One statement: the row flips from unused to used once, whoever asks first.
      std::optional<customer_id> out;
      auto r = c.query("UPDATE login_codes SET used_at = ?2 "
                       "WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING customer_id",
                       [&](const sqlite_stmt& s) { out = s.int64(0); }, hash, to_unix(now));
      if (!r) return fail(r.error());
      return out;
    });
  }

  // --- sessions ----------------------------------------------------------------------
  result<new_session> create_session(customer_id customer, timestamp now, std::chrono::seconds ttl) override {
    new_session s;
    s.token = random_token();
    s.token_hash = hash_token(s.token);
    s.expires_at = now + ttl;
    auto r = write([&](sqlite_connection& c) {
      return c.execute("INSERT INTO sessions (token_hash, customer_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                       s.token_hash, customer, to_unix(now), to_unix(s.expires_at));
    });
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
    auto found = read([&](sqlite_connection& c) -> result<std::optional<session>> {
      std::optional<session> out;
      auto r = c.query("SELECT customer_id, expires_at FROM sessions "
                       "WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                       [&](const sqlite_stmt& s) { out = session{s.int64(0), hash, from_unix(s.int64(1))}; },
                       hash, to_unix(now));
      if (!r) return fail(r.error());
      return out;
    });
    if (found && *found && cache_.enabled()) cache_.put(**found, now, gen);
    return found;
  }

  result<void> revoke_session(std::string_view token, timestamp now) override {
    std::string hash = hash_token(token);
    auto r = write([&](sqlite_connection& c) {
      return c.execute("UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL", hash,
                       to_unix(now));
    });
    // After the write (session_cache.hpp): a lookup that read the row before it cannot
    // store it now, and one that reads after it finds no row.
    cache_.erase(hash);
    if (!r) return fail(r.error());
    return {};
  }

  result<std::int64_t> revoke_sessions(customer_id customer, timestamp now) override {
    auto r = write([&](sqlite_connection& c) {
      return c.execute("UPDATE sessions SET revoked_at = ?2 "
                       "WHERE customer_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                       customer, to_unix(now));
    });
    cache_.erase_customer(customer);  // after the write, as in revoke_session
    return r;
  }

  // --- jobs --------------------------------------------------------------------------
  result<job> create_job(const new_job& j, timestamp now) override {
    if (auto v = check_new_job(j); !v) return fail(v.error());
    std::string id = j.id.empty() ? random_job_id() : j.id;
    return write([&](sqlite_connection& c) -> result<job> {
      std::optional<job> out;
      auto r = c.query("INSERT INTO jobs (id, customer_id, title, address, status, scheduled_date, notes, "
                       "access_instructions, created_at, updated_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING " DROPSLOT_JOB_COLUMNS,
                       [&](const sqlite_stmt& s) { out = read_job(s); }, id, j.customer, j.title, j.address, j.status,
                       j.scheduled_date, j.notes, j.access_instructions, to_unix(now));
      if (!r) return fail(r.error());
      return std::move(*out);
    });
  }

  result<std::vector<job>> list_jobs(customer_id customer) override { return list_all_jobs(customer); }

  result<std::optional<job>> get_job(std::string_view job_id, customer_id customer) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    return read([&](sqlite_connection& c) -> result<std::optional<job>> {
      std::optional<job> out;
      auto r = c.query("SELECT " DROPSLOT_JOB_COLUMNS " FROM jobs WHERE id = ?1 AND customer_id = ?2",
                       [&](const sqlite_stmt& s) { out = read_job(s); }, job_id, customer);
      if (!r) return fail(r.error());
      return out;
    });
  }

  result<std::optional<job>> update_job(std::string_view job_id, customer_id customer, const job_update& u,
                                        timestamp now) override {
    if (!valid_job_id(job_id)) return std::optional<job>{};
    if (auto v = check_job_update(u); !v) return fail(v.error());
    return write([&](sqlite_connection& c) -> result<std::optional<job>> {
      std::optional<job> out;
      auto r = c.query("UPDATE jobs SET notes = COALESCE(?3, notes), "
                       "access_instructions = COALESCE(?4, access_instructions), updated_at = ?5 "
                       "WHERE id = ?1 AND customer_id = ?2 RETURNING " DROPSLOT_JOB_COLUMNS,
                       [&](const sqlite_stmt& s) { out = read_job(s); }, job_id, customer, u.notes,
                       u.access_instructions, to_unix(now));
      if (!r) return fail(r.error());
      return out;
    });
  }

  result<std::vector<job>> list_all_jobs(std::optional<customer_id> customer) override {
    return read([&](sqlite_connection& c) -> result<std::vector<job>> {
      std::vector<job> out;
      auto add = [&](const sqlite_stmt& s) { out.push_back(read_job(s)); };
      auto r = customer ? c.query("SELECT " DROPSLOT_JOB_COLUMNS " FROM jobs WHERE customer_id = ?1 "
                                  "ORDER BY scheduled_date IS NULL, scheduled_date, id",
                                  add, *customer)
                        : c.query("SELECT " DROPSLOT_JOB_COLUMNS " FROM jobs "
                                  "ORDER BY customer_id, scheduled_date IS NULL, scheduled_date, id",
                                  add);
      if (!r) return fail(r.error());
      return out;
    });
  }

  // --- uploads -----------------------------------------------------------------------
  // Group commit: each asynchronous allocation is queued for the writer thread, which
  // takes every allocation waiting, records them in one transaction and answers each
  // after the COMMIT. Under load, one commit (its WAL frames and POSIX locks) then
  // serves many requests instead of one (docs/benchmarks/api.md).
  //
  // A caller that waits anyway (the Lambda handler, one request at a time; dropslot
  // admin) runs its allocation as a batch of one on its own thread: no writer thread
  // to start, no hand-over. Both paths take write_mutex_, so they never interleave.
  result<upload_slot> allocate_upload(const upload_request& req, timestamp now) override {
    if (auto v = check_upload_request(req); !v) return fail(v.error());
    std::vector<pending_upload> one;
    one.push_back(pending_upload{req, now, {}});
    return std::move(commit_batch(one).front());
  }

  void allocate_upload_async(upload_request req, timestamp now,
                             std::function<void(result<upload_slot>)> done) override {
    if (auto v = check_upload_request(req); !v) return done(fail(v.error()));
    bool start = false;
    {
      std::lock_guard lk(queue_mutex_);
      queue_.push_back(pending_upload{std::move(req), now, std::move(done)});
      start = !draining_;
      draining_ = true;
    }
    // No thread to be had: this caller drains the queue itself.
    if (start && !writer_thread_->post([this] { drain_queue(); })) drain_queue();
  }

  // --- shot lists and receipts ----------------------------------------------------------
  result<bool> set_job_shots(std::string_view job_id, const std::optional<std::string>& shots_json,
                             timestamp now) override {
    if (!valid_job_id(job_id)) return false;
    auto r = write([&](sqlite_connection& c) {
      return c.execute("UPDATE jobs SET shots = ?2, updated_at = ?3 WHERE id = ?1", job_id, shots_json, to_unix(now));
    });
    if (!r) return fail(r.error());
    return *r > 0;
  }

  result<std::optional<upload_record>> get_upload(std::string_view job_id, std::int64_t number) override {
    return read([&](sqlite_connection& c) { return select_upload(c, job_id, number); });
  }

  result<std::vector<upload_record>> list_uploads(std::string_view job_id) override {
    return read([&](sqlite_connection& c) -> result<std::vector<upload_record>> {
      std::vector<upload_record> out;
      auto r = c.query("SELECT " DROPSLOT_UPLOAD_COLUMNS " FROM uploads WHERE job_id = ?1 ORDER BY photo_number",
                       [&](const sqlite_stmt& s) { out.push_back(read_upload(s)); }, job_id);
      if (!r) return fail(r.error());
      return out;
    });
  }

  result<std::optional<upload_record>> label_upload(std::string_view job_id, std::int64_t number,
                                                    const upload_labels& l) override {
    return write([&](sqlite_connection& c) -> result<std::optional<upload_record>> {
      // "" clears a field (NULLIF), an unset one stays (COALESCE over NULL).
      std::optional<upload_record> out;
      auto r = c.query("UPDATE uploads SET shot = CASE WHEN ?3 IS NULL THEN shot ELSE NULLIF(?3, '') END, "
                       "caption = CASE WHEN ?4 IS NULL THEN caption ELSE NULLIF(?4, '') END "
                       "WHERE job_id = ?1 AND photo_number = ?2 RETURNING " DROPSLOT_UPLOAD_COLUMNS,
                       [&](const sqlite_stmt& s) { out = read_upload(s); }, job_id, number, l.shot, l.caption);
      if (!r) return fail(r.error());
      return out;
    });
  }

  result<std::optional<upload_record>> set_upload_state(std::string_view job_id, std::int64_t number,
                                                        upload_state to, timestamp at) override {
    return write([&](sqlite_connection& c) -> result<std::optional<upload_record>> {
      // The allowed moves are in the WHERE: one statement, so two events racing each
      // other cannot both move the record (receipts.hpp, database::set_upload_state).
      auto r = c.execute("UPDATE uploads SET state = ?3, "
                         "received_at = CASE WHEN ?3 = 'received' THEN ?4 ELSE received_at END "
                         "WHERE job_id = ?1 AND photo_number = ?2 AND (state = 'pending' OR "
                         "(state = 'expired' AND ?3 IN ('received', 'rejected')))",
                         job_id, number, to_string(to), to_unix(at));
      if (!r) return fail(r.error());
      return select_upload(c, job_id, number);
    });
  }

  result<std::vector<shot_count>> received_shot_counts(std::string_view job_id) override {
    return read([&](sqlite_connection& c) -> result<std::vector<shot_count>> {
      std::vector<shot_count> out;
      auto r = c.query("SELECT shot, COUNT(*) FROM uploads WHERE job_id = ?1 AND state = 'received' "
                       "AND shot IS NOT NULL GROUP BY shot ORDER BY shot",
                       [&](const sqlite_stmt& s) { out.push_back({s.text(0), s.int64(1)}); }, job_id);
      if (!r) return fail(r.error());
      return out;
    });
  }

  // --- quotes ------------------------------------------------------------------------
  result<quote> create_quote(const new_quote& q, timestamp now) override {
    if (auto v = check_new_quote(q); !v) return fail(v.error());
    return write([&](sqlite_connection& c) -> result<quote> {
      std::optional<quote> out;
      // The ownership check is in the INSERT itself: no row when the job is not theirs.
      auto r = c.query("INSERT INTO quotes (customer_id, job_id, description, preferred_date, created_at) "
                       "SELECT ?1, ?2, ?3, ?4, ?5 "
                       "WHERE ?2 IS NULL OR EXISTS (SELECT 1 FROM jobs WHERE id = ?2 AND customer_id = ?1) "
                       "RETURNING id, customer_id, job_id, description, preferred_date, created_at",
                       [&](const sqlite_stmt& s) { out = read_quote(s); }, q.customer, q.job_id, q.description,
                       q.preferred_date, to_unix(now));
      if (!r) return fail(r.error());
      if (!out) return fail(db_errc::not_found, "no such job");
      return std::move(*out);
    });
  }

  result<std::vector<quote>> list_quotes(customer_id customer) override {
    return read([&](sqlite_connection& c) -> result<std::vector<quote>> {
      std::vector<quote> out;
      auto r = c.query("SELECT id, customer_id, job_id, description, preferred_date, created_at FROM quotes "
                       "WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC",
                       [&](const sqlite_stmt& s) { out.push_back(read_quote(s)); }, customer);
      if (!r) return fail(r.error());
      return out;
    });
  }

 private:
  // sqlite_access: what sqlite_staff.cpp runs its statements on.
  result<void> reading(const std::function<result<void>(sqlite_connection&)>& body) override { return read(body); }
  result<void> writing(const std::function<result<void>(sqlite_connection&)>& body) override { return write(body); }

  static result<std::optional<upload_record>> select_upload(sqlite_connection& c, std::string_view job_id,
                                                            std::int64_t number) {
    std::optional<upload_record> out;
    auto r = c.query("SELECT " DROPSLOT_UPLOAD_COLUMNS " FROM uploads WHERE job_id = ?1 AND photo_number = ?2",
                     [&](const sqlite_stmt& s) { out = read_upload(s); }, job_id, number);
    if (!r) return fail(r.error());
    return out;
  }

  struct pending_upload {
    upload_request req;
    timestamp now;
    std::function<void(result<upload_slot>)> done;
  };

  // On the writer thread: takes every allocation waiting, commits them as one batch,
  // answers them, and goes on until the queue is empty.
  void drain_queue() {
    std::vector<pending_upload> batch;
    for (;;) {
      {
        std::lock_guard lk(queue_mutex_);
        if (queue_.empty()) {
          draining_ = false;
          return;
        }
        batch.swap(queue_);
      }
      std::vector<result<upload_slot>> out = commit_batch(batch);
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(out[i]));
      batch.clear();
    }
  }

  // One transaction for the whole batch. Each allocation that fails on its own (not
  // the customer's job, cap reached) fails alone; a failure of the transaction
  // (locked by another process past busy_timeout, disk full, I/O error, a failed
  // COMMIT) fails every allocation in it, none of which is then recorded.
  std::vector<result<upload_slot>> commit_batch(const std::vector<pending_upload>& batch) {
    std::vector<result<upload_slot>> out;
    out.reserve(batch.size());
    auto fail_all = [&](const error& e) {
      out.clear();
      for (std::size_t i = 0; i < batch.size(); ++i) out.push_back(fail(e));
      return std::move(out);
    };
    std::lock_guard lk(write_mutex_);
    sqlite_connection& c = *writer_;
    if (auto b = c.exec("BEGIN IMMEDIATE"); !b) return fail_all(b.error());
    for (const auto& p : batch) {
      auto r = allocate_one(c, p.req, p.now);
      // SQLite rolls the whole transaction back by itself on some errors (I/O, full
      // disk, out of memory): the allocations before this one are gone too.
      if (!r && sqlite3_get_autocommit(c.handle())) return fail_all(r.error());
      out.push_back(std::move(r));
    }
    if (auto cm = c.exec("COMMIT"); !cm) {
      if (!sqlite3_get_autocommit(c.handle())) (void)c.exec("ROLLBACK");
      return fail_all(cm.error());
    }
    return out;
  }

  static result<upload_slot> allocate_one(sqlite_connection& c, const upload_request& req, timestamp now) {
    // One statement: it reads the job's next number with the ownership and cap
    // checks, records the upload, and the uploads_take_number trigger moves the
    // counter on. printf('%03d') is photo_key's rule: three digits, wider past 999.
    // A client_id the job already has hits the unique index: no row, no trigger, no
    // number taken; the slot it names is then looked up below.
    std::optional<upload_slot> slot;
    auto r = c.query(
        "INSERT INTO uploads (job_id, photo_number, key, customer_id, content_type, size, checksum_sha256, "
        "expires_at, session_hash, created_at, client_id, shot, caption) "
        "SELECT id, next_photo_number, 'jobs/' || id || '/photo-' || printf('%03d', next_photo_number) || '.' || ?4, "
        "customer_id, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13 FROM jobs "
        "WHERE id = ?1 AND customer_id = ?2 AND (?3 IS NULL OR next_photo_number <= ?3) "
        "ON CONFLICT (job_id, client_id) WHERE client_id IS NOT NULL DO NOTHING "
        "RETURNING photo_number, key",
        [&](const sqlite_stmt& s) { slot = upload_slot{s.int64(0), s.text(1)}; }, req.job_id, req.customer,
        req.max_photos, req.ext, req.content_type, static_cast<std::int64_t>(req.size), req.checksum_sha256,
        to_unix(req.expires_at), req.session_hash, to_unix(now), req.client_id, req.shot, req.caption);
    if (!r) return fail(r.error());
    if (!slot && req.client_id) {
      // Before the cap: a retry of a photo the job already holds is no new photo.
      auto e = c.query("SELECT u.photo_number, u.key FROM uploads u JOIN jobs j ON j.id = u.job_id "
                       "WHERE u.job_id = ?1 AND u.client_id = ?2 AND j.customer_id = ?3",
                       [&](const sqlite_stmt& s) { slot = upload_slot{s.int64(0), s.text(1), true}; }, req.job_id,
                       *req.client_id, req.customer);
      if (!e) return fail(e.error());
      if (slot) return std::move(*slot);
    }
    if (!slot) return missing_or_full(c, req);
    assert(slot->key == photo_key(req.job_id, slot->number, req.ext));
    return std::move(*slot);
  }

  // Tells "not your job" from "cap reached" after the allocating UPDATE matched nothing.
  static result<upload_slot> missing_or_full(sqlite_connection& c, const upload_request& req) {
    bool exists = false;
    auto r = c.query("SELECT 1 FROM jobs WHERE id = ?1 AND customer_id = ?2",
                     [&](const sqlite_stmt&) { exists = true; }, req.job_id, req.customer);
    if (!r) return fail(r.error());
    if (!exists) return fail(db_errc::not_found, "no such job");
    return fail(db_errc::limit_reached, "the job's photo limit is reached");
  }

  // Runs `body` on a pooled reader connection.
  template <class F>
  auto read(F&& body) -> decltype(body(std::declval<sqlite_connection&>())) {
    std::unique_ptr<sqlite_connection> c;
    {
      std::lock_guard lk(pool_mutex_);
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!c) {
      auto opened = sqlite_connection::open(path_);
      if (!opened) return fail(opened.error());
      c = std::move(*opened);
    }
    auto out = body(*c);
    std::lock_guard lk(pool_mutex_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
    return out;
  }

  // Runs one writing statement (its own implicit transaction) on the writer connection.
  template <class F>
  auto write(F&& body) -> decltype(body(std::declval<sqlite_connection&>())) {
    std::lock_guard lk(write_mutex_);
    return body(*writer_);
  }

  std::string path_;
  std::mutex write_mutex_;
  std::unique_ptr<sqlite_connection> writer_;
  wal_checkpointer checkpointer_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<sqlite_connection>> idle_;
  std::size_t max_idle_;
  session_cache cache_;
  // The group commit's queue, and the writer thread that drains it (started by the
  // first asynchronous allocation).
  std::mutex queue_mutex_;
  std::vector<pending_upload> queue_;
  bool draining_ = false;  // a drain_queue is queued or running
  std::optional<util::worker_pool> writer_thread_{std::in_place, 1};
  std::unique_ptr<staff_database> staff_;
};

result<void> migrate(sqlite_connection& c, timestamp now) {
  // Nearly every open finds the schema current: one read says so, without the DDL
  // and the write lock below (they cost a cold start; docs/benchmarks/lambda.md).
  // No table yet (a new file) is an error here, and the full path runs.
  std::int64_t found = 0;
  auto read = c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                      [&](const sqlite_stmt& s) { found = s.int64(0); });
  if (read && found >= sqlite_migrations().back().version) return {};
  if (auto r = c.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
      !r)
    return r;
  // BEGIN IMMEDIATE takes the write lock first, so two processes opening a new file
  // at once apply each migration once (the second waits, then sees it applied).
  if (auto r = c.exec("BEGIN IMMEDIATE"); !r) return r;
  auto body = [&]() -> result<void> {
    std::int64_t current = 0;
    auto r = c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                     [&](const sqlite_stmt& s) { current = s.int64(0); });
    if (!r) return r;
    for (const auto& m : sqlite_migrations()) {
      if (m.version <= current) continue;
      if (auto e = c.exec(m.sql); !e) return e;
      auto rec = c.execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?1, ?2, ?3)",
                           static_cast<std::int64_t>(m.version), m.description, to_unix(now));
      if (!rec) return fail(rec.error());
    }
    return {};
  };
  auto r = body();
  if (!r) {
    (void)c.exec("ROLLBACK");
    return r;
  }
  return c.exec("COMMIT");
}

}  // namespace

result<std::unique_ptr<database>> open_sqlite(const std::string& path, const open_options& options) {
  std::error_code ec;
  bool created = !std::filesystem::exists(path, ec);
  auto writer = sqlite_connection::open(path);
  if (!writer) return fail(writer.error());
  // The file holds customers' details and session hashes: owner-only, like the
  // store's credentials. SQLite gives its -wal and -shm files the same mode.
  if (created) std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (auto m = migrate(**writer, now); !m) return fail(m.error());
  return std::unique_ptr<database>(new sqlite_database(path, std::move(*writer), options));
}

}  // namespace dropslot::db::detail
