#pragma once
// The writer of the JSON Lines logs (the access log, staff actions, share views).
#include <string_view>

namespace dropslot::util {

/// Writes `line` (its newline included by the caller) to stdout with one write(2),
/// retrying on EINTR: lines from concurrent requests stay whole without a lock
/// (atomic up to PIPE_BUF on pipes; regular files opened O_APPEND behave alike).
/// A line that cannot be written is dropped: a log must not take the server down.
void write_stdout_line(std::string_view line);

}  // namespace dropslot::util
