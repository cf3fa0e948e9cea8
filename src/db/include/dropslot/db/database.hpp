#pragma once
// dropslot's metadata store: customers, sessions, login codes, jobs, uploads and quote
// requests behind one interface, with SQLite (default), PostgreSQL and DynamoDB
// backends (DESIGN.md, Parts: db). Only `cli` picks the backend, through open_database().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <dropslot/db/error.hpp>
#include <dropslot/db/keys.hpp>
#include <dropslot/db/receipts.hpp>
#include <dropslot/db/records.hpp>
#include <dropslot/db/staff_database.hpp>
#include <dropslot/db/tokens.hpp>
#include <dropslot/s3/http_transport.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db {

/// The operations the API and `dropslot admin` need.
///
/// Thread safety: every member may be called from many threads at once on one object.
/// Failures: `db_errc::unavailable` when the server is unreachable or the connection
/// broke (the next call reconnects); other codes as documented per call. Time is always
/// passed in (`now`), never read from the clock. All SQL is parameterized: any string
/// given here is stored literally.
class database {
 public:
  virtual ~database() = default;

  /// "sqlite", "postgres" or "dynamodb".
  virtual std::string_view backend() const noexcept = 0;

  /// A cheap round trip to the store, for /healthz.
  virtual result<void> ping() = 0;

  // --- customers -------------------------------------------------------------------
  /// conflict when the email is taken; invalid_argument when name or email is empty.
  virtual result<customer> create_customer(const std::string& name, const std::string& email, timestamp now) = 0;
  virtual result<std::vector<customer>> list_customers() = 0;
  virtual result<std::optional<customer>> get_customer(customer_id id) = 0;
  /// Admin: removes the customer and everything that is theirs: sessions (their tokens
  /// stop working at once in this process), login codes, jobs with their upload
  /// records, quotes, and the claim on the email (it can be used again). True when the
  /// customer existed; removing an unknown (or already removed) customer is not an
  /// error. SQL: one transaction. DynamoDB: item by item, the customer's own item last,
  /// so a call that failed half-way can simply be repeated (a Scan: admin only).
  virtual result<bool> delete_customer(customer_id id) = 0;

  // --- login codes -----------------------------------------------------------------
  /// A fresh one-time code for the customer, valid for `ttl`; only its hash is stored.
  /// not_found when the customer does not exist.
  virtual result<login_code> create_login_code(customer_id customer, timestamp now,
                                               std::chrono::seconds ttl = std::chrono::minutes(15)) = 0;
  /// Spends a code: the customer id once; nullopt when unknown, expired or already
  /// used. Of concurrent callers with the same code exactly one gets the id.
  virtual result<std::optional<customer_id>> consume_login_code(std::string_view code, timestamp now) = 0;

  // --- sessions --------------------------------------------------------------------
  /// A new 256-bit random session token, stored only as its hash.
  virtual result<new_session> create_session(customer_id customer, timestamp now, std::chrono::seconds ttl) = 0;
  /// The session behind a plaintext token when it is neither expired nor revoked, else
  /// nullopt. The hot path: one indexed lookup (and a short per-process cache that a
  /// revoke in this process clears at once).
  virtual result<std::optional<session>> lookup_session(std::string_view token, timestamp now) = 0;
  /// Revokes one session (logout). Revoking an unknown or revoked token is not an error.
  virtual result<void> revoke_session(std::string_view token, timestamp now) = 0;
  /// Revokes every live session of the customer; returns how many.
  virtual result<std::int64_t> revoke_sessions(customer_id customer, timestamp now) = 0;

  // --- jobs ------------------------------------------------------------------------
  /// Admin: creates a job (an empty new_job::id picks a random one). invalid_argument
  /// when the id breaks [A-Za-z0-9_-]{1,64} or the title is empty; conflict when the id
  /// exists; not_found when the customer does not exist.
  virtual result<job> create_job(const new_job& j, timestamp now) = 0;
  /// The customer's jobs, scheduled date then id.
  virtual result<std::vector<job>> list_jobs(customer_id customer) = 0;
  /// The job when it exists AND belongs to the customer; nullopt otherwise (the API
  /// answers 404 for both).
  virtual result<std::optional<job>> get_job(std::string_view job_id, customer_id customer) = 0;
  /// Updates the customer's own fields of their job; nullopt when it is not theirs.
  virtual result<std::optional<job>> update_job(std::string_view job_id, customer_id customer,
                                                const job_update& update, timestamp now) = 0;
  /// Admin: every job (or one customer's when `customer` is set).
  virtual result<std::vector<job>> list_all_jobs(std::optional<customer_id> customer = std::nullopt) = 0;

  // --- uploads ---------------------------------------------------------------------
  /// Atomically takes the job's next photo number and records the upload. Concurrent
  /// calls (any threads, any processes) get distinct numbers; numbers are never reused.
  /// not_found when the job is not the customer's; limit_reached when the number would
  /// pass `max_photos`; invalid_argument for a bad job id or extension.
  virtual result<upload_slot> allocate_upload(const upload_request& r, timestamp now) = 0;
  /// allocate_upload without waiting for it: `done` gets the same result, possibly
  /// on another thread and after this returns. On SQLite, concurrent allocations
  /// share one transaction (group commit) on a writer thread, and `done` runs there
  /// once that transaction has committed: a key is never handed out before its
  /// upload record is in the database. On PostgreSQL it runs on a small pool of
  /// threads, one connection each. `done` must not throw, and should be quick (it
  /// holds up the next batch). The default calls allocate_upload and then `done`.
  virtual void allocate_upload_async(upload_request r, timestamp now,
                                     std::function<void(result<upload_slot>)> done) {
    done(allocate_upload(r, now));
  }

