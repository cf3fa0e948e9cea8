// The SQLite schema. Times are INTEGER Unix seconds (the same as the PostgreSQL
// schema, so both backends return the same values).
#include "migrations.hpp"

#include <array>

namespace dropslot::db::detail {
namespace {

constexpr std::array<migration, 3> list{{
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
}};

}  // namespace

std::span<const migration> sqlite_migrations() { return list; }

}  // namespace dropslot::db::detail
