# Sourced by the upload-url benchmarks (run.sh, dynamodb.sh): their shared setup and the
# wrk and /proc readings, so both measure the same way.
#   Before sourcing: set `work_name` (the temporary folder's prefix).
#   Sets: here root bin duration conns threads work pids; traps EXIT to stop every pid
#   in `pids` and remove $work. Reads $1/$2 of the caller as DURATION and CONNECTIONS.
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${DROPSLOT_BIN:-$root/build/release/src/cli/dropslot}
duration=${1:-10}
conns=${2:-64}
threads=${WRK_THREADS:-2}
work=$(mktemp -d "/tmp/${work_name:-dropslot-bench}.XXXXXX")
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

# wrk --latency output -> "req_per_s p50_ms p99_ms non_2xx"
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

# CPU time of a process (user + system ticks) and per request: a figure that does not
# depend on how busy the rest of the machine is (wall-clock rates do).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per_request_us() {  # ticks rps -> microseconds of CPU per request over $duration
  awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v r="$2" -v d="$duration" 'BEGIN { printf "%.1f", t / hz * 1e6 / (r * d) }'
}

# Logs in to the `dropslot serve` at API with the login CODE it printed, then measures
# upload-url on the customer's first job (a 1 s warm-up first). Sets m_rps m_p50 m_p99
# m_bad, and m_cpu_us: the CPU per request of serve's process PID over the run.
measure_upload_url() {  # pid api code
  local pid=$1 api=$2 code=$3 token job t0 t1
  token=$(curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$api/api/login" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session_token"])')
  job=$(curl -fsS -H "Authorization: Bearer $token" "$api/api/jobs" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
  DROPSLOT_TOKEN=$token DROPSLOT_JOB=$job wrk -t1 -c4 -d1s -s "$here/upload_url.lua" "$api" >/dev/null
  t0=$(ticks "$pid")
  read -r m_rps m_p50 m_p99 m_bad < <(DROPSLOT_TOKEN=$token DROPSLOT_JOB=$job measure "$api")
  t1=$(ticks "$pid")
  m_cpu_us=$(per_request_us "$((t1 - t0))" "$m_rps")
}
