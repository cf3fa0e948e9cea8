#pragma once
// One request body on its way in: undoes aws-chunked framing (checking every chunk
// and trailer signature), runs the decoded bytes through the digests, and at the end
// checks everything the request declared about them: x-amz-content-sha256,
// Content-MD5, x-amz-checksum-* (header or trailer), x-amz-decoded-content-length.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checksums.hpp"
#include "chunk_decoder.hpp"
#include "dropslot/http/message.hpp"
#include "dropslot/sigv4/verify.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

class body_reader {
 public:
  using sink = std::function<result<void>(std::string_view decoded)>;

  /// InvalidArgument / InvalidDigest for contradictory or malformed declarations,
  /// MissingContentLength when a streaming body lacks x-amz-decoded-content-length.
  /// With `md5_by_caller`, the caller hashes the decoded bytes itself and gives the
  /// MD5 with set_md5() before finish() (body_digests).
  static result<std::unique_ptr<body_reader>> make(const sigv4::verified_request& auth, const http::headers& h,
                                                   bool md5_by_caller = false);
  ~body_reader();

  /// Feeds raw body bytes; decoded bytes go to `out` after they are hashed.
  result<void> feed(std::string_view raw, const sink& out);
  void set_md5(std::string raw) { digests_->set_md5(std::move(raw)); }
  /// Checks framing, lengths and digests (BadDigest, XAmzContentSHA256Mismatch,
  /// IncompleteBody, SignatureDoesNotMatch).
  result<void> finish();

  const body_digests& digests() const { return *digests_; }
  std::uint64_t decoded_size() const { return digests_->size(); }
  /// The x-amz-checksum-* to store with the object ("" when none was given).
  const std::string& checksum_name() const { return checksum_name_; }
  std::string checksum_value() const;

 private:
  body_reader() = default;
  class verifier;

  sigv4::verified_request auth_;
  std::unique_ptr<verifier> chunk_verifier_;
  std::unique_ptr<aws_chunked_decoder> decoder_;
  std::unique_ptr<body_digests> digests_;
  std::optional<std::uint64_t> decoded_length_;
  std::optional<std::string> content_md5_;         // raw
  std::string checksum_name_;                      // x-amz-checksum-*
  std::optional<std::string> checksum_expected_;   // raw, from a header
  bool checksum_in_trailer_ = false;
};

}  // namespace dropslot::store
