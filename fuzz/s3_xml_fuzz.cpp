// Target 8: the XML request bodies - CompleteMultipartUpload, CORSConfiguration and
// Delete (store/s3_xml.hpp, store/cors.hpp), all read with pugixml. Properties:
//   - the parsers answer with a value for any bytes (no crash, no unbounded result:
//     part numbers 1..10000, 1..1000 keys, 1..100 CORS rules);
//   - a CORS configuration the parser accepts comes back the same from
//     cors_to_xml -> parse_cors_xml (nothing is lost or invented by the writer), and
//     matching an Origin against it grants only what a rule allows;
//   - delete_result_xml of the parsed keys is well-formed and parses back with pugixml.
#include <string>

#include <pugixml.hpp>

#include <dropslot/store/cors.hpp>

#include "fuzz_check.hpp"
#include "s3_xml.hpp"

using namespace dropslot;

namespace {

bool same_rules(const std::vector<store::cors_rule>& a, const std::vector<store::cors_rule>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].allowed_origins != b[i].allowed_origins || a[i].allowed_methods != b[i].allowed_methods ||
        a[i].allowed_headers != b[i].allowed_headers || a[i].expose_headers != b[i].expose_headers ||
        a[i].max_age_seconds != b[i].max_age_seconds)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const int which = in.ConsumeIntegralInRange<int>(0, 2);
  const std::string origin = in.ConsumeRandomLengthString(40);
  const std::string method = in.ConsumeRandomLengthString(8);
  const std::string request_headers = in.ConsumeRandomLengthString(40);
  const std::string xml = in.ConsumeRemainingBytesAsString();

  if (which == 0) {
    auto parts = store::parse_complete_multipart(xml);
    if (parts) {
      FUZZ_CHECK(!parts->empty());
      for (const auto& [n, etag] : *parts) FUZZ_CHECK(n >= 1 && n <= 10000);
    }
  } else if (which == 1) {
    auto del = store::parse_delete_objects(xml);
    if (del) {
      FUZZ_CHECK(!del->keys.empty() && del->keys.size() <= 1000);
      const std::string out = store::delete_result_xml(del->keys, del->quiet);
      pugi::xml_document doc;
      FUZZ_CHECK(doc.load_buffer(out.data(), out.size()));
      FUZZ_CHECK(doc.child("DeleteResult"));
    }
  } else {
    auto rules = store::parse_cors_xml(xml);
    if (!rules) return 0;
    FUZZ_CHECK(!rules->empty() && rules->size() <= 100);
    // Written and read back, the rules are the ones parsed: compared with the original
    // parse (a writer that drops a field loses it on the first round already).
    auto once = store::parse_cors_xml(store::cors_to_xml(*rules));
    FUZZ_CHECK(once.has_value() && same_rules(*rules, *once));

    auto grant = store::match_cors(*rules, origin, method, request_headers);
    if (grant) {
      // Some rule names this method, and the granted origin is the request's or '*'.
      bool method_ok = false;
      for (const auto& r : *rules)
        for (const auto& m : r.allowed_methods) method_ok |= m == method;
      FUZZ_CHECK(method_ok);
      FUZZ_CHECK(grant->allow_origin == origin || grant->allow_origin == "*");
    }
  }
  return 0;
}
