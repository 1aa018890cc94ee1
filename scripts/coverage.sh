#!/usr/bin/env bash
# make coverage: which lines and branches of the driver and of libdma the
# test suites execute (docs/testing.md "Coverage").
#
#   1. The module is built with gcov (driver/Kbuild, EDUDMA_COVERAGE=1)
#      against the debug kernel, which has CONFIG_GCOV_KERNEL; userspace
#      (libdma, the tests, dmactl, the examples) with gcc --coverage into
#      $COV_BUILD (the Makefile does that before calling this script).
#   2. check.sh runs the host tests and every boot configuration under the
#      debug kernel with edutest.gcov=1: at the end of each boot the guest
#      prints the module's counters (debugfs) and the programs' (GCOV_PREFIX)
#      on the console (scripts/guest-init.sh).
#   3. Per run (the host tests, each configuration), the counters are put
#      back beside their .gcno files and gcovr turns them into a JSON
#      tracefile; the tracefiles are summed into the report:
#        $COV_BUILD/report/index.html      line and branch coverage, per file, annotated
#        $COV_BUILD/report/driver.txt      per driver file: lines, branches, uncovered lines
#        $COV_BUILD/report/libdma.txt      the same for libdma
#
#   coverage.sh --report   only step 3 and the report, again, from the logs
#                          and host tracefile of the last run
#
# Environment: COV_BUILD [build/coverage], CONFIGS (check.sh's default: all),
# DEBUG_APPEND (the Makefile's), EXTRA_BINS (coverage builds of dmactl and the
# examples), GUEST_TIMEOUT [3600]. The test run's own verdict is printed but
# does not stop the report; the script exits with it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
say() { echo "coverage.sh: $*" >&2; }
die() { say "$*"; exit 1; }

report_only=0
[[ ${1:-} != --report ]] || report_only=1
out=${COV_BUILD:-build/coverage}
[[ -d $out/tests/guest ]] || die "$out/tests/guest missing: run it through make coverage"
command -v gcovr >/dev/null || die "gcovr missing (scripts/deps.sh installs it)"
modtree=$repo/.cache/coverage-module
# Where the counters of what is reported live: libdma's objects (static and
# PIC) and the module's. (Not the test programs': their own counters are of
# no interest, and threads that fork make gcov print nonsense gcovr rejects.)
objdirs=("$out/libdma" "$modtree/driver")
json=$out/json
clear_counters() { find "$out" "$modtree/driver" -name '*.gcda' -delete 2>/dev/null || true; }

rc=0
if ((!report_only)); then
    eval "$(scripts/debug-kernel.sh)"
    ko=$(EDUDMA_COVERAGE=1 scripts/debug-kernel.sh module "$modtree")
    clear_counters
    # (the static consumer of tests/install/consumer-test.sh links the
    # instrumented libdma.a: it needs the gcov runtime too)
    export CONSUMER_LDFLAGS=--coverage
    MODULE="$ko" GUEST_KERNEL="$GUEST_KERNEL" GUEST_MODDIR="$GUEST_MODDIR" KDIR="$KDIR" \
        GUEST_TIMEOUT="${GUEST_TIMEOUT:-3600}" \
        EXTRA_APPEND="${DEBUG_APPEND:-} edutest.gcov=1 ${EXTRA_APPEND:-}" \
        BUILD_DIR="$out/run" GUEST_TESTS_DIR="$out/tests/guest" HOST_TESTS_DIR="$out/tests/host" \
        EXTRA_BINS="${EXTRA_BINS:-}" \
        scripts/check.sh || rc=$?
    rm -rf "$json"
else
    # keep the host tests' tracefile: their counters were consumed by it
    find "$json" -name '*.json' ! -name host.json -delete 2>/dev/null || true
    clear_counters
fi
mkdir -p "$json"

# One run's counters (now beside their .gcno files) into $json/NAME.json.
# Paths in the module's copy (.cache/coverage-module/) become the repository's:
# the copy is driver/ and include/ as they are.
tracefile() {
    local name=$1
    if [[ -z $(find "${objdirs[@]}" -name '*.gcda' -print -quit) ]]; then
        say "$name: no counters"
        return
    fi
    gcovr -r "$repo" --gcov-ignore-parse-errors --json "$json/$name.json" "${objdirs[@]}" \
        2>"$json/$name.gcovr.log" ||
        { cat "$json/$name.gcovr.log" >&2; die "gcovr failed on $name"; }
    sed -i 's#"\.cache/coverage-module/#"#g' "$json/$name.json"
    clear_counters
}

# The host tests wrote theirs in place.
((report_only)) || tracefile host

# Each guest log: "@@GCOV FILE <path>" + base64 of the gzip'd file, up to the
# next FILE line or @@GCOV END. One pass over the log splits it into one
# base64 file per counter file (only base64 lines are taken) and a list of
# their paths; then each is decoded into place.
split=$out/gcov-split
for log in "$out/run/check"/*.log; do
    name=$(basename "$log" .log)
    [[ $name != host-* ]] || continue
    rm -rf "$split"
    mkdir -p "$split"
    awk -v dir="$split" '
        { sub(/\r$/, "") }   # (the serial console ends lines with CR LF)
        /^@@GCOV FILE / { if (cur) close(cur); n++; cur = dir "/" n ".b64"
                          print n, substr($0, 13) > (dir "/index"); next }
        /^@@GCOV END/ { if (cur) close(cur); cur = "" }
        cur && /^[A-Za-z0-9+\/=]+$/ { print > cur }' "$log"
    n=0
    while read -r i path; do
        case $path in
            "$repo"/*) ;;
            *) say "$name: counters for $path, outside the repository: skipped"; continue ;;
        esac
        base64 -d <"$split/$i.b64" | gunzip >"$path" ||
            { say "$name: $path: damaged in the log"; rm -f "$path"; continue; }
        n=$((n + 1))
    done < <(cat "$split/index" 2>/dev/null)
    say "$name: $n counter files"
    tracefile "$name"
done
rm -rf "$split"

traces=()
for f in "$json"/*.json; do traces+=(-a "$f"); done
((${#traces[@]})) || die "no coverage data at all (did the guests run?)"
report=$out/report
rm -rf "$report"
mkdir -p "$report"
gcovr -r "$repo" "${traces[@]}" --html-details "$report/index.html" --html-title "edudma + libdma coverage" >/dev/null
for part in driver libdma; do
    gcovr -r "$repo" "${traces[@]}" -f "$part/" --txt "$report/$part.txt"
    gcovr -r "$repo" "${traces[@]}" -f "$part/" -b --txt "$report/$part-branches.txt"
    echo
    echo "== $part: lines (uncovered ones under Missing)"
    cat "$report/$part.txt"
    echo "== $part: branches"
    tail -n 3 "$report/$part-branches.txt"
done
echo
echo "report: $report/index.html, $report/driver.txt, $report/libdma.txt"
exit "$rc"
