#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dropslot/lambda/emf.hpp"

namespace dropslot::lambda {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

TEST(Emf, OneDocumentWithTheDirectiveAndEveryValue) {
  invocation_metrics m;
  m.method = "POST";
  m.route = "/upload-url";
  m.status = 503;
  m.latency = 1500us;
  m.uploads_issued = 0;
  m.at = std::chrono::system_clock::time_point(1700000000123ms);
  const std::string line = format_emf(m);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto doc = json::parse(line).as_object();
  const auto& aws = doc.at("_aws").as_object();
  EXPECT_EQ(aws.at("Timestamp").as_int64(), 1700000000123);
  const auto& directives = aws.at("CloudWatchMetrics").as_array();
  ASSERT_EQ(directives.size(), 1u);
  const auto& d = directives[0].as_object();
  EXPECT_EQ(d.at("Namespace").as_string(), "dropslot");
  EXPECT_EQ(json::serialize(d.at("Dimensions")), R"([["Operation"]])");
  // Every metric the directive names is a member of the document, as the spec requires.
  for (const auto& metric : d.at("Metrics").as_array()) {
    std::string name(metric.as_object().at("Name").as_string());
    EXPECT_TRUE(doc.contains(name)) << name;
    EXPECT_TRUE(doc.at(name).is_number()) << name;
  }
  EXPECT_EQ(doc.at("Operation").as_string(), "POST /upload-url");
  EXPECT_DOUBLE_EQ(doc.at("Latency").as_double(), 1.5);
  EXPECT_EQ(doc.at("Requests").as_int64(), 1);
  EXPECT_EQ(doc.at("Errors").as_int64(), 1);
  EXPECT_EQ(doc.at("ClientErrors").as_int64(), 0);
}

TEST(Emf, OperationIsBoundedWhateverTheRequest) {
  EXPECT_EQ(operation_name("GET", "/jobs/{id}"), "GET /jobs/{id}");
  EXPECT_EQ(operation_name("GET", ""), "other");
  EXPECT_EQ(operation_name("BREW", "/jobs"), "other /jobs");
}

}  // namespace
}  // namespace dropslot::lambda
