#pragma once
// Credential vocabulary: three distinct types so an access key id, a secret and a
// session token can never be swapped at a call site. None of them has operator<<
// or a formatter: a secret must never reach a log by accident.
#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace dropslot::sigv4 {

/// The public half of a key pair ("AKIA..."). Safe to log.
class access_key_id {
 public:
  access_key_id() = default;
  explicit access_key_id(std::string v) : v_(std::move(v)) {}
  const std::string& value() const noexcept { return v_; }
  bool empty() const noexcept { return v_.empty(); }
  friend bool operator==(const access_key_id&, const access_key_id&) = default;

 private:
  std::string v_;
};

/// The secret half. Only the signer reads it, through reveal().
class secret_access_key {
 public:
  secret_access_key() = default;
  explicit secret_access_key(std::string v) : v_(std::move(v)) {}
  const std::string& reveal() const noexcept { return v_; }
  bool empty() const noexcept { return v_.empty(); }

 private:
  std::string v_;
};

/// A temporary-credentials session token (x-amz-security-token). Secret as well.
class session_token {
 public:
  session_token() = default;
  explicit session_token(std::string v) : v_(std::move(v)) {}
  const std::string& reveal() const noexcept { return v_; }
  bool empty() const noexcept { return v_.empty(); }

 private:
  std::string v_;
};

/// One set of credentials. `expiry` is known for temporary credentials; a
/// presigned URL must not outlive it (the caller clamps, sigv4 has no clock).
struct credentials {
  access_key_id access_key;
  secret_access_key secret;
  std::optional<session_token> token;
  std::optional<std::chrono::sys_seconds> expiry;
};

}  // namespace dropslot::sigv4
