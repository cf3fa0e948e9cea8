#include "chunk_decoder.hpp"

#include "checksums.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {
// A chunk-size line is "hex;chunk-signature=<64 hex>": far below this. The bound keeps a
// client from growing the line buffer without end.
constexpr std::size_t max_line = 4096;
// S3 caps a single chunk well below this; a larger size is a framing error, not a body.
constexpr std::uint64_t max_chunk = 5ull * 1024 * 1024 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

aws_chunked_decoder::aws_chunked_decoder(bool signed_chunks, bool expect_trailers, chunk_verifier* verifier)
    : signed_(signed_chunks), expect_trailers_(expect_trailers), verifier_(verifier) {}

aws_chunked_decoder::~aws_chunked_decoder() = default;

result<void> aws_chunked_decoder::on_size_line(std::string_view line) {
  auto semi = line.find(';');
  std::string_view hex = trim(line.substr(0, semi));
  if (hex.empty() || hex.size() > 16) return fail(s3_errc::incomplete_body, "bad chunk size line");
  std::uint64_t n = 0;
  for (char c : hex) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (v < 0) return fail(s3_errc::incomplete_body, "bad chunk size");
    n = n * 16 + static_cast<std::uint64_t>(v);
  }
  if (n > max_chunk) return fail(s3_errc::invalid_argument, "chunk too large");
  chunk_signature_.clear();
  if (semi != std::string_view::npos) {
    std::string_view ext = trim(line.substr(semi + 1));
    constexpr std::string_view tag = "chunk-signature=";
    if (ext.substr(0, tag.size()) == tag) chunk_signature_ = std::string(ext.substr(tag.size()));
  }
  if (signed_ && chunk_signature_.empty())
    return fail(s3_errc::signature_does_not_match, "chunk without chunk-signature");
  remaining_ = n;
  last_chunk_ = n == 0;
  if (signed_) chunk_hash_ = std::make_unique<evp_digest>(evp_digest::kind::sha256);
  if (last_chunk_) {
    if (signed_ && !verifier_->verify_chunk(chunk_signature_, chunk_hash_->finish()))
      return fail(s3_errc::signature_does_not_match, "final chunk signature");
    state_ = state::trailer_line;
  } else {
    state_ = state::data;
  }
  return {};
}

result<void> aws_chunked_decoder::on_trailer_line(std::string_view line) {
  if (line.empty()) {
    // The blank line ends the body. Signed trailers must carry their signature.
    if (signed_ && expect_trailers_) {
      std::string canonical;
      for (const auto& [name, value] : trailers_) canonical += name + ":" + value + "\n";
      if (trailer_signature_.empty() || !verifier_->verify_trailer(canonical, trailer_signature_))
        return fail(s3_errc::signature_does_not_match, "trailer signature");
    }
    state_ = state::done;
    return {};
  }
  if (!expect_trailers_) return fail(s3_errc::incomplete_body, "unexpected trailer");
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return fail(s3_errc::incomplete_body, "bad trailer line");
  std::string name = util::ascii_lower(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  if (name == "x-amz-trailer-signature") {
    trailer_signature_ = value;
  } else {
    if (trailers_.size() >= 16) return fail(s3_errc::invalid_argument, "too many trailers");
    trailers_.emplace_back(std::move(name), std::move(value));
  }
  return {};
}

result<void> aws_chunked_decoder::feed(std::string_view in, const sink& out) {
  while (!in.empty()) {
    switch (state_) {
      case state::size_line:
      case state::trailer_line:
      case state::data_crlf: {
        auto nl = in.find('\n');
        std::size_t take = nl == std::string_view::npos ? in.size() : nl + 1;
        if (line_.size() + take > max_line) return fail(s3_errc::incomplete_body, "chunk line too long");
        line_.append(in.substr(0, take));
        in.remove_prefix(take);
        if (nl == std::string_view::npos) break;
        std::string_view line(line_);
        line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        result<void> r;
        if (state_ == state::size_line) {
          r = on_size_line(line);
        } else if (state_ == state::data_crlf) {
          if (!line.empty()) r = fail(s3_errc::incomplete_body, "chunk not followed by CRLF");
          state_ = state::size_line;
        } else {
          r = on_trailer_line(line);
        }
        line_.clear();
        if (!r) return r;
        break;
      }
      case state::data: {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
        std::string_view piece = in.substr(0, take);
        if (signed_) chunk_hash_->update(piece.data(), piece.size());
        if (auto r = out(piece); !r) return r;
        decoded_ += take;
        remaining_ -= take;
        in.remove_prefix(take);
        if (remaining_ == 0) {
          if (signed_ && !verifier_->verify_chunk(chunk_signature_, chunk_hash_->finish()))
            return fail(s3_errc::signature_does_not_match, "chunk signature");
          state_ = state::data_crlf;
        }
        break;
      }
      case state::done:
        // Bytes after the terminating blank line: tolerate only whitespace.
        for (char c : in)
          if (c != '\r' && c != '\n') return fail(s3_errc::incomplete_body, "data after final chunk");
        in = {};
        break;
    }
  }
  return {};
}

result<void> aws_chunked_decoder::finish() const {
  if (state_ == state::done) return {};
  // Some clients end the body right after the trailers, without the final blank line.
  if (state_ == state::trailer_line && line_.empty() && !(signed_ && expect_trailers_) && last_chunk_) return {};
  return fail(s3_errc::incomplete_body, "body ended inside aws-chunked framing");
}

}  // namespace dropslot::store
