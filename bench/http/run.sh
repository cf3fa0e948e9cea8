#!/usr/bin/env bash
# The http server's ceiling: wrk against a trivial buffered service (http_hello_server)
# and, in the same run, against nginx returning the same body. Rounds alternate so
# that load from elsewhere on the machine hits both alike; medians are reported.
#
#   bench/http/run.sh [BUILD_DIR] [ROUNDS] [SECONDS]
# BUILD_DIR defaults to build/release (it needs bench/http/http_hello_server).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
rounds=${2:-3}
secs=${3:-10}
conns=64
hello=$build/bench/http/http_hello_server
[[ -x $hello ]] || { echo "missing $hello (build target http_hello_server)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/setup)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# dropslot, access log off (2 io threads = the 2 cores)
"$hello" 127.0.0.1:0 2 >"$work/hello.out" & pids+=($!)
# dropslot, access log on (one write(2) per line, to /dev/null)
hello_log_addr=127.0.0.1:$(free_port)
"$hello" "$hello_log_addr" 2 --log >/dev/null & pids+=($!)
# nginx, 2 workers, same body
nginx_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type application/json; return 200 '{"ok":true}'; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" & pids+=($!)
sleep 1
hello_addr=$(head -1 "$work/hello.out")

# CPU time (user+system, clock ticks) of a process and its children threads/workers.
cpu_ticks() {
  local total=0 p
  for p in "$@"; do total=$((total + $(awk '{print $14+$15}' /proc/$p/stat))); done
  echo $total
}

run_wrk() {  # url pids... -> "req/s p50_ms p99_ms cpu_us_per_request"
  local url=$1; shift
  local t0 t1 out
  t0=$(cpu_ticks "$@")
  out=$(wrk -t2 -c$conns -d${secs}s --latency "$url")
  t1=$(cpu_ticks "$@")
  echo "$out" | awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {n=$1}
    /Requests\/sec/ {rps=$2}
    $1=="50%" {p50=$2} $1=="99%" {p99=$2}
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    END {printf "%s %.3f %.3f %.2f\n", rps, ms(p50), ms(p99), ticks / hz * 1e6 / n}'
}

declare -A results
for ((i = 1; i <= rounds; i++)); do
  for target in dropslot dropslot_log nginx; do
    case $target in
      dropslot) url=http://$hello_addr/ procs=(${pids[0]}) ;;
      dropslot_log) url=http://$hello_log_addr/ procs=(${pids[1]}) ;;
      nginx) url=http://127.0.0.1:$nginx_port/ procs=($(pgrep -P "${pids[2]}")) ;;
    esac
    r=$(run_wrk "$url" "${procs[@]}")
    echo "round $i $target: $r (req/s p50_ms p99_ms server_cpu_us/req)"
    results[$target]+="$r"$'\n'
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
echo "medians over $rounds rounds, wrk -t2 -c$conns -d${secs}s:"
for target in dropslot dropslot_log nginx; do
  rps=$(printf '%s' "${results[$target]}" | awk 'NF{print $1}' | median)
  p50=$(printf '%s' "${results[$target]}" | awk 'NF{print $2}' | median)
  p99=$(printf '%s' "${results[$target]}" | awk 'NF{print $3}' | median)
  cpu=$(printf '%s' "${results[$target]}" | awk 'NF{print $4}' | median)
  printf '%-13s %10.0f req/s  p50 %.3f ms  p99 %.3f ms  server CPU %.2f us/req\n' "$target" "$rps" "$p50" "$p99" "$cpu"
  eval "rps_$target=$rps"
done
awk -v a="$rps_dropslot" -v b="$rps_nginx" 'BEGIN {printf "req/s dropslot / nginx = %.2f\n", a/b}'
