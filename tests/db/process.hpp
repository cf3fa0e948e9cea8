#pragma once
// Running commands from the db integration tests.
#include <string>

namespace dropslot::db::testing {

struct command_result {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `command` through /bin/sh and captures both streams.
command_result run_command(const std::string& command);

/// Quotes one word for /bin/sh.
std::string shell_quote(const std::string& word);

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace dropslot::db::testing
