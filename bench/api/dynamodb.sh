#!/usr/bin/env bash
# POST /upload-url under wrk against `dropslot serve` on DynamoDB (dynalite) beside the
# same binary on SQLite, in one run (issue 13; figures in docs/benchmarks/db.md).
#   bench/api/dynamodb.sh [DURATION_SECONDS] [CONNECTIONS]
# Prints req/s, p50, p99, non-2xx, the server's CPU per request (dropslot, plus node
# running dynalite for DynamoDB) and dropslot's own CPU per request (/proc/<pid>/stat of
# the dropslot process only: the part we own; dynalite is far slower than DynamoDB).
# Needs DROPSLOT_BIN (a Release build), wrk, node and tests/node_modules (npm ci).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${DROPSLOT_BIN:-$root/build/release/src/cli/dropslot}
duration=${1:-10}
conns=${2:-64}
threads=${WRK_THREADS:-2}
work=$(mktemp -d /tmp/dropslot-bench-dynamodb.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() {  # file regex -> the first match, within 30 s
  for _ in $(seq 300); do
    if grep -qE "$2" "$1" 2>/dev/null; then grep -oE "$2" "$1" | head -1; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for /$2/ in $1" >&2; cat "$1" >&2; return 1
}

# wrk --latency output -> "req_per_s p50_ms p99_ms non_2xx" (as bench/api/run.sh)
measure() {
  local url=$1 out=$work/wrk.$RANDOM
  wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$here/upload_url.lua" "$url" >"$out"
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
    $1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
    /^non_2xx/ { bad = $2 }
    /Non-2xx/ { bad = $4 }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, bad }' "$out"
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per_request_us() {  # ticks rps -> microseconds of CPU per request
  awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v r="$2" -v d="$duration" 'BEGIN { printf "%.1f", t / hz * 1e6 / (r * d) }'
}

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
