// Target 9: the Range and conditional-header parsers (store/http_conditions.hpp).
//   - parse_range: a range it returns lies inside the object (first <= last < size),
//     never wraps an unsigned subtraction, and a suffix range never starts before 0;
//   - evaluate_conditions: If-None-Match: * on a missing object proceeds, If-Match on
//     a missing object fails, 304 only for GET and HEAD;
//   - HTTP dates: what parse_http_date accepts formats back (IMF-fixdate) to a text it
//     parses to the same instant.
#include <string>

#include "fuzz_check.hpp"
#include "http_conditions.hpp"

using namespace dropslot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::uint64_t object_size = in.ConsumeBool() ? in.ConsumeIntegral<std::uint64_t>()
                                                     : in.ConsumeIntegralInRange<std::uint64_t>(0, 4096);
  std::string range = in.ConsumeRandomLengthString(64);
  if (in.ConsumeBool()) range = "bytes=" + range;
  auto r = store::parse_range(range, object_size);
  if (r && *r) {
    const auto& br = **r;
    FUZZ_CHECK(br.first <= br.last);
    FUZZ_CHECK(br.last < object_size);
    FUZZ_CHECK(br.length() >= 1 && br.length() <= object_size);
  }
  auto none = store::parse_range(std::nullopt, object_size);
  FUZZ_CHECK(none && !*none);

  store::conditions c;
  auto maybe = [&]() -> std::optional<std::string> {
    if (!in.ConsumeBool()) return std::nullopt;
    return in.ConsumeRandomLengthString(48);
  };
  c.if_match = maybe();
  c.if_none_match = maybe();
  c.if_modified_since = maybe();
  c.if_unmodified_since = maybe();
  static constexpr const char* methods[] = {"GET", "HEAD", "PUT", "DELETE", "POST"};
  const std::string method = methods[in.ConsumeIntegralInRange<int>(0, 4)];
  const bool exists = in.ConsumeBool();
  const std::string etag = "\"" + in.ConsumeRandomLengthString(34) + "\"";
  const store::sys_seconds modified(std::chrono::seconds(in.ConsumeIntegralInRange<long long>(0, 4102444800)));
  auto outcome = store::evaluate_conditions(c, method, exists, etag, modified);
  if (outcome == store::condition_outcome::not_modified) FUZZ_CHECK(method == "GET" || method == "HEAD");
  if (!exists && c.if_match) FUZZ_CHECK(outcome == store::condition_outcome::precondition_failed);
  store::conditions star;
  star.if_none_match = "*";
  FUZZ_CHECK(store::evaluate_conditions(star, method, false, etag, modified) == store::condition_outcome::proceed);

  const std::string date_text = in.ConsumeRemainingBytesAsString();
  if (auto t = store::parse_http_date(date_text)) {
    const std::string formatted = store::format_http_date(*t);
    auto back = store::parse_http_date(formatted);
    FUZZ_CHECK(back && *back == *t);
    (void)store::format_iso8601(*t);
  }
  return 0;
}
