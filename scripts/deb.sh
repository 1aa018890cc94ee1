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

# The guest image of the "deb" boot configuration (check.sh): the packages
# as a user gets them, not the build tree's objects.
DEB_GUEST_SUITES=(test_lib test_lib_dma test_lib_threads test_lib_selftest)
guest_image() {
    local out=$1 debdir=${2:-out} root krel dkmsver ko t libdir
    [[ -n $out ]] || die "usage: deb.sh guest-image OUT.cpio.gz [DEBDIR]"
    [[ -n ${KDIR:-} && -d ${KDIR:-} ]] || die "KDIR (the guest kernel's headers) not set or missing"
    command -v dkms >/dev/null || die "dkms not found (scripts/deps.sh installs it)"
    scratch
    root=$work/root
    for f in $(debs_in "$debdir"); do dpkg-deb -x "$f" "$root"; done
    libdir=$root/usr/lib/$multiarch

    # The module: what edudma-dkms's postinst does on a real machine,
    # `dkms build` of its /usr/src tree, for the guest's kernel.
    # (the release the kernel reports, UTS_RELEASE: Debian's headers say
    # 6.1.0-N-amd64 there but the upstream version in kernel.release)
    krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h")
    [[ -n $krel ]] || die "no UTS_RELEASE in $KDIR/include/generated/utsrelease.h"
    dkmsver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root"/usr/src/edudma-*/dkms.conf)
    mkdir -p "$work/dkms"
    dkms build -q -m edudma -v "$dkmsver" -k "$krel" --kernelsourcedir "$KDIR" \
        --sourcetree "$root/usr/src" --dkmstree "$work/dkms" >"$work/dkms.log" 2>&1 ||
        { cat "$work/dkms.log" >&2; die "dkms build of edudma-dkms's sources failed"; }
    ko=$(find "$work/dkms" -name 'edudma.ko*' | head -n1)
    [[ -n $ko ]] || { cat "$work/dkms.log" >&2; die "dkms build left no edudma.ko"; }
    case $ko in
        *.xz) xz -dc "$ko" >"$work/edudma.ko" ;;
        *.zst) zstd -qdc "$ko" >"$work/edudma.ko" ;;
        *) cp "$ko" "$work/edudma.ko" ;;
    esac

    # The library suites, built as a user builds against libdma-dev:
    # pkg-config on the unpacked .pc, linked to the unpacked libdma.so.1.
    # They include the ioctl ABI as <uapi/edudma.h>: libdma-dev ships it as
    # <edudma/edudma.h>, so uapi/ is a link to that.
    mkdir -p "$work/inc" "$work/tests"
    ln -s "$root/usr/include/edudma" "$work/inc/uapi"
    local pc
    pc=$(PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
        pkg-config --cflags --libs libdma) || die "pkg-config does not find the unpacked libdma"
    for t in "${DEB_GUEST_SUITES[@]}"; do
        # shellcheck disable=SC2086 # pkg-config output is a word list
        cc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -pthread -I"$work/inc" \
            -o "$work/tests/$t" "tests/guest/$t.c" tests/guest/guest_util.c \
            tests/common/edutest.c $pc -lcunit ||
            die "$t does not build against the unpacked libdma-dev"
        LD_LIBRARY_PATH=$libdir ldd "$work/tests/$t" | grep "=> $libdir/libdma.so.1 " >/dev/null ||
            die "$t is not linked to the packaged libdma.so.1"
    done
    printf '%s\n' "# deb.sh guest-image: the library suites against the packages" \
        "${DEB_GUEST_SUITES[@]}" >"$work/tests/order"
    # mkinitramfs.sh copies each library at the path ldd resolves, and one
    # from outside the system directories into /usr/lib/<multiarch> too:
    # the packaged libdma.so.1 lands where libdma1 installs it.
    LD_LIBRARY_PATH=$libdir scripts/mkinitramfs.sh "$out" --module "$work/edudma.ko" \
        --tests "$work/tests"
    echo "deb.sh: $out: edudma.ko by dkms for $krel from edudma-dkms, ${DEB_GUEST_SUITES[*]} on libdma1's libdma.so.1" >&2
}

