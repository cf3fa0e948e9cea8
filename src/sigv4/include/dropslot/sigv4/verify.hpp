#pragma once
// Verification of incoming SigV4 requests (the store's authentication).
//
// Parses the Authorization header or the X-Amz-* query, recomputes the signature and
// compares it in constant time. Pure: `now` comes in as a value.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <dropslot/sigv4/credentials.hpp>
#include <dropslot/sigv4/errc.hpp>
#include <dropslot/sigv4/key_cache.hpp>
#include <dropslot/sigv4/post_policy.hpp>
#include <dropslot/sigv4/signer.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::sigv4 {

enum class auth_kind { header, query };

/// How the body is protected (x-amz-content-sha256, or UNSIGNED-PAYLOAD for query auth).
enum class payload_mode {
  hashed,                      ///< a hex SHA-256 the body must match
  unsigned_payload,            ///< UNSIGNED-PAYLOAD
  streaming_signed,            ///< STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  streaming_unsigned_trailer,  ///< STREAMING-UNSIGNED-PAYLOAD-TRAILER
  streaming_signed_trailer,    ///< STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
};

/// A verified request: what the store needs to go on.
struct verified_request {
  sigv4::access_key_id access_key;
  auth_kind kind = auth_kind::header;
  payload_mode payload = payload_mode::unsigned_payload;
  std::string payload_hash;              ///< the declared value (hex, or the mode token)
  std::string seed_signature;            ///< the request signature (chunk 1 chains it)
  std::shared_ptr<const signing_key> key;  ///< for chunk / trailer signatures
  std::string amz_date;                  ///< "YYYYMMDDTHHMMSSZ"
  std::string scope;                     ///< "YYYYMMDD/region/service/aws4_request"
  std::vector<std::string> signed_headers;  ///< lower-case, sorted
  std::optional<std::chrono::sys_seconds> expires_at;  ///< query auth
};

/// A rejection. For signature_mismatch, `canonical_request` and `string_to_sign` hold
/// what the server computed (S3 returns them in SignatureDoesNotMatch).
struct verify_error {
  std::error_code code;
  std::string detail;
  std::string canonical_request;
  std::string string_to_sign;

  std::string message() const { return detail.empty() ? code.message() : code.message() + ": " + detail; }
};

template <class T>
using verify_result = result<T, verify_error>;

/// Looks up the secret for an access key id; nullopt when unknown. Called from any thread.
using secret_lookup = std::function<std::optional<secret_access_key>(const access_key_id&)>;

struct verifier_config {
  secret_lookup lookup;
  std::string region = "us-east-1";
  std::string service = "s3";
  std::chrono::seconds max_skew{900};  ///< header auth: |now - date|; both: how far ahead a date may be
  uri_rules rules = uri_rules::s3;
  bool normalize = false;              ///< generic rules only
};

/// A verified POST policy form.
struct verified_post {
  sigv4::access_key_id access_key;
  post_policy policy;
};

/// Verifies requests for one region/service. Thread-safe (const, with an internal
/// key cache).
class verifier {
 public:
  explicit verifier(verifier_config config);
  ~verifier();
  verifier(verifier&&) noexcept;
  verifier& operator=(verifier&&) noexcept;

  /// `raw_path` and `raw_query` as received (still percent-encoded; no '?').
  verify_result<verified_request> verify(std::string_view method, std::string_view raw_path,
                                         std::string_view raw_query, std::span<const header> headers,
                                         std::chrono::sys_seconds now) const;

  /// A browser POST form: `credential` is x-amz-credential, `amz_date` x-amz-date,
  /// `signature` x-amz-signature. Checks the scope, the signature over the base64
  /// text, and the policy's expiration; the caller then runs check_post_form.
  verify_result<verified_post> verify_post_policy(std::string_view policy_b64, std::string_view credential,
                                                  std::string_view amz_date, std::string_view signature,
                                                  std::chrono::sys_seconds now) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// "UNSIGNED-PAYLOAD" -> unsigned_payload, 64 lower-case hex -> hashed, ... ; nullopt otherwise.
std::optional<payload_mode> parse_payload_mode(std::string_view value);

}  // namespace dropslot::sigv4
