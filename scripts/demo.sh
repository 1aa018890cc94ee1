#!/usr/bin/env bash
# The host half of `make demo`: the throughput benchmark (`dmactl bench`)
# in QEMU guests (scripts/guest-demo.sh), on both devices, one boot each:
#
#   edu      QEMU's edu (stock QEMU, configuration demo): under icount, so
#            the device's 100 ms per command costs no wall time; what it
#            shows is commands -> out/bench.{txt,csv,json,svg,png}
#   sg       edu-sg, our device (our QEMU, configuration demo-sg), with its
#            timing model under icount: bandwidth, descriptors per scattered
#            page list, queue depth (streams at depth 1, 4, 16), modelled
#            -> out/bench-sg.* . icount shift=0: 1 ns per guest instruction
#            (shift=3, edu's 8 ns, would make the guest CPU a 125 MIPS one
#            beside a 3.2 GB/s device: DEMO_SG_ICOUNT=shift=3,sleep=off)
#   sg-wall  edu-sg timing=off without icount (demo-sg-wall): wall clock of a
#            QEMU TCG guest whose device copies in QEMU's main loop, beside
#            this host's own memcpy bandwidth measured natively in the same
#            run (dmactl lab --native -e copy) -> out/bench-sg-wall.*,
#            out/host-memcpy.csv, out/bench-sg-wall-vs-memcpy.txt
#
# Each run's results come out of its serial log into $OUT, are plotted
# (scripts/bench-plot.gp) and printed.
#
#   scripts/demo.sh            (the Makefile builds dmactl and the module first)
#
# Environment (defaults in brackets):
#   OUT [out]            where the results and the guests' serial logs go
#                        (demo-serial.log, demo-sg-serial.log, demo-sg-wall-serial.log)
#   BUILD_DIR [build]    DMACTL [$BUILD_DIR/tools/dmactl]  MODULE [driver/edudma.ko]
#   DEMO_RUNS [edu sg sg-wall]   which runs, in order
#   DEMO_ARGS            extra `dmactl bench` arguments of the edu run, e.g.
#                        "--sizes 4K..64K --repeat 3"
#   DEMO_CONFIG [demo]   run-guest.sh configuration of the edu run; demo-vfio
#                        adds an IOMMU and a second edu on vfio-pci: the
#                        bench's vfio mode
#   DEMO_SG_ARGS         the sg run's arguments [$sg_default below]
#   DEMO_SG_ICOUNT [shift=0,sleep=off]   the sg run's -icount options
#   DEMO_SG_WALL_ARGS    the sg-wall run's arguments [$sg_wall_default below]
#   GUEST_TIMEOUT [900]  seconds before a QEMU is stopped
#   QEMU_SG, QEMU_SG_FIRMWARE   our QEMU (found or built by scripts/qemu-build.sh
#                        when unset: about 4 minutes once per machine)
#   and what guest-kernel.sh / run-guest.sh read (GUEST_KERNEL, KDIR, QEMU...).
# Exits 1 when a cell did not verify in any run (dmactl bench's status) or a
# guest delivered no results.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
OUT=${OUT:-out}
BUILD_DIR=${BUILD_DIR:-build}
DMACTL=${DMACTL:-$BUILD_DIR/tools/dmactl}
MODULE=${MODULE:-driver/edudma.ko}
DEMO_RUNS=${DEMO_RUNS:-edu sg sg-wall}
# edu-sg with the model: every power of two from 4 KiB to 4 MiB, the five
# kernel modes, single transfers and streams at depth 1, 4 and 16.
sg_default="--modes coherent,sg,sg-oneshot,sg-hugepage,bounce --depth 1,4,16 --repeat 3"
# edu-sg without the model, wall clock: a shorter sweep.
sg_wall_default="--sizes 4K,64K,1M,4M --modes coherent,sg,sg-oneshot,sg-hugepage,bounce --depth 1,16 --repeat 3"
say() { echo "make demo: $*" >&2; }
die() { say "$*"; exit 1; }

for f in "$DMACTL" "$MODULE" scripts/guest-demo.sh scripts/bench-plot.gp; do
    [[ -f $f ]] || die "$f not found (run 'make demo', which builds it)"
