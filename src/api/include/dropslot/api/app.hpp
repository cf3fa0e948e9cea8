#pragma once
// The dashboard API as one `http::service` (DESIGN.md, HTTP API).
//
// `dropslot serve` mounts it under `/api`; `dropslot lambda` feeds it API Gateway
// events with `api_base` from DROPSLOT_API_BASE (default empty). Both call the very
// same handlers: the service never sees a socket, the environment or the wall clock
// except through what `make_api` is given.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dropslot/db/receipts.hpp"
#include "dropslot/http/service.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::api {

/// One content type the API hands out upload URLs for, and the key extension it
/// implies. The extension comes from here, never from the client's filename.
struct allowed_type {
  std::string content_type;  // "image/jpeg"
  std::string extension;     // "jpg"
};

/// The default allow-list: JPEG, PNG, HEIC, WebP.
std::vector<allowed_type> default_allowed_types();

/// Explicit S3 credentials (serve passes its embedded store's key). When absent the
/// API takes the standard chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
/// AWS_SESSION_TOKEN, then the profile file. A known `expires_at` caps every URL's
/// expiry (no URL outlives the credentials that signed it).
struct explicit_credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term key
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

/// How the dashboard shrinks a photo before it asks for an upload URL, as GET
/// {base}/settings hands it out (docs/architecture.md, HTTP API). The server only
/// publishes these; the browser does the work.
struct photo_settings {
  /// Longest edge of the uploaded photo in pixels: 0 keeps originals (uploaded as
  /// they are), else 320..16384 (DROPSLOT_PHOTO_MAX_EDGE).
  std::uint32_t max_edge = 2560;
  /// JPEG quality of the re-encoded photo, (0, 1] (DROPSLOT_PHOTO_QUALITY). 0.75,
  /// not 0.85: a third fewer bytes for an SSIM 0.025 lower, which is what gets a
  /// photo to `received` within 10 s on the phone profile's 0.75 Mbit/s uplink
  /// (docs/benchmarks/dashboard.md, bench/dashboard/encode_options.mjs).
  double quality = 0.75;
  /// The thumbnail the dashboard makes beside it.
  std::uint32_t thumb_edge = 320;
  double thumb_quality = 0.7;
};

/// Everything the API is configured with. Plain values; copyable.
struct app_config {
  /// Prefix of every API route: "/api" under serve, "" (or DROPSLOT_API_BASE) under
  /// Lambda. No trailing slash. `/healthz` is served both at the root and under it.
  std::string api_base;

  // --- S3 ---
  std::string bucket = "uploads";
  std::string region = "us-east-1";
  /// Custom S3 endpoint ("http://127.0.0.1:9000"); empty means real AWS at
  /// https://<bucket>.s3.<region>.amazonaws.com (virtual-hosted style).
  std::string s3_endpoint;
  /// Path-style addressing (http://endpoint/bucket/key). True whenever
  /// `s3_endpoint` is set, as the AWS CLI does; app_config_from_env sets it so.
  bool path_style = false;
  std::optional<explicit_credentials> credentials;

  // --- browser-facing policy ---
  /// The dashboard's origin ("http://127.0.0.1:8080"): an `Origin` equal to it
  /// satisfies the CSRF rule for cookie-authenticated state changes. Empty: only
  /// `X-Requested-With: dropslot` does.
  std::string dashboard_origin;
  std::vector<allowed_type> allowed_types = default_allowed_types();
  std::uint64_t max_upload_bytes = 25ull * 1024 * 1024;  // 413 above
  std::chrono::seconds url_expiry{900};                  // capped at 604800
  /// Per-customer token bucket on POST {base}/upload-url: `upload_rate_per_second`
  /// refill, `upload_burst` capacity. Exhausted -> 429 with Retry-After. A rate
  /// of 0 turns the limit off.
  double upload_rate_per_second = 10.0;
  double upload_burst = 60.0;
  /// Most photos one job may hold (keys allocated); beyond it -> 409 photo_limit.
  std::uint32_t max_photos_per_job = 500;
  /// Session lifetime given at login.
  std::chrono::seconds session_ttl{std::chrono::hours(12)};
  /// A staff session's lifetime (a working day): its own, shorter than a customer's,
  /// since a staff session reaches every customer's jobs (DROPSLOT_STAFF_SESSION_TTL).
  std::chrono::seconds staff_session_ttl{std::chrono::hours(8)};
  /// What GET {base}/settings tells the dashboard.
  photo_settings photos;
  /// The shots a job requests unless staff gave it its own list (DROPSLOT_SHOTS, a
  /// JSON array of {id, label, hint?, required}; else the built-in junk-removal list).
  std::vector<db::shot> default_shots = db::builtin_shots();
  /// How long after a photo is received the server makes its thumbnail when the
  /// browser sent none (DROPSLOT_THUMBNAIL_DELAY, seconds; issue 22).
  std::chrono::seconds thumbnail_delay{120};

