#pragma once
// Test support for the small HTTP stand-ins the tests run (the throttling proxy in front of
// dynalite, the aws_json client's recording server): reads one HTTP/1.1 request, its head
// and a Content-Length body, from a blocking socket. `buf` keeps what was read past it.
#include <unistd.h>

#include <cstddef>
#include <string>

#include <dropslot/util/codec.hpp>

namespace dropslot::util::testing {

/// False when the peer closed before a whole request arrived.
inline bool read_http_request(int fd, std::string& buf, std::string& head, std::string& body) {
  char chunk[8192];
  auto fill = [&] {
    auto n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return false;
  head = buf.substr(0, end);
  const std::string lower = ascii_lower(head);
  std::size_t length = 0;
  if (auto p = lower.find("content-length:"); p != std::string::npos) length = std::stoul(lower.substr(p + 15));
  while (buf.size() < end + 4 + length)
    if (!fill()) return false;
  body = buf.substr(end + 4, length);
  buf.erase(0, end + 4 + length);
  return true;
}

}  // namespace dropslot::util::testing
