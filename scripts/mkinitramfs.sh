#!/usr/bin/env bash
# Build the guest initramfs (newc cpio, gzip):
#   mkinitramfs.sh OUT.cpio.gz --module path/edudma.ko --tests DIR [--extra-bin FILE]...
# Contents: busybox + applet links, /init (guest-init.sh), the module at
# /lib/edudma/<name>.ko, the executables of DIR in /tests/ (run order in
# /tests/order, see lib.sh), --extra-bin files in /usr/local/bin, every shared
# library these need (at their host paths), and, if GUEST_MODDIR is set, the
# guest kernel's VFIO modules under /lib/modules/<release>/ (usable by modprobe).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

out='' module='' tests='' extra=()
while (($#)); do
    case $1 in
        --module) module=$2; shift 2 ;;
        --tests) tests=$2; shift 2 ;;
        --extra-bin) extra+=("$2"); shift 2 ;;
        -*) die "unknown option $1" ;;
        *) [[ -z $out ]] || die "more than one output file"; out=$1; shift ;;
    esac
done
[[ -n $out && -n $module && -n $tests ]] ||
    die "usage: mkinitramfs.sh OUT.cpio.gz --module KO --tests DIR [--extra-bin FILE]..."
[[ -f $module ]] || die "module $module not found"
[[ -d $tests ]] || die "tests directory $tests not found"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/lib/x86_64-linux-gnu,lib/edudma,tests,proc,sys,dev,tmp,root,etc}
# /dev/console for the kernel to open before /init runs (needs root; the
# kernel's built-in initramfs provides one too, so failure is harmless).
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

# busybox and its applet links (paths as busybox itself reports them)
cp /bin/busybox "$stage/bin/busybox"
/bin/busybox --list-full | while read -r p; do
    [[ -e $stage/$p ]] || ln -s /bin/busybox "$stage/$p"
done

install -m 755 "$here/guest-init.sh" "$stage/init"
install -m 644 "$module" "$stage/lib/edudma/$(basename "$module")"

# Test programs and their run order.
bins=()
list_tests "$tests" >"$stage/tests/order"
while read -r name; do
    [[ -f $tests/$name && -x $tests/$name ]] || die "$tests/$name (from order) is not an executable file"
done <"$stage/tests/order"
for f in "$tests"/*; do
    name=${f##*/}
    [[ -f $f && -x $f && $name != order ]] || continue
    cp "$f" "$stage/tests/$name"
    bins+=("$f")
    # Unlisted executables are copied (helpers) but not run by /init.
    grep -qxF "$name" "$stage/tests/order" ||
        echo "mkinitramfs.sh: note: $name is not in $tests/order, copied but not run" >&2
done
for f in ${extra[@]+"${extra[@]}"}; do
    [[ -f $f ]] || die "extra binary $f not found"
    install -m 755 "$f" "$stage/usr/local/bin/$(basename "$f")"
    bins+=("$f")
done

# Shared libraries, resolved on the host. libgcc_s is dlopen()ed by glibc for
# pthread_cancel/exit, which ldd cannot see, so it is always added.
libs=(/lib64/ld-linux-x86-64.so.2)
[[ -e /lib/x86_64-linux-gnu/libgcc_s.so.1 ]] && libs+=(/lib/x86_64-linux-gnu/libgcc_s.so.1)
for f in ${bins[@]+"${bins[@]}"}; do
    # scripts and static binaries are "not a dynamic executable": nothing to do
    deps=$(ldd "$f" 2>/dev/null) || continue
    if grep -q 'not found' <<<"$deps"; then
        die "$f: unresolved libraries: $(grep 'not found' <<<"$deps" | tr -s ' \t\n' ' ')"
    fi
    mapfile -t -O "${#libs[@]}" libs < <(grep -o '/[^ ]*' <<<"$deps")
done
for l in $(printf '%s\n' "${libs[@]}" | sort -u); do
    mkdir -p "$stage/$(dirname "$l")"
    cp -L "$l" "$stage/$l"
    # A library from the build tree, found through a relative RUNPATH ($ORIGIN),
    # is not where the guest looks for it: put it in a default directory too.
    case $l in
        /lib/* | /lib64/* | /usr/lib/*) ;;
        *) cp -L "$l" "$stage/usr/lib/x86_64-linux-gnu/" ;;
    esac
done

# VFIO modules of the guest kernel, decompressed (busybox insmod may not read .xz).
if [[ -n ${GUEST_MODDIR:-} && -d $GUEST_MODDIR ]]; then
    krel=$(basename "$GUEST_MODDIR")
    dst=$stage/lib/modules/$krel
    (cd "$GUEST_MODDIR" && find kernel/drivers/vfio kernel/virt/lib/irqbypass.ko* \
        -name '*.ko*' 2>/dev/null || true) | while read -r m; do
        mkdir -p "$dst/$(dirname "$m")"
        case $m in
            *.ko.xz) xz -dc "$GUEST_MODDIR/$m" >"$dst/${m%.xz}" ;;
            *) cp "$GUEST_MODDIR/$m" "$dst/$m" ;;
        esac
    done
    if [[ -d $dst ]]; then
        cp "$GUEST_MODDIR"/modules.builtin* "$dst/" 2>/dev/null || true
        (cd "$dst" && find kernel -name '*.ko' | LC_ALL=C sort >modules.order)
        depmod -b "$stage" "$krel" # modules.dep for busybox modprobe
    fi
fi

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -6) >"$out.tmp"
mv "$out.tmp" "$out"
