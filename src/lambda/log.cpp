#include "dropslot/lambda/log.hpp"

#include <boost/json.hpp>

#include "dropslot/util/redact.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace dropslot::lambda {

namespace {
std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}
}  // namespace

void log_line(std::string_view level, std::string_view request_id, std::string_view message,
              std::initializer_list<log_field> fields) {
  boost::json::object line;
  line["time"] = utc_now();
  line["level"] = level;
  if (!request_id.empty()) line["request_id"] = request_id;
  line["message"] = message;
  for (const auto& f : fields) line[f.key] = f.value;
  std::string text = boost::json::serialize(line);
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::string redact_url_passwords(std::string text) { return util::redact_passwords(text); }

}  // namespace dropslot::lambda
