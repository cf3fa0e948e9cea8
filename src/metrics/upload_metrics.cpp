#include "dropslot/metrics/upload_metrics.hpp"

namespace dropslot::metrics {

void upload_metrics::write(text_writer& w) const {
  w.family("dropslot_uploads_issued_total", "counter", "Presigned upload URLs issued (POST /upload-url answered 200).");
  w.sample("dropslot_uploads_issued_total", {}, issued.value());
  w.family("dropslot_uploads_received_total", "counter", "Uploads whose object arrived in the bucket and passed the checks.");
  w.sample("dropslot_uploads_received_total", {}, received.value());
  w.family("dropslot_uploads_rejected_total", "counter", "Uploads whose object arrived but failed the checks.");
  w.sample("dropslot_uploads_rejected_total", {}, rejected.value());
  w.family("dropslot_uploads_expired_total", "counter", "Issued upload URLs that expired without an upload.");
  w.sample("dropslot_uploads_expired_total", {}, expired.value());
}

upload_metrics& uploads() {
  static upload_metrics m;
  return m;
}

}  // namespace dropslot::metrics
