#include "dropslot/metrics/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace dropslot::metrics {

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Fields of /proc/self/stat after the command name (which may hold spaces and parens):
// element 0 is field 3 (state) of proc(5).
std::vector<std::string> stat_fields() {
  std::string s = read_file("/proc/self/stat");
  auto close = s.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos) return out;
  std::istringstream in(s.substr(close + 1));
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

double boot_time_seconds() {
  std::istringstream in(read_file("/proc/stat"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  return 0;
}

}  // namespace

void write_process_metrics(text_writer& w) {
  const auto f = stat_fields();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // proc(5): utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
  auto field = [&](std::size_t n) -> double { return f.size() > n - 3 ? std::stod(f[n - 3]) : 0.0; };
  w.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  w.sample("process_cpu_seconds_total", {}, (field(14) + field(15)) / ticks);
  w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  w.sample("process_resident_memory_bytes", {}, field(24) * page);
  w.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  w.sample("process_virtual_memory_bytes", {}, field(23));
  w.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  w.sample("process_start_time_seconds", {}, boot_time_seconds() + field(22) / ticks);

  std::error_code ec;
  std::int64_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  w.family("process_open_fds", "gauge", "Number of open file descriptors.");
  w.sample("process_open_fds", {}, fds);
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  w.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  w.sample("process_max_fds", {}, rl.rlim_cur == RLIM_INFINITY ? -1.0 : static_cast<double>(rl.rlim_cur));
}

}  // namespace dropslot::metrics