# make deb-install-test: what `sudo apt install ./out/*.deb` does to a
# machine, for real, then undone. Each check prints "ok - ..." or
# "not ok - ..."; the last line sums them.
install_test() {
    local debdir=${1:-out} log debs dkmsver k krels=() p rc=0 passed=0 failed=0 ko t
    ((EUID == 0)) || die "install-test installs packages: run it as root"
    mapfile -t debs < <(debs_in "$debdir")
    for p in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) != ii* ]] ||
            die "$p is installed already: this test would remove it (dpkg --purge it first)"
    done
    command -v dkms >/dev/null || die "dkms not found (scripts/deps.sh installs it)"
    dkms status -m edudma 2>/dev/null | grep -q . &&
        die "an edudma module is registered with DKMS already (make dkms-uninstall first)"
    for k in /lib/modules/*/build; do
        [[ -f $k/Makefile ]] && krels+=("$(basename "$(dirname "$k")")")
    done
    ((${#krels[@]})) || die "no kernel headers installed (/lib/modules/*/build)"
    dkmsver=$(dpkg-deb --fsys-tarfile "$(debs_in "$debdir" | grep edudma-dkms)" |
        tar -xO --wildcards './usr/src/edudma-*/dkms.conf' | sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p')
    scratch
    log=$debdir/deb-install-test.log
    exec > >(tee "$log") 2>&1
    check() {  # check NAME COMMAND...
        local name=$1; shift
        if "$@" >"$work/out" 2>&1; then echo "ok - $name"; passed=$((passed + 1))
        else echo "not ok - $name"; sed 's/^/    /' "$work/out"; failed=$((failed + 1)); fi
    }
    echo "deb-install-test: $(date -u +%FT%TZ), $(. /etc/os-release && echo "$PRETTY_NAME"), running kernel $(uname -r), headers: ${krels[*]}, dkms $(dpkg-query -W -f='${Version}' dkms)"
    echo "== dpkg -i ${debs[*]}"
    dpkg -i "${debs[@]}" || rc=$?
    echo "== dpkg -i exit status $rc"
    check "dpkg -i of the four packages succeeds" test "$rc" = 0
    for p in "${PACKAGES[@]}"; do
        check "$p $version installed" sh -c "dpkg-query -W -f='\${db:Status-Abbrev} \${Version}\n' $p | grep -x 'ii  $version'"
    done
    echo "== dkms status"
    dkms status -m edudma
    for k in "${krels[@]}"; do
        check "dkms: edudma/$dkmsver installed for $k" sh -c "dkms status -m edudma -v $dkmsver -k $k | grep ': installed'"
        ko=$(ls /lib/modules/"$k"/updates/dkms/edudma.ko* 2>/dev/null | head -n1)
        check "module for $k: $ko, vermagic $k" sh -c "modinfo -F vermagic '$ko' | grep '^$k '"
        check "modprobe finds it for $k (depmod ran)" sh -c "modprobe -n -v -S $k edudma | grep updates/dkms/edudma.ko"
    done
    check "group edudma exists (a system group)" sh -c 'gid=$(getent group edudma | cut -d: -f3) && echo $gid && [ "$gid" -lt 1000 ]'
    check "udev rules and sysusers snippet in place" test -f /usr/lib/udev/rules.d/60-edudma.rules -a -f /usr/lib/sysusers.d/edudma.conf
    # (merged /usr: the cache may name it /lib/<multiarch>/, the same file)
    check "ldconfig knows libdma.so.1" sh -c "ldconfig -p | grep -E 'libdma.so.1 .*=> (/usr)?/lib/$multiarch/libdma.so.1'"
    check "pkg-config libdma is $version" sh -c "[ \"\$(pkg-config --modversion libdma)\" = $version ]"
    check "a consumer builds with pkg-config against the installed library and runs" \
        sh -c "cc -o '$work/consumer' tests/install/consumer.c \$(pkg-config --cflags --libs libdma) &&
               ldd '$work/consumer' | grep -E '=> (/usr)?/lib/$multiarch/libdma.so.1' && '$work/consumer'"
    check "c++ too" sh -c "c++ -x c++ -o '$work/consumer-cxx' tests/install/consumer.c \$(pkg-config --cflags --libs libdma) && '$work/consumer-cxx'"
    check "dmactl version" sh -c "dmactl version | grep '^libdma $version'"
    check "man pages: dmactl(1), libdma_open(3), libdma_close(3) (a link), edudma(4)" \
        sh -c 'for m in "1 dmactl" "3 libdma_open" "3 libdma_close" "4 edudma"; do man -w $m || exit 1; done'
    echo "== dpkg --purge"
    rc=0
    dpkg --purge edudma-dkms dmactl libdma-dev libdma1 || rc=$?
    check "dpkg --purge succeeds" test "$rc" = 0
    check "dkms: nothing of edudma left" sh -c '! dkms status -m edudma | grep .'
    for k in "${krels[@]}"; do
        check "module for $k gone" sh -c "! ls /lib/modules/$k/updates/dkms/edudma.ko* 2>/dev/null"
    done
    check "/usr/src/edudma-$dkmsver, libdma.so.1, dmactl gone" \
        sh -c "[ ! -e /usr/src/edudma-$dkmsver ] && [ ! -e /usr/lib/$multiarch/libdma.so.1 ] && ! command -v dmactl"
    echo "(the group edudma stays, as after make uninstall-udev: groupdel edudma removes it)"
    echo "deb-install-test: $passed passed, $failed failed (log: $log)"
    ((failed == 0))
}

case ${1:-} in
    build) shift; build "$@" ;;
    guest-image) shift; guest_image "$@" ;;
    install-test) shift; install_test "$@" ;;
    *) die "usage: deb.sh build [OUTDIR] | guest-image OUT.cpio.gz [DEBDIR] | install-test [DEBDIR]" ;;
esac
