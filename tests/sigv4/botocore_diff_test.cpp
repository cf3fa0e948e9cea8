// Differential test: dropslot's presign against Debian's botocore (pure-Python
// SigV4 signer, signature_version='s3v4') on generated inputs. The whole URL must
// be equal, byte for byte: host, encoded path, query order and signature.
//
// Inputs cover keys with spaces, + = @ ~ % //, UTF-8, 1,024-byte keys; seven regions;
// path style, virtual-hosted style, a custom endpoint and automatic addressing; with
// and without a session token; GET/PUT/HEAD/DELETE; signed content-type and
// x-amz-meta-* headers; an extra query parameter.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "peer.hpp"

namespace dropslot::sigv4 {
namespace {

std::string describe(const peer::presign_input& in) {
  return in.method + " " + in.style + " " + in.region + " bucket=" + in.bucket + " key=[" + in.key + "] token=" +
         (in.token.empty() ? "no" : "yes") + " time=" + in.time;
}

TEST(botocore_differential, presigned_urls_are_identical) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 (Debian's botocore) is not installed";
  const auto inputs = peer::generate_inputs(1200, 20260105);
  std::string why;
  auto reference = peer::botocore_urls(inputs, why);
  ASSERT_TRUE(reference) << why;
  ASSERT_EQ(reference->size(), inputs.size());

  key_cache cache;
  std::size_t equal = 0, with_token = 0, long_keys = 0, with_headers = 0;
  std::set<std::string> method_styles, regions;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto mine = presign_object(peer::to_object_presign(inputs[i]), &cache);
    ASSERT_TRUE(mine) << describe(inputs[i]) << ": " << mine.error().message();
    if (mine->url == (*reference)[i]) {
      ++equal;
      with_token += !inputs[i].token.empty();
      long_keys += inputs[i].key.size() >= 1000;
      with_headers += !inputs[i].content_type.empty() || !inputs[i].meta.empty();
      method_styles.insert(inputs[i].method + "/" + inputs[i].style);
      regions.insert(inputs[i].region);
    } else {
      ADD_FAILURE() << describe(inputs[i]) << "\n dropslot: " << mine->url << "\n botocore: " << (*reference)[i];
    }
  }
  EXPECT_EQ(equal, inputs.size());
  EXPECT_GE(equal, 1000u);
  EXPECT_GT(with_token, 100u);
  EXPECT_GT(long_keys, 10u);
  EXPECT_GT(with_headers, 100u);
  EXPECT_EQ(method_styles.size(), 16u);  // every method with every addressing style
  EXPECT_GE(regions.size(), 5u);
}

}  // namespace
}  // namespace dropslot::sigv4
