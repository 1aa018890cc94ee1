#!/usr/bin/env bash
# Run the whole test suite: host test programs, then every guest configuration
# (at most GUEST_JOBS QEMUs at once), then collect.sh, whose status is ours.
# Environment (defaults in brackets; paths relative to the repo root):
#   MODULE [driver/edudma.ko]         GUEST_TESTS_DIR [build/tests/guest]
#   HOST_TESTS_DIR [build/tests/host] CONFIGS ["msi sgdrv two intx noinit bigmem highmem swiotlb28 udev poison swiotlb iommu vfio edusg edusg-phys sg-swiotlb sg-iommu sg-vfio",
#   and "deb" when CHECK_DEB=1: make check, after make deb]
#   BUILD_DIR [build]  GUEST_JOBS [2]  HOST_TEST_TIMEOUT [300 s]
#   EXTRA_BINS (files for /usr/local/bin in the guest), and everything
#   guest-kernel.sh / run-guest.sh read (GUEST_KERNEL, KDIR, GUEST_TIMEOUT,
#   EXTRA_QEMU_ARGS, EXTRA_APPEND, CACHE).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
. scripts/lib.sh

MODULE=${MODULE:-driver/edudma.ko}
GUEST_TESTS_DIR=${GUEST_TESTS_DIR:-build/tests/guest}
HOST_TESTS_DIR=${HOST_TESTS_DIR:-build/tests/host}
CONFIGS=${CONFIGS:-msi sgdrv two intx noinit bigmem highmem swiotlb28 udev poison swiotlb iommu vfio edusg edusg-phys sg-swiotlb sg-iommu sg-vfio${CHECK_DEB:+ deb}}
BUILD_DIR=${BUILD_DIR:-build}
GUEST_JOBS=${GUEST_JOBS:-2}
out=$BUILD_DIR/check
say() { echo "== $*" >&2; }

eval "$(scripts/guest-kernel.sh)"
export GUEST_KERNEL GUEST_MODDIR KDIR

[[ -f $MODULE ]] || { echo "check.sh: module $MODULE not found (build it first)" >&2; exit 1; }
krel=$(basename "${GUEST_MODDIR:-none}")
vermagic=$(modinfo -F vermagic "$MODULE" 2>/dev/null | cut -d' ' -f1)
[[ -z ${GUEST_MODDIR:-} || $vermagic == "$krel" ]] ||
    echo "check.sh: warning: $MODULE is built for '$vermagic', the guest runs $krel" >&2

rm -rf "$out"
mkdir -p "$out"
extra=()
for b in ${EXTRA_BINS:-}; do extra+=(--extra-bin "$b"); done
# The udev configuration boots a second image with udevd and the rules as
# `make install-udev` installs them (run-guest.sh picks it by name).
# (The staging tree is not under $BUILD_DIR: the Makefile includes every
# *.d found there, and rules.d / sysusers.d are directories.)
udev=()
if [[ " $CONFIGS " == *" udev "* ]]; then
    udev_root=$(mktemp -d)
    trap 'rm -rf "$udev_root"' EXIT
    make --no-print-directory -s install-udev DESTDIR="$udev_root" >/dev/null
    udev=(--udev "$udev_root" "$BUILD_DIR/initramfs-udev.cpio.gz")
fi
say "initramfs: $BUILD_DIR/initramfs.cpio.gz${udev[2]:+ and ${udev[2]}}"
scripts/mkinitramfs.sh "$BUILD_DIR/initramfs.cpio.gz" --module "$MODULE" \
    --tests "$GUEST_TESTS_DIR" ${extra[@]+"${extra[@]}"} ${udev[@]+"${udev[@]}"}
[[ -z ${udev_root:-} ]] || { rm -rf "$udev_root"; trap - EXIT; }
# The "deb" configuration boots the Debian packages of out/ (make deb).
# Without its image that boot fails (run-guest.sh logs it), the rest runs.
if [[ " $CONFIGS " == *" deb "* ]]; then
    say "initramfs: $BUILD_DIR/initramfs-deb.cpio.gz (the packages in ${DEB_DIR:-out}/)"
    rm -f "$BUILD_DIR/initramfs-deb.cpio.gz"
    scripts/deb.sh guest-image "$BUILD_DIR/initramfs-deb.cpio.gz" "${DEB_DIR:-out}" ||
        say "deb: no image, the deb configuration fails"
fi

# Host programs, framed like the guest's so collect.sh catches crashes.
hostlogs=()
if [[ -d $HOST_TESTS_DIR ]]; then
    while read -r t; do
        log=$out/host-$t.log
        say "host $t"
        {
            echo "@@EDUTEST BEGIN $t"
            rc=0
            timeout -k 10 "${HOST_TEST_TIMEOUT:-300}" "$HOST_TESTS_DIR/$t" </dev/null 2>&1 || rc=$?
            ((rc != 124)) || echo "@@EDUTEST TIMEOUT $t"
            echo "@@EDUTEST END $t rc=$rc"
        } >"$log"
        hostlogs+=(--host "$log")
    done < <(list_tests "$HOST_TESTS_DIR")
else
    say "no host tests ($HOST_TESTS_DIR missing)"
fi

guest() {
    local c=$1 t0=$SECONDS rc=0
    say "guest $c: booting"
    scripts/run-guest.sh "$c" "$BUILD_DIR/initramfs.cpio.gz" "$out/$c.log" || rc=$?
    say "guest $c: finished in $((SECONDS - t0)) s (qemu rc=$rc)"
}
guestlogs=()
for c in $CONFIGS; do
    while (($(jobs -rp | wc -l) >= GUEST_JOBS)); do wait -n || true; done
    guest "$c" &
    guestlogs+=("$out/$c.log")
done
wait

say "summary"
exec scripts/collect.sh ${hostlogs[@]+"${hostlogs[@]}"} ${guestlogs[@]+"${guestlogs[@]}"}
