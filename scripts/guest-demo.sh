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
#   edudemo.args=--sizes,4K..64K,--repeat,3   extra dmactl bench arguments
#                                              (commas become spaces)
#   edudemo.qemu=7.2.22                        QEMU's version, for the label
args='' qemu=''
for arg in $(cat /proc/cmdline); do
    case $arg in
        edudemo.args=*) args=$(echo "${arg#*=}" | tr , ' ') ;;
        edudemo.qemu=*) qemu=${arg#*=} ;;
    esac
done

# sg-hugepage needs transparent huge pages, which the kernel turns off in
# guests below 512 MiB of RAM; the demo's 256 MiB all lie under the edu's
# 28-bit DMA mask, so THP is turned back on (for madvise()d memory only)
# rather than giving the guest more RAM than the device can reach.
thp=/sys/kernel/mm/transparent_hugepage/enabled
if grep -q '\[never\]' "$thp" 2>/dev/null; then
    echo madvise >"$thp" && echo "guest-demo: transparent huge pages: $(cat "$thp")"
fi

label="QEMU${qemu:+ $qemu} TCG, -icount shift=3,sleep=off: guest time counts instructions (8 ns each); an edu command is 100 ms of it"
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
