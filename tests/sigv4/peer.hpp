#pragma once
// Test helpers: generated presign inputs, the botocore reference run, and a small
// process runner (no shell, so keys with any character pass through intact).
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <dropslot/sigv4/signer.hpp>

namespace dropslot::sigv4::peer {

struct presign_input {
  std::string method = "GET";
  std::string bucket;
  std::string key;
  std::string region;
  std::string style;  // auto | path | virtual | endpoint
  std::string endpoint;
  std::string access_key, secret_key, token;
  long long expires = 900;
  std::string time;  // YYYYMMDDTHHMMSSZ
  std::string content_type;
  std::map<std::string, std::string> meta;
  std::string response_content_disposition;
};

/// The same input as a sigv4 one-shot presign.
object_presign to_object_presign(const presign_input& in);

/// Deterministic, varied inputs (see the differential test for what they cover).
std::vector<presign_input> generate_inputs(std::size_t n, std::uint32_t seed);

/// Runs tests/sigv4/botocore_presign.py over `inputs`; one URL (or "error: ...") per input.
/// Returns nullopt (with `why`) when the Python run itself fails.
std::optional<std::vector<std::string>> botocore_urls(const std::vector<presign_input>& inputs, std::string& why);

struct process_result {
  int exit_code = -1;
  std::string out, err;
};

/// Runs `argv` with exactly `env` as its environment and captures stdout and stderr.
process_result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env);

/// A fresh temporary directory, removed by the destructor.
struct temp_dir {
  temp_dir();
  ~temp_dir();
  std::filesystem::path path;
};

}  // namespace dropslot::sigv4::peer
