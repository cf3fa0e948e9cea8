#pragma once
// The store's series, labelled `api` with S3's operation name (PutObject, GetObject,
// ... from the store's route table; a request refused before it reached an operation,
// by its signature for one, is "unknown"). Names and meanings follow MinIO's v3 API
// metrics where one exists:
//   dropslot_s3_requests_total             minio_api_requests_total
//   dropslot_s3_requests_errors_total      minio_api_requests_errors_total (4xx and 5xx)
//   dropslot_s3_requests_4xx_errors_total  minio_api_requests_4xx_errors_total
//   dropslot_s3_requests_5xx_errors_total  minio_api_requests_5xx_errors_total
//   dropslot_s3_requests_canceled_total    minio_api_requests_canceled_total
//   dropslot_s3_requests_inflight          minio_api_requests_inflight_total (a gauge)
//   dropslot_s3_request_duration_seconds   minio_api_requests_ttfb_seconds_distribution,
//                                          but the whole request, as a real histogram
//   dropslot_s3_traffic_received_bytes_total / _sent_bytes_total
//                                          minio_api_requests_traffic_{received,sent}_bytes
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dropslot/metrics/histogram.hpp"
#include "dropslot/metrics/label_set.hpp"
#include "dropslot/metrics/text_writer.hpp"

namespace dropslot::metrics {

class s3_metrics {
 public:
  static constexpr std::size_t max_apis = 40;

  /// The slot of operation `api` ("" or too many: "unknown"). Takes a lock the first
  /// time an operation is seen; the names come from the store's fixed route table.
  std::size_t api(std::string_view name) noexcept;

  void begin(std::size_t api) noexcept { cells_[api].inflight.add(1); }
  /// Ends a request begun with begin(api); `status` 0: it ended unanswered (canceled).
  void end(std::size_t api, int status, std::chrono::nanoseconds d, std::uint64_t received,
           std::uint64_t sent) noexcept;

  void write(text_writer& w) const;

 private:
  struct cell {
    histogram duration;
    counter errors_4xx, errors_5xx, canceled, received, sent;
    gauge inflight;
  };
  label_set<max_apis> apis_{"unknown"};
  std::array<cell, max_apis> cells_{};
};

s3_metrics& s3();

}  // namespace dropslot::metrics
