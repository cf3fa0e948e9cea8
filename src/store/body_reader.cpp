#include "body_reader.hpp"

#include <cstring>

#include "dropslot/sigv4/crypto.hpp"
#include "dropslot/sigv4/streaming.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {
std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}
std::optional<std::string> hex_to_raw(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto v = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
    int hi = v(hex[i]), lo = v(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}
}  // namespace

// Chains chunk signatures from the seed signature, as SigV4 streaming defines.
class body_reader::verifier final : public chunk_verifier {
 public:
  explicit verifier(const sigv4::verified_request& a) : auth_(a), previous_(a.seed_signature) {}
  bool verify_chunk(std::string_view signature, std::string_view chunk_sha256) override {
    sigv4::digest d{};
    if (chunk_sha256.size() != d.size()) return false;
    std::memcpy(d.data(), chunk_sha256.data(), d.size());
    std::string want = sigv4::chunk_signature(*auth_.key, auth_.amz_date, auth_.scope, previous_, d);
    if (!sigv4::constant_time_equal(want, signature)) return false;
    previous_ = want;
    return true;
  }
  bool verify_trailer(std::string_view canonical, std::string_view signature) override {
    std::string want = sigv4::trailer_signature(*auth_.key, auth_.amz_date, auth_.scope, previous_, canonical);
    return sigv4::constant_time_equal(want, signature);
  }

 private:
  const sigv4::verified_request& auth_;
  std::string previous_;
};

body_reader::~body_reader() = default;

result<std::unique_ptr<body_reader>> body_reader::make(const sigv4::verified_request& auth, const http::headers& h,
                                                      bool md5_by_caller) {
  std::unique_ptr<body_reader> r(new body_reader());
  r->auth_ = auth;
  using pm = sigv4::payload_mode;
  const bool chunked = auth.payload == pm::streaming_signed || auth.payload == pm::streaming_signed_trailer ||
                       auth.payload == pm::streaming_unsigned_trailer;
  const bool trailer = auth.payload == pm::streaming_signed_trailer || auth.payload == pm::streaming_unsigned_trailer;
  if (chunked) {
    auto decoded = h.get("x-amz-decoded-content-length");
    if (!decoded) return fail(s3_errc::missing_content_length, "x-amz-decoded-content-length is required");
    r->decoded_length_ = parse_u64(*decoded);
    if (!r->decoded_length_) return fail(s3_errc::invalid_argument, "x-amz-decoded-content-length");
    const bool signed_chunks = auth.payload != pm::streaming_unsigned_trailer;
    if (signed_chunks) r->chunk_verifier_ = std::make_unique<verifier>(r->auth_);
    r->decoder_ = std::make_unique<aws_chunked_decoder>(signed_chunks, trailer, r->chunk_verifier_.get());
  }
  if (auto md5 = h.get("content-md5")) {
    auto raw = util::base64_decode(*md5);
    if (!raw || raw->size() != 16) return fail(s3_errc::invalid_digest);
    r->content_md5_ = *raw;
  }
  // The checksum comes from an x-amz-checksum-<alg> header, or from a trailer that
  // x-amz-trailer names.
  checksum_algorithm algo = checksum_algorithm::none;
  for (const char* name : {"crc32", "crc32c", "sha256", "sha1"}) {
    std::string header = std::string("x-amz-checksum-") + name;
    if (auto v = h.get(header)) {
      if (algo != checksum_algorithm::none) return fail(s3_errc::invalid_request, "Expecting a single x-amz-checksum- header");
      algo = *parse_checksum_algorithm(name);
      auto raw = util::base64_decode(*v);
      if (!raw) return fail(s3_errc::invalid_argument, "Value for " + header + " header is invalid.");
      r->checksum_expected_ = *raw;
      r->checksum_name_ = header;
    }
  }
  if (auto t = h.get("x-amz-trailer")) {
    if (!trailer) return fail(s3_errc::invalid_argument, "x-amz-trailer without a trailer payload mode");
    std::string name = util::ascii_lower(*t);
    if (name.rfind("x-amz-checksum-", 0) != 0) return fail(s3_errc::invalid_argument, "unsupported trailer " + name);
    auto a = parse_checksum_algorithm(name.substr(15));
    if (!a) return fail(s3_errc::invalid_argument, "unsupported trailer " + name);
    if (algo != checksum_algorithm::none) return fail(s3_errc::invalid_request, "Expecting a single x-amz-checksum- header");
    algo = *a;
    r->checksum_name_ = name;
    r->checksum_in_trailer_ = true;
  }
  r->digests_ = std::make_unique<body_digests>(auth.payload == pm::hashed, algo, md5_by_caller);
  return r;
}

result<void> body_reader::feed(std::string_view raw, const sink& out) {
  auto take = [&](std::string_view decoded) -> result<void> {
    digests_->update(decoded.data(), decoded.size());
    if (decoded_length_ && digests_->size() > *decoded_length_)
      return fail(s3_errc::incomplete_body, "more data than x-amz-decoded-content-length");
    return out(decoded);
  };
  if (decoder_) return decoder_->feed(raw, take);
  return take(raw);
}

result<void> body_reader::finish() {
  if (decoder_) {
    if (auto r = decoder_->finish(); !r) return r;
  }
  digests_->finish();
  if (decoded_length_ && digests_->size() != *decoded_length_)
    return fail(s3_errc::incomplete_body, "decoded length differs from x-amz-decoded-content-length");
  if (auth_.payload == sigv4::payload_mode::hashed) {
    auto want = hex_to_raw(auth_.payload_hash);
    if (!want || *want != digests_->sha256()) return fail(s3_errc::x_amz_content_sha256_mismatch);
  }
  if (content_md5_ && *content_md5_ != digests_->md5()) return fail(s3_errc::bad_digest, "Content-MD5");
  if (checksum_in_trailer_) {
    std::optional<std::string> got;
    for (const auto& [name, value] : decoder_->trailers())
      if (name == checksum_name_) got = value;
    if (!got) return fail(s3_errc::invalid_request, "trailer " + checksum_name_ + " missing");
    auto raw = util::base64_decode(*got);
    if (!raw) return fail(s3_errc::invalid_argument, "trailer " + checksum_name_ + " invalid");
    checksum_expected_ = *raw;
  }
  if (checksum_expected_ && *checksum_expected_ != digests_->checksum())
    return fail(s3_errc::bad_digest, checksum_name_);
  return {};
}

std::string body_reader::checksum_value() const {
  return checksum_name_.empty() ? std::string() : util::base64_encode(digests_->checksum());
}

}  // namespace dropslot::store