  // --- storage ---
  /// "sqlite:///abs/path.db" or "postgres://...". Required.
  std::string database_url;
};

/// Looks up one environment variable; nullopt when unset. (`std::getenv` in
/// production, a map in tests.)
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The environment as the process sees it (std::getenv).
env_lookup process_env();

/// `base` with `overrides` ({name, value}) laid over it: how a command-line flag beats
/// the environment, which beats the default (DESIGN.md, CLI). `dropslot serve` passes
/// each flag given under its variable's name, so app_config_from_env reads flags and
/// environment with one set of rules. An override with an empty value is ignored.
env_lookup env_with_overrides(std::vector<std::pair<std::string, std::string>> overrides, env_lookup base);

/// Builds a config from the environment (DESIGN.md, CLI: config from env):
///   DROPSLOT_API_BASE (default ""), DROPSLOT_BUCKET (default "uploads"),
///   AWS_REGION / AWS_DEFAULT_REGION (default "us-east-1"), AWS_ENDPOINT_URL_S3
///   (custom endpoint => path style), DROPSLOT_DATABASE_URL, else
///   sqlite://<DROPSLOT_DATA or ./data>/dropslot.db, DROPSLOT_DASHBOARD_ORIGIN,
///   DROPSLOT_URL_EXPIRY (seconds), DROPSLOT_MAX_UPLOAD_BYTES,
///   DROPSLOT_ALLOWED_TYPES ("image/jpeg=jpg,image/png=png"), DROPSLOT_UPLOAD_RATE
///   (per second, 0 = no limit), DROPSLOT_UPLOAD_BURST, DROPSLOT_MAX_PHOTOS,
///   DROPSLOT_PHOTO_MAX_EDGE (0 or 320..16384), DROPSLOT_PHOTO_QUALITY ((0, 1]),
///   DROPSLOT_STAFF_SESSION_TTL (seconds, 60..604800),
///   DROPSLOT_SHOTS (the default shot list, JSON), DROPSLOT_THUMBNAIL_DELAY (seconds,
///   1..86400).
/// Fails with api_errc::bad_config on an unparsable value (never ignores one).
result<app_config> app_config_from_env(const env_lookup& env);

/// The photo settings alone from DROPSLOT_PHOTO_MAX_EDGE and DROPSLOT_PHOTO_QUALITY
/// over the defaults (what app_config_from_env fills `photos` with). bad_config on a
/// value out of range or unparsable.
result<photo_settings> photo_settings_from_env(const env_lookup& env);

/// One route of the API: its verb and path template ("/jobs/{id}"), relative to the base.
struct route_info {
  std::string method;
  std::string path;
};

/// The API's route table, in the order the service matches it (without the OPTIONS
/// preflight, which answers for any of these paths, and without the root /healthz
/// alias). deploy/template.yaml's API Gateway routes must be exactly these.
std::vector<route_info> route_table();

/// Builds the API service from `config`: opens the database at
/// `config.database_url` (running migrations), resolves S3 credentials and makes
/// the S3 client. The returned service is thread-safe (`handle` may run on many
/// threads at once) and owns everything it uses. Fails when the database cannot
/// be opened or no credentials are found.
result<std::shared_ptr<http::service>> make_api(const app_config& config);

}  // namespace dropslot::api
