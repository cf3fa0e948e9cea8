#include "dropslot/lambda/emf.hpp"

#include <boost/json.hpp>

#include <cstdio>

namespace dropslot::lambda {

std::string operation_name(std::string_view method, std::string_view route) {
  if (route.empty()) return "other";
  // The method comes from the event; only the ones a route can have pass, so the
  // dimension stays bounded even for a route hit with a made-up verb.
  for (std::string_view m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (m == method) return std::string(method) + " " + std::string(route);
  return "other " + std::string(route);
}

std::string format_emf(const invocation_metrics& m) {
  namespace json = boost::json;
  auto metric = [](std::string_view name, std::string_view unit) { return json::object{{"Name", name}, {"Unit", unit}}; };
  json::array metrics{metric("Latency", "Milliseconds"), metric("Requests", "Count"),
                      metric("Errors", "Count"),         metric("ClientErrors", "Count"),
                      metric("UploadsIssued", "Count"),  metric("UploadsReceived", "Count"),
                      metric("UploadsRejected", "Count")};
  json::object directive{{"Namespace", "dropslot"},
                         {"Dimensions", json::array{json::array{"Operation"}}},
                         {"Metrics", std::move(metrics)}};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(m.at.time_since_epoch()).count();
  json::object doc{
      {"_aws", json::object{{"Timestamp", ms}, {"CloudWatchMetrics", json::array{std::move(directive)}}}},
      {"Operation", operation_name(m.method, m.route)},
      {"Latency", static_cast<double>(m.latency.count()) / 1000.0},
      {"Requests", 1},
      {"Errors", m.status >= 500 ? 1 : 0},
      {"ClientErrors", m.status >= 400 && m.status < 500 ? 1 : 0},
      {"UploadsIssued", m.uploads_issued},
      {"UploadsReceived", m.uploads_received},
      {"UploadsRejected", m.uploads_rejected},
      {"StatusCode", m.status}};  // a property, not a metric: searchable in Logs Insights
  return json::serialize(doc);
}

void write_emf(const invocation_metrics& m) {
  std::string line = format_emf(m);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace dropslot::lambda
