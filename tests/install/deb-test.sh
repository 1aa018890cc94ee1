#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages `make deb` left in DEBDIR (debian/, scripts/deb.sh):
# lintian, and that each package holds exactly what it should, with the
# tree's bytes, modes, links, version, dependencies and maintainer scripts.
# (The consumers against the unpacked libdma-dev + libdma1:
# deb-consumer-test.sh; the library suites on the packaged library and
# module in QEMU: the "deb" boot configuration; a real dpkg -i + dkms
# build: make deb-install-test.)
#
#   tests/install/deb-test.sh [DEBDIR]     (default: $DEB_DIR, else out)
#
# Without the packages in DEBDIR every step is skipped, unless CHECK_DEB=1
# (make check, which builds them first): then that is a failure.
# Prints one "ok"/"not ok"/"skip" line per step, then
#   EDUTEST-RESULT deb passed=N failed=N skipped=N
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1
debdir=${1:-${DEB_DIR:-out}}
# As a host test program (no argument) it runs only under make check, which
# has just built the packages: packages of an older tree left in out/ would
# fail it elsewhere (make coverage runs the host programs too).
if (($# == 0)) && [[ ${CHECK_DEB:-0} != 1 ]]; then
    echo "skip - Debian packages (only under make check; by hand: $0 out)"
    echo "EDUTEST-RESULT deb passed=0 failed=0 skipped=1"
    exit 0
fi
work=$(mktemp -d /tmp/edudma-deb-test.XXXXXX)
[[ ${KEEP:-0} == 1 ]] && echo "scratch: $work" || trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2034 # steps.sh writes each step there
log=$work/log
. tests/install/steps.sh
matches() { grep "$@" >/dev/null; }

version=$(sed -n 's/^#define LIBDMA_VERSION_MAJOR[[:space:]]*//p' include/libdma.h).$(
    sed -n 's/^#define LIBDMA_VERSION_MINOR[[:space:]]*//p' include/libdma.h)
so_version=$(sed -n 's/^LIBDMA_SO_VERSION[[:space:]]*:=[[:space:]]*//p' libdma/libdma.mk)
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
packages=(libdma1 libdma-dev dmactl edudma-dkms)
deb() { echo "$debdir/${1}_${version}_$([[ $1 == edudma-dkms ]] && echo all || echo "$arch").deb"; }

if [[ ! -f $(deb libdma1) ]]; then
    if [[ ${CHECK_DEB:-0} == 1 ]]; then
        step "the packages of version $version are in $debdir/" false
    else
        skip "Debian packages" "none of version $version in $debdir/: make deb"
    fi
    steps_result deb
    exit
fi

present() {
    local p
    for p in "${packages[@]}"; do ls -l "$(deb "$p")" || return 1; done
    ls -l "$debdir/edudma_${version}_$arch.changes"
}

# One version, include/libdma.h's: the changelog's and every package's.
versions() {
    local p v
    v=$(dpkg-parsechangelog -l debian/changelog -S Version) && echo "changelog: $v" &&
        [[ $v == "$version" ]] || return 1
    for p in "${packages[@]}"; do
        v=$(dpkg-deb -f "$(deb "$p")" Version) && echo "$p: $v" && [[ $v == "$version" ]] || return 1
    done
}

# No error and no warning that is not overridden (the overrides, each
# with its reason, are debian/<package>.lintian-overrides); the
# informational tags are printed too.
lintian_clean() {
    lintian --fail-on error,warning --info --show-overrides \
        "$debdir/edudma_${version}_$arch.changes" 2>&1 | grep -v '^running with root privileges'
    return "${PIPESTATUS[0]}"
}

# "TYPE MODE PATH[ -> TARGET]" of each entry of a package, directories
# left out (they follow from the files).
listing() {
    dpkg-deb -c "$1" | awk '$1 !~ /^d/ {
        path = $6; sub(/^\.\//, "", path)
        line = substr($1, 1, 1) " " substr($1, 2) " " path
        if ($7 == "->") line = line " -> " $8
        print line }' | LC_ALL=C sort
}

# What each package must hold, from the tree: the headers of include/, the
# man pages of man/ (links stay links), the DKMS file list of dkms.mk.
expected() {
    local p=$1 f t
    {
        echo "- rw-r--r-- usr/share/doc/$p/changelog.gz"
        echo "- rw-r--r-- usr/share/doc/$p/copyright"
        [[ ! -f debian/$p.lintian-overrides ]] ||
            echo "- rw-r--r-- usr/share/lintian/overrides/$p"
        case $p in
            libdma1)
                echo "- rw-r--r-- usr/lib/$ma/libdma.so.$so_version"
                echo "l rwxrwxrwx usr/lib/$ma/libdma.so.1 -> libdma.so.$so_version" ;;
            libdma-dev)
                echo "- rw-r--r-- usr/include/libdma.h"
                for f in include/libdma/*.h; do echo "- rw-r--r-- usr/$f"; done
                echo "- rw-r--r-- usr/include/edudma/edudma.h"
                echo "l rwxrwxrwx usr/lib/$ma/libdma.so -> libdma.so.1"
                echo "- rw-r--r-- usr/lib/$ma/libdma.a"
                echo "- rw-r--r-- usr/lib/$ma/pkgconfig/libdma.pc"
                for f in man/man3/*.3; do
                    if [[ -L $f ]]; then
                        t=$(readlink "$f")
                        echo "l rwxrwxrwx usr/share/$f.gz -> ${t##*/}.gz"
                    else
                        echo "- rw-r--r-- usr/share/$f.gz"
                    fi
                done ;;
            dmactl)
                echo "- rwxr-xr-x usr/bin/dmactl"
                echo "- rw-r--r-- usr/share/man/man1/dmactl.1.gz" ;;
            edudma-dkms)
                make --no-print-directory -s -p -n dkms-source 2>/dev/null |
                    sed -n 's/^DKMS_FILES *:= *//p' | tr ' ' '\n' | sed '/^$/d' |
                    while read -r f; do echo "- rw-r--r-- usr/src/edudma-$dkms_version/$f"; done
                echo "- rw-r--r-- usr/lib/udev/rules.d/60-edudma.rules"
                echo "- rw-r--r-- usr/lib/sysusers.d/edudma.conf"
                echo "- rw-r--r-- usr/share/man/man4/edudma.4.gz" ;;
        esac
    } | LC_ALL=C sort
}

