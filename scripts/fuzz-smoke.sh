#!/usr/bin/env bash
# fuzz-smoke.sh - build the libFuzzer targets (tests/fuzz/fuzz_*.c, CMake
# option TS_FUZZ, clang) and run each for a bounded time on its seed corpus;
# fail on any crash, leak or sanitizer report. Part of `make test`.
#
#   scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]    (default 15; env FUZZ_SECONDS)
#
# Inputs libFuzzer generates go to a temporary corpus, never to the sources.
# A crash leaves its input in the artifact directory printed below: copy it
# to tests/fuzz/regress/<target>/ (without the fuzz_ prefix), fix the bug, and
# the unit tests replay it from then on.
#
# Timeouts (an input running longer than -timeout seconds, e.g. a fuzzed
# `while True` in fuzz_run) end that target's run but are not failures until
# calls can carry a deadline; they are reported as such. So is one malloc
# larger than -malloc_limit_mb (libFuzzer stops the process before the
# library could refuse it, e.g. fuzzed code asking for a 4 GB tensor);
# exceeding -rss_limit_mb in total is a failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-15}}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
TIMEOUT_EXIT=70

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DTS_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target fuzz_zip fuzz_pickle fuzz_parser fuzz_code \
    fuzz_archive fuzz_run

work=$(mktemp -d /tmp/tscript-fuzz.XXXXXX)
failed=0
run() { # target extra-args... -- seed dirs...
    local target=$1; shift
    local args=() seeds=()
    while [ "$1" != "--" ]; do args+=("$1"); shift; done
    shift
    seeds=("$@")
    mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
    printf '== %s (%ss) ==\n' "$target" "$SECONDS_PER_TARGET"
    local rc=0
    "$BUILD/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
        -timeout_exitcode=$TIMEOUT_EXIT -rss_limit_mb=3072 -malloc_limit_mb=2048 \
        -print_final_stats=1 \
        -artifact_prefix="$work/$target/artifacts/" "${args[@]}" \
        "$work/$target/corpus" "${seeds[@]}" >"$work/$target/log" 2>&1 || rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$target/log" || true
    if [ $rc -eq $TIMEOUT_EXIT ]; then
        echo "$target: an input timed out (not a failure yet: no deadlines); see $work/$target/log"
    elif [ $rc -ne 0 ] && grep -q 'libFuzzer: out-of-memory (malloc(' "$work/$target/log"; then
        echo "$target: one huge allocation stopped the run (not a failure); see $work/$target/log"
    elif [ $rc -ne 0 ]; then
        echo "$target: FAILED (exit $rc); input in $work/$target/artifacts/, log $work/$target/log"
        grep -E 'ERROR|SUMMARY|runtime error' "$work/$target/log" | head -5 || true
        failed=$((failed + 1))
    fi
}

run fuzz_zip -- tests/data/serialize
run fuzz_pickle -dict=tests/fuzz/pickle.dict -- tests/fuzz/seeds/pickle
run fuzz_parser -max_len=4096 -- tests/data/code tests/lang/run
run fuzz_code -max_len=8192 -- tests/lang/run tests/data/code
run fuzz_archive -- examples tests/data/serialize
run fuzz_run -- examples tests/data/serialize

if [ $failed -ne 0 ]; then
    echo "fuzz-smoke: $failed target(s) failed (inputs and logs under $work)"
    exit 1
fi
rm -rf "$work"
echo "fuzz-smoke: no crash in any target"
