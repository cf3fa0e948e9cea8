// `dropslot`: one binary, one subcommand per way of running (DESIGN.md, CLI).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "build_info.hpp"
#include "command.hpp"

namespace dropslot::cli {

std::vector<command_entry>& registry() {
  static std::vector<command_entry> r;
  return r;
}

int fail_with(const std::string& message, int code) {
  std::fprintf(stderr, "dropslot: %s\n", message.c_str());
  return code;
}

}  // namespace dropslot::cli

int main(int argc, char** argv) {
  using namespace dropslot::cli;
  // A peer that has gone must cost one connection, not the process. The store sends GET
  // bodies with sendfile (store/connection.cpp), which has no MSG_NOSIGNAL: a reader that
  // hung up turns its next write into EPIPE, which raises SIGPIPE, whose default action
  // ends the process. Ignored, the write fails with EPIPE and the connection is closed
  // (tests/store/test_negative.py: a reader that hangs up mid-GET).
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"dropslot: direct-to-bucket uploads through presigned URLs"};
  app.require_subcommand(1);
  // The version and the commit the binary was built from, e.g. "dropslot 0.1.0 (commit
  // 1c0adb2f9e3a)": what an operator quotes in a bug report (docs/operate.md).
  app.set_version_flag("--version", std::string("dropslot ") + build_version + " (commit " + build_commit + ")");
  int exit_code = 0;
  auto& cmds = registry();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (auto& c : cmds) c.setup(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    // One line, no usage dump: the message says which flag is wrong.
    std::fprintf(stderr, "dropslot: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // The last boundary an exception may cross: log it, never a stack trace.
    return fail_with(e.what(), 1);
  }
  return exit_code;
}