  // --- shot lists and receipts (issue 22; receipts.hpp) ------------------------------
  /// Staff/admin: sets the job's own shot list (JSON text that parse_shots accepted;
  /// nullopt: back to the operator's default). False when the job does not exist.
  virtual result<bool> set_job_shots(std::string_view job_id, const std::optional<std::string>& shots_json,
                                     timestamp now) = 0;
  /// One upload record by job and photo number, whoever owns it (callers check
  /// ownership through get_job first; bucket events carry no customer).
  virtual result<std::optional<upload_record>> get_upload(std::string_view job_id, std::int64_t number) = 0;
  /// The job's upload records, by photo number.
  virtual result<std::vector<upload_record>> list_uploads(std::string_view job_id) = 0;
  /// Changes shot and caption (already checked; "" clears). nullopt when no such record.
  virtual result<std::optional<upload_record>> label_upload(std::string_view job_id, std::int64_t number,
                                                            const upload_labels& labels) = 0;
  /// Moves the record to `to` if the move is allowed, atomically (a conditional write):
  /// pending -> received | rejected | expired, expired -> received | rejected (the
  /// object came late). Any other move changes nothing, so repeated and out-of-order
  /// events leave one record in one state. `at` becomes received_at on a move to
  /// received. Returns the record as it is afterwards; nullopt when there is none.
  virtual result<std::optional<upload_record>> set_upload_state(std::string_view job_id, std::int64_t number,
                                                                upload_state to, timestamp at) = 0;
  /// How many received uploads the job has per shot: the input of missing_shots().
  /// One indexed read (SQL: the uploads primary key's job prefix; DynamoDB: one Query
  /// of the job's partition), cheap enough per row of the staff board.
  virtual result<std::vector<shot_count>> received_shot_counts(std::string_view job_id) = 0;

  // --- quote requests --------------------------------------------------------------
  /// not_found when job_id is set and not the customer's; invalid_argument when the
  /// description is empty.
  virtual result<quote> create_quote(const new_quote& q, timestamp now) = 0;
  /// The customer's quote requests, newest first.
  virtual result<std::vector<quote>> list_quotes(customer_id customer) = 0;

  // --- the company's side ------------------------------------------------------------
  /// Staff accounts, sessions, the board, quote replies and share links (one object
  /// per backend, owned by this one). nullptr on a backend without them yet: the API
  /// then refuses staff logins and routes with 503 (docs/api.md).
  virtual staff_database* staff() noexcept { return nullptr; }

  /// `dropslot admin migrate`, after the open that made the schema current: fills in
  /// what older data lacks; how many items were written. DynamoDB: the board entries
  /// of jobs made before the board (a Scan: admin only). The SQL backends: nothing.
  virtual result<std::size_t> migrate_data() { return std::size_t{0}; }
};

/// Tuning for open_database; the defaults suit `dropslot serve` and `dropslot admin`.
struct open_options {
  /// How long lookup_session may answer from a per-process cache. Zero (the default)
  /// asks the database every time. A revoke through this object clears the cache at
  /// once; a revoke by another process (dropslot admin) takes effect within the TTL.
  std::chrono::seconds session_cache_ttl{0};
  /// PostgreSQL: most connections open at once (callers beyond it wait). SQLite: most
  /// idle reader connections kept.
  std::size_t max_connections = 8;
  /// DynamoDB: create the table (and enable its TTL) when it is missing. `dropslot
  /// lambda` opens with false: there the template creates the table, and a missing
  /// one is a start-up error (not_found) that names it. The SQL backends migrate
  /// on every open either way (a no-op read when the schema is current).
  bool create_tables = true;
  /// DynamoDB: how its HTTP requests travel; empty: libcurl (s3::make_curl_transport).
  /// `dropslot lambda` passes its Beast client, so a cold start never loads libcurl.
  s3::http_transport_factory aws_transport;
};

/// Opens (and migrates to the latest schema) `sqlite:///abs/path.db`,
/// `postgres://…` / `postgresql://…` or `dynamodb://PREFIX` (the table PREFIX-main;
/// region, credentials and endpoint from the standard AWS configuration:
/// AWS_REGION, the credentials chain, AWS_ENDPOINT_URL_DYNAMODB then
/// AWS_ENDPOINT_URL). SQLite creates the file (not its folder).
/// invalid_argument for another scheme or a relative SQLite path; unavailable when the
/// server cannot be reached.
result<std::unique_ptr<database>> open_database(const std::string& url, const open_options& options = {});

/// The default URL for a data folder: sqlite://<absolute data dir>/dropslot.db.
std::string default_database_url(const std::string& data_dir);

}  // namespace dropslot::db
