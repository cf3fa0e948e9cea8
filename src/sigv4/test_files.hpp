#pragma once
// Test-only helpers: reading vector files.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace dropslot::sigv4::testing {

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::filesystem::path shared_dir() { return std::filesystem::path(DROPSLOT_SHARED_DIR) / "testdata"; }

}  // namespace dropslot::sigv4::testing
