#include "dropslot/util/stdout_line.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace dropslot::util {

void write_stdout_line(std::string_view line) {
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace dropslot::util
