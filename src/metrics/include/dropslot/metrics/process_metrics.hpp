#pragma once
// The standard process_* series every Prometheus client library exports, read from
// /proc at scrape time: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds.
#include "dropslot/metrics/text_writer.hpp"

namespace dropslot::metrics {

void write_process_metrics(text_writer& w);

}  // namespace dropslot::metrics
