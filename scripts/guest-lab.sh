#!/bin/sh
# The guest half of `make lab` (busybox sh, run by guest-init.sh as root
# with edutest.exec=, the module loaded with lab=1): run `dmactl lab` and
# hand its table, CSV and JSON to the host through the serial console,
# each between markers that scripts/lab.sh cuts out:
#   @@LAB <NAME> BEGIN ... @@LAB <NAME> END        NAME: TABLE, CSV, JSON
#   @@LAB RC <dmactl's exit status>
# Progress lines ("dmactl lab: [ 3/99] ...") go to the console as they
# come (stderr), for the host to show.
# Kernel command line:
#   edulab.args=-e+segments+--sizes+64K,1M   extra dmactl lab arguments
#                                        ('+' becomes a space)
#   edulab.qemu=7.2.22                   QEMU's version, for the label
#   edulab.accel=tcg-icount|tcg|kvm      how QEMU ran, for the label
args='' qemu='' accel=tcg-icount
for arg in $(cat /proc/cmdline); do
    case $arg in
        edulab.args=*) args=$(echo "${arg#*=}" | tr + ' ') ;;
        edulab.qemu=*) qemu=${arg#*=} ;;
        edulab.accel=*) accel=${arg#*=} ;;
    esac
done
# The module was loaded with lab=1; say so again in case it was not.
echo 1 >/sys/module/edudma/parameters/lab ||
    echo "guest-lab: cannot enable /sys/module/edudma/parameters/lab" >&2
# Let the kernel's start-up work pass before measuring. (The label
# goes into a 128-byte field: keep it short.)
sleep 3

case $accel in
    tcg-icount) how="TCG -icount shift=3: time counts instructions (8 ns each), not cache/TLB misses" ;;
    tcg) how="TCG, no -icount: host time spent emulating, through QEMU's software TLB" ;;
    kvm) how="KVM: the host CPU's own MMU and TLB" ;;
    *) how=$accel ;;
esac
label="QEMU${qemu:+ $qemu} $how"
# Whether the allocators zero what they hand out (Debian's default: they
# do; init_on_alloc=0 turns it off) changes every allocation figure: the
# kernel says at boot ("mem auto-init: stack:..., heap alloc:on, ...").
zeroing=$(dmesg | sed -n 's/.*mem auto-init: .*\(heap alloc:[a-z]*\).*/\1/p' | head -n1)
[ -z "$zeroing" ] || label="$label; $zeroing (init_on_alloc)"
cd /tmp || exit 1
# shellcheck disable=SC2086 # args is a word list
dmactl lab --csv=/tmp/lab.csv --json=/tmp/lab.json --label "$label" \
    $args >/tmp/lab.txt
rc=$?
for part in TABLE:/tmp/lab.txt CSV:/tmp/lab.csv JSON:/tmp/lab.json; do
    name=${part%%:*} file=${part#*:}
    echo "@@LAB $name BEGIN"
    [ -f "$file" ] && cat "$file"
    echo "@@LAB $name END"
done
echo "@@LAB RC $rc"
exit "$rc"
