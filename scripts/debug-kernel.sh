#!/usr/bin/env bash
# The debug guest kernel for `make check-debug` (docs/debug-kernel.md):
# Debian's linux-source-6.1 built with KASAN, lockdep, DMA-API debug,
# kmemleak and fault injection (scripts/debug-kernel.config over tinyconfig).
#
#   debug-kernel.sh            build it if needed, then print for eval
#                              GUEST_KERNEL=... GUEST_MODDIR=... KDIR=...
#   debug-kernel.sh config     only generate (and check) the config; print its path
#   debug-kernel.sh module OUT build driver/ against it in a copy under OUT
#                              (kbuild builds in the source directory: a
#                              copy keeps `make check`'s driver/ objects
#                              for the stock kernel); prints the .ko path.
#                              EDUDMA_COVERAGE=1 in the environment builds
#                              it with gcov (driver/Kbuild; make coverage)
#
# Cache: one per machine (per user), shared by every clone, so a fresh
# clone finds the kernel built: $DEBUG_KERNEL_CACHE, else $CACHE/debug-kernel
# when CACHE is set, else ${XDG_CACHE_HOME:-~/.cache}/edudma/debug-kernel.
#   src/<version>/linux-source-6.1/          the unpacked source
#   <version>-<key>/build/                   the O= tree (KDIR)
#   <version>-<key>/mods/lib/modules/<release>/  GUEST_MODDIR
# <version> is the linux-source-6.1 package version (by default the one
# matching the installed linux-headers-amd64, i.e. the stock guest's);
# <key> hashes the config fragment, the base config and the compiler. A
# finished build is never touched again: it is built once per machine.
# Environment: DEBUG_KERNEL_CACHE, CACHE, DEBUG_KERNEL_VERSION (a linux-source-6.1 version),
# DEBUG_KERNEL_JOBS (make -j, default: number of CPUs),
# DEBUG_KERNEL_LOG (the build log; default <build dir>/build.log).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/scripts/lib.sh"
say() { echo "debug-kernel.sh: $*" >&2; }
die() { say "$*"; exit 1; }
if [[ -n ${DEBUG_KERNEL_CACHE:-} ]]; then
    top=$DEBUG_KERNEL_CACHE
elif [[ -n ${CACHE:-} ]]; then
    top=$CACHE/debug-kernel
elif [[ -n ${XDG_CACHE_HOME:-} || -n ${HOME:-} ]]; then
    top=${XDG_CACHE_HOME:-$HOME/.cache}/edudma/debug-kernel
else
    top=$repo/.cache/debug-kernel
fi
fragment=$repo/scripts/debug-kernel.config
mkdir -p "$top"

# ---- build dependencies (silent when present) ----
need=(bc bison flex libelf-dev libssl-dev xz-utils cpio rsync gcc make)
ensure_packages debug-kernel.sh "${need[@]}" || exit 1

# ---- which source: the stock guest's version when the archive has it ----
version=${DEBUG_KERNEL_VERSION:-}
if [[ -z $version ]]; then
    version=$(dpkg-query -W -f='${Version}' linux-headers-amd64 2>/dev/null || true)
    # (an older linux-headers-amd64 may no longer be downloadable: take the newest)
    if [[ -z $version ]] || ! apt-cache show "linux-source-6.1=$version" >/dev/null 2>&1; then
        version=$(apt-cache policy linux-source-6.1 2>/dev/null | sed -n 's/^ *Candidate: *//p')
        if [[ -z $version || $version == "(none)" ]]; then
            apt-get -qq update >&2
            version=$(apt-cache policy linux-source-6.1 | sed -n 's/^ *Candidate: *//p')
        fi
    fi
fi
[[ -n $version && $version != "(none)" ]] || die "no linux-source-6.1 package in the apt sources"

# ---- the cache key: fragment, base, compiler ----
base=tinyconfig
key=$( { echo "base=$base"; cat "$fragment"; gcc --version | head -n1; } | sha256sum | cut -c1-12)
dir=$top/$version-$key
obj=$dir/build
moddir_root=$dir/mods
jobs=${DEBUG_KERNEL_JOBS:-$(nproc)}

print_vars() {
    local krel kernel
    krel=$(cat "$obj/include/config/kernel.release")
    # (not vmlinux through its PVH entry as for the stock kernel: this one
    # triple-faults that way, before the first console line)
    kernel=$obj/arch/x86/boot/bzImage
    printf 'GUEST_KERNEL=%q GUEST_MODDIR=%q KDIR=%q\n' "$kernel" "$moddir_root/lib/modules/$krel" "$obj"
}

build_module() {  # build_module OUT: driver/ + include/ copied to OUT, built there
    local out=$1
    mkdir -p "$out"
    # --checksum: a tree checked out again keeps its contents' timestamps out
    # of the way; kbuild then rebuilds only what changed.
    rsync -a --checksum --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
        --exclude='.*.cmd' --exclude='Module.symvers' --exclude='modules.order' \
        --exclude='.tmp_versions' --filter='P *.o' --filter='P *.ko' --filter='P *.mod*' \
        --filter='P .*.cmd' --filter='P Module.symvers' --filter='P modules.order' \
        "$repo/driver" "$repo/include" "$out/"
    make -s -C "$obj" M="$out/driver" modules >&2
    echo "$out/driver/edudma.ko"
}

