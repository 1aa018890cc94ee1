#!/bin/sh
# The guest half of `make demo` (busybox sh, run by guest-init.sh as root
# with edutest.exec=, the module already loaded): run `dmactl bench` and
# hand its table, CSV and JSON to the host through the serial console,
# each between markers that scripts/demo.sh cuts out:
#   @@DEMO <NAME> BEGIN ... @@DEMO <NAME> END        NAME: TABLE, CSV, JSON
#   @@DEMO RC <dmactl's exit status>
# Progress lines ("dmactl bench: [ 3/55] ...") go to the console as they
# come (stderr), for the host to show.
# Kernel command line:
#   edudemo.argv=--sizes~4K,64K~--depth~1,4   extra dmactl bench arguments
#                                              (~ become spaces; what demo.sh
#                                              passes)
#   edudemo.args=--sizes,4K..64K,--repeat,3   the same, commas becoming
#                                              spaces (lists cannot be given)
#   edudemo.qemu=7.2.22                        QEMU's version, for the label
#   edudemo.vfio=1                             bind the last edu to vfio-pci
#                                              and add the bench's vfio mode
#                                              (configuration demo-vfio)
#   edudemo.icount=shift=0,sleep=off           QEMU's -icount options (off:
#                                              none), for the label
#   edudemo.device=edu|sg|sg-wall              which device the run is on,
#                                              for the label: edu (default),
#                                              edu-sg with its timing model
#                                              under icount (demo-sg), edu-sg
#                                              timing=off without icount
#                                              (demo-sg-wall)
args='' qemu='' vfio=0 device=edu icount=shift=3,sleep=off
for arg in $(cat /proc/cmdline); do
    case $arg in
        edudemo.args=*) args=$(echo "${arg#*=}" | tr , ' ') ;;
        edudemo.argv=*) args=$(echo "${arg#*=}" | tr '~' ' ') ;;
        edudemo.qemu=*) qemu=${arg#*=} ;;
        edudemo.vfio=1) vfio=1 ;;
        edudemo.device=*) device=${arg#*=} ;;
        edudemo.icount=*) icount=${arg#*=} ;;
    esac
done
if [ "$vfio" = 1 ]; then
    addr=$(for d in /sys/bus/pci/devices/*; do
               [ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && basename "$d"
           done | sort | tail -n1)
    modprobe vfio-pci && modprobe vfio_iommu_type1 &&
        dmactl bind vfio "$addr" >&2 && args="--vfio vfio:$addr $args" ||
        echo "guest-demo: could not bind $addr to vfio-pci: no vfio mode" >&2
fi

# sg-hugepage needs transparent huge pages, which the kernel turns off in
# guests below 512 MiB of RAM; the demo's 256 MiB all lie under the edu's
# 28-bit DMA mask, so THP is turned back on (for madvise()d memory only)
# rather than giving the guest more RAM than the device can reach. (The
# edu-sg runs have 512 MiB, of which the kernel sees a little less.)
thp=/sys/kernel/mm/transparent_hugepage/enabled
if grep -q '\[never\]' "$thp" 2>/dev/null; then
    echo madvise >"$thp" && echo "guest-demo: transparent huge pages: $(cat "$thp")"
fi
# Let the kernel's own start-up work (khugepaged's first scan, deferred
# work after boot) pass before measuring: it would land in the first
# cells' host costs. Idle guest time costs no wall time under icount.
sleep 3

# ns per guest instruction under -icount shift=N: 2^N
shift=$(echo "$icount" | sed -n 's/.*shift=\([0-9]*\).*/\1/p')
ns=$((1 << ${shift:-3}))
case $device in
    sg) label="QEMU${qemu:+ $qemu} TCG, -icount $icount ($ns ns per instruction); edu-sg timing model: device times modelled" ;;
    sg-wall) label="QEMU${qemu:+ $qemu} TCG, no icount; edu-sg timing=off: wall clock, device model copying in QEMU's main loop" ;;
    *) label="QEMU${qemu:+ $qemu} TCG, -icount $icount: guest time counts instructions ($ns ns each); an edu command is 100 ms of it" ;;
esac
cd /tmp || exit 1
# shellcheck disable=SC2086 # args is a word list
dmactl bench --csv=/tmp/bench.csv --json=/tmp/bench.json --label "$label" \
    $args >/tmp/bench.txt
rc=$?
for part in TABLE:/tmp/bench.txt CSV:/tmp/bench.csv JSON:/tmp/bench.json; do
    name=${part%%:*} file=${part#*:}
    echo "@@DEMO $name BEGIN"
    [ -f "$file" ] && cat "$file"
    echo "@@DEMO $name END"
done
echo "@@DEMO RC $rc"
exit "$rc"
