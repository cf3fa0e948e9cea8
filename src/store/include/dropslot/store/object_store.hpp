#pragma once
// dropslot's embedded S3-compatible object store (DESIGN.md, part `store`).
//
// `object_store` owns one data directory: buckets, objects (data + metadata committed
// atomically), multipart uploads, CORS configurations and the in-memory key index it
// rebuilds on open. It verifies every request with sigv4 against one access key.
// `serve_store` (serve.hpp) puts it on an http::server listener; `dropslot s3` and
// `dropslot serve` both use it that way.
//
// Thread safety: every member function may be called from any thread concurrently.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dropslot/store/bucket_policy.hpp"
#include "dropslot/store/cors.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

/// The one access key the store accepts. The secret never reaches a log line.
struct access_key {
  std::string id;
  std::string secret;
};

struct store_config {
  std::filesystem::path data_dir = "data";
  std::string region = "us-east-1";
  access_key key;
  /// Host names (without port) under which virtual-hosted-style requests arrive:
  /// `<bucket>.<host>`. "localhost" is always accepted.
  std::vector<std::string> endpoint_hosts;
  /// The wall clock, injected so tests can pin time (sigv4 itself never reads it).
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
  /// Bucket policies the store enforces, by bucket name (bucket_policy.hpp): the
  /// uploads bucket's, as deploy/template.yaml sets it on AWS.
  std::map<std::string, std::shared_ptr<const bucket_policy>, std::less<>> bucket_policies;
  /// Called with (bucket, key) once an object is committed by PUT, POST Object or
  /// CompleteMultipartUpload, before the client gets its answer, on the connection's
  /// thread: it must return at once (hand the work over). `dropslot serve` points it
  /// at the API's receipt intake (issue 22). Empty: nobody is told.
  std::function<void(std::string_view bucket, std::string_view key)> on_object_created;
};

class store_engine;  // the request handling behind the listener (internal)

class object_store {
 public:
  /// Opens (creating when missing) the data directory: removes stale temporaries and
  /// multipart uploads left by a crash, then loads the key index. Errors: internal_error
  /// when the directory cannot be created or read.
  static result<std::shared_ptr<object_store>> open(store_config config);
  ~object_store();

  /// Creates bucket `name` unless it exists (idempotent). InvalidBucketName for names S3 refuses.
  result<void> ensure_bucket(std::string_view name);
  /// Replaces the bucket's CORS rules (PutBucketCors). NoSuchBucket when missing.
  result<void> put_bucket_cors(std::string_view bucket, std::vector<cors_rule> rules);

  const store_config& config() const;
  store_engine& engine();

  /// The MD5 engine (the ETag's hash) this CPU runs fastest, as measured once when the
  /// first store opens, for the start-up log: "avx512 (avx512 1234 MB/s, openssl 987 MB/s)".
  static std::string md5_engine_summary();

 private:
  explicit object_store(std::unique_ptr<store_engine> engine);
  std::unique_ptr<store_engine> engine_;
};

/// Loads the store's access key: DROPSLOT_S3_ACCESS_KEY_ID / DROPSLOT_S3_SECRET_ACCESS_KEY
/// when both are given in `env_id`/`env_secret`, else `<data_dir>/credentials` (created on
/// first call with random keys, mode 0600). `created` tells whether a file was written.
result<access_key> load_or_create_access_key(const std::filesystem::path& data_dir, const char* env_id,
                                             const char* env_secret, bool* created = nullptr);

}  // namespace dropslot::store