contents() {
    expected "$1" >"$work/$1.expected" && [[ -s $work/$1.expected ]] &&
        listing "$(deb "$1")" >"$work/$1.actual" &&
        diff -u "$work/$1.expected" "$work/$1.actual"
}

# Everything unpacked into one root, as an installed system would have it.
unpack_all() {
    local p
    for p in "${packages[@]}"; do dpkg-deb -x "$(deb "$p")" "$work/root" || return 1; done
}

# The packaged files are the tree's (headers, rules, sysusers, DKMS
# sources, man pages; the .pc for /usr and the multiarch libdir).
same_bytes() {
    local r=$work/root f
    cmp include/libdma.h "$r/usr/include/libdma.h" &&
        for f in include/libdma/*.h; do cmp "$f" "$r/usr/$f" || return 1; done &&
        cmp include/uapi/edudma.h "$r/usr/include/edudma/edudma.h" &&
        cmp udev/60-edudma.rules "$r/usr/lib/udev/rules.d/60-edudma.rules" &&
        cmp udev/edudma.sysusers "$r/usr/lib/sysusers.d/edudma.conf" &&
        (cd "$r/usr/src/edudma-$dkms_version" && find . -type f | sed 's|^\./||') |
        while read -r f; do cmp "$f" "$r/usr/src/edudma-$dkms_version/$f" || exit 1; done &&
        for f in man/man1/*.1 man/man3/*.3 man/man4/*.4; do
            [[ -L $f ]] || zcat "$r/usr/share/$f.gz" | cmp - "$f" || return 1
        done &&
        printf '%s\n' "prefix=/usr" "libdir=/usr/lib/$ma" "includedir=/usr/include" \
            "Version: $version" >"$work/pc.expected" &&
        grep -E '^(prefix|libdir|includedir)=|^Version:' "$r/usr/lib/$ma/pkgconfig/libdma.pc" |
        diff -u "$work/pc.expected" -
}

soname() {
    readelf -d "$work/root/usr/lib/$ma/libdma.so.$so_version" | matches 'SONAME.*\[libdma\.so\.1\]'
}

# libdma1's symbols file is debian/libdma1.symbols, itself the version
# script's (debian/gen-symbols.sh), with the minimal versions dpkg
# fills in; its shlibs names libdma1.
symbols() {
    debian/gen-symbols.sh libdma/libdma.map | diff -u debian/libdma1.symbols - &&
        dpkg-deb -I "$(deb libdma1)" symbols | grep '^ ' >"$work/symbols.pkg" &&
        grep '^ ' debian/libdma1.symbols | diff -u - "$work/symbols.pkg" &&
        dpkg-deb -I "$(deb libdma1)" shlibs | matches "^libdma 1 libdma1 "
}

field() { dpkg-deb -f "$(deb "$1")" "$2"; }
relations() {
    field libdma-dev Depends | matches "libdma1 (= $version)" &&
        field libdma-dev Depends | matches 'libudev-dev' &&
        field dmactl Depends | matches 'libudev1' &&
        field libdma1 Depends | matches 'libudev1' &&
        field edudma-dkms Depends | matches '^dkms' &&
        [[ $(field edudma-dkms Architecture) == all ]] &&
        [[ $(field libdma1 Multi-Arch) == same && $(field libdma-dev Multi-Arch) == same ]]
}

# edudma-dkms's scripts: the group before DKMS (the module may load at
# once), then dh_dkms's dkms add/build/install of the module's version;
# prerm removes it.
maintainer_scripts() {
    dpkg-deb -I "$(deb edudma-dkms)" postinst >"$work/postinst" &&
        sh -n "$work/postinst" &&
        awk '/systemd-sysusers \/usr\/lib\/sysusers.d\/edudma.conf/ { g = NR }
             /groupadd --system edudma/ { a = NR }
             /common.postinst/ && !d { d = NR }
             END { exit !(g && a && d && g < d && a < d) }' "$work/postinst" &&
        grep -x "DKMS_VERSION=$dkms_version" "$work/postinst" &&
        dpkg-deb -I "$(deb edudma-dkms)" prerm | matches "dkms remove -m \$DKMS_NAME -v \$DKMS_VERSION --all"
}

# The packaged dmactl runs: its versions, and exit 3 for no such device.
packaged_dmactl() {
    local out rc=0 d=$work/root/usr/bin/dmactl
    "$d" version | matches "^libdma $version" && "$d" --help | matches 'Exit status' || return 1
    out=$("$d" info nonsense! 2>&1) || rc=$?
    echo "$out"
    ((rc == 3))
}

step "the four packages and the .changes of version $version are in $debdir/" present
step "one version: include/libdma.h's, in debian/changelog and every package" versions
step "lintian: no errors, no warnings without an override" lintian_clean
for p in "${packages[@]}"; do
    step "$p holds exactly its files (modes, links)" contents "$p"
done
step "unpack all four" unpack_all
step "packaged files are the tree's; libdma.pc for /usr, /usr/lib/$ma" same_bytes
step "libdma.so.$so_version has soname libdma.so.1" soname
step "libdma1's symbols file is libdma.map's; shlibs" symbols
step "dependencies, Architecture, Multi-Arch" relations
step "edudma-dkms postinst: group, then dkms $dkms_version; prerm removes it" maintainer_scripts
step "the packaged dmactl runs, exits 3 for a bad device" packaged_dmactl

steps_result deb
