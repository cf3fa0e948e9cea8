#pragma once
// Browser POST uploads: building and signing a POST policy, and checking a submitted
// form against one (the store's POST Object).
//
// The policy JSON is built and parsed with Boost.JSON; its string to sign is the
// base64 text itself (there is no canonical request).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <dropslot/sigv4/credentials.hpp>
#include <dropslot/sigv4/errc.hpp>
#include <dropslot/sigv4/key_cache.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::sigv4 {

/// One policy condition. `field` is the form field name without '$', lower-cased
/// ("key", "content-type", "x-amz-meta-tag"); unused for content_length_range.
struct policy_condition {
  enum class kind { eq, starts_with, content_length_range };
  kind op = kind::eq;
  std::string field;
  std::string value;          ///< eq / starts_with
  std::uint64_t min = 0;      ///< content_length_range
  std::uint64_t max = 0;
};

/// A policy: its expiration and conditions.
struct post_policy {
  std::chrono::sys_seconds expiration{};
  std::vector<policy_condition> conditions;
};

/// One form field as submitted (name as sent; compared case-insensitively).
struct form_field {
  std::string name;
  std::string value;
};

/// Parses "2015-12-30T12:00:00.000Z" (fractional seconds optional; Z or +00:00).
std::optional<std::chrono::sys_seconds> parse_iso8601_utc(std::string_view s);

/// The policy document as JSON ({"expiration": "...Z", "conditions": [...]}).
std::string post_policy_json(const post_policy& p);
/// Parses a policy document. Errors: malformed_policy.
result<post_policy> parse_post_policy(std::string_view json);

/// What to presign. Like boto3's generate_presigned_post: `fields` are extra form
/// fields (each also becomes an eq condition), `conditions` extra conditions. A key
/// ending in "${filename}" gets a starts-with condition on its prefix, else eq.
struct post_presign {
  std::string bucket;
  std::string key;
  std::vector<form_field> fields;
  std::vector<policy_condition> conditions;
  std::string region;
  sigv4::credentials credentials;
  std::chrono::sys_seconds time{};
  std::chrono::seconds expires{3600};
};

/// The fields to put in the form (in order: the extra fields, key, x-amz-algorithm,
/// x-amz-credential, x-amz-date, [x-amz-security-token], policy, x-amz-signature).
struct post_form {
  std::vector<form_field> fields;
  std::string policy_json;
};

/// Errors: invalid_expiry, invalid_argument (also when the bucket, key, a field or a
/// condition is not valid UTF-8: the policy is JSON, which cannot carry other bytes).
result<post_form> presign_post(const post_presign& p, key_cache* cache = nullptr);

/// Signature of a base64 policy: hex HMAC(kSigning, policy_b64).
std::string post_policy_signature(const signing_key& key, std::string_view policy_b64);

/// Checks a submitted form against a policy: not expired at `now`; every condition
/// holds (bucket is checked against `bucket`, not a form field); every form field
/// except policy, x-amz-signature, file, and x-ignore-* is covered by a condition.
/// `key` is the key after ${filename} substitution. Errors: policy_expired,
/// policy_condition_failed.
result<void> check_post_form(const post_policy& p, std::string_view bucket, std::span<const form_field> fields,
                             std::chrono::sys_seconds now);

/// Checks the uploaded size against content-length-range (if any). Errors: policy_content_length.
result<void> check_content_length(const post_policy& p, std::uint64_t size);

}  // namespace dropslot::sigv4
