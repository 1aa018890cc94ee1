#!/usr/bin/env bash
# Our own QEMU (docs/qemu-build.md): Debian's source of the installed
# qemu-system-x86 version, Debian's patch series, then ours - the edu-sg
# device model (qemu/edu_sg.c, include/edu/edusg*.h) and qemu/patches/*.patch -
# built as a minimal x86_64 system emulator. Stock qemu-system-x86_64 stays
# the emulator of the edu configurations; this one runs the edu-sg ones.
#
#   qemu-build.sh        build it if needed, then print for eval
#                        QEMU_SG=<binary> QEMU_SG_FIRMWARE=<-L options>
#
# Cache: one per machine (per user), shared by every clone, so a fresh clone
# finds QEMU built: $QEMU_SG_CACHE, else $CACHE/qemu when CACHE is set, else
# ${XDG_CACHE_HOME:-~/.cache}/edudma/qemu.
#   src/<version>/qemu-<upstream>/      Debian's source, Debian's patches applied
#   build-<version>/src/                the same plus ours (edited in place, so
#                                       only what changed is rebuilt)
#   build-<version>/obj/                the configured meson/ninja tree
#   <version>-<key>/qemu-system-x86_64  a finished binary, never touched again
# <version> is the Debian version of the installed qemu-system-x86 (epoch
# dropped, e.g. 7.2+dfsg-7+deb12u18); <key> hashes our inputs: edu_sg.c,
# include/edu/edusg*.h, the patches, this script (the recipe) and the
# compiler. A change to edu_sg.c makes a new <key>, and ninja in the kept
# tree rebuilds one file.
# Environment: QEMU_SG_CACHE, CACHE, QEMU_BUILD_JOBS (ninja -j, default: number
# of CPUs), QEMU_BUILD_LOG (default build-<version>/build.log).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/scripts/lib.sh"
say() { echo "qemu-build.sh: $*" >&2; }
die() { say "$*"; exit 1; }
if [[ -n ${QEMU_SG_CACHE:-} ]]; then
    top=$QEMU_SG_CACHE
elif [[ -n ${CACHE:-} ]]; then
    top=$CACHE/qemu
elif [[ -n ${XDG_CACHE_HOME:-} || -n ${HOME:-} ]]; then
    top=${XDG_CACHE_HOME:-$HOME/.cache}/edudma/qemu
else
    top=$repo/.cache/qemu
fi
mkdir -p "$top"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Our inputs. The model includes its register header(s), include/edu/edusg*.h
# (shared with the driver and the tests; include/edusg*.h too), as
# "edusg_....h": they are copied beside it, into hw/misc/. The model is
# optional until it exists: the build is then Debian's QEMU plus our
# patches, with a stub for edu_sg.c (meson needs the file the patch names).
# A snapshot is taken first: the key, the build and the record then all
# describe the same bytes even if a file is edited while QEMU builds.
in=$tmp/in
mkdir -p "$in/include" "$in/patches"
model=$in/edu_sg.c
[[ ! -e $repo/qemu/edu_sg.c ]] || cp "$repo/qemu/edu_sg.c" "$model"
headers=()
for h in "$repo"/include/edusg*.h "$repo"/include/edu/edusg*.h; do [[ -e $h ]] && cp "$h" "$in/include/" && headers+=("$in/include/${h##*/}"); done
patches=()
for p in "$repo"/qemu/patches/*.patch; do [[ -e $p ]] && cp "$p" "$in/patches/" && patches+=("$in/patches/${p##*/}"); done

# What the boot configurations need (scripts/run-guest.sh); checked in the
# built binary, so a configure option that drops one fails here, not in a guest.
need_machines=(pc q35)
need_devices=(intel-iommu pci-bridge pci-testdev edu)
[[ -e $model ]] && need_devices+=(edu-sg)
# --without-default-features: only what QEMU cannot do without (TCG, the PC
# machines, serial/stdio chardevs) - no SDL, GTK, VNC, audio, image formats
# beyond the basics; fewer libraries to install, fewer files to compile.
# --firmwarepath: Debian's (debian/rules), so the binary finds seabios and
# the option ROMs where qemu-system-x86 finds them, as stock does.
configure_args=(--target-list=x86_64-softmmu --without-default-features --disable-docs
                --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu)
