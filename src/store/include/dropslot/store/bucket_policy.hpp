#pragma once
// The uploads bucket's policy, enforced by the embedded store as S3 enforces it on
// AWS (issue 20): deploy/template.yaml sets the same document on the real bucket,
// and tests/lambda/url_lifetime_test.cpp checks the two are one (the template's
// policy, its parameters substituted, equals uploads_bucket_policy()) and runs the
// URLs the API issues against it.
//
// What is evaluated: the Deny statements whose Principal is "*" (the store has one
// access key, the bucket owner's, so Allow statements grant nothing it lacks, and
// a Deny for another principal never applies to it), with Action, Resource and
// Condition as IAM matches them. A document with anything the store cannot
// evaluate (NotAction, an unknown condition operator or key) is refused when it is
// parsed, so a condition added to the template without being modelled here fails
// a test instead of being silently ignored.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dropslot/util/result.hpp"

namespace dropslot::store {

/// What a policy's conditions see of one request.
struct policy_request {
  std::string action;    ///< "s3:GetObject", ...
  std::string resource;  ///< "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"
  std::optional<std::string> auth_type;         ///< s3:authType: REST-HEADER, REST-QUERY-STRING, POST
  std::optional<std::int64_t> signature_age_ms; ///< s3:signatureAge
  /// aws:SecureTransport; absent when the store cannot know it (a plain-HTTP
  /// listener may sit behind a TLS proxy), and then, as in IAM, a condition on it
  /// does not match.
  std::optional<bool> secure_transport;
};

class bucket_policy {
 public:
  /// Parses an IAM policy document (JSON text). s3_errc::invalid_policy_document,
  /// naming what is not understood.
  static result<bucket_policy> parse(std::string_view json);

  /// The Sid (or "statement N") of the first Deny statement that applies to `r`.
  std::optional<std::string> denied_by(const policy_request& r) const;

  struct condition {
    std::string op;   // lower-case operator without IfExists
    bool if_exists = false;
    std::string key;  // lower-case
    std::vector<std::string> values;
  };
  struct statement {
    std::string sid;
    std::vector<std::string> actions;
    std::vector<std::string> resources;
    std::vector<condition> conditions;
  };

 private:
  std::vector<statement> deny_;
};

/// The uploads bucket's policy (JSON) for a bucket ARN and the URL lifetime: deny
/// every request over plain HTTP, and every query-signed request whose signature
/// is older than `url_expiry` (s3:signatureAge, in milliseconds). The one
/// definition: deploy/template.yaml's UploadsBucketPolicy must equal it.
std::string uploads_bucket_policy(std::string_view bucket_arn, std::chrono::seconds url_expiry);

}  // namespace dropslot::store