exec 9>"$top/.lock"
flock 9   # one builder per machine at a time; later callers find it done

if [[ ! -e $dir/.done ]]; then
    t0=$SECONDS
    # ---- the source ----
    srcdir=$top/src/$version
    src=$srcdir/linux-source-6.1
    if [[ ! -e $srcdir/.unpacked ]]; then
        rm -rf "$srcdir"
        mkdir -p "$srcdir"
        deb=$(ls "$top"/linux-source-6.1_"${version//:/%3a}"_all.deb 2>/dev/null | tail -n1 || true)
        if [[ -z $deb ]]; then
            say "downloading linux-source-6.1 $version"
            tmp=$(mktemp -d)
            trap 'rm -rf "$tmp"' EXIT
            chown _apt "$tmp" 2>/dev/null || true   # apt's download sandbox user
            (cd "$tmp" && apt-get download -q "linux-source-6.1=$version") >&2 ||
                (apt-get -qq update && cd "$tmp" && apt-get download -q "linux-source-6.1=$version") >&2
            mv "$tmp"/linux-source-6.1_*.deb "$top"/
            deb=$(ls "$top"/linux-source-6.1_*_all.deb | tail -n1)
        fi
        say "unpacking $(basename "$deb")"
        dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards './usr/src/linux-source-6.1.tar.xz' |
            tar -C "$srcdir" -xJ
        [[ -f $src/Makefile ]] || die "no $src/Makefile after unpacking"
        rm -f "$deb"   # 139 MB; the unpacked tree is what is kept
        touch "$srcdir/.unpacked"
    fi

    # ---- the config ----
    rm -rf "$dir"
    mkdir -p "$obj"
    log=${DEBUG_KERNEL_LOG:-$dir/build.log}
    say "building the debug kernel in $dir (log: $log); a cold build takes a while"
    kmake() { make -C "$src" O="$obj" ARCH=x86_64 "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; die "make $* failed (log: $log)"; }; }
    : >"$log"
    kmake "$base"
    # scripts/config applies the fragment line by line; olddefconfig resolves
    # the rest (dependencies, defaults).
    cfg=("$src/scripts/config" --file "$obj/.config")
    while IFS= read -r line; do
        case $line in
            "# CONFIG_"*" is not set") o=${line#\# CONFIG_}; "${cfg[@]}" --disable "${o%% *}" ;;
            CONFIG_*=y) o=${line%%=*}; "${cfg[@]}" --enable "${o#CONFIG_}" ;;
            CONFIG_*=m) o=${line%%=*}; "${cfg[@]}" --module "${o#CONFIG_}" ;;
            CONFIG_*=\"*) o=${line%%=*}; v=${line#*=}; v=${v#\"}; "${cfg[@]}" --set-str "${o#CONFIG_}" "${v%\"}" ;;
            CONFIG_*=*) o=${line%%=*}; "${cfg[@]}" --set-val "${o#CONFIG_}" "${line#*=}" ;;
        esac
    done < <(sed -e '/^#.*is not set$/!{/^#/d}' -e '/^$/d' "$fragment")
    "${cfg[@]}" --set-str LOCALVERSION "-edudebug" --disable LOCALVERSION_AUTO
    # (twice: an option may only become visible once another is set)
    kmake olddefconfig
    kmake olddefconfig
    bad=()
    while IFS= read -r line; do
        case $line in
            "# CONFIG_"*" is not set") o=${line#\# }; o=${o%% *}
                grep -q "^$o=" "$obj/.config" && bad+=("$line") ;;
            CONFIG_*) grep -qxF "$line" "$obj/.config" || bad+=("$line") ;;
        esac
    done < <(sed -e '/^#.*is not set$/!{/^#/d}' -e '/^$/d' "$fragment")
    ((${#bad[@]} == 0)) || die "options not accepted by olddefconfig (missing dependency?): ${bad[*]}"
    cp "$obj/.config" "$dir/config"
    [[ ${1:-} != config ]] || { echo "$dir/config"; exit 0; }

    # ---- build, modules, module build tree ----
    t1=$SECONDS
    kmake -j"$jobs" vmlinux bzImage modules
    kmake INSTALL_MOD_PATH="$moddir_root" modules_install
    kmake modules_prepare
    echo "$(date -u +%FT%TZ) source=$version key=$key jobs=$jobs config=$((t1 - t0))s build=$((SECONDS - t1))s" >"$dir/.done"
    say "built in $((SECONDS - t0)) s: $(cat "$obj/include/config/kernel.release")"
fi

case ${1:-} in
    "") print_vars ;;
    module) [[ -n ${2:-} ]] || die "usage: debug-kernel.sh module OUTDIR"
            build_module "$2" ;;
    *) die "usage: debug-kernel.sh [module OUTDIR]" ;;
esac