# -L for a hand-run too: bios-256k.bin and the VGA BIOS are in
# /usr/share/seabios, the rest QEMU loads for these guests (kvmvapic.bin,
# pvh.bin for a vmlinux, linuxboot_dma.bin for a bzImage) in /usr/share/qemu. /usr/lib/ipxe/qemu holds only NIC option ROMs, and the
# guests run with -nic none.
firmware="-L /usr/share/seabios -L /usr/share/qemu"

# ---- build dependencies (silent when present; scripts/deps.sh has them too) ----
# (no libfdt-dev: x86 does not use a device tree, and
# --without-default-features leaves fdt out)
need=(meson ninja-build libglib2.0-dev libpixman-1-dev pkg-config
      dpkg-dev gcc make patch rsync xz-utils qemu-system-x86)
ensure_packages qemu-build.sh "${need[@]}" || exit 1

# ---- which source: the installed QEMU's (edu must run as stock runs it) ----
srcpkg=$(dpkg-query -W -f='${source:Package}' qemu-system-x86)
full_version=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
[[ -n $srcpkg && -n $full_version ]] || die "qemu-system-x86 is not installed"
version=${full_version#*:}   # (no epoch: it would put a colon in paths)

# ---- the cache key ----
key=$( {
    echo "recipe"; cat "${BASH_SOURCE[0]}"
    echo "model"; if [[ -e $model ]]; then cat "$model"; else echo absent; fi
    for h in ${headers[@]+"${headers[@]}"}; do echo "header ${h##*/}"; cat "$h"; done
    for p in ${patches[@]+"${patches[@]}"}; do echo "patch ${p##*/}"; cat "$p"; done
    gcc --version | head -n1
} | sha256sum | cut -c1-12)
dir=$top/$version-$key
bin=$dir/qemu-system-x86_64
tree=$top/build-$version
work=$tree/src
obj=$tree/obj
log=${QEMU_BUILD_LOG:-$tree/build.log}
jobs=${QEMU_BUILD_JOBS:-$(nproc)}

print_vars() {
    printf 'QEMU_SG=%q QEMU_SG_FIRMWARE=%q\n' "$bin" "$firmware"
}

exec 9>"$top/.lock"
flock 9   # one builder per machine at a time; later callers find it done

if [[ -e $dir/.done && -x $bin ]]; then
    say "cached: $bin"
    print_vars
    exit 0
fi

t0=$SECONDS

# ---- Debian's source, Debian's patches applied (dpkg-source -x) ----
srcdir=$top/src/$version
if [[ ! -e $srcdir/.unpacked ]]; then
    rm -rf "$srcdir"
    mkdir -p "$srcdir"
    # A private apt configuration: a deb-src twin of every configured Debian
    # archive entry, with its own lists and cache, so the machine's
    # sources, lists and cache stay as they are. "Debian archive" = an entry
    # whose suites are this release's (bookworm, bookworm-updates,
    # bookworm-security): third-party repositories have no such sources.
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [[ -n $codename ]] || die "no VERSION_CODENAME in /etc/os-release"
    apt_dir=$tmp/apt
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    list=$apt_dir/debian-src.sources
    {
        # deb822 files: copy each enabled "Types: deb" paragraph of this
        # release's suites with Types: deb-src (other fields, Signed-By
        # included, as they are).
        for f in /etc/apt/sources.list.d/*.sources; do
            [[ -e $f ]] || continue
            awk -v cn="$codename" 'BEGIN { RS = ""; ORS = "\n\n" }
                {
                    types = ""; suites = ""; enabled = "yes"; n = split($0, l, "\n"); out = ""
                    for (i = 1; i <= n; i++) {
                        if (l[i] ~ /^#/) continue
                        if (tolower(l[i]) ~ /^types:/) { types = l[i]; sub(/^[^:]*:[ \t]*/, "", types); l[i] = "Types: deb-src" }
                        else if (tolower(l[i]) ~ /^suites:/) { suites = l[i]; sub(/^[^:]*:[ \t]*/, "", suites) }
                        else if (tolower(l[i]) ~ /^enabled:/) { enabled = tolower(l[i]); sub(/^[^:]*:[ \t]*/, "", enabled) }
                        out = out l[i] "\n"
                    }
                    if (enabled == "no" || (" " types " ") !~ / deb /) next
                    m = split(suites, s, /[ \t]+/); ok = m > 0
                    for (i = 1; i <= m; i++) if (s[i] !~ "^" cn "(-[a-z]+)?$") ok = 0
                    if (ok) printf "%s\n", out
                }' "$f"
        done
        # one-line files: "deb [options] URI suite components" -> the same as deb822
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [[ -e $f ]] || continue
            sed -e 's/#.*//' "$f" | awk -v cn="$codename" '
                $1 != "deb" { next }
                {
                    opts = ""; i = 2
                    if ($2 ~ /^\[/) { while ($i !~ /\]$/) opts = opts " " $(i++); opts = opts " " $(i++) }
                    uri = $i; suite = $(i + 1); comps = ""
                    for (j = i + 2; j <= NF; j++) comps = comps " " $j
                    if (suite !~ "^" cn "(-[a-z]+)?$") next
                    printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:%s\n", uri, suite, comps
                    gsub(/[][]/, "", opts)
                    if (match(opts, /signed-by=[^ ]+/)) printf "Signed-By: %s\n", substr(opts, RSTART + 10, RLENGTH - 10)
                    printf "\n"
                }'
        done
    } >"$list"
    grep -q '^Types: deb-src' "$list" || die "no Debian archive ($codename) found in /etc/apt/sources.list{,.d/*.sources,.d/*.list}"
    apt_opts=(-o "Dir::Etc::SourceList=$list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
              -o APT::Sandbox::User=_apt)
    say "fetching the source of $srcpkg $full_version (apt-get source, a private deb-src list)"
    apt-get -q "${apt_opts[@]}" update >"$tmp/apt.log" 2>&1 ||
        { cat "$tmp/apt.log" >&2; die "apt-get update (private deb-src list $list) failed"; }
    # apt's download sandbox runs as _apt: give it a directory it may write.
    dl=$tmp/dl
    mkdir -p "$dl"
    chown _apt "$dl" 2>/dev/null || true
    # (--download-only, then dpkg-source -x ourselves: the tree goes where we
    # say. --no-check: apt has checked the files against the Sources index,
    # itself signed; Debian's uploader keys are not on every machine.)
    (cd "$dl" && apt-get -q "${apt_opts[@]}" source --download-only "$srcpkg=$full_version") >"$tmp/apt.log" 2>&1 ||
        { cat "$tmp/apt.log" >&2; die "apt-get source $srcpkg=$full_version failed"; }
    dsc=$(ls "$dl"/"${srcpkg}_${version}".dsc)
    say "unpacking $(basename "$dsc") (Debian's patch series applied)"
    dpkg-source --no-check -x "$dsc" "$srcdir/tree" >"$tmp/dpkg-source.log" 2>&1 ||
        { cat "$tmp/dpkg-source.log" >&2; die "dpkg-source -x $dsc failed"; }
    [[ -x $srcdir/tree/configure ]] || die "no configure in $srcdir/tree"
    touch "$srcdir/.unpacked"   # (the tarballs go with $tmp: the tree is what is kept)
