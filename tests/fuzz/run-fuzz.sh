#!/bin/sh
# Run every libFuzzer harness built in DIR for a bounded time, as one host
# test of `make check`:
#   run-fuzz.sh DIR
# Each harness first replays its seeds (tests/fuzz/seeds/<name>/: known
# edge cases, always checked), then fuzzes for FUZZ_SECONDS (default 8)
# from a scratch corpus. FUZZ_SEED=<n> repeats a run's random choices
# (default: libFuzzer picks one and prints "Seed: n"). A crash leaves its
# input in DIR/crash-<name>-*; replay it with: DIR/fuzz_<name> FILE.
# Last line: EDUTEST-RESULT fuzz passed=N failed=N skipped=0.
dir=${1:?usage: run-fuzz.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
secs=${FUZZ_SECONDS:-8}
passed=0 failed=0
if [ ! -f "$dir/built-with-clang" ]; then
    echo "fuzz: the harnesses were not built (no clang: apt-get install clang libclang-rt-14-dev)"
    echo "EDUTEST-RESULT fuzz passed=0 failed=1 skipped=0"
    exit 1
fi
for bin in "$dir"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/fuzz_}
    seeds=$here/seeds/$name
    corpus=$dir/corpus-$name
    rm -rf "$corpus" "$dir"/crash-"$name"-* && mkdir -p "$corpus"
    echo "== fuzz_$name: replaying $(ls "$seeds" 2>/dev/null | wc -l) seeds, then ${secs} s"
    # -rss_limit_mb: ASan shadow plus a generous heap; -timeout: one input hanging.
    set -- -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$dir/crash-$name-" \
        -print_final_stats=1 ${FUZZ_SEED:+-seed=$FUZZ_SEED}
    if [ -d "$seeds" ] && ! "$bin" "$@" "$seeds"/* >"$dir/$name-seeds.log" 2>&1; then
        tail -40 "$dir/$name-seeds.log"
        echo "not ok - fuzz_$name: a seed input fails (log: $dir/$name-seeds.log)"
        failed=$((failed + 1))
        continue
    fi
    if "$bin" "$@" -max_total_time="$secs" "$corpus" ${seeds:+"$seeds"} >"$dir/$name.log" 2>&1; then
        grep -E "INFO: Seed:|stat::number_of_executed_units|stat::new_units_added" "$dir/$name.log" |
            sed 's/^/    /'
        echo "ok - fuzz_$name"
        passed=$((passed + 1))
    else
        tail -40 "$dir/$name.log"
        echo "not ok - fuzz_$name (log: $dir/$name.log; crash input: $(ls "$dir"/crash-"$name"-* 2>/dev/null | head -1))"
        failed=$((failed + 1))
    fi
done
[ $((passed + failed)) -gt 0 ] || { echo "fuzz: no harness in $dir"; failed=1; }
echo "EDUTEST-RESULT fuzz passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
