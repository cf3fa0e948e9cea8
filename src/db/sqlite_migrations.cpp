// The SQLite schema. Times are INTEGER Unix seconds (the same as the PostgreSQL
// schema, so both backends return the same values).
#include "migrations.hpp"

#include <array>

namespace dropslot::db::detail {
namespace {

constexpr std::array<migration, 5> list{{
    {1, "initial schema", R"sql(
CREATE TABLE customers (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL,
  email       TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL
);

-- Only the SHA-256 of a token is stored: a copy of this table logs nobody in.
CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER
) WITHOUT ROWID;
CREATE INDEX sessions_by_customer ON sessions(customer_id);

CREATE TABLE login_codes (
  code_hash   TEXT PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
) WITHOUT ROWID;

CREATE TABLE jobs (
  id                  TEXT PRIMARY KEY,
  customer_id         INTEGER NOT NULL REFERENCES customers(id),
  title               TEXT NOT NULL,
  address             TEXT NOT NULL DEFAULT '',
  status              TEXT NOT NULL DEFAULT 'scheduled',
  scheduled_date      TEXT,
  notes               TEXT NOT NULL DEFAULT '',
  access_instructions TEXT NOT NULL DEFAULT '',
  next_photo_number   INTEGER NOT NULL DEFAULT 1,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX jobs_by_customer ON jobs(customer_id);

-- One row per key issued; the primary key means a number is never reused. WITHOUT
-- ROWID and no AUTOINCREMENT: an allocation then writes two pages (the job's, the
-- upload's) instead of four, and it is the hot write (docs/benchmarks/db.md).
CREATE TABLE uploads (
  job_id          TEXT NOT NULL REFERENCES jobs(id),
  photo_number    INTEGER NOT NULL,
  key             TEXT NOT NULL,
  customer_id     INTEGER NOT NULL REFERENCES customers(id),
  content_type    TEXT NOT NULL,
  size            INTEGER NOT NULL,
  checksum_sha256 TEXT,
  expires_at      INTEGER NOT NULL,
  session_hash    TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (job_id, photo_number)
) WITHOUT ROWID;

CREATE TABLE quotes (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id    INTEGER NOT NULL REFERENCES customers(id),
  job_id         TEXT REFERENCES jobs(id),
  description    TEXT NOT NULL,
  preferred_date TEXT,
  created_at     INTEGER NOT NULL
);
CREATE INDEX quotes_by_customer ON quotes(customer_id, created_at);
)sql"},
    {2, "uploads take their photo number", R"sql(
-- Recording an upload takes its number: allocate_upload is then one INSERT ... SELECT,
-- a single autocommit statement (atomic, and no BEGIN/COMMIT or statement journal).
CREATE TRIGGER IF NOT EXISTS uploads_take_number AFTER INSERT ON uploads
BEGIN
  UPDATE jobs SET next_photo_number = NEW.photo_number + 1
  WHERE id = NEW.job_id AND next_photo_number <= NEW.photo_number;
END;
)sql"},
    {3, "uploads remember the dashboard's photo id", R"sql(
-- The dashboard's own ID for a photo (upload_request::client_id): a retried request
-- with the same ID gets the same slot. Unique per job, so two concurrent requests
-- can never both take a number for it; partial, so an upload without an ID (every
-- older client) writes no index page.
ALTER TABLE uploads ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX uploads_by_client_id ON uploads(job_id, client_id) WHERE client_id IS NOT NULL;
)sql"},
    {4, "shot lists and upload receipts", R"sql(
-- Issue 22. A job's own shot list (JSON text; NULL: the operator's default). Each
-- upload names the shot it answers and a caption, and carries its receipt: pending
-- until the object is confirmed (received), refused (rejected) or never came
-- (expired). Records from before this version start pending: reconcile confirms
-- the ones whose object is there and expires the rest.
ALTER TABLE jobs ADD COLUMN shots TEXT;
ALTER TABLE uploads ADD COLUMN shot TEXT;
ALTER TABLE uploads ADD COLUMN caption TEXT;
ALTER TABLE uploads ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE uploads ADD COLUMN received_at INTEGER;
)sql"},
    {5, "the company's side: staff, the board, quote replies, share links", R"sql(
-- Version 5, after issue 22's 4 (shots and receipts).
CREATE TABLE staff (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL,
  email       TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL
);

-- As sessions and login_codes, apart: a staff id is not a customer id, and a staff
-- token can never be taken for a customer's (or the other way round).
CREATE TABLE staff_sessions (
  token_hash  TEXT PRIMARY KEY,
  staff_id    INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER
) WITHOUT ROWID;
CREATE INDEX staff_sessions_by_staff ON staff_sessions(staff_id);

CREATE TABLE staff_login_codes (
  code_hash   TEXT PRIMARY KEY,
  staff_id    INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
) WITHOUT ROWID;

CREATE TABLE quote_replies (
  quote_id         INTEGER PRIMARY KEY REFERENCES quotes(id) ON DELETE CASCADE,
  staff_id         INTEGER NOT NULL,
  price_low_cents  INTEGER NOT NULL,
  price_high_cents INTEGER NOT NULL,
  currency         TEXT NOT NULL,
  message          TEXT NOT NULL,
  replied_at       INTEGER NOT NULL
);

-- Only the SHA-256 of a share token is stored; `id` is the handle staff revoke by.
CREATE TABLE shares (
  id          TEXT PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  staff_id    INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE INDEX shares_by_job ON shares(job_id);
CREATE INDEX quotes_by_job ON quotes(job_id);

-- The board reads jobs in activity order from an index, so its first page costs the
-- same over 10 or 10,000 jobs (docs/benchmarks/db.md). The columns are kept by the
-- triggers below: no code path has to remember them.
ALTER TABLE jobs ADD COLUMN activity_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN last_upload_at INTEGER;
ALTER TABLE jobs ADD COLUMN quotes_waiting INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET
  last_upload_at = (SELECT MAX(created_at) FROM uploads WHERE job_id = jobs.id),
  quotes_waiting = (SELECT COUNT(*) FROM quotes WHERE job_id = jobs.id);
UPDATE jobs SET activity_at = MAX(created_at, updated_at, COALESCE(last_upload_at, 0),
  COALESCE((SELECT MAX(created_at) FROM quotes WHERE job_id = jobs.id), 0));
CREATE INDEX jobs_by_activity ON jobs(activity_at DESC, id DESC);

CREATE TRIGGER jobs_activity_on_insert AFTER INSERT ON jobs
BEGIN
  UPDATE jobs SET activity_at = MAX(NEW.created_at, NEW.updated_at) WHERE id = NEW.id;
END;
CREATE TRIGGER jobs_activity_on_update AFTER UPDATE OF updated_at ON jobs
WHEN NEW.updated_at > NEW.activity_at
BEGIN
  UPDATE jobs SET activity_at = NEW.updated_at WHERE id = NEW.id;
END;
-- Uploads move the job up the board. Version 2's trigger still takes the number; this
-- one writes only when the upload is in a later second than the job's last one, so a
-- burst of allocations (the hot write, docs/benchmarks/db.md) costs one read of the
-- job's row per upload and one index move per second, not per upload.
CREATE TRIGGER uploads_touch_board AFTER INSERT ON uploads
WHEN NEW.created_at > COALESCE((SELECT last_upload_at FROM jobs WHERE id = NEW.job_id), -1)
BEGIN
  UPDATE jobs SET last_upload_at = NEW.created_at, activity_at = MAX(activity_at, NEW.created_at)
  WHERE id = NEW.job_id;
END;
CREATE TRIGGER quotes_wait AFTER INSERT ON quotes WHEN NEW.job_id IS NOT NULL
BEGIN
  UPDATE jobs SET quotes_waiting = quotes_waiting + 1, activity_at = MAX(activity_at, NEW.created_at)
  WHERE id = NEW.job_id;
END;
CREATE TRIGGER quotes_answered AFTER INSERT ON quote_replies
BEGIN
  UPDATE jobs SET quotes_waiting = MAX(quotes_waiting - 1, 0)
  WHERE id = (SELECT job_id FROM quotes WHERE id = NEW.quote_id);
END;
)sql"},
}};

}  // namespace

std::span<const migration> sqlite_migrations() { return list; }

}  // namespace dropslot::db::detail
