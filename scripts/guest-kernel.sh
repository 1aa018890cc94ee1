#!/usr/bin/env bash
# Print, as shell assignments for eval, the guest kernel to boot, its modules
# directory, and the headers tree to build the module against:
#   GUEST_KERNEL=... GUEST_MODDIR=... KDIR=...
# Overrides: if GUEST_KERNEL and KDIR are both set they are used as they are
# (GUEST_MODDIR optional). GUEST_KREL=6.1.0-56-amd64 picks the release.
# Otherwise linux-image-<release> is fetched with apt-get download into
# $CACHE/kernel/<release>/ (CACHE defaults to <repo>/.cache) and unpacked there
# once. Nothing is ever installed on the host.
# GUEST_KERNEL is then the uncompressed vmlinux (ELF, booted by QEMU through
# PVH): decompressing Debian's xz bzImage under TCG costs ~4 s per boot.
# GUEST_PVH=0 prints the bzImage instead.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { echo "guest-kernel.sh: $*" >&2; }

if [[ -n ${GUEST_KERNEL:-} && -n ${KDIR:-} ]]; then
    [[ -f $GUEST_KERNEL ]] || { say "GUEST_KERNEL=$GUEST_KERNEL: no such file"; exit 1; }
    printf 'GUEST_KERNEL=%q GUEST_MODDIR=%q KDIR=%q\n' "$GUEST_KERNEL" "${GUEST_MODDIR:-}" "$KDIR"
    exit 0
fi

# Release (e.g. 6.1.0-56-amd64): from the linux-headers-amd64 metapackage's
# dependency, else the highest /usr/src/linux-headers-*-amd64.
krel=${GUEST_KREL:-}
if [[ -z $krel ]]; then
    dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null || true)
    krel=$(sed -n 's/^linux-headers-\([^ ,]*-amd64\).*/\1/p' <<<"$dep")
    [[ -n $krel && -d /usr/src/linux-headers-$krel ]] || krel=
fi
if [[ -z $krel ]]; then
    krel=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' | sort -V | tail -n1)
fi
[[ -n $krel ]] || { say "no linux-headers-*-amd64 installed (run scripts/deps.sh)"; exit 1; }

kdir=${KDIR:-}
if [[ -z $kdir ]]; then
    kdir=/usr/src/linux-headers-$krel
    [[ -d /lib/modules/$krel/build ]] && kdir=/lib/modules/$krel/build
fi

cache=${CACHE:-$repo/.cache}
dir=$cache/kernel/$krel
mkdir -p "$dir"
# Serialise concurrent callers (parallel make) on the cache directory.
exec 9>"$dir/.lock"
flock 9
if [[ ! -e $dir/.unpacked ]]; then
    deb=$(ls "$dir"/linux-image-"$krel"_*.deb 2>/dev/null | tail -n1 || true)
    if [[ -z $deb ]]; then
        say "downloading linux-image-$krel"
        # apt's download sandbox runs as _apt: give it a directory it may write
        # (as root this only avoids a warning), then move the result into the cache.
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        chown _apt "$tmp" 2>/dev/null || true
        (cd "$tmp" && apt-get download -q "linux-image-$krel") >&2 ||
            (apt-get -qq update >&2 && cd "$tmp" && apt-get download -q "linux-image-$krel") >&2
        mv "$tmp"/linux-image-"$krel"_*.deb "$dir"/
        deb=$(ls "$dir"/linux-image-"$krel"_*.deb | tail -n1)
    fi
    say "unpacking $(basename "$deb")"
    dpkg-deb -x "$deb" "$dir"
    touch "$dir/.unpacked"
fi

kernel=$dir/boot/vmlinuz-$krel
[[ -f $kernel ]] || { say "$kernel missing after unpack"; exit 1; }
vmlinux=$dir/boot/vmlinux-$krel
if [[ ${GUEST_PVH:-1} != 0 && ! -s $vmlinux ]]; then
    # The bzImage payload is an xz stream holding the ELF vmlinux.
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kernel" | head -n1 | cut -d: -f1)
    # (process substitution: xz stops reading early, a pipe would fail on SIGPIPE)
    if [[ -n $off ]] && xz -dc --single-stream <(tail -c +"$((off + 1))" "$kernel") >"$vmlinux.tmp" 2>/dev/null &&
        [[ $(head -c4 "$vmlinux.tmp") == $'\x7fELF' ]]; then
        mv "$vmlinux.tmp" "$vmlinux"
    else
        rm -f "$vmlinux.tmp"
        say "could not extract vmlinux from $kernel, booting the bzImage"
    fi
fi
[[ ${GUEST_PVH:-1} != 0 && -s $vmlinux ]] && kernel=$vmlinux
printf 'GUEST_KERNEL=%q GUEST_MODDIR=%q KDIR=%q\n' "$kernel" "$dir/lib/modules/$krel" "$kdir"
