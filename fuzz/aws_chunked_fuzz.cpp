// Target 4: the aws-chunked decoder (store/chunk_decoder.hpp): signed chunks,
// unsigned chunks with trailers, trailer parsing and chunk-size overflow. Two modes:
//   raw   - any body in any pieces, each payload mode; the decoder must answer with a
//           value (never crash, never hand on more bytes than the sizes it accepted),
//           and a signature it checks is one the verifier saw;
//   round - a body encoded from the input (random chunk sizes, extensions, trailers)
//           and fed in random pieces must decode to exactly the original bytes, with
//           every chunk signature checked in order, and must fail once any one
//           signature is wrong.
#include <deque>
#include <string>

#include <dropslot/sigv4/crypto.hpp>

#include "chunk_decoder.hpp"
#include "fuzz_check.hpp"

using namespace dropslot;

namespace {

// Accepts a chunk when its signature is the next expected one and the decoder's hash
// of the chunk is the hash of the bytes that were encoded.
struct queue_verifier final : store::chunk_verifier {
  std::deque<std::pair<std::string, std::string>> chunks;  // (signature, raw sha256)
  std::string trailer_canonical, trailer_signature;
  bool accept_all = false;
  bool verify_chunk(std::string_view signature, std::string_view sha) override {
    if (accept_all) return !signature.empty();
    if (chunks.empty()) return false;
    auto [sig, hash] = chunks.front();
    chunks.pop_front();
    return sig == signature && hash == sha;
  }
  bool verify_trailer(std::string_view canonical, std::string_view signature) override {
    if (accept_all) return true;
    return canonical == trailer_canonical && signature == trailer_signature;
  }
};

std::string raw_sha256(std::string_view s) {
  auto d = sigv4::sha256(s);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string hex(std::size_t n, bool upper) {
  static constexpr char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
  std::string s;
  do {
    s.insert(s.begin(), (upper ? up : lo)[n % 16]);
    n /= 16;
  } while (n);
  return s;
}

void raw_mode(FuzzedDataProvider& in) {
  const bool signed_chunks = in.ConsumeBool(), trailers = in.ConsumeBool();
  queue_verifier v;
  v.accept_all = true;
  store::aws_chunked_decoder d(signed_chunks, trailers, &v);
  const std::string body = in.ConsumeRandomLengthString(8192);
  std::size_t handed = 0;
  bool failed = false;
  fuzz::feed_in_pieces(in, body, [&](std::string_view piece) {
    auto r = d.feed(piece, [&](std::string_view out) -> result<void> {
      handed += out.size();
      return {};
    });
    failed = !r;
    return r.has_value();
  });
  FUZZ_CHECK(handed == d.decoded_size());
  FUZZ_CHECK(handed <= body.size());
  if (!failed) (void)d.finish();
  FUZZ_CHECK(d.trailers().size() <= 16);
}

void round_mode(FuzzedDataProvider& in) {
  const bool signed_chunks = in.ConsumeBool(), trailers = in.ConsumeBool();
  const std::string payload = in.ConsumeRandomLengthString(4096);
  queue_verifier v;
  std::string body;
  std::size_t pos = 0, index = 0;
  for (bool last = false; !last; ++index) {
    std::size_t n = pos == payload.size() ? 0 : in.ConsumeIntegralInRange<std::size_t>(1, payload.size() - pos);
    last = n == 0;
    std::string chunk = payload.substr(pos, n);
    pos += n;
    body += hex(n, in.ConsumeBool());
    if (signed_chunks) {
      std::string sig = "sig" + std::to_string(index);
      v.chunks.emplace_back(sig, raw_sha256(chunk));
      body += ";chunk-signature=" + sig;
    }
    body += "\r\n";
    body += chunk;
    if (!last) body += "\r\n";
  }
  std::vector<std::pair<std::string, std::string>> sent;
  if (trailers) {
    const std::size_t nt = in.ConsumeIntegralInRange<std::size_t>(0, 3);
    for (std::size_t i = 0; i < nt; ++i) {
      std::string name = "x-amz-checksum-" + fuzz::string_from(in, "abcdefgh0123456789", 8);
      std::string value = fuzz::string_from(in, "ABCDEFabcdef0123456789+/=", 40);
      sent.emplace_back(name, value);
      body += name + ":" + value + "\r\n";
      v.trailer_canonical += name + ":" + value + "\n";
    }
    if (signed_chunks) {
      v.trailer_signature = "trailer-sig";
      body += "x-amz-trailer-signature:" + v.trailer_signature + "\r\n";
    }
  }
  body += "\r\n";

  // One signature made wrong (or none).
  const bool tamper = signed_chunks && in.ConsumeBool();
  if (tamper) v.chunks[in.ConsumeIntegralInRange<std::size_t>(0, v.chunks.size() - 1)].first += "x";

  store::aws_chunked_decoder d(signed_chunks, trailers, &v);
  std::string decoded;
  bool ok = true;
  fuzz::feed_in_pieces(in, body, [&](std::string_view piece) {
    auto r = d.feed(piece, [&](std::string_view out) -> result<void> {
      decoded.append(out);
      return {};
    });
    ok = r.has_value();
    return ok;
  });
  if (ok) ok = d.finish().has_value();
  if (tamper) {
    FUZZ_CHECK(!ok);
    return;
  }
  FUZZ_CHECK(ok);
  FUZZ_CHECK(decoded == payload);
  FUZZ_CHECK(d.decoded_size() == payload.size());
  FUZZ_CHECK(d.trailers() == sent);
  FUZZ_CHECK(v.chunks.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool())
    round_mode(in);
  else
    raw_mode(in);
  return 0;
}