fi
pristine=$srcdir/tree

# ---- ours on top, in the kept tree ----
# The tree is made from pristine + our patches in a scratch copy, then
# synced by content (rsync --checksum, no times): a file keeps its timestamp
# unless its bytes changed, so ninja rebuilds only what a change touched.
patch_key=$( { echo "$pristine"; for p in ${patches[@]+"${patches[@]}"}; do echo "${p##*/}"; cat "$p"; done; } | sha256sum | cut -c1-12)
mkdir -p "$work"
if [[ $(cat "$tree/.patches" 2>/dev/null) != "$patch_key" ]]; then
    rm -f "$tree/.patches"
    say "applying ${#patches[@]} patch(es) of qemu/patches/ to $work"
    stage=$tmp/stage
    cp -a "$pristine" "$stage"
    for p in ${patches[@]+"${patches[@]}"}; do
        patch -d "$stage" -p1 -s --no-backup-if-mismatch -i "$p" >&2 || die "patch $p does not apply to $srcpkg $version"
    done
    # (our two files are handled below: keep whatever is in the tree)
    rsync -rl --checksum --delete --exclude=/hw/misc/edu_sg.c --exclude='/hw/misc/edusg*.h' "$stage/" "$work/"
    rm -rf "$stage"
    echo "$patch_key" >"$tree/.patches"
