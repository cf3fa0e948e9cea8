#pragma once
// What the fuzz targets share: a check that aborts with a message (libFuzzer then saves
// the input as a crash artifact), and small generators over FuzzedDataProvider.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>

namespace dropslot::fuzz {

/// A property of the code under test. Unlike assert it holds in every build type,
/// so a broken property is a finding whatever CMAKE_BUILD_TYPE says.
[[noreturn]] inline void property_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
  std::abort();
}

#define FUZZ_CHECK(cond) \
  do {                   \
    if (!(cond)) ::dropslot::fuzz::property_failed(#cond, __FILE__, __LINE__); \
  } while (0)

/// A string of up to `max` bytes drawn from `alphabet`.
inline std::string string_from(FuzzedDataProvider& in, std::string_view alphabet, std::size_t max) {
  std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, max);
  std::string s;
  s.reserve(n);
  for (std::size_t i = 0; i < n && in.remaining_bytes() > 0; ++i)
    s += alphabet[in.ConsumeIntegralInRange<std::size_t>(0, alphabet.size() - 1)];
  return s;
}

/// Splits `text` into pieces of random sizes (how a body arrives from a socket).
template <class F>
void feed_in_pieces(FuzzedDataProvider& in, std::string_view text, F&& feed) {
  while (!text.empty()) {
    std::size_t n = in.remaining_bytes() > 0 ? in.ConsumeIntegralInRange<std::size_t>(1, text.size()) : text.size();
    if (!feed(text.substr(0, n))) return;
    text.remove_prefix(n);
  }
}

}  // namespace dropslot::fuzz
