#pragma once
// The SigV4 signer: one value struct in, the headers or query parameters to add out.
//
// Pure: no clock, no environment, no I/O. The caller's request is never edited.
// Each stage (canonical_request, string_to_sign, derive_signing_key, signature) can
// be called alone; the vector tests compare every stage byte for byte.
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <dropslot/sigv4/credentials.hpp>
#include <dropslot/sigv4/errc.hpp>
#include <dropslot/sigv4/key_cache.hpp>
#include <dropslot/sigv4/signing_key.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::sigv4 {

inline constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view streaming_payload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view streaming_payload_trailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view streaming_unsigned_payload_trailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
inline constexpr std::string_view empty_payload_hash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr long long max_expiry_seconds = 604800;

/// How the path becomes the canonical URI.
/// s3: percent-decode what was sent, encode every byte once (unreserved and '/' kept),
///     no dot-segment normalisation ("/a%20b" -> "/a%20b", "/a b" -> "/a%20b").
/// generic: encode the path as given (so '%' becomes "%25": double encoding), and
///     when `normalize` is set remove dot segments and collapse empty segments.
enum class uri_rules { s3, generic };

/// One HTTP header as sent. Names compare case-insensitively; a name may repeat.
struct header {
  std::string name;
  std::string value;
};

/// One query parameter, percent-DECODED (the signer encodes it). Value-less
/// parameters ("?lifecycle") have an empty value.
struct query_param {
  std::string name;
  std::string value;
};

/// Everything the signer needs. Every header listed is signed (include `host`).
struct signing_request {
  std::string method = "GET";
  std::string path = "/";              ///< raw path as sent on the wire, e.g. "/bucket/my%20key"
  std::vector<query_param> query;      ///< decoded
  std::vector<header> headers;         ///< signed headers, including host
  std::string payload_hash{unsigned_payload};  ///< hex SHA-256 or one of the mode tokens above
  std::string region;
  std::string service = "s3";
  sigv4::credentials credentials;
  std::chrono::sys_seconds time{};     ///< the signing time (X-Amz-Date)
  std::chrono::seconds expires{900};   ///< presign only: X-Amz-Expires, 1..604800
  uri_rules rules = uri_rules::s3;
  bool normalize = true;               ///< generic rules only
  /// Header auth: add and sign x-amz-content-sha256 (S3 requires it; the generic
  /// vector suite adds it only when it signs the body).
  bool add_content_sha256 = true;
  /// false: the session token is added to the output but not signed (STS "after" form).
  bool sign_session_token = true;
};

