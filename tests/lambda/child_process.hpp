#pragma once
// A child process for the Lambda tests: started with an explicit environment
// (like `env -i`), stdout and stderr to files, stopped (SIGTERM, then SIGKILL) and
// reaped by the destructor, so a failing test never leaves it behind.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace dropslot::test {

class child_process {
 public:
  /// Starts `argv[0]` (a path) with exactly `env` ("NAME=value" strings) and
  /// the working directory `cwd` (empty: inherited). Output goes to
  /// `output_path` (both streams). Throws std::runtime_error when it cannot start.
  child_process(std::vector<std::string> argv, std::vector<std::string> env, std::string output_path,
                std::string cwd = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Waits up to `timeout` for the exit; the exit status (or 128+signal), or
  /// nullopt if still running.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  /// SIGTERM, a short grace, then SIGKILL; returns the exit status.
  int stop();
  /// What the child wrote so far.
  std::string output() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string output_path_;
};

/// Runs `command` through /bin/sh, returns {exit status, stdout+stderr}.
std::pair<int, std::string> run_shell(const std::string& command);

/// A fresh empty directory under the system temp dir; removed by the destructor.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace dropslot::test
