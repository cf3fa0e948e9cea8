#!/usr/bin/env bash
# The cost of metrics (issue 24, DESIGN.md budget "Metrics on: upload-url within 5 % of
# its speed with metrics off, in the same run"): wrk POSTs {base}/upload-url against
# `dropslot serve` on SQLite without --metrics-listen and with it (a scrape of /metrics
# every second meanwhile, 15x Prometheus's default rate), alternating ROUNDS times in
# one run, and prints the median req/s, p99 and CPU per request of each and the ratios.
#   bench/api/metrics.sh [DURATION_SECONDS] [CONNECTIONS] [ROUNDS]
# Needs DROPSLOT_BIN (a Release build of dropslot), wrk, curl, /usr/bin/python3.
set -euo pipefail
work_name=dropslot-bench-metrics
source "$(dirname "$0")/lib.sh"
rounds=${3:-3}

# measure_serve [extra serve flags...] sets m_rps m_p50 m_p99 m_bad m_cpu_us.
measure_serve() {
  local data=$work/data.$RANDOM log=$work/serve.$RANDOM.log
  "$bin" serve --data "$data" --listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 \
    --upload-rate 0 --max-photos 1000000 --no-access-log "$@" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local api code scraper=""
  api=$(wait_for "$log" 'dropslot api listening on http://[0-9.:]+' | awk '{print $NF}')
  code=$(wait_for "$log" '[?]code=[A-Za-z0-9_-]+' | sed 's/.*code=//')
  if (($#)); then
    local metrics
    metrics=$(wait_for "$log" 'dropslot metrics listening on http://[0-9.:]+/metrics' | awk '{print $NF}')
    (while sleep 1; do curl -fsS -o /dev/null "$metrics" || exit 0; done) &
    scraper=$!
    pids+=("$scraper")
  fi
  measure_upload_url "$pid" "$api" "$code"  # lib.sh
  [[ -n $scraper ]] && { kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; }
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

off_rps=() off_p99=() off_cpu=() on_rps=() on_p99=() on_cpu=()
for ((i = 0; i < rounds; i++)); do
  measure_serve
  off_rps+=("$m_rps") off_p99+=("$m_p99") off_cpu+=("$m_cpu_us")
  measure_serve --metrics-listen 127.0.0.1:0
  on_rps+=("$m_rps") on_p99+=("$m_p99") on_cpu+=("$m_cpu_us")
  printf 'round %d: off %s req/s %s us CPU, on %s req/s %s us CPU\n' "$((i + 1))" "${off_rps[-1]}" "${off_cpu[-1]}" \
    "${on_rps[-1]}" "${on_cpu[-1]}"
done

a_rps=$(median "${off_rps[@]}") a_p99=$(median "${off_p99[@]}") a_cpu=$(median "${off_cpu[@]}")
b_rps=$(median "${on_rps[@]}") b_p99=$(median "${on_p99[@]}") b_cpu=$(median "${on_cpu[@]}")
printf '\nPOST upload-url, wrk -t%s -c%s -d%ss, %s rounds alternating, medians, %s cores (%s)\n' \
  "$threads" "$conns" "$duration" "$rounds" "$(nproc)" "$(date -u +%FT%TZ)"
printf '%-30s %10s %9s %12s\n' serve req/s p99_ms cpu_us/req
printf '%-30s %10s %9s %12s\n' "metrics off" "$a_rps" "$a_p99" "$a_cpu"
printf '%-30s %10s %9s %12s\n' "metrics on (scraped every 1s)" "$b_rps" "$b_p99" "$b_cpu"
awk -v a="$a_rps" -v b="$b_rps" -v ac="$a_cpu" -v bc="$b_cpu" \
  'BEGIN { printf "on/off: %.3fx req/s, %.3fx CPU per request\n", b / a, bc / ac }'
printf 'load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
