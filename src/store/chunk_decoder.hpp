#pragma once
// The aws-chunked body decoder (Content-Encoding: aws-chunked), for the payload modes
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] (every chunk signed) and
// STREAMING-UNSIGNED-PAYLOAD-TRAILER (plain chunks, then trailers). It is fed the raw
// body in any pieces and hands on the decoded bytes; signatures are checked through
// a `chunk_verifier` so the decoder stays free of keys.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dropslot/util/result.hpp"

namespace dropslot::store {

class evp_digest;

/// Checks chunk and trailer signatures in order (each chains on the previous one).
class chunk_verifier {
 public:
  virtual ~chunk_verifier() = default;
  /// `chunk_sha256` is the raw (32-byte) SHA-256 of the chunk's decoded bytes.
  virtual bool verify_chunk(std::string_view signature, std::string_view chunk_sha256) = 0;
  /// `canonical_trailers` is "name:value\n" per trailer (signature line excluded).
  virtual bool verify_trailer(std::string_view canonical_trailers, std::string_view signature) = 0;
};

class aws_chunked_decoder {
 public:
  using sink = std::function<result<void>(std::string_view decoded)>;

  /// `signed_chunks`: every chunk line must carry `;chunk-signature=`, checked by
  /// `verifier` (not null then). `expect_trailers`: the final chunk is followed by
  /// trailer fields (and, when signed, `x-amz-trailer-signature`).
  aws_chunked_decoder(bool signed_chunks, bool expect_trailers, chunk_verifier* verifier);
  ~aws_chunked_decoder();

  /// Decodes `in`, passing decoded bytes to `out`. Errors: IncompleteBody / InvalidArgument
  /// for malformed framing, SignatureDoesNotMatch for a bad chunk or trailer signature.
  result<void> feed(std::string_view in, const sink& out);
  /// Called at the end of the body: IncompleteBody unless the final chunk (and
  /// trailers) arrived.
  result<void> finish() const;

  /// The trailer fields received, names lower-cased.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  std::uint64_t decoded_size() const { return decoded_; }

 private:
  enum class state { size_line, data, data_crlf, trailer_line, done };
  result<void> on_size_line(std::string_view line);
  result<void> on_trailer_line(std::string_view line);

  bool signed_;
  bool expect_trailers_;
  chunk_verifier* verifier_;
  state state_ = state::size_line;
  std::string line_;
  std::uint64_t remaining_ = 0;
  bool last_chunk_ = false;
  std::string chunk_signature_;
  std::unique_ptr<evp_digest> chunk_hash_;
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::string trailer_signature_;
  std::uint64_t decoded_ = 0;
};

}  // namespace dropslot::store
