#pragma once
// The S3 protocol engine behind the store's listener, apart from the connection: a
// request head comes in as an http::request value (no body), and what comes out is
// either a response or a body_consumer that the connection feeds the body to. No
// sockets, descriptors or paths here: bytes live behind the storage interface
// (storage.hpp), so the whole S3 surface is testable with values and a memory_store.
//
// Order for every request (DESIGN.md, security model): parse the target, refuse an Expect
// other than 100-continue, authenticate with sigv4 (anonymous and bad signatures are 403
// whether or not the key exists; POST Object by its signed policy), then the route table
// (s3_routes.cpp), bucket existence, then the operation (ops/), its conditions and keys.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "addressing.hpp"
#include "storage.hpp"
#include "dropslot/http/message.hpp"
#include "dropslot/sigv4/verify.hpp"
#include "dropslot/store/cors.hpp"
#include "dropslot/store/object_store.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

/// A response; a GET's bytes come from `source` ([source_offset, +source_length)) rather
/// than `body`, so they are streamed, never read whole.
struct s3_response {
  int status = 200;
  http::headers headers;
  std::string body;
  std::shared_ptr<const object_body> source;
  std::uint64_t source_offset = 0;
  std::uint64_t source_length = 0;
  bool close = false;  // close the connection afterwards (the body was not read whole)
};

/// Everything about one request that the operations share.
struct request_ctx {
  http::request head;
  bucket_key target;
  std::vector<sigv4::query_param> query;  // decoded
  sigv4::verified_request auth;
  std::string request_id;
  std::chrono::sys_seconds now{};

  bool has(std::string_view name) const;
  std::optional<std::string> param(std::string_view name) const;
  std::string resource() const;  // the path, for <Resource>
};

/// Receives a request body in pieces. `write` returning an error stops the read; the
/// connection then sends `finish()`'s response, which reports that error.
class body_consumer {
 public:
  virtual ~body_consumer() = default;
  virtual result<void> write(std::string_view raw) = 0;
  /// Where the connection should receive the next body bytes, sparing a copy: write()
  /// is then called on a prefix of this very memory. Empty: any buffer will do.
  virtual std::span<char> receive_buffer() { return {}; }
  /// The body ended (or `write` failed): the response to send. Called once.
  virtual s3_response finish(std::optional<error> write_error) = 0;
  /// The largest body this consumer accepts; larger declared lengths get an error.
  virtual std::uint64_t max_body() const = 0;
};

struct dispatch {
  s3_response response;                      // when `consumer` is null
  std::unique_ptr<body_consumer> consumer;   // when the body must be read
};

class store_engine {
 public:
  store_engine(store_config config, std::unique_ptr<storage> backend);
  ~store_engine();

  /// Handles a request head. Thread-safe. `operation`, when given, receives S3's name
  /// of the operation the request reached ("PutObject"; unchanged when it was refused
  /// before routing), for the metrics' `api` label.
  dispatch begin(http::request head, std::string_view* operation = nullptr);

  storage& backend() { return *backend_; }
  const store_config& config() const { return config_; }
  std::chrono::sys_seconds now() const;
  /// Tells store_config::on_object_created (when set) that `key` was committed.
  void object_created(std::string_view bucket, std::string_view key) const {
    if (config_.on_object_created) config_.on_object_created(bucket, key);
  }

  /// The answer to a request whose head could not be parsed (400 BadRequest).
  s3_response reject_head(std::string_view message) const;

  // Shared by the operations (ops/*.cpp).
  s3_response error_response(const request_ctx& ctx, const error& e) const;
  /// The same with fields of its own after the Message (PartNumberRequested, …).
  s3_response error_response(const request_ctx& ctx, const error& e,
                             std::vector<std::pair<std::string, std::string>> extra) const;
  s3_response finish_response(const request_ctx& ctx, s3_response r) const;  // request id, CORS
  std::vector<cors_rule> cors_rules(std::string_view bucket) const;
  void set_cors_cache(std::string_view bucket, std::vector<cors_rule> rules);
  const std::string& owner_id() const { return owner_id_; }
  const sigv4::verifier& verifier() const { return verifier_; }

 private:
  dispatch route(std::shared_ptr<request_ctx> ctx);
  dispatch preflight(const request_ctx& ctx);

  store_config config_;
  std::unique_ptr<storage> backend_;
  sigv4::verifier verifier_;
  std::string owner_id_;
  mutable std::mutex cors_mutex_;
  mutable std::map<std::string, std::vector<cors_rule>, std::less<>> cors_cache_;
};

/// A consumer that collects a small body (XML) and then runs `then` on it.
std::unique_ptr<body_consumer> buffered_body(store_engine& e, std::shared_ptr<request_ctx> ctx,
                                             std::function<s3_response(const std::string&)> then);

/// A one-response dispatch.
inline dispatch respond(s3_response r) { return dispatch{std::move(r), nullptr}; }

s3_response xml_response(int status, std::string body);

}  // namespace dropslot::store
