#!/usr/bin/env bash
# Boot one test configuration and write its serial log:
#   run-guest.sh CONFIG INITRAMFS LOGFILE
# Environment: GUEST_KERNEL (default: from guest-kernel.sh), GUEST_TIMEOUT
# (seconds, default 600), EXTRA_QEMU_ARGS, EXTRA_APPEND, QEMU (binary),
# QEMU_SG and QEMU_SG_FIRMWARE (our own QEMU with the edu-sg device and its
# -L options, scripts/qemu-build.sh; the edusg configurations need them),
# GUEST_ICOUNT (-icount's options, default shift=3,sleep=off; "off": none,
# e.g. for the lab's timings or with -enable-kvm).
# The log ends with "@@QEMU EXIT <rc>"; the script exits with that rc.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
(($# == 3)) || { echo "usage: run-guest.sh CONFIG INITRAMFS LOGFILE" >&2; exit 2; }
config=$1 initrd=$2 log=$3
[[ -f $initrd ]] || { echo "run-guest.sh: $initrd not found" >&2; exit 2; }
[[ -n ${GUEST_KERNEL:-} ]] || eval "$("$here/guest-kernel.sh")"

# Configuration table. Defaults, overridden per config below:
# pci-testdev (1b36:0005) is a device nothing drives: the tests offer it to
# edudma to prove probe refuses what is not an edu.
machine=pc mem=256M devices="-device edu" append= common_devices="-device pci-testdev"
# Which QEMU: "stock", Debian's qemu-system-x86_64 (what users have: every
# edu configuration), or "sg", ours (QEMU_SG), for configurations with edu-sg.
qemu=stock
# The edu-sg configurations' devices, in one place: an edu beside them
# proves our QEMU runs edu as stock does; one edu-sg with the timing model,
# one without (timing=off: as fast as QEMU copies), and one whose DMA
# reaches only 32 bits (dma_mask=0xffffffff: test_edusg's dma_mask test maps
# memory above 4 GiB in the IOMMU and must see it refused by the mask).
# EDUSG_DEVICES replaces the list for a run by hand (other properties, or
# none while the model does not build).
edusg_devices=${EDUSG_DEVICES-"-device edu -device edu-sg -device edu-sg,timing=off -device edu-sg,dma_mask=0xffffffff"}
case $config in
    msi) ;;
    two) devices="-device edu -device edu" ;;
    intx) append="edutest.modparams=force_intx=1" ;;
    noinit) append="init_on_alloc=0" ;;
    # The real systemd-udevd with our rules (tests/guest/test_udev.c): two
    # devices, so the stable names must tell them apart. It boots the udev
    # image mkinitramfs.sh --udev writes next to the base one (check.sh
    # builds it when CONFIGS has "udev"). Only test_udev runs: it runs the
    # library suites itself, as a non-root user.
    udev) devices="-device edu -device edu" initrd=${initrd%.cpio.gz}-udev.cpio.gz
          append="edutest.udev=1 edutest.tests=test_udev" ;;
    # The Debian packages (scripts/deb.sh guest-image): the module as
    # edudma-dkms's sources built by dkms, the library suites built against
    # libdma-dev and run on libdma1's libdma.so.1. Its own image, which
    # check.sh builds next to the base one when CONFIGS has "deb"; the suites
    # are that image's /tests/order.
    deb) initrd=${initrd%.cpio.gz}-deb.cpio.gz ;;
    # Use-after-free and missing zeroing would show: freed pages are poisoned,
    # new ones not zeroed by the allocator.
    poison) append="init_on_alloc=0 page_poison=1" ;;
    # Every streaming mapping bounces through swiotlb: a missing sync
    # corrupts data. The device's mask is widened to 32 bits so the bounce
    # pool (below 4 GiB, but anywhere in the 1 GiB) is reachable.
    swiotlb) mem=1G devices="-device edu,dma_mask=0xffffffff"
             append="swiotlb=force edutest.modparams=dma_bits=32" ;;
    # An IOMMU in strict mode: a device access after unmap faults (DMAR
    # lines in the log count as failures). edu gets its own IOMMU group.
    iommu) machine=q35 devices="-device intel-iommu -device edu"
           append="intel_iommu=on iommu.strict=1" ;;
    # The VFIO backend: the same IOMMU; test_vfio_bind loads the guest
    # kernel's VFIO modules and moves the first edu to vfio-pci, the library
    # suites run on it ("vfio:<address>"), test_vfio binds it back. A second
    # edu stays on edudma; two more behind a conventional PCI bridge share
    # one IOMMU group (a group that is not viable while one is on edudma).
    vfio) machine=q35
          devices="-device intel-iommu -device edu -device edu
                   -device pci-bridge,id=vfbr,chassis_nr=1
                   -device edu,bus=vfbr,addr=1 -device edu,bus=vfbr,addr=2"
          append="intel_iommu=on iommu.strict=1 edutest.env=LIBDMA_TEST_DEVICE=vfio"
          append+=" edutest.tests=test_vfio_bind,test_lib_dma,test_lib_threads,test_vfio" ;;
    # RAM above the edu's default 28-bit DMA mask: any user page may be out of
    # the device's reach, so only the suites written for that run here.
    bigmem) mem=1G append="edutest.tests=test_drv_basic,test_drv_bigmem,test_drv_reach,test_drv_reload" ;;
    # Bounce buffers the device cannot reach (tests/guest/test_drv_reach.c):
    # 5 GiB, so the kernel turns swiotlb on by itself, its pool below 4 GiB
    # but beyond the edu's default 28-bit mask; and 1 GiB with swiotlb=force
    # and the same mask. Pinning must answer ERANGE, never EIO or a WARNING.
    highmem) mem=5G append="edutest.tests=test_drv_basic,test_drv_reach" ;;
    swiotlb28) mem=1G append="swiotlb=force edutest.tests=test_drv_basic,test_drv_reach" ;;
    # make demo (scripts/demo.sh): no tests, the throughput benchmark.
    # 256 MiB stay within the edu's 28-bit DMA mask; the guest script
    # turns transparent huge pages on (off below 512 MiB by default).
    # "quiet" keeps kernel messages out of the results on the console.
    demo) append="quiet edutest.exec=/usr/local/bin/guest-demo.sh" ;;
    # DEMO_CONFIG=demo-vfio make demo: the same plus the bench's vfio mode:
    # an IOMMU and a second edu, which guest-demo.sh binds to vfio-pci.
    demo-vfio) machine=q35 devices="-device intel-iommu -device edu -device edu"
               append="quiet intel_iommu=on edutest.exec=/usr/local/bin/guest-demo.sh edudemo.vfio=1" ;;
    # make demo's edu-sg runs (scripts/demo.sh, our QEMU): the driver on one
    # edu-sg, 512 MiB (a stream's pairs take up to 2 x 32 MiB, and each
    # 4 MiB coherent buffer must find contiguous pages). demo-sg: the
    # timing model under icount (device times are the model's); demo-sg-wall:
    # timing=off and no icount by default (GUEST_ICOUNT=off: wall-clock
    # figures, the device copying in QEMU's main loop).
    demo-sg) qemu=sg mem=512M devices="-device edu-sg"
             append="quiet edutest.exec=/usr/local/bin/guest-demo.sh edudemo.device=sg" ;;
    demo-sg-wall) qemu=sg mem=512M devices="-device edu-sg,timing=off"
                  GUEST_ICOUNT=${GUEST_ICOUNT:-off}
                  append="quiet edutest.exec=/usr/local/bin/guest-demo.sh edudemo.device=sg-wall" ;;
    # make lab (scripts/lab.sh): no tests, the contiguity lab (lab=1). 1 GiB
    # for the access experiment's 128 MiB sweep; the edu's DMA mask widened
    # to 32 bits (dma_bits=32) so that all of that RAM is within its reach
    # for the segments experiment and dma_alloc_coherent.
    lab) mem=1G devices="-device edu,dma_mask=0xffffffff"
         append="quiet edutest.modparams=dma_bits=32,lab=1 edutest.exec=/usr/local/bin/guest-lab.sh" ;;
    # LAB_CONFIG=lab-iommu make lab: the same behind an IOMMU (what it
    # makes of a vmalloc'd buffer's segments).
    lab-iommu) machine=q35 mem=1G devices="-device intel-iommu -device edu,dma_mask=0xffffffff"
               append="quiet intel_iommu=on edutest.modparams=dma_bits=32,lab=1 edutest.exec=/usr/local/bin/guest-lab.sh" ;;
    # Our QEMU (QEMU_SG): edu and the edu-sg devices behind an IOMMU in
    # strict mode, so every descriptor address goes through it. The edu
    # suite's basics, then the device-level edu-sg tests.
    edusg) qemu=sg machine=q35 mem=512M devices="-device intel-iommu $edusg_devices"
           append="intel_iommu=on iommu.strict=1 edutest.tests=test_drv_basic,test_edusg" ;;
    # Our QEMU without an IOMMU: edu-sg driven by physical addresses from
    # the guest with no driver (tests/guest/test_edusg_phys.c) - addresses
    # past RAM, a ring or record in MMIO, a ring in on-card RAM, a peer copy,
    # bus mastering off. The second edu-sg's 16 MiB mask lies below any
    # hugetlb page of the 512 MiB guest, so a ring there is refused.
    edusg-phys) qemu=sg mem=512M
                devices="-device edu-sg -device edu-sg,dma_mask=0xffffff,timing=off"
                append="edutest.tests=test_edusg_phys" ;;
    # The driver on edu-sg (our QEMU, no IOMMU, one edu-sg and no edu): the
    # driver and library suites, engine-aware (INFO's engine), on the
    # descriptor engine. Left out: test_abuse_lifetime and test_drv_unplug
    # (their in-flight cases need a COPY that runs for seconds - edu's 100 ms
    # commands; on edu-sg a copy is one descriptor of microseconds), the
    # test_tools (the examples assume edu: 'list' prints "edu" for any
    # engine, 'roundtrip' sizes its buffer to the window, 16 MiB here, above
    # max_alloc), the edu-only suites (bigmem, lab, vfio, udev,
    # failnth) and test_drv_reach (in sg-swiotlb). SG_TESTS=a,b replaces it.
    sgdrv) qemu=sg mem=512M devices="-device edu-sg"
           append="edutest.tests=${SG_TESTS:-test_drv_basic,test_drv_buf,test_drv_xfer,test_drv_pin,test_drv_sync,test_drv_charge,test_lib,test_lib_dma,test_lib_threads,test_lib_selftest,test_bench,test_abuse_abi,test_abuse_concurrency,test_async,test_lib_async,test_sg_engine,test_dmabuf,test_tools,test_soak,test_fuzz,test_drv_races,test_drv_reload}" ;;
    # edu-sg with every streaming mapping bounced (like 'swiotlb'; edu-sg's
    # 64-bit mask reaches the pool): the data-path suites, where a missing
    # sync corrupts data. (test_drv_reach's full pool is refused there with
    # exactly two 1 MiB chunks still free, one more than its bound allows:
    # open, SG_TESTS=test_drv_reach shows it.)
    sg-swiotlb) qemu=sg mem=1G devices="-device edu-sg"
                append="swiotlb=force edutest.tests=${SG_TESTS:-test_drv_basic,test_drv_xfer,test_drv_pin,test_drv_sync,test_lib_dma,test_sg_engine,test_async}" ;;
    # edu-sg behind an IOMMU in strict mode (like 'iommu'): every
    # descriptor, the ring and the completion record go through it; a DMAR
    # fault in the log fails the run.
    sg-iommu) qemu=sg machine=q35 mem=512M devices="-device intel-iommu -device edu-sg"
              append="intel_iommu=on iommu.strict=1 edutest.tests=${SG_TESTS:-test_drv_basic,test_drv_xfer,test_drv_pin,test_drv_sync,test_lib_dma,test_abuse_concurrency,test_sg_engine,test_async,test_dmabuf}" ;;
    # libdma's VFIO backend on edu-sg (our QEMU; like 'vfio' for edu): an
    # IOMMU in strict mode, two edu-sg on the root bus. test_vfio_bind
    # moves the first to vfio-pci, the library suites run on it
    # ("vfio:<address>"), test_vfio_sg checks what is edu-sg's (one
    # descriptor per registered buffer, descriptor errors, the ring
    # refilled, signals, the bench) and binds it back; the second stays on
    # edudma (the bench's kernel device). EDUTEST_SG_SIGNAL=1: the VFIO
    # engine stops a 2^19-descriptor transfer on a signal, so test_lib_dma's
    # interrupted-transfer case runs here (it skips on the driver).
    sg-vfio) qemu=sg machine=q35 mem=512M
             devices="-device intel-iommu -device edu-sg -device edu-sg"
             append="intel_iommu=on iommu.strict=1 edutest.env=LIBDMA_TEST_DEVICE=vfio edutest.env=EDUTEST_SG_SIGNAL=1"
             append+=" edutest.tests=${SG_TESTS:-test_vfio_bind,test_lib_dma,test_lib_threads,test_vfio_sg}" ;;
    *) # leave a log collect.sh will count as a failure
       echo "run-guest.sh: unknown configuration '$config'" | tee "$log" >&2
       echo "@@QEMU EXIT 2" >>"$log"
       exit 2 ;;
