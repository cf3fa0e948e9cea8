#pragma once
// An S3 client over HTTP(S): libcurl with a pool of handles (connection reuse),
// SigV4 header signing through `sigv4`, pugixml for the XML bodies. The same code
// talks to real AWS (virtual-hosted, regional endpoint) and to dropslot's embedded
// store (path style on loopback): there is no in-process shortcut.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dropslot/s3/endpoint.hpp"
#include "dropslot/s3/error.hpp"
#include "dropslot/sigv4/credentials.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::s3 {

namespace detail {
class transport;
struct wire_response;
}

/// Where the client gets credentials for each request: called once per request,
/// so rotating credentials are picked up. Fails with no_credentials.
using credentials_source = std::function<result<sigv4::credentials>()>;

struct client_config {
  bucket_endpoint endpoint;
  credentials_source credentials;
  /// The wall clock for x-amz-date (injected so tests can pin it).
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{30000};
};

/// One object of a ListObjectsV2 page.
struct object_summary {
  std::string key;
  std::uint64_t size = 0;
  std::string last_modified;  // ISO 8601 as S3 sends it
  std::string etag;
};

/// One ListObjectsV2 page.
struct list_page {
  std::vector<object_summary> objects;
  bool truncated = false;
  std::string next_continuation_token;  // set when truncated
};

/// One CORS rule for put_bucket_cors.
struct cors_rule {
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_methods;
  std::vector<std::string> allowed_headers;
  std::vector<std::string> expose_headers;
  std::optional<int> max_age_seconds;
};

/// An object as get_object returns it.
struct object_data {
  std::string body;
  std::string content_type;
  std::string etag;
};

/// What a HeadObject tells about an object.
struct object_head {
  std::uint64_t size = 0;
  std::string content_type;
};

/// Thread-safe: any member may be called from many threads at once. Errors
/// (error.hpp): unavailable when S3 cannot be reached or answers 5xx,
/// access_denied on 403 (detail: S3's code and message), and so on.
class client {
 public:
  explicit client(client_config config);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  const bucket_endpoint& endpoint() const noexcept { return config_.endpoint; }

  /// One ListObjectsV2 page under `prefix` (max_keys 1..1000).
  result<list_page> list_objects_v2(std::string_view prefix, std::string_view continuation_token = {},
                                    int max_keys = 1000);
  /// Every object under `prefix`, following continuation tokens past 1,000 keys;
  /// request_failed when there are more than `max_objects`.
  result<std::vector<object_summary>> list_all(std::string_view prefix, std::size_t max_objects);

  /// Creates the bucket; succeeds when it exists already and is ours.
  result<void> create_bucket();
  /// Replaces the bucket's CORS configuration.
  result<void> put_bucket_cors(const std::vector<cors_rule>& rules);

  /// For tests and setup: a plain signed PUT / GET / HEAD / DELETE of one object.
  result<void> put_object(std::string_view key, std::string_view body, std::string_view content_type = {});
  result<object_data> get_object(std::string_view key);
  result<bool> head_object(std::string_view key);  // false: 404
  /// HeadObject with what it tells: size and type; nullopt on 404.
  result<std::optional<object_head>> head_object_info(std::string_view key);
  /// The first `length` bytes of an object (GET with Range: bytes=0-(length-1));
  /// fewer when the object is shorter. no_such_key when absent.
  result<std::string> get_object_prefix(std::string_view key, std::size_t length);
  result<void> delete_object(std::string_view key);

 private:
  /// Signs and sends one request; S3 error statuses become errors (error.hpp).
  /// `query` is unencoded name/value pairs; `path` is already URI-encoded.
  result<detail::wire_response> send(std::string_view method, const std::string& path,
                                     std::vector<std::pair<std::string, std::string>> query,
                                     std::vector<std::pair<std::string, std::string>> headers, std::string body,
                                     bool head_only = false);

  client_config config_;
  std::unique_ptr<detail::transport> transport_;
};

}  // namespace dropslot::s3
