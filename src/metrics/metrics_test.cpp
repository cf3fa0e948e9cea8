#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "dropslot/metrics/db_metrics.hpp"
#include "dropslot/metrics/exposition.hpp"
#include "dropslot/metrics/histogram.hpp"
#include "dropslot/metrics/http_metrics.hpp"
#include "dropslot/metrics/label_set.hpp"
#include "dropslot/metrics/s3_metrics.hpp"
#include "dropslot/metrics/upload_metrics.hpp"

namespace dropslot::metrics {
namespace {

using namespace std::chrono_literals;

std::size_t count_of(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(Histogram, BucketsAreUpperBoundsAndTheSumIsInSeconds) {
  histogram h;
  h.observe(100us);   // exactly on the first bound: le="0.0001"
  h.observe(101us);   // the next one
  h.observe(20s);     // past the last finite bound: only +Inf
  auto s = h.snapshot();
  EXPECT_EQ(s.counts[0], 1u);
  EXPECT_EQ(s.counts[1], 1u);
  EXPECT_EQ(s.counts.back(), 1u);
  EXPECT_EQ(s.count, 3u);

  text_writer w;
  w.histogram("x_seconds", {{"a", "b"}}, s);
  const auto& t = w.text();
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"0.0001\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"0.00025\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"10\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"+Inf\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_sum{a=\"b\"} 20.000201\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_count{a=\"b\"} 3\n"), std::string::npos) << t;
}

TEST(Histogram, ConcurrentObservationsAreAllCounted) {
  histogram h;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) h.observe(std::chrono::microseconds(i));
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(h.count(), 40000u);
}

TEST(TextWriter, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  text_writer w;
  w.family("m_total", "counter", "Help.");
  w.sample("m_total", {{"k", "v\""}}, std::uint64_t{7});
  EXPECT_EQ(w.text(), "# HELP m_total Help.\n# TYPE m_total counter\nm_total{k=\"v\\\"\"} 7\n");
}

TEST(LabelSet, FoldsUnknownAndOverflowIntoTheFallback) {
  label_set<3> s("other");
  EXPECT_EQ(s.find("/a"), 0u);
  EXPECT_EQ(s.add("/a"), 1u);
  EXPECT_EQ(s.add("/a"), 1u);
  EXPECT_EQ(s.add("/b"), 2u);
  EXPECT_EQ(s.add("/c"), 0u);  // full
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.name(0), "other");
}

// A template takes its slot while other threads record (TSan runs this: the slot's
// name is published before the size that makes it visible).
TEST(HttpMetrics, RecordingWhileTemplatesArriveIsSafe) {
  http_metrics m;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) m.record("/r" + std::to_string((i + t) % 20), "GET", 200, 1us);
    });
  for (auto& t : ts) t.join();
  text_writer w;
  m.write(w);
  EXPECT_EQ(count_of(w.text(), "dropslot_http_requests_total{"), 20u);
  EXPECT_EQ(m.series(), 20u);
}

TEST(HttpMetrics, SeriesAreBoundedByRouteMethodAndClass) {
  http_metrics m;
  m.record("/upload-url", "POST", 200, 1ms);
  m.record("/upload-url", "POST", 201, 1ms);  // same class
  m.record("", "GET", 404, 1ms);              // no route: "other"
  m.record("", "BREW", 404, 1ms);             // unknown method: "other"
  EXPECT_EQ(m.series(), 3u);
  for (int i = 0; i < 1000; ++i) m.record("", "GET", 400 + i % 100, 1ms);
  EXPECT_EQ(m.series(), 3u);
  // More templates than slots fold into "other" instead of growing.
  for (int i = 0; i < 200; ++i) m.record("/t" + std::to_string(i), "GET", 200, 1ms);
  EXPECT_LE(m.series(), http_metrics::max_routes * 2 + 3);

  text_writer w;
  m.write(w);
  const auto& t = w.text();
  EXPECT_NE(t.find("dropslot_http_requests_total{route=\"/upload-url\",method=\"POST\",code=\"2xx\"} 2\n"),
            std::string::npos) << t;
  EXPECT_NE(t.find("dropslot_http_request_duration_seconds_bucket{route=\"/upload-url\",method=\"POST\",code=\"2xx\",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(t.find("route=\"other\",method=\"other\",code=\"4xx\""), std::string::npos);
  EXPECT_EQ(count_of(t, "# TYPE dropslot_http_request_duration_seconds histogram\n"), 1u);
}

TEST(S3Metrics, CountsErrorsTrafficAndInflight) {
  s3_metrics m;
  auto put = m.api("PutObject");
  EXPECT_EQ(m.api("PutObject"), put);
  EXPECT_EQ(m.api(""), 0u);
  m.begin(put);
  m.end(put, 200, 2ms, 1000, 0);
  m.begin(put);
  m.end(put, 403, 1ms, 0, 300);
  m.begin(put);  // still running
  text_writer w;
  m.write(w);
  const auto& t = w.text();
  EXPECT_NE(t.find("dropslot_s3_requests_total{api=\"PutObject\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("dropslot_s3_requests_4xx_errors_total{api=\"PutObject\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("dropslot_s3_requests_errors_total{api=\"PutObject\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("dropslot_s3_requests_inflight{api=\"PutObject\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("dropslot_s3_traffic_received_bytes_total{api=\"PutObject\"} 1000\n"), std::string::npos);
  EXPECT_NE(t.find("dropslot_s3_traffic_sent_bytes_total{api=\"PutObject\"} 300\n"), std::string::npos);
}

TEST(DbMetrics, DurationAndErrorsByOpAndBackend) {
  db_metrics m;
  auto op = m.op("lookup_session");
  auto be = m.backend("sqlite");
  m.record(op, be, 1ms, false);
  m.record(op, be, 1ms, true);
  text_writer w;
  m.write(w);
  const auto& t = w.text();
  EXPECT_NE(t.find("dropslot_db_request_duration_seconds_count{op=\"lookup_session\",backend=\"sqlite\"} 2\n"),
            std::string::npos) << t;
  EXPECT_NE(t.find("dropslot_db_errors_total{op=\"lookup_session\",backend=\"sqlite\"} 1\n"), std::string::npos);
}

TEST(Exposition, ServesEveryFamilyAndTheProcessSeriesAtMetricsOnly) {
  uploads().issued.inc();
  exposition_service svc;
  http::request req;
  req.method = "GET";
  req.path = "/metrics";
  auto res = svc.handle(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Type").value_or(""), text_content_type);
  for (auto name : {"dropslot_http_requests_total", "dropslot_http_request_duration_seconds",
                    "dropslot_s3_requests_total", "dropslot_s3_request_duration_seconds",
                    "dropslot_s3_traffic_received_bytes_total", "dropslot_s3_traffic_sent_bytes_total",
                    "dropslot_uploads_issued_total", "dropslot_uploads_received_total",
                    "dropslot_uploads_rejected_total", "dropslot_db_request_duration_seconds",
                    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                    "process_max_fds", "process_start_time_seconds"})
    EXPECT_NE(res.body.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  EXPECT_EQ(res.body.find("process_resident_memory_bytes 0\n"), std::string::npos);
  EXPECT_EQ(res.body.find("process_open_fds 0\n"), std::string::npos);

  req.path = "/api/jobs";
  EXPECT_EQ(svc.handle(req).status, 404);
  req.path = "/metrics";
  req.method = "POST";
  EXPECT_EQ(svc.handle(req).status, 405);
}

}  // namespace
}  // namespace dropslot::metrics