esac
[[ -f $initrd ]] || { echo "run-guest.sh: $initrd not found" | tee "$log" >&2; echo "@@QEMU EXIT 2" >>"$log"; exit 2; }
firmware=()
if [[ $qemu == sg ]]; then
    if [[ -z ${QEMU_SG:-} ]]; then
        echo "run-guest.sh: configuration '$config' runs on our QEMU, and QEMU_SG is not set" \
             "(eval \"\$(scripts/qemu-build.sh)\" sets it; make check does)" | tee "$log" >&2
        echo "@@QEMU EXIT 2" >>"$log"
        exit 2
    fi
    [[ -x $QEMU_SG ]] || { echo "run-guest.sh: QEMU_SG=$QEMU_SG is not an executable" | tee "$log" >&2; echo "@@QEMU EXIT 2" >>"$log"; exit 2; }
    # shellcheck disable=SC2206 # "-L dir -L dir": a word list
    firmware=(${QEMU_SG_FIRMWARE:-})
fi
binary=${QEMU:-qemu-system-x86_64}
[[ $qemu != sg ]] || binary=$QEMU_SG

# -icount shift=3,sleep=off: when the guest idles (waiting for the edu's 100 ms
# DMA timer), virtual time jumps ahead instead of sleeping; see
# docs/edu-device.md, "Time: the 100 ms timer and icount".
# GUEST_ICOUNT=off leaves it out (guest time is then host time).
# printk.time=1: collect.sh recognises kernel lines by their timestamp.
# iomem=relaxed: lets the tests read the edu registers through sysfs
# resource0 while edudma holds the region (CONFIG_IO_STRICT_DEVMEM=y).
# shellcheck disable=SC2086 # devices/EXTRA_QEMU_ARGS are word lists
icount=(-icount "${GUEST_ICOUNT:-shift=3,sleep=off}")
[[ ${GUEST_ICOUNT:-} != off ]] || icount=()
set +e
timeout -k 10 "${GUEST_TIMEOUT:-600}" "$binary" ${firmware[@]+"${firmware[@]}"} \
    -machine "$machine" -cpu max -m "$mem" -smp 1 \
    ${icount[@]+"${icount[@]}"} \
    -nographic -no-reboot -nic none \
    -kernel "$GUEST_KERNEL" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 rdinit=/init printk.time=1 iomem=relaxed edutest.config=$config $append ${EXTRA_APPEND:-}" \
    $devices $common_devices ${EXTRA_QEMU_ARGS:-} </dev/null >"$log" 2>&1
rc=$?
set -e
# start the marker on its own line even if the guest output ended mid-line
[[ -z $(tail -c1 "$log") ]] || echo >>"$log"
echo "@@QEMU EXIT $rc" >>"$log"
exit "$rc"
