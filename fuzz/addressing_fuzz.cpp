// Target 10: Host and path -> bucket and key (store/addressing.hpp).
//   - a split that succeeds gives a key of at most 1,024 bytes, decoded once: the key
//     (and a path-style bucket) is exactly one percent-decoding of its part of the raw
//     path (util::percent_decode_lenient), so "%2541" is "%41", never "A";
//   - virtual-hosted style is chosen only for a Host ending in ".<endpoint host>";
//   - a bucket name that valid_bucket_name accepts is safe as one path segment: no
//     '/', no '\', no NUL, not "." or "..", so root/buckets/<bucket> stays directly
//     under root/buckets.
#include <filesystem>
#include <string>
#include <vector>

#include <dropslot/util/codec.hpp>

#include "addressing.hpp"
#include "fuzz_check.hpp"

using namespace dropslot;
namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::string host = in.ConsumeRandomLengthString(80);
  static constexpr const char* endings[] = {"", ".localhost", ".s3.example.com", ".localhost:9000", ":9000"};
  host += endings[in.ConsumeIntegralInRange<int>(0, 4)];
  std::vector<std::string> endpoints{"s3.example.com", "127.0.0.1:9000"};
  if (in.ConsumeBool()) endpoints.push_back(in.ConsumeRandomLengthString(24));
  std::string path = in.ConsumeRemainingBytesAsString();

  auto r = store::split_target(host, path, endpoints);
  if (!r) return 0;
  FUZZ_CHECK(!path.empty() && path.front() == '/');
  FUZZ_CHECK(r->key.size() <= 1024);
  std::string_view rest = std::string_view(path).substr(1);
  if (!r->virtual_hosted) {
    const auto slash = rest.find('/');
    FUZZ_CHECK(r->bucket == util::percent_decode_lenient(rest.substr(0, slash)));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  if (r->key != util::percent_decode_lenient(rest))
    std::fprintf(stderr, "path %s: key %s is not its one decoding\n", path.c_str(), r->key.c_str());
  FUZZ_CHECK(r->key == util::percent_decode_lenient(rest));
  if (!store::valid_bucket_name(r->bucket)) return 0;
  const std::string& b = r->bucket;
  FUZZ_CHECK(b.find('/') == std::string::npos && b.find('\\') == std::string::npos);
  FUZZ_CHECK(b.find('\0') == std::string::npos && b != "." && b != ".." && b.find("..") == std::string::npos);
  const fs::path buckets("/data/buckets");
  FUZZ_CHECK((buckets / b).lexically_normal().parent_path() == buckets);
  return 0;
}
