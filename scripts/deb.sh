#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages (debian/, debian/deb.mk):
#   scripts/deb.sh build [OUTDIR]         (make deb) dpkg-buildpackage -us -uc -b
#       in a copy of the tree (the files git tracks or would track, as they
#       are in the working tree: no build outputs), in a scratch directory,
#       so the working tree is not touched; libdma1, libdma-dev, dmactl,
#       edudma-dkms and the .changes/.buildinfo into OUTDIR (default out/),
#       replacing older ones; the build's log in OUTDIR/deb-build.log
#   scripts/deb.sh guest-image OUT.cpio.gz [DEBDIR]
#       (check.sh, configuration "deb") the guest image that tests the
#       packages: libdma.so.1 from the unpacked libdma1; test_lib,
#       test_lib_dma, test_lib_threads and test_lib_selftest built with
#       pkg-config against the unpacked libdma-dev and linked to that
#       libdma.so.1; the module built by `dkms build` from edudma-dkms's
#       /usr/src tree for the guest kernel (KDIR, GUEST_MODDIR as check.sh
#       sets them)
#   scripts/deb.sh install-test [DEBDIR]  (make deb-install-test) changes
#       this machine: dpkg -i the four packages, checks what DKMS built
#       and installed for the installed kernel headers, the group, the
#       library, dmactl; then purges them. Log in DEBDIR/deb-install-test.log
# KEEP=1 keeps the scratch directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
die() { echo "deb.sh: $*" >&2; exit 1; }
PACKAGES=(libdma1 libdma-dev dmactl edudma-dkms)
version=$(sed -n 's/^#define LIBDMA_VERSION_MAJOR[[:space:]]*//p' include/libdma.h).$(
    sed -n 's/^#define LIBDMA_VERSION_MINOR[[:space:]]*//p' include/libdma.h)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

scratch() {
    work=$(mktemp -d /tmp/edudma-deb.XXXXXX)
    if [[ ${KEEP:-0} == 1 ]]; then echo "deb.sh: scratch $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
}

# The four .deb files of this version in DIR, in PACKAGES' order.
debs_in() {
    local p f
    for p in "${PACKAGES[@]}"; do
        f=$1/${p}_${version}_$([[ $p == edudma-dkms ]] && echo all || echo "$arch").deb
        [[ -f $f ]] || die "$f not found (make deb builds it)"
        echo "$f"
    done
}

build() {
    local out=${1:-out} src log t0=$SECONDS
    command -v dpkg-buildpackage >/dev/null && [[ -x /usr/bin/dh_dkms ]] ||
        die "dpkg-buildpackage or dh_dkms missing (scripts/deps.sh installs them)"
    scratch
    src=$work/edudma-$version
    mkdir -p "$src" "$out"
    out=$(cd "$out" && pwd)
    log=$out/deb-build.log
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # tracked and untracked-but-not-ignored files that exist
        git ls-files -z -c -o --exclude-standard |
            while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
            tar --null -T - -c | tar -C "$src" -x
    else
        tar -c --exclude=./build --exclude=./out --exclude=./.cache --exclude=./.git \
            --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' . | tar -C "$src" -x
    fi
    echo "deb.sh: dpkg-buildpackage -us -uc -b in $src (log: $log)" >&2
    if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
            dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "dpkg-buildpackage failed (whole log: $log)"
    fi
    for p in "${PACKAGES[@]}"; do rm -f "$out/${p}"_*.deb; done
    rm -f "$out"/edudma_*.changes "$out"/edudma_*.buildinfo
    mv "$work"/*.deb "$work"/edudma_*.changes "$work"/edudma_*.buildinfo "$out/"
    debs_in "$out" >/dev/null
    echo "deb.sh: built in $((SECONDS - t0)) s:" >&2
    debs_in "$out" | xargs ls -l >&2
}

case ${1:-} in
    build) shift; build "$@" ;;
    *) die "usage: deb.sh build [OUTDIR] | guest-image OUT.cpio.gz [DEBDIR] | install-test [DEBDIR]" ;;
esac
