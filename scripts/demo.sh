#!/usr/bin/env bash
# The host half of `make demo`: boot QEMU with the edu device (icount, so
# the device's 100 ms per command costs no wall time), run `dmactl bench`
# in the guest (scripts/guest-demo.sh), bring its results out of the
# serial log into $OUT, plot them and print the table.
#
#   scripts/demo.sh            (the Makefile builds dmactl and the module first)
#
# Environment (defaults in brackets):
#   OUT [out]            where bench.txt, bench.csv, bench.json, bench.svg,
#                        bench.png and the guest's serial log (demo-serial.log) go
#   BUILD_DIR [build]    DMACTL [$BUILD_DIR/tools/dmactl]  MODULE [driver/edudma.ko]
#   DEMO_ARGS            extra `dmactl bench` arguments, e.g. "--sizes 4K..64K --repeat 3"
#   DEMO_CONFIG [demo]   run-guest.sh configuration; demo-vfio adds an IOMMU and
#                        a second edu on vfio-pci: the bench's vfio mode
#   GUEST_TIMEOUT [900]  seconds before QEMU is stopped
#   and what guest-kernel.sh / run-guest.sh read (GUEST_KERNEL, KDIR, QEMU...).
# Exits with dmactl bench's status (1: a cell did not verify), or 1 when
# the guest never delivered results.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
OUT=${OUT:-out}
BUILD_DIR=${BUILD_DIR:-build}
DMACTL=${DMACTL:-$BUILD_DIR/tools/dmactl}
MODULE=${MODULE:-driver/edudma.ko}
say() { echo "make demo: $*" >&2; }
die() { say "$*"; exit 1; }

for f in "$DMACTL" "$MODULE" scripts/guest-demo.sh scripts/bench-plot.gp; do
    [[ -f $f ]] || die "$f not found (run 'make demo', which builds it)"
done
command -v gnuplot >/dev/null || die "gnuplot not found (scripts/deps.sh installs gnuplot-nox)"
eval "$(scripts/guest-kernel.sh)"
export GUEST_KERNEL GUEST_MODDIR KDIR

t0=$SECONDS
mkdir -p "$OUT"
initrd=$BUILD_DIR/initramfs-demo.cpio.gz
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
# No test programs (an empty run order): the guest runs
# scripts/guest-demo.sh instead (edutest.exec).
: >"$empty/order"
scripts/mkinitramfs.sh "$initrd" --module "$MODULE" --tests "$empty" \
    --extra-bin "$DMACTL" --extra-bin scripts/guest-demo.sh

qemu_version=$("${QEMU:-qemu-system-x86_64}" --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
append="edudemo.qemu=$qemu_version"
[[ -z ${DEMO_ARGS:-} ]] || append+=" edudemo.args=$(tr -s ' ' ',' <<<"$DEMO_ARGS")"
log=$OUT/demo-serial.log
rm -f "$log"
say "booting QEMU $qemu_version (TCG, -icount shift=3,sleep=off) with the edu device; serial log: $log"
EXTRA_APPEND="$append ${EXTRA_APPEND:-}" GUEST_TIMEOUT=${GUEST_TIMEOUT:-900} \
    scripts/run-guest.sh "${DEMO_CONFIG:-demo}" "$initrd" "$log" &
qpid=$!
# Progress as it comes: the bench's own lines on the guest's console.
until [[ -e $log ]] || ! kill -0 "$qpid" 2>/dev/null; do sleep 0.2; done
tail -n +1 -F --pid="$qpid" "$log" 2>/dev/null | tr -d '\r' |
    grep --line-buffered -E '^(dmactl bench|guest-demo):' >&2 || true
qrc=0
wait "$qpid" || qrc=$?

# part NAME FILE: the lines between "@@DEMO NAME BEGIN" and "... END".
part() {
    tr -d '\r' <"$log" | awk -v b="@@DEMO $1 BEGIN" -v e="@@DEMO $1 END" \
        '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' >"$2"
    [[ -s $2 ]]
}
part TABLE "$OUT/bench.txt" && part CSV "$OUT/bench.csv" && part JSON "$OUT/bench.json" ||
    die "the guest delivered no results (QEMU exit $qrc); see $log"
rc=$(tr -d '\r' <"$log" | sed -n 's/^@@DEMO RC \([0-9]*\)$/\1/p' | tail -n1)

# The plot's subtitle: where it ran, from the CSV's own '#' lines.
where=$(awk -F': ' '/^# platform: /{p=$2} /^# kernel: /{k=$2} /^# device: /{split($2,d," "); dev=d[1]", edu "d[4]", window "d[6]}
                    /^# cmd_ns: /{split($2,c," "); cmd=sprintf("%.1f ms per command", c[1]/1e6)}
                    END { print p "; " k "; " dev "; " cmd }' "$OUT/bench.csv")
gnuplot -e "csv='$OUT/bench.csv'; out='$OUT/bench'; where='${where//\'/}'" scripts/bench-plot.gp ||
    die "gnuplot failed on $OUT/bench.csv"

echo
cat "$OUT/bench.txt"
echo
say "$OUT/bench.csv, $OUT/bench.json, $OUT/bench.svg, $OUT/bench.png ($((SECONDS - t0)) s)"
[[ ${rc:-1} == 0 ]] || say "dmactl bench exited ${rc:-?}: some cells failed (see above)"
exit "${rc:-1}"
