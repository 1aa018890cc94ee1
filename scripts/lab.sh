#!/usr/bin/env bash
# The host half of `make lab`: first the native part on this machine's own
# CPU (`dmactl lab --native`, tools/native-lab/: no device, no QEMU), then
# boot QEMU with 1 GiB and an edu device
# (configuration "lab" of run-guest.sh: lab=1, a 32-bit DMA mask), run
# `dmactl lab` in the guest (scripts/guest-lab.sh), bring its results out
# of the serial log into $OUT and print the table. The same machinery as
# `make demo` (scripts/demo.sh).
#
#   scripts/lab.sh            (the Makefile builds dmactl and the module first)
#
# Environment (defaults in brackets):
#   OUT [out]             where lab.txt, lab.csv, lab.json and the guest's
#                         serial log (lab-serial.log) go
#   BUILD_DIR [build]     DMACTL [$BUILD_DIR/tools/dmactl]  MODULE [driver/edudma.ko]
#   LAB_NATIVE [1]        0: skip the native part; only: run nothing else
#   LAB_NATIVE_ARGS       extra `dmactl lab --native` arguments, e.g.
#                         "--max-size 256M" or "-e access,pin --repeat 9"
#   LAB_ARGS              extra `dmactl lab` arguments, e.g. "--repeat 9" or
#                         "-e segments --sizes 64K,1M" (no '+' and no quoting)
#   LAB_ACCEL [tcg-icount] tcg-icount: TCG with -icount shift=3,sleep=off (as
#                         every other boot: guest time counts instructions);
#                         tcg: TCG without -icount (guest time is the host's
#                         time spent emulating); kvm: -enable-kvm -cpu host
#                         (needs /dev/kvm: the figures of the real MMU and TLB)
#   LAB_CONFIG [lab]      run-guest.sh configuration; lab-iommu adds an IOMMU
#                         (q35, intel-iommu): what it does to DMA segments
#   GUEST_TIMEOUT [1800]  seconds before QEMU is stopped
#   and what guest-kernel.sh / run-guest.sh read (GUEST_KERNEL, KDIR, QEMU,
#   EXTRA_QEMU_ARGS...).
# Exits with dmactl lab's status (1: the two mappings read different
# bytes), or 1 when the guest never delivered results; else the native
# part's (5: a cell failed).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
. scripts/lib.sh
OUT=${OUT:-out}
BUILD_DIR=${BUILD_DIR:-build}
DMACTL=${DMACTL:-$BUILD_DIR/tools/dmactl}
MODULE=${MODULE:-driver/edudma.ko}
LAB_ACCEL=${LAB_ACCEL:-tcg-icount}
say() { echo "make lab: $*" >&2; }
die() { say "$*"; exit 1; }

for f in "$DMACTL" "$MODULE" scripts/guest-lab.sh; do
    [[ -f $f ]] || die "$f not found (run 'make lab', which builds it)"
done
# The native part first: figures of the real CPU, TLB and page tables,
# before the guest's instruction counts.
nrc=0
if [[ ${LAB_NATIVE:-1} != 0 ]]; then
    mkdir -p "$OUT"
    say "the native part: dmactl lab --native ${LAB_NATIVE_ARGS:+$LAB_NATIVE_ARGS }(this machine's CPU, no device; a few minutes)"
    # shellcheck disable=SC2086  # LAB_NATIVE_ARGS is a list of words
    "$DMACTL" lab --native ${LAB_NATIVE_ARGS:-} --csv="$OUT/lab-native.csv" \
        --json="$OUT/lab-native.json" >"$OUT/lab-native.txt" || nrc=$?
    echo
    cat "$OUT/lab-native.txt"
    echo
    say "$OUT/lab-native.txt, $OUT/lab-native.csv, $OUT/lab-native.json"
    [[ $nrc == 0 ]] || say "dmactl lab --native exited $nrc: some cells failed (see above)"
    [[ ${LAB_NATIVE:-1} != only ]] || exit "$nrc"
fi

extra_qemu=${EXTRA_QEMU_ARGS:-}
case $LAB_ACCEL in
    tcg-icount) icount=${GUEST_ICOUNT:-shift=3,sleep=off} ;;
    tcg) icount=off ;;
    kvm) [[ -w /dev/kvm ]] || die "LAB_ACCEL=kvm needs /dev/kvm (KVM enabled, and access to it)"
         icount=off extra_qemu="-enable-kvm -cpu host $extra_qemu" ;;
    *) die "LAB_ACCEL=$LAB_ACCEL: give tcg-icount, tcg or kvm" ;;
esac
eval "$(scripts/guest-kernel.sh)"
export GUEST_KERNEL GUEST_MODDIR KDIR

t0=$SECONDS
mkdir -p "$OUT"
initrd=$BUILD_DIR/initramfs-lab.cpio.gz
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
# No test programs (an empty run order): the guest runs
# scripts/guest-lab.sh instead (edutest.exec).
: >"$empty/order"
scripts/mkinitramfs.sh "$initrd" --module "$MODULE" --tests "$empty" \
    --extra-bin "$DMACTL" --extra-bin scripts/guest-lab.sh

qemu_version=$("${QEMU:-qemu-system-x86_64}" --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
append="edulab.qemu=$qemu_version edulab.accel=$LAB_ACCEL"
# Spaces become '+' on the kernel command line (commas are dmactl's own).
[[ -z ${LAB_ARGS:-} ]] || append+=" edulab.args=$(tr -s ' ' '+' <<<"$LAB_ARGS")"
log=$OUT/lab-serial.log
rm -f "$log"
say "booting QEMU $qemu_version ($LAB_ACCEL, configuration ${LAB_CONFIG:-lab}: 1 GiB) with the edu device; serial log: $log"
EXTRA_APPEND="$append ${EXTRA_APPEND:-}" GUEST_TIMEOUT=${GUEST_TIMEOUT:-1800} \
    GUEST_ICOUNT=$icount EXTRA_QEMU_ARGS=$extra_qemu \
    scripts/run-guest.sh "${LAB_CONFIG:-lab}" "$initrd" "$log" &
qpid=$!
# Progress as it comes: dmactl lab's own lines on the guest's console.
until [[ -e $log ]] || ! kill -0 "$qpid" 2>/dev/null; do sleep 0.2; done
tail -n +1 -F --pid="$qpid" "$log" 2>/dev/null | tr -d '\r' |
    grep --line-buffered -E '^(dmactl lab|guest-lab):' >&2 || true
qrc=0
wait "$qpid" || qrc=$?

serial_part "$log" LAB TABLE "$OUT/lab.txt" && serial_part "$log" LAB CSV "$OUT/lab.csv" &&
    serial_part "$log" LAB JSON "$OUT/lab.json" ||
    die "the guest delivered no results (QEMU exit $qrc); see $log"
rc=$(tr -d '\r' <"$log" | sed -n 's/^@@LAB RC \([0-9]*\)$/\1/p' | tail -n1)

echo
cat "$OUT/lab.txt"
echo
say "$OUT/lab.txt, $OUT/lab.csv, $OUT/lab.json ($((SECONDS - t0)) s)"
[[ ${rc:-1} == 0 ]] || say "dmactl lab exited ${rc:-?}: some cells failed (see above)"
[[ ${rc:-1} != 0 ]] || rc=$nrc
exit "${rc:-1}"
