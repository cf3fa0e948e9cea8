#pragma once
// CloudWatch Embedded Metric Format: one JSON document per invocation on stdout,
// which CloudWatch Logs turns into metrics with no API call and no agent
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
// Namespace "dropslot", one dimension set [["Operation"]]: Operation is the method
// and the route TEMPLATE ("POST /upload-url"), never a path, an id or a key, since
// every distinct dimension value is a metric CloudWatch bills.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace dropslot::lambda {

struct invocation_metrics {
  std::string_view method;     // "POST"
  std::string_view route;      // "/upload-url"; empty: no route matched ("other")
  int status = 0;
  std::chrono::microseconds latency{0};
  std::uint64_t uploads_issued = 0;    // during this invocation
  std::uint64_t uploads_received = 0;
  std::uint64_t uploads_rejected = 0;
  std::chrono::system_clock::time_point at = std::chrono::system_clock::now();
};

/// The Operation dimension's value: "METHOD /template", or "other".
std::string operation_name(std::string_view method, std::string_view route);

/// The EMF document for one invocation (one line, no newline). Metrics: Latency
/// (Milliseconds), Requests, Errors (5xx), ClientErrors (4xx), UploadsIssued,
/// UploadsReceived, UploadsRejected (Count).
std::string format_emf(const invocation_metrics& m);

/// Writes format_emf(m) and a newline to stdout, flushed (one write per line).
void write_emf(const invocation_metrics& m);

}  // namespace dropslot::lambda