done
command -v gnuplot >/dev/null || die "gnuplot not found (scripts/deps.sh installs gnuplot-nox)"
for r in $DEMO_RUNS; do
    case $r in edu|sg|sg-wall) ;; *) die "DEMO_RUNS: unknown run '$r' (edu, sg, sg-wall)" ;; esac
done
eval "$(scripts/guest-kernel.sh)"
export GUEST_KERNEL GUEST_MODDIR KDIR
if [[ " $DEMO_RUNS " == *" sg"* && -z ${QEMU_SG:-} ]]; then
    say "the edu-sg runs need our QEMU (scripts/qemu-build.sh: cached after the first build)"
    q=$(scripts/qemu-build.sh) || die "could not build our QEMU (scripts/qemu-build.sh)"
    eval "$q"
fi
export QEMU_SG QEMU_SG_FIRMWARE

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

# part LOG NAME FILE: the lines between "@@DEMO NAME BEGIN" and "... END".
part() {
    tr -d '\r' <"$1" | awk -v b="@@DEMO $2 BEGIN" -v e="@@DEMO $2 END" \
        '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' >"$3"
    [[ -s $3 ]]
}

# run_one RUN CONFIG PREFIX ARGS WHAT: boot, show progress, cut the results
# into $OUT/PREFIX.*, plot them. Sets run_rc (dmactl bench's status).
run_one() {
    local run=$1 config=$2 prefix=$3 args=$4 what=$5 icount=$6 binary qemu_version append log qpid qrc=0 where t1=$SECONDS
    binary=${QEMU:-qemu-system-x86_64}
    [[ $run == edu ]] || binary=$QEMU_SG
    qemu_version=$("$binary" --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
    append="edudemo.qemu=$qemu_version edudemo.icount=$icount"
    # spaces as ~ on the kernel command line (commas are the lists' own)
    [[ -z $args ]] || append+=" edudemo.argv=$(tr -s ' ' '~' <<<"$args")"
    log=$OUT/${prefix/bench/demo}-serial.log
    rm -f "$log"
    say "[$run] booting QEMU $qemu_version (TCG) with $what; serial log: $log"
    GUEST_ICOUNT=$icount EXTRA_APPEND="$append ${EXTRA_APPEND:-}" GUEST_TIMEOUT=${GUEST_TIMEOUT:-900} \
        scripts/run-guest.sh "$config" "$initrd" "$log" &
    qpid=$!
    # Progress as it comes: the bench's own lines on the guest's console.
    until [[ -e $log ]] || ! kill -0 "$qpid" 2>/dev/null; do sleep 0.2; done
    tail -n +1 -F --pid="$qpid" "$log" 2>/dev/null | tr -d '\r' |
        grep --line-buffered -E '^(dmactl bench|guest-demo):' >&2 || true
    wait "$qpid" || qrc=$?
    part "$log" TABLE "$OUT/$prefix.txt" && part "$log" CSV "$OUT/$prefix.csv" &&
        part "$log" JSON "$OUT/$prefix.json" ||
        die "[$run] the guest delivered no results (QEMU exit $qrc); see $log"
    run_rc=$(tr -d '\r' <"$log" | sed -n 's/^@@DEMO RC \([0-9]*\)$/\1/p' | tail -n1)
    # The plot's subtitle: where it ran, from the CSV's own '#' lines.
    where=$(awk -F': ' '/^# platform: /{p=$2} /^# kernel: /{k=$2}
                        /^# device: /{split($2,d," "); dev=d[1]", "d[3]" "d[4]}
                        /^# cmd_ns: /{split($2,c," "); cmd=c[1]}
                        END { if (dev ~ /edu-sg/) u = sprintf("%.2f us per 4 KiB descriptor", cmd/1e3)
                              else u = sprintf("%.1f ms per command", cmd/1e6)
                              print p "; " k "; " dev "; " u }' "$OUT/$prefix.csv")
    gnuplot -e "csv='$OUT/$prefix.csv'; out='$OUT/$prefix'; where='${where//\'/}'" scripts/bench-plot.gp ||
        die "[$run] gnuplot failed on $OUT/$prefix.csv"
    say "[$run] $OUT/$prefix.{txt,csv,json,svg,png} ($((SECONDS - t1)) s)"
}

# The host's own memcpy, natively (no QEMU): the physical limit the wall-clock
# run is compared with. gb_per_s (column 11) of copy-warm and copy-cold.
host_memcpy() {
    "$DMACTL" lab --native -e copy --sizes 4M --repeat 9 --quiet \
        --label "make demo: this host's memcpy of 4 MiB, natively" \
        --csv="$OUT/host-memcpy.csv" >/dev/null ||
        die "dmactl lab --native -e copy failed"
}

# The wall-clock run's 4 MiB figures against the host's memcpy.
compare_memcpy() {
    local csv=$OUT/bench-sg-wall.csv mc=$OUT/host-memcpy.csv
    awk -F, -v mc="$mc" '
        BEGIN { while ((getline l < mc) > 0) { split(l, f, ",")
                    if (f[1] == "copy-warm" && f[3] == 4194304) warm = f[11] * 1e9
                    if (f[1] == "copy-cold" && f[3] == 4194304) cold = f[11] * 1e9 } }
        /^mode,/ { for (i = 1; i <= NF; i++) col[$i] = i; next }
        /^#/ { next }
        $2 == 4194304 && $3 == "ok" {
            d = $(NF - 4); t = $(col["throughput_Bps_median"])
            line[++n] = sprintf("  %-11s %-9s %8.2f GB/s   %.2fx warm memcpy, %.2fx cold",
                                $1, d == 0 ? "single" : "depth " d, t / 1e9,
                                warm ? t / warm : 0, cold ? t / cold : 0) }
        END {
            printf "4 MiB copies, wall clock: QEMU TCG guest, device model in QEMU'"'"'s main loop (edu-sg timing=off, no icount)\n"
            printf "against this host'"'"'s memcpy of 4 MiB measured natively in the same run (dmactl lab --native -e copy):\n"
            printf "  host memcpy  warm %.2f GB/s, cold (caches flushed) %.2f GB/s\n", warm / 1e9, cold / 1e9
            for (i = 1; i <= n; i++) print line[i]
        }' "$csv"
}

rc=0
for run in $DEMO_RUNS; do
    run_rc=
    case $run in
        edu) icount=${GUEST_ICOUNT:-shift=3,sleep=off}
             run_one edu "${DEMO_CONFIG:-demo}" bench "${DEMO_ARGS:-}" \
                 "the edu device (-icount $icount)" "$icount" ;;
        sg) icount=${DEMO_SG_ICOUNT:-shift=0,sleep=off}
            run_one sg demo-sg bench-sg "${DEMO_SG_ARGS-$sg_default}" \
                "edu-sg and its timing model (-icount $icount: modelled times)" "$icount" ;;
        sg-wall)
            say "[sg-wall] this host's memcpy bandwidth first, natively: $OUT/host-memcpy.csv"
            host_memcpy
            run_one sg-wall demo-sg-wall bench-sg-wall "${DEMO_SG_WALL_ARGS-$sg_wall_default}" \
                "edu-sg timing=off, no icount (wall clock)" off
            compare_memcpy >"$OUT/bench-sg-wall-vs-memcpy.txt" ;;
    esac
    [[ ${run_rc:-1} == 0 ]] || { say "[$run] dmactl bench exited ${run_rc:-?}: some cells failed"; rc=1; }
done

for run in $DEMO_RUNS; do
    case $run in edu) f=bench ;; sg) f=bench-sg ;; sg-wall) f=bench-sg-wall ;; esac
    echo
    echo "==================== $OUT/$f.txt"
    cat "$OUT/$f.txt"
    if [[ $run == sg-wall ]]; then
        echo
        cat "$OUT/bench-sg-wall-vs-memcpy.txt"
    fi
done
echo
say "done in $((SECONDS - t0)) s: $(for r in $DEMO_RUNS; do
        case $r in edu) printf '%s ' "$OUT/bench.*" ;; sg) printf '%s ' "$OUT/bench-sg.*" ;;
                   sg-wall) printf '%s ' "$OUT/bench-sg-wall.* $OUT/host-memcpy.csv" ;; esac; done)"
[[ $rc == 0 ]] || say "some cells failed (see above)"
exit "$rc"
