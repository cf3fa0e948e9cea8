#pragma once
// The upload funnel: URLs issued by POST /upload-url, photos received in the bucket,
// uploads rejected (a received object that failed the checks: wrong type, size or
// checksum) and expired (a URL whose upload never came). Where each happens calls
// e.g. `metrics::uploads().received.inc()`; counting is one relaxed atomic add, and
// it counts whether or not the metrics listener is on (`dropslot lambda` reads the
// same counters for its EMF line).
#include "dropslot/metrics/histogram.hpp"
#include "dropslot/metrics/text_writer.hpp"

namespace dropslot::metrics {

struct upload_metrics {
  counter issued;
  counter received;
  counter rejected;
  counter expired;

  void write(text_writer& w) const;
};

upload_metrics& uploads();

}  // namespace dropslot::metrics
