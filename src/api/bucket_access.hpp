#pragma once
// What the API does with the bucket: presign PUTs and GETs for object keys, and
// list a job's prefix. Presigning is pure (sigv4, no I/O); listing goes through the
// S3 client over HTTP, the same code for AWS and the embedded store.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dropslot/api/app.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::api {

/// A presigned request: the URL and the headers the client must send as given.
struct presigned_request {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::system_clock::time_point expires_at;
  std::chrono::seconds expires_in{0};
};

/// What presign_put signs besides the method and key.
struct put_terms {
  std::string content_type;
  std::uint64_t content_length = 0;
  std::optional<std::string> checksum_sha256;  // base64, already validated
  /// RFC 3339 UTC ("2026-12-06T13:03:07Z"), already validated: signed as
  /// x-amz-meta-captured-at, so the store keeps it with the object.
  std::optional<std::string> captured_at;
};

/// One object of a listing.
struct listed_object {
  std::string key;
  std::uint64_t size = 0;
  std::string last_modified;  // as S3 gives it (ISO 8601)
};

/// What a HEAD of an object tells (the receipt's check, receipts.hpp).
struct object_head {
  std::uint64_t size = 0;
  std::string content_type;
};

/// Thread-safe after construction.
class bucket_access {
 public:
  virtual ~bucket_access() = default;

  /// The expiry a URL signed at `now` gets: config.url_expiry (capped at 604800 s),
  /// shortened so it never outlives credentials with a known expiry.
  /// storage_unavailable when those credentials have expired or are about to.
  virtual result<std::chrono::seconds> expiry_at(std::chrono::system_clock::time_point now) const = 0;

  /// A PUT URL signing content-type, content-length, if-none-match: * and, when
  /// given, x-amz-checksum-sha256 and x-amz-meta-captured-at.
  virtual result<presigned_request> presign_put(const std::string& key, const put_terms& terms,
                                                std::chrono::system_clock::time_point now) const = 0;
  /// A GET URL for `key` that the browser can cache: every call within one window
  /// (get_url_window) returns the same URL, signed at the window's start (or when
  /// the credentials were loaded, if later: not_before) with X-Amz-Expires = the
  /// configured expiry (capped at 604800 s and at known credentials' expiry). The
  /// one rule (docs/security.md): no URL's signature is older than the configured
  /// expiry while the URL is valid, which is what the uploads bucket's policy
  /// (s3:signatureAge) allows, so the URL works for exactly `expires_in` seconds
  /// from `now` (between expiry - window and expiry). It signs
  /// response-cache-control=private, max-age=<X-Amz-Expires>: the store answers
  /// with that Cache-Control, never `public`. `expires_at` is when the URL expires.
  virtual result<presigned_request> presign_get(const std::string& key,
                                                std::chrono::system_clock::time_point now) const = 0;
  /// The `expires_in` presign_get gives any URL at `now` (a listing's `expires_in`).
  virtual result<std::chrono::seconds> get_url_expires_in(std::chrono::system_clock::time_point now) const = 0;
  /// A GET URL signed at `now` that lives at most `max_lifetime` (and never past the
  /// configured expiry or known credentials' expiry): a fresh URL per call, for the
  /// share gallery, whose links must die soon after the share does (DESIGN.md).
  virtual result<presigned_request> presign_get_fresh(const std::string& key, std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds max_lifetime) const = 0;
  /// The window within which presign_get hands out one URL per key:
  /// min(expiry / 3, 3600 s) (0: a URL per second).
  virtual std::chrono::seconds get_url_window() const = 0;
  /// No signature is dated before this: when the credentials were loaded (the `now`
  /// given to make_bucket_access), rounded up to the second.
  virtual std::chrono::sys_seconds not_before() const = 0;

  /// Whether `key` exists: a ListObjectsV2 with the key as prefix (the permission
  /// the listing needs anyway; a HEAD of a missing key answers 403 without
  /// s3:ListBucket on AWS). storage_unavailable as list().
  virtual result<bool> exists(const std::string& key) const = 0;
  /// HeadObject: size and type, nullopt when there is no such object.
  /// storage_unavailable as list().
  virtual result<std::optional<object_head>> head(const std::string& key) const = 0;
  /// The first `length` bytes of `key` (a ranged GET): what the magic-number check
  /// reads. storage_unavailable as list() (also when the object vanished meanwhile).
  virtual result<std::string> read_prefix(const std::string& key, std::size_t length) const = 0;
  /// The whole object (GetObject); storage_unavailable as list(), also when it is
  /// absent or larger than `max_bytes`.
  virtual result<std::string> read(const std::string& key, std::size_t max_bytes) const = 0;
  /// Writes `key` (PutObject) with `content_type`: the server's own thumbnails.
  virtual result<void> write(const std::string& key, std::string_view body, std::string_view content_type) const = 0;
  /// One page of ListObjectsV2 under `prefix` (at most 1000 keys) after
  /// `continuation` (empty: the first page); reconcile walks a bucket with it and
  /// never holds more than a page. `next` is empty on the last page.
  virtual result<std::vector<listed_object>> list_page(const std::string& prefix, const std::string& continuation,
                                                       std::string& next) const = 0;
  /// Deletes `key` (DeleteObject); an absent key is no error, as in S3.
  virtual result<void> remove(const std::string& key) const = 0;

  /// Every object under `prefix` (ListObjectsV2, following continuation tokens),
  /// at most `max_objects`. storage_unavailable when S3 is down or denies the API.
  virtual result<std::vector<listed_object>> list(const std::string& prefix, std::size_t max_objects) const = 0;
};

/// The real one: sigv4 + the S3 client, from the config's endpoint, region,
/// bucket and credentials (explicit, else the standard chain), loaded at `now`.
/// `clock` (default: the wall clock) dates the client's own requests (listings).
result<std::unique_ptr<bucket_access>> make_bucket_access(
    const app_config& config, std::chrono::system_clock::time_point now,
    std::function<std::chrono::system_clock::time_point()> clock = {});

}  // namespace dropslot::api
