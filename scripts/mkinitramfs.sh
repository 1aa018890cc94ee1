#!/usr/bin/env bash
# Build the guest initramfs (newc cpio, gzip):
#   mkinitramfs.sh OUT.cpio.gz --module path/edudma.ko --tests DIR [--extra-bin FILE]...
#                  [--udev ROOT UDEV_OUT.cpio.gz]
# Contents: busybox + applet links, /init (guest-init.sh), the module at
# /lib/edudma/<name>.ko, the executables of DIR in /tests/ (run order in
# /tests/order, see lib.sh), --extra-bin files in /usr/local/bin, every shared
# library these need (at their host paths), and, if GUEST_MODDIR is set, the
# guest kernel's VFIO modules and vgem/vivid (dma-buf tests) with their
# dependencies under /lib/modules/<release>/ (usable by modprobe).
# --udev also writes a second image, UDEV_OUT: the same plus the host's
# systemd-udevd/udevadm and their libraries, the tree ROOT (what
# `make install-udev DESTDIR=ROOT` installed: our rules), and test users in
# /etc/passwd and /etc/group (see add_udev below). Only the udev
# configuration boots it, so the others keep their small image.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

out='' module='' tests='' extra=() udev_root='' udev_out=''
while (($#)); do
    case $1 in
        --module) module=$2; shift 2 ;;
        --tests) tests=$2; shift 2 ;;
        --extra-bin) extra+=("$2"); shift 2 ;;
        --udev) udev_root=$2 udev_out=$3; shift 3 ;;
        -*) die "unknown option $1" ;;
        *) [[ -z $out ]] || die "more than one output file"; out=$1; shift ;;
    esac
done
[[ -n $out && -n $module && -n $tests ]] ||
    die "usage: mkinitramfs.sh OUT.cpio.gz --module KO --tests DIR [--extra-bin FILE]..."
[[ -f $module ]] || die "module $module not found"
[[ -d $tests ]] || die "tests directory $tests not found"
[[ -z $udev_root || -d $udev_root ]] || die "udev tree $udev_root not found"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"  # it becomes the guest's /: mktemp's 0700 locks out non-root users
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
copy_libs() {  # copy_libs BINARY...: their shared libraries, into $stage
    local f l deps libs=(/lib64/ld-linux-x86-64.so.2)
    [[ -e /lib/x86_64-linux-gnu/libgcc_s.so.1 ]] && libs+=(/lib/x86_64-linux-gnu/libgcc_s.so.1)
    for f in "$@"; do
        # scripts and static binaries are "not a dynamic executable": nothing to do
        deps=$(ldd "$f" 2>/dev/null) || continue
        if grep -q 'not found' <<<"$deps"; then
            die "$f: unresolved libraries: $(grep 'not found' <<<"$deps" | tr -s ' \t\n' ' ')"
        fi
        mapfile -t -O "${#libs[@]}" libs < <(grep -o '/[^ ]*' <<<"$deps")
    done
    for l in $(printf '%s\n' "${libs[@]}" | sort -u); do
        [[ -e $stage/$l ]] && continue
        mkdir -p "$stage/$(dirname "$l")"
        cp -L "$l" "$stage/$l"
        # A library from the build tree, found through a relative RUNPATH ($ORIGIN),
        # is not where the guest looks for it: put it in a default directory too.
        case $l in
            /lib/* | /lib64/* | /usr/lib/*) ;;
            *) cp -L "$l" "$stage/usr/lib/x86_64-linux-gnu/" ;;
        esac
    done
}
copy_libs ${bins[@]+"${bins[@]}"}

# VFIO modules of the guest kernel, decompressed (busybox insmod may not read .xz).
if [[ -n ${GUEST_MODDIR:-} && -d $GUEST_MODDIR ]]; then
    krel=$(basename "$GUEST_MODDIR")
    dst=$stage/lib/modules/$krel
    # dma-buf's second drivers (tests/guest/test_dmabuf.c): vgem (DRM, PRIME)
    # and vivid (V4L2, V4L2_MEMORY_DMABUF) with what they depend on.
    dmabuf_mods=(kernel/drivers/gpu/drm/drm.ko kernel/drivers/gpu/drm/drm_shmem_helper.ko
                 kernel/drivers/gpu/drm/vgem kernel/drivers/media/mc
                 kernel/drivers/media/v4l2-core/videodev.ko kernel/drivers/media/v4l2-core/v4l2-dv-timings.ko
                 kernel/drivers/media/common/videobuf2 kernel/drivers/media/common/v4l2-tpg
                 kernel/drivers/media/cec/core kernel/drivers/media/rc/rc-core.ko
                 kernel/drivers/media/test-drivers/vivid)
    # ... and whatever else modules.dep says they need in this kernel (the
    # debug kernel builds vivid's framebuffer helpers and font as modules)
    # (Debian's unpacked image has no modules.dep: its list above is complete)
    if [[ -f $GUEST_MODDIR/modules.dep ]]; then
        dmabuf_mods+=($(sed -n 's#^\([^:]*/\(vgem\|vivid\)\.ko[^:]*\):\(.*\)#\1 \3#p' \
                        "$GUEST_MODDIR/modules.dep" | tr ' ' '\n' | sed 's/\.ko.*//' | sort -u))
    fi
    (cd "$GUEST_MODDIR" && find kernel/drivers/vfio kernel/virt/lib/irqbypass.ko* \
        ${dmabuf_mods[@]/%/*} -name '*.ko*' 2>/dev/null || true) | while read -r m; do
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

pack() {  # pack OUT: the stage as a gzipped newc cpio
    mkdir -p "$(dirname "$1")"
    (cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -6) >"$1.tmp"
    mv "$1.tmp" "$1"
}
pack "$out"

# The udev image: systemd-udevd is udevadm under another name (Debian's udev
# package: /bin/udevadm, /lib/systemd/systemd-udevd -> /bin/udevadm). Only
# our rules are installed, so udevd does nothing else to the guest.
add_udev() {
    local udevadm
    udevadm=$(command -v udevadm) || die "udevadm not found (apt-get install udev)"
    # (tar, not cp -a: the existing directories, / first, keep their modes)
    tar -C "$udev_root" -c . | tar -C "$stage" -x --no-overwrite-dir
    rm -f "$stage/bin/udevadm" "$stage/usr/bin/udevadm"
    cp -L "$udevadm" "$stage/bin/udevadm"
    mkdir -p "$stage/lib/systemd" "$stage/etc/udev"
    ln -sf /bin/udevadm "$stage/lib/systemd/systemd-udevd"
    # what `make install-udev` runs on a live system, for test_udev to run
    install -D -m 755 "$here/../udev/activate.sh" "$stage/usr/local/sbin/edudma-udev-activate"
    copy_libs "$udevadm"
    # Users for the non-root tests (test_udev.c): edutest is in group edudma,
    # outsider is not. glibc reads these through nsswitch "files".
    cat >"$stage/etc/passwd" <<'EOT'
root:x:0:0:root:/root:/bin/sh
edutest:x:1000:1000:member of group edudma:/tmp:/bin/sh
outsider:x:1001:1001:not in group edudma:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOT
    cat >"$stage/etc/group" <<'EOT'
root:x:0:
edudma:x:990:edutest
edutest:x:1000:
outsider:x:1001:
nogroup:x:65534:
EOT
    printf 'passwd: files\ngroup: files\nshadow: files\n' >"$stage/etc/nsswitch.conf"
}
if [[ -n $udev_root ]]; then
    add_udev
    pack "$udev_out"
fi
