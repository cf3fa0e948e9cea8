#pragma once
// Small helpers of the Lambda and DynamoDB end-to-end tests that drive `dropslot`
// and the AWS CLI through the shell (run_shell, child_process.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "child_process.hpp"

namespace dropslot::test {

/// The whole file (empty if it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// `s` without trailing newlines, carriage returns and spaces.
inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Runs `command` through the shell, expects exit status 0, returns its trimmed output.
inline std::string must_run(const std::string& command) {
  auto [rc, out] = run_shell(command);
  EXPECT_EQ(rc, 0) << command << "\n" << out;
  return trim(out);
}

}  // namespace dropslot::test