fi
# put FILE at DEST unless the same bytes are there (no new timestamp, no rebuild)
place() { cmp -s "$1" "$2" || cp "$1" "$2"; }
if [[ -e $model ]]; then
    place "$model" "$work/hw/misc/edu_sg.c"
else
    printf '%s\n' '/* qemu/edu_sg.c not written yet: no edu-sg device in this build (scripts/qemu-build.sh) */' \
        '#include "qemu/osdep.h"' >"$tmp/stub.c"
    place "$tmp/stub.c" "$work/hw/misc/edu_sg.c"
fi
for h in "$work"/hw/misc/edusg*.h; do   # (a header we no longer have must not be found)
    [[ ! -e $h || -e $in/include/${h##*/} ]] || rm -f "$h"
done
for h in ${headers[@]+"${headers[@]}"}; do place "$h" "$work/hw/misc/${h##*/}"; done

# ---- configure (once per tree, again when the options change) ----
: >"$log"
if [[ $(cat "$obj/.configured" 2>/dev/null) != "${configure_args[*]}" ]]; then
    rm -rf "$obj"
    mkdir -p "$obj"
    say "configuring in $obj (log: $log)"
    (cd "$obj" && "$work/configure" "${configure_args[@]}") >>"$log" 2>&1 ||
        { tail -n 40 "$log" >&2; die "configure failed (log: $log)"; }
    echo "${configure_args[*]}" >"$obj/.configured"
fi

# ---- build: only the emulator (no tools, no ROMs: Debian's are used) ----
t1=$SECONDS
say "building qemu-system-x86_64 (ninja -j$jobs, log: $log)"
if ! ninja -C "$obj" -j"$jobs" qemu-system-x86_64 >>"$log" 2>&1; then
    # the compiler's message: ninja's FAILED: block(s), without the command
    # line (a screenful of flags) or the progress lines; the model's lines
    # are named as in the repository (the copy is byte for byte)
    awk '/^FAILED:/ { on = 1; print; getline; next } /^ninja: build stopped/ { on = 0 }
         on && !/^\[[0-9]+\/[0-9]+\] / { print }' "$log" |
        sed 's#\.\./src/hw/misc/edu_sg\.c#qemu/edu_sg.c#g' | head -n 80 >&2
    die "build failed (log: $log)"
fi
built=$SECONDS

# ---- the binary must have what the boot configurations use ----
q=$obj/qemu-system-x86_64
machines=$("$q" -machine help) devices=$("$q" -device help)
for m in "${need_machines[@]}"; do
    grep -qE "^${m}[[:space:]]" <<<"$machines" || die "built QEMU has no machine $m"
done
for d in "${need_devices[@]}"; do
    grep -qF "name \"$d\"" <<<"$devices" || die "built QEMU has no device $d"
done
# -icount (TCG) and -nographic's stdio serial: start a pc machine paused,
# quit from the monitor on stdin.
# shellcheck disable=SC2086 # $firmware: "-L dir -L dir", a word list
printf 'quit\n' | timeout 30 "$q" $firmware -M pc -icount shift=3,sleep=off -display none -S \
    -serial none -monitor stdio -nic none >"$tmp/smoke.log" 2>&1 ||
    { cat "$tmp/smoke.log" >&2; die "built QEMU does not start a pc machine with -icount"; }

rm -rf "$dir"
mkdir -p "$dir"
cp "$q" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "$(date -u +%FT%TZ) source=$full_version key=$key model=$([[ -e $model ]] && echo yes || echo no) patches=${#patches[@]} jobs=$jobs build=$((built - t1))s total=$((SECONDS - t0))s" >"$dir/.done"
say "built in $((SECONDS - t0)) s (ninja $((built - t1)) s): $bin"
# Each edit of edu_sg.c leaves a binary (54 MB): keep the newest few, which
# covers clones on other revisions; an older one is rebuilt in seconds.
ls -1dt "$top"/*/.done 2>/dev/null | tail -n +5 | while read -r d; do rm -rf "${d%/.done}"; done
print_vars
