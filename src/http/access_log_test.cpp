#include "dropslot/http/access_log.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <set>

using namespace dropslot::http;

TEST(AccessLog, OneJsonObjectPerLine) {
  access_record r{"GET", "/api/jobs/J\"1", 200, 42, std::chrono::microseconds(1500), "0123456789abcdef", "127.0.0.1"};
  std::string line = format_access_record(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("method").as_string(), "GET");
  EXPECT_EQ(v.at("path").as_string(), "/api/jobs/J\"1");
  EXPECT_EQ(v.at("status").as_int64(), 200);
  EXPECT_EQ(v.at("bytes").to_number<std::uint64_t>(), 42u);
  EXPECT_EQ(v.at("duration_us").as_int64(), 1500);
  EXPECT_EQ(v.at("request_id").as_string(), "0123456789abcdef");
  EXPECT_EQ(v.at("remote").as_string(), "127.0.0.1");
}

TEST(AccessLog, SinkReceivesLinesAndCanBeTurnedOff) {
  std::vector<std::string> lines;
  set_access_log_sink([&](std::string_view l) { lines.emplace_back(l); });
  write_access_log({"PUT", "/x", 201, 0, {}, "id", "::1"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].back(), '\n');
  set_access_log_sink({});
  write_access_log({"PUT", "/x", 201, 0, {}, "id", "::1"});
  EXPECT_EQ(lines.size(), 1u);
}

TEST(RequestId, SixteenHexDigitsAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_request_id();
    ASSERT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}
