#!/usr/bin/env bash
# The long fuzzing runs reported in docs/reliability.md: every target for SECONDS
# (default 600), JOBS at a time (default 2: the machine has two cores), each starting from its
# committed seeds plus the corpus a previous long run left in build/fuzz/fuzz/long/.
#   fuzz/run-long.sh [SECONDS] [target...]
# Prints one line per target: executions, libFuzzer's final cov/ft figures, corpus size,
# and whether it found anything (the input is then in build/fuzz/fuzz/long/<t>-crash-*).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
bin=build/fuzz/fuzz
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(sigv4_authorization sigv4_presign sigv4_canonical aws_chunked form_data post_policy
           key_path s3_xml http_conditions addressing api_json lambda_event)
fi
mkdir -p "$bin/long"
run() {
  local t=$1
  mkdir -p "$bin/long/$t"
  "$bin/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=16384 -close_fd_mask=1 \
    -print_final_stats=1 -artifact_prefix="$bin/long/$t-" "$bin/long/$t" "fuzz/corpus/$t" >"$bin/long/$t.log" 2>&1
  local rc=$?
  local done_line execs
  done_line=$(grep -a 'DONE ' "$bin/long/$t.log" | tail -n1)
  execs=$(grep -a 'stat::number_of_executed_units' "$bin/long/$t.log" | awk '{print $2}')
  printf '%-20s rc=%d execs=%s %s corpus_files=%s\n' "$t" "$rc" "${execs:-?}" \
    "$(echo "$done_line" | grep -o 'cov: [0-9]* ft: [0-9]*')" "$(ls "$bin/long/$t" | wc -l)"
  grep -a -m3 -E 'property failed|ERROR: ' "$bin/long/$t.log" | sed "s/^/  $t: /"
}
jobs=${JOBS:-2}
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  for ((j = i; j < i + jobs && j < ${#targets[@]}; j++)); do run "${targets[j]}" & done
  wait
done
