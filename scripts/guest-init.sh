#!/bin/sh
# /init of the test initramfs (busybox sh; console on ttyS0).
# Kernel command line parameters:
#   edutest.config=NAME          configuration name, echoed for collect.sh
#   edutest.modparams=a=1,b=2    module parameters (commas become spaces)
#   edutest.tests=t1,t2          run only these programs (default: /tests/order)
#   edutest.timeout=SECS         per-program timeout (default 1800)
#                                in guest time: under icount each DMA command
#                                costs 100 ms of it but almost no wall time
#   edutest.udev=1               start systemd-udevd (udev image only) after
#                                loading the module, trigger and settle
#   edutest.env=NAME=VALUE       export NAME=VALUE to the tests (e.g.
#                                LIBDMA_TEST_DEVICE=vfio: test_lib_dma's device)
#   edutest.exec=/path           run this program instead of the tests
#                                (make demo: scripts/guest-demo.sh)
#   edutest.gcov=1               make coverage (scripts/coverage.sh): the
#                                programs' gcov counters go to /tmp/gcov
#                                (GCOV_PREFIX), and at the end those and the
#                                module's (debugfs gcov) are printed between
#                                @@GCOV BEGIN / @@GCOV END, gzip + base64
# Output protocol (parsed by collect.sh): lines starting with @@EDUTEST / @@DMESG.
# No "set -e": a failing step must not kill init (that would panic the guest).
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
exec </dev/console >/dev/console 2>&1

# An oops or a task stuck in D state ends the run (panic=-1 + -no-reboot make
# QEMU exit) instead of hanging until the host-side timeout.
echo 1 >/proc/sys/kernel/panic_on_oops
echo 1 >/proc/sys/kernel/hung_task_panic 2>/dev/null

config=unknown modparams='' tests='' tmo=1800 udev=0 exec_prog='' gcov=0
for arg in $(cat /proc/cmdline); do
    case $arg in
        edutest.config=*) config=${arg#*=} ;;
        edutest.modparams=*) modparams=$(echo "${arg#*=}" | tr , ' ') ;;
        edutest.tests=*) tests=$(echo "${arg#*=}" | tr , ' ') ;;
        edutest.timeout=*) tmo=${arg#*=} ;;
        edutest.udev=1) udev=1 ;;
        edutest.env=*=*) export "${arg#edutest.env=}" ;;
        edutest.exec=*) exec_prog=${arg#*=} ;;
        edutest.gcov=1) gcov=1 ;;
    esac
done
[ -n "$tests" ] || tests=$(cat /tests/order)
# Programs built with --coverage write <their build path>.gcda under
# GCOV_PREFIX. Some run as an unprivileged user (test_udev): the tree is
# opened to everyone before each program (gcov creates directories 0755).
if [ "$gcov" = 1 ]; then
    export GCOV_PREFIX=/tmp/gcov GCOV_PREFIX_STRIP=0
    mkdir -p /tmp/gcov && chmod 1777 /tmp/gcov
fi

ko=$(ls /lib/edudma/*.ko | head -n1)
mod=$(basename "$ko" .ko)
export EDUDMA_KO="$ko" EDUDMA_MODPARAMS="$modparams" EDUTEST_CONFIG="$config"

echo "@@EDUTEST CONFIG $config"
# shellcheck disable=SC2086 # modparams must split into separate words
insmod "$ko" $modparams || echo "@@EDUTEST MODLOAD FAIL"

# The real systemd-udevd with our installed rules (udev/60-edudma.rules).
# It starts after insmod, so the add events of the edudma nodes happened
# before anyone listened: "trigger --action=add" replays them for every
# device, "settle" waits until all are processed. Its log stays in
# /run/udevd.log for test_udev to inspect.
if [ "$udev" = 1 ]; then
    mkdir -p /run && mount -t tmpfs -o mode=0755 tmpfs /run
    SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info \
        /lib/systemd/systemd-udevd >/run/udevd.log 2>&1 &
    echo $! >/run/udevd.pid
    i=0
    until udevadm control --ping 2>/dev/null || [ $i -ge 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    start=$(date +%s)
    udevadm trigger --action=add && udevadm settle --timeout=60
    rc=$?
    echo "udev: systemd-udevd $(udevadm --version) (pid $(cat /run/udevd.pid)): trigger + settle rc=$rc in $(($(date +%s) - start)) s"
    export EDUTEST_UDEV=1
fi

cd /tmp || cd /
if [ -n "$exec_prog" ]; then
    echo "@@EDUTEST EXEC $exec_prog"
    "$exec_prog"
    echo "@@EDUTEST EXEC END rc=$?"
    tests=''
fi
for t in $tests; do
    [ "$gcov" = 1 ] && chmod -R a+rwX /tmp/gcov
    echo "@@EDUTEST BEGIN $t"
    start=$(date +%s)
    timeout -k 10 "$tmo" "/tests/$t"
    rc=$?
    # busybox timeout leaves the killed program's status (143/137), not 124
    [ $(($(date +%s) - start)) -ge "$tmo" ] && echo "@@EDUTEST TIMEOUT $t after ${tmo}s"
    echo "@@EDUTEST END $t rc=$rc"
done

# Unloading must work too (a leak or WARN at remove shows up in dmesg).
if [ -d "/sys/module/$mod" ]; then
    rmmod "$mod"
    echo "@@EDUTEST MODUNLOAD rc=$?"
fi

# kmemleak (the debug kernel of make check-debug): what the suite and the
# unload left allocated with nothing pointing at it. Objects younger than
# 5 s are never reported, hence the wait (guest time: under icount an idle
# guest costs no wall time); the second scan drops transient suspects (a
# reported object found referenced again is no longer listed).
if [ -e /sys/kernel/debug/kmemleak ]; then
    sleep 6
    echo scan >/sys/kernel/debug/kmemleak
    sleep 1
    echo scan >/sys/kernel/debug/kmemleak
    echo "@@KMEMLEAK BEGIN"
    cat /sys/kernel/debug/kmemleak
    echo "@@KMEMLEAK END"
fi

# Coverage counters, after the unload (the kernel keeps an unloaded module's
# counts while gcov_persist=1, its default, and adds those of every load):
# each file as "@@GCOV FILE <path on the build host>" and its gzip'd bytes
# in base64. The console is quieted first so that no kernel message lands
# inside the base64 lines.
if [ "$gcov" = 1 ]; then
    echo 1 >/proc/sys/kernel/printk
    echo "@@GCOV BEGIN"
    for f in $(find /sys/kernel/debug/gcov /tmp/gcov -name '*.gcda' 2>/dev/null); do
        case $f in
            /sys/kernel/debug/gcov/*) p=${f#/sys/kernel/debug/gcov} ;;
            *) p=${f#/tmp/gcov} ;;
        esac
        echo "@@GCOV FILE $p"
        gzip -c "$f" | base64
    done
    echo "@@GCOV END"
fi

echo "@@DMESG BEGIN"
dmesg
echo "@@DMESG END"
echo "@@EDUTEST DONE"
sync
poweroff -f
