#pragma once
// Subcommand registry for the `dropslot` binary. Each subcommand lives in its own
// file (presign.cpp, s3.cpp, serve.cpp, admin.cpp, lambda.cpp) and registers itself:
//
//   static const dropslot::cli::registrar reg{"presign", [](CLI::App& app, int& rc) {
//     auto* cmd = app.add_subcommand("presign", "...");
//     ... cmd->callback([&rc] { rc = run(...); });
//   }};
//
// `cli` is wiring only (DESIGN.md): parse flags, pick implementations, call the parts.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace dropslot::cli {

using setup_fn = std::function<void(CLI::App& app, int& exit_code)>;

struct command_entry {
  std::string name;
  setup_fn setup;
};

std::vector<command_entry>& registry();

struct registrar {
  registrar(std::string name, setup_fn fn) { registry().push_back({std::move(name), std::move(fn)}); }
};

/// Prints `dropslot: <message>` to stderr (one line) and returns exit code 2 or `code`.
int fail_with(const std::string& message, int code = 1);

}  // namespace dropslot::cli
