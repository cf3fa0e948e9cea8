// Target 13: user metadata values (store/meta_encoding.hpp, issue 25), as they arrive in
// any bytes and go out again:
//   - what is stored is valid UTF-8, whatever came in (obs-text, encoded-words, junk);
//   - what is sent is printable ASCII only (0x20-0x7E): no CR, LF or NUL can reach a
//     response head, whatever was stored;
//   - what is sent reads back as what is stored: meta_value_to_store(meta_value_to_send(s))
//     == s for every stored s, so a client that sends back what it read stores the same.
#include <string>

#include "dropslot/util/utf8.hpp"
#include "fuzz_check.hpp"
#include "meta_encoding.hpp"

using namespace dropslot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view received(reinterpret_cast<const char*>(data), size);
  const std::string stored = store::meta_value_to_store(received);
  FUZZ_CHECK(util::valid_utf8(stored));
  const std::string sent = store::meta_value_to_send(stored);
  for (unsigned char c : sent) FUZZ_CHECK(c >= 0x20 && c <= 0x7E);
  FUZZ_CHECK(store::meta_value_to_store(sent) == stored);
  return 0;
}
