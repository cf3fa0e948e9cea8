#!/usr/bin/env bash
# POST /upload-url under wrk against `dropslot serve` on DynamoDB (dynalite) beside the
# same binary on SQLite, in one run (issue 13; figures in docs/benchmarks/db.md).
#   bench/api/dynamodb.sh [DURATION_SECONDS] [CONNECTIONS]
# Prints req/s, p50, p99, non-2xx, the server's CPU per request (dropslot, plus node
# running dynalite for DynamoDB) and dropslot's own CPU per request (/proc/<pid>/stat of
# the dropslot process only: the part we own; dynalite is far slower than DynamoDB).
# Needs DROPSLOT_BIN (a Release build), wrk, node and tests/node_modules (npm ci).
set -euo pipefail
work_name=dropslot-bench-dynamodb
source "$(dirname "$0")/lib.sh"
# dynalite on a free loopback port, in memory.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
node "$root/tests/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$port" --createTableMs 0 >"$work/dynalite.log" 2>&1 &
dynalite_pid=$!
pids+=("$dynalite_pid")
wait_for "$work/dynalite.log" 'listening' >/dev/null
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$port AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDLOCALDYNALITE AWS_SECRET_ACCESS_KEY=local-dynalite-secret

# measure_serve DATABASE_URL: sets m_rps m_p50 m_p99 m_bad m_cpu_us (dropslot) m_all_us (dropslot + dynalite)
measure_serve() {
  local data=$work/data.$RANDOM log=$work/serve.$RANDOM.log
  "$bin" serve --data "$data" --database "$1" --listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 \
    --upload-rate 0 --max-photos 1000000 --no-access-log >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local api code token job
  api=$(wait_for "$log" 'dropslot api listening on http://[0-9.:]+' | awk '{print $NF}')
  code=$(wait_for "$log" '[?]code=[A-Za-z0-9_-]+' | sed 's/.*code=//')
  token=$(curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$api/api/login" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session_token"])')
  job=$(curl -fsS -H "Authorization: Bearer $token" "$api/api/jobs" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
  DROPSLOT_TOKEN=$token DROPSLOT_JOB=$job wrk -t1 -c4 -d1s -s "$here/upload_url.lua" "$api" >/dev/null
  local t0 t1 n0 n1
  t0=$(ticks "$pid") n0=$(ticks "$dynalite_pid")
  read -r m_rps m_p50 m_p99 m_bad < <(DROPSLOT_TOKEN=$token DROPSLOT_JOB=$job measure "$api")
  t1=$(ticks "$pid") n1=$(ticks "$dynalite_pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  m_cpu_us=$(per_request_us "$((t1 - t0))" "$m_rps")
  if [[ $1 == dynamodb://* ]]; then
    m_all_us=$(per_request_us "$((t1 - t0 + n1 - n0))" "$m_rps")
  else
    m_all_us=$m_cpu_us
  fi
}

measure_serve "sqlite://$work/bench.db"
s_rps=$m_rps s_p50=$m_p50 s_p99=$m_p99 s_bad=$m_bad s_cpu=$m_cpu_us s_all=$m_all_us
measure_serve "dynamodb://bench-$$"
d_rps=$m_rps d_p50=$m_p50 d_p99=$m_p99 d_bad=$m_bad d_cpu=$m_cpu_us d_all=$m_all_us

printf '\nPOST upload-url, wrk -t%s -c%s -d%ss, %s cores (%s)\n' "$threads" "$conns" "$duration" "$(nproc)" "$(date -u +%FT%TZ)"
printf '%-28s %9s %9s %9s %8s %16s %16s\n' server req/s p50_ms p99_ms non_2xx server_cpu_us/req dropslot_cpu_us/req
printf '%-28s %9s %9s %9s %8s %16s %16s\n' "serve on SQLite" "$s_rps" "$s_p50" "$s_p99" "$s_bad" "$s_all" "$s_cpu"
printf '%-28s %9s %9s %9s %8s %16s %16s\n' "serve on DynamoDB (dynalite)" "$d_rps" "$d_p50" "$d_p99" "$d_bad" "$d_all" "$d_cpu"
printf 'load average after the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
