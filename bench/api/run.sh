#!/usr/bin/env bash
# The upload-url benchmark (issue 4): wrk POSTs {base}/upload-url against
#   1. dropslot serve on SQLite: session lookup, ownership, atomic key allocation, presign;
#   2. Node http + @aws-sdk/s3-request-presigner: the presign only (no auth, no db);
#   3. gunicorn + boto3: the presign only (no auth, no db);
# in one run on the same machine, and prints req/s, p50, p99 and the ratios.
#   bench/api/run.sh [DURATION_SECONDS] [CONNECTIONS]
# Needs DROPSLOT_BIN (a Release build of dropslot), wrk, node with tests/node_modules,
# (optionally DROPSLOT_BASELINE_BIN: another build, measured the same way in the same run)
# and /usr/bin/python3 with gunicorn and boto3 (scripts/setup --test).
set -euo pipefail
work_name=dropslot-bench-api
source "$(dirname "$0")/lib.sh"

# 1. dropslot serve (SQLite, embedded store), rate limit off, access log off.
#    measure_serve BIN sets m_rps m_p50 m_p99 m_bad and m_cpu_us (CPU per request).
measure_serve() {
  local bin=$1 data=$work/data.$RANDOM log=$work/serve.$RANDOM.log
  # The peers write no access log, so neither does serve, unless DROPSLOT_ACCESS_LOG=1
  # (serve's default: a JSON line per request on stdout, here the log file).
  local log_flag=(--no-access-log)
  [[ -n ${DROPSLOT_ACCESS_LOG:-} ]] && log_flag=()
  "$bin" serve --data "$data" --listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 \
    --upload-rate 0 --max-photos 1000000 "${log_flag[@]}" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local api code
  api=$(wait_for "$log" 'dropslot api listening on http://[0-9.:]+' | awk '{print $NF}')
  code=$(wait_for "$log" '[?]code=[A-Za-z0-9_-]+' | sed 's/.*code=//')
  measure_upload_url "$pid" "$api" "$code"  # warm-up, then the measured run (lib.sh)
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
measure_serve "$bin"
d_rps=$m_rps d_p50=$m_p50 d_p99=$m_p99 d_bad=$m_bad d_cpu_us=$m_cpu_us
# Optionally another build beside it, in the same run (before/after a change).
if [[ -n ${DROPSLOT_BASELINE_BIN:-} ]]; then
  measure_serve "$DROPSLOT_BASELINE_BIN"
  b_rps=$m_rps b_p50=$m_p50 b_p99=$m_p99 b_bad=$m_bad b_cpu_us=$m_cpu_us
fi

# 2. Node + SDK v3.
node "$here/node_presign_server.mjs" 0 >"$work/node.log" 2>&1 &
pids+=($!)
node_port=$(wait_for "$work/node.log" 'listening [0-9]+' | awk '{print $2}')
DROPSLOT_PATH=/upload-url wrk -t1 -c4 -d1s -s "$here/upload_url.lua" "http://127.0.0.1:$node_port" >/dev/null
read -r n_rps n_p50 n_p99 n_bad < <(DROPSLOT_PATH=/upload-url measure "http://127.0.0.1:$node_port")
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# 3. gunicorn + boto3, one sync worker per core.
g_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$here" && exec /usr/bin/python3 -m gunicorn -w "$(nproc)" -b "127.0.0.1:$g_port" gunicorn_presign_app:app) \
  >"$work/gunicorn.log" 2>&1 &
pids+=($!)
wait_for "$work/gunicorn.log" 'Booting worker' >/dev/null
sleep 1
DROPSLOT_PATH=/upload-url wrk -t1 -c4 -d1s -s "$here/upload_url.lua" "http://127.0.0.1:$g_port" >/dev/null
read -r g_rps g_p50 g_p99 g_bad < <(DROPSLOT_PATH=/upload-url measure "http://127.0.0.1:$g_port")

printf '\nPOST upload-url, wrk -t%s -c%s -d%ss, %s cores (%s)\n' "$threads" "$conns" "$duration" "$(nproc)" "$(date -u +%FT%TZ)"
printf '%-34s %10s %9s %9s %8s\n' server req/s p50_ms p99_ms non_2xx
printf '%-34s %10s %9s %9s %8s\n' "dropslot serve (SQLite, full path)" "$d_rps" "$d_p50" "$d_p99" "$d_bad"
if [[ -n ${DROPSLOT_BASELINE_BIN:-} ]]; then
  printf '%-34s %10s %9s %9s %8s\n' "baseline dropslot serve" "$b_rps" "$b_p50" "$b_p99" "$b_bad"
fi
printf '%-34s %10s %9s %9s %8s\n' "node http + SDK v3 presigner" "$n_rps" "$n_p50" "$n_p99" "$n_bad"
printf '%-34s %10s %9s %9s %8s\n' "gunicorn + boto3" "$g_rps" "$g_p50" "$g_p99" "$g_bad"
awk -v d="$d_rps" -v n="$n_rps" -v g="$g_rps" 'BEGIN { printf "ratio dropslot/node %.1fx, dropslot/gunicorn %.1fx\n", d/n, d/g }'
printf 'dropslot serve CPU per request: %s us (user+system, all threads)\n' "$d_cpu_us"
if [[ -n ${DROPSLOT_BASELINE_BIN:-} ]]; then
  printf 'baseline: %s us CPU per request; dropslot/baseline %s in req/s\n' "$b_cpu_us" \
    "$(awk -v d="$d_rps" -v b="$b_rps" 'BEGIN { printf "%.2fx", d/b }')"
fi
printf 'load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
