#!/usr/bin/env bash
# Builds the libFuzzer targets (CMakePresets.json: fuzz, clang + ASan + UBSan) and runs
# them under CTest (label fuzz): each replays its committed seeds from fuzz/corpus/<name>/,
# then fuzzes for DROPSLOT_FUZZ_SECONDS (default 20 here). For scripts/test:
#   fuzz/run-ci.sh            # 20 s per target
#   DROPSLOT_FUZZ_SECONDS=600 fuzz/run-ci.sh -R 'fuzz_(sigv4_.*)'   # longer, a subset
# Exits non-zero when a target finds a crash or a broken property; the input is saved
# under build/fuzz/fuzz/artifacts/<name>/ (replay: build/fuzz/fuzz/<name>_fuzz <file>).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${DROPSLOT_FUZZ_SECONDS:-20}
jobs=${DROPSLOT_FUZZ_JOBS:-$(nproc)}
CC=clang CXX=clang++ cmake --preset fuzz -DDROPSLOT_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build --preset fuzz -j "$jobs"
ctest --preset fuzz -j "$jobs" "$@"