/// What the stages computed, for --explain, tests and SignatureDoesNotMatch bodies.
struct signing_trace {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

// ---- stages -------------------------------------------------------------------

/// "YYYYMMDDTHHMMSSZ" for a time, and back (nullopt when malformed).
std::string amz_date(std::chrono::sys_seconds t);
std::optional<std::chrono::sys_seconds> parse_amz_date(std::string_view s);

/// AWS URI encoding: unreserved (A-Z a-z 0-9 - . _ ~) kept, every other byte %XX
/// (upper-case hex); '/' kept when keep_slash.
std::string uri_encode(std::string_view s, bool keep_slash);
/// Splits a raw query string ("a=1&b=%20") into decoded parameters (util::percent_decode_lenient rules;
/// util::parse_query).
std::vector<query_param> parse_query(std::string_view raw_query);

/// The canonical URI of a raw path under the given rules.
std::string canonical_uri(std::string_view raw_path, uri_rules rules, bool normalize);
/// Sorted, encoded "a=1&b=2".
std::string canonical_query(std::span<const query_param> query);
/// "host;x-amz-date": lower-cased, sorted, unique names of the request's headers.
std::string signed_header_names(std::span<const header> headers);
/// The canonical request for `r` exactly as given: every header in r.headers is
/// signed, r.query is used as is, r.payload_hash is the last line.
std::string canonical_request(const signing_request& r);
/// "YYYYMMDD/region/service/aws4_request".
std::string credential_scope(std::chrono::sys_seconds t, std::string_view region, std::string_view service);
/// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
std::string string_to_sign(std::chrono::sys_seconds t, std::string_view scope, std::string_view canonical_request);
/// Hex HMAC(kSigning, string_to_sign).
std::string signature(const signing_key& key, std::string_view string_to_sign);

// ---- whole operations ---------------------------------------------------------

/// Header auth. Returns the headers to add: X-Amz-Date, x-amz-content-sha256 (when
/// add_content_sha256), X-Amz-Security-Token (with a token), Authorization.
/// Errors: already_signed, invalid_argument. With `cache`, the signing key is reused.
result<std::vector<header>> sign_headers(const signing_request& r, key_cache* cache = nullptr,
                                         signing_trace* trace = nullptr);

/// Query auth. Returns the parameters to add, in this order: X-Amz-Algorithm,
/// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
/// [X-Amz-Security-Token], [X-Amz-Content-Sha256], X-Amz-Signature.
/// The payload hash signed is r.payload_hash (UNSIGNED-PAYLOAD by default). For S3
/// (service "s3") a real hash is also sent as X-Amz-Content-Sha256, since S3 takes
/// UNSIGNED-PAYLOAD for a presigned request without it; it must then be 64 lower-case
/// hex digits (a URL cannot carry aws-chunked signatures), and the caller's query must
/// not set that parameter itself. Other services sign the hash without the parameter,
/// as the AWS SigV4 test suite does.
/// Errors: invalid_expiry, already_signed, invalid_argument.
result<std::vector<query_param>> presign(const signing_request& r, key_cache* cache = nullptr,
                                         signing_trace* trace = nullptr);

/// Query auth, as the encoded query string to append after the request's own query:
/// "X-Amz-Algorithm=...&...&X-Amz-Signature=..." (same order as presign()). The fast
/// form for callers that only need the URL. Errors as presign().
result<std::string> presign_query(const signing_request& r, key_cache* cache = nullptr,
                                  signing_trace* trace = nullptr);

/// "a=1&b=2": the query string of `first` then `second`, each AWS-URI-encoded, in order.
std::string encode_query(std::span<const query_param> first, std::span<const query_param> second = {});

// ---- object URLs ----------------------------------------------------------------

/// automatic: virtual-hosted for an AWS endpoint and a DNS-compatible bucket
/// without dots, path style for a custom endpoint (as the AWS CLI does).
enum class addressing_style { automatic, path, virtual_hosted };

/// Where an object lives on the wire.
struct object_address {
  std::string scheme;  ///< "https"
  std::string host;    ///< Host header value, with ":port" when not the default
  std::string path;    ///< raw (encoded) path, "/bucket/key" or "/key"
};

/// Builds the address for bucket/key. An empty endpoint means AWS:
/// https://s3.amazonaws.com for us-east-1, https://s3.<region>.amazonaws.com otherwise.
/// The key is encoded once, '/' kept. Errors: invalid_argument (bad endpoint, empty bucket).
result<object_address> address_object(std::string_view endpoint, std::string_view region,
                                      std::string_view bucket, std::string_view key,
                                      addressing_style style = addressing_style::automatic);

/// scheme://host/path?<query><auth_query>.
std::string presigned_url(const object_address& where, std::span<const query_param> query,
                          std::span<const query_param> auth_query);

/// One-shot presign of an object URL (what the API and `dropslot presign` use).
struct object_presign {
  std::string method = "GET";
  std::string endpoint;                 ///< empty: AWS
  std::string bucket;
  std::string key;                      ///< the object key, unencoded
  addressing_style style = addressing_style::automatic;
  std::vector<header> headers;          ///< extra headers to sign; host comes from the address (a host here is an error)
  std::vector<query_param> query;       ///< extra query parameters (decoded)
  std::string region;
  sigv4::credentials credentials;
  std::chrono::sys_seconds time{};
  std::chrono::seconds expires{900};
};

struct presigned_object {
  std::string url;
  std::vector<header> headers;          ///< the signed headers the client must send (not host)
  std::chrono::sys_seconds expires_at;
};

/// Errors: as address_object() and presign().
result<presigned_object> presign_object(const object_presign& p, key_cache* cache = nullptr,
                                        signing_trace* trace = nullptr);

}  // namespace dropslot::sigv4
