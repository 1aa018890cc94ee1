#!/usr/bin/env bash
# Install libdma into a scratch DESTDIR and use it from there the way a
# user would: pkg-config, the installed headers alone (libdma.h and its
# parts, libdma/bench.h and libdma/lab.h), the shared and the static
# library, C and C++. Also the linkage test: every function libdma.h
# declares (itself or through its parts) must resolve against libdma.so,
# and libdma.so must export nothing else, each symbol in the version node
# libdma.map gives it.
# Then the whole `make install` (INSTALL_MODULE=0: no kernel headers for the
# running kernel here): dmactl and the uapi header arrive, and `make
# uninstall` takes everything away again.
#
#   tests/install/consumer-test.sh [BUILD_DIR]     (default: build)
#
# Environment: MAKEFILE (default Makefile) - the makefile that includes
# libdma/libdma.mk; KEEP=1 keeps the scratch directory; CONSUMER_LDFLAGS -
# more flags for linking the static consumer (make coverage: --coverage,
# since its libdma.a needs the gcov runtime).
# CONSUMER_ROOT=DIR CONSUMER_PREFIX=/usr CONSUMER_LIBDIR=/usr/lib/<multiarch>
# CONSUMER_RESULT=NAME: nothing is installed; the same consumer steps run
# against what is already under DIR - the unpacked libdma1 + libdma-dev
# packages (tests/install/deb-consumer-test.sh) - and the install,
# uninstall and `make install` steps are left out.
# Prints one "ok"/"not ok" line per step, then
#   EDUTEST-RESULT install passed=N failed=N skipped=0
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
build=${1:-build}
root=${CONSUMER_ROOT:-}
prefix=${CONSUMER_PREFIX:-/usr/local}
work=$(mktemp -d /tmp/libdma-install.XXXXXX)
[[ ${KEEP:-0} == 1 ]] && echo "scratch: $work" || trap 'rm -rf "$work"' EXIT
dest=${root:-$work/root}
libdir=$dest${CONSUMER_LIBDIR:-$prefix/lib}
log=$work/log
. tests/install/steps.sh
# In a pipeline, "grep -q" may exit at the first match while the writer
# still writes: with pipefail the writer's SIGPIPE fails the step at random.
# matches reads everything instead.
matches() { grep "$@" >/dev/null; }
# The shared object's file name follows libdma.mk's LIBDMA_SO_VERSION.
so_version=$(sed -n 's/^LIBDMA_SO_VERSION[[:space:]]*:=[[:space:]]*//p' libdma/libdma.mk)
so_file=libdma.so.$so_version


export PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$dest
export LD_LIBRARY_PATH=$libdir

install_libdma() {
    { [[ -n $root ]] || make -f "${MAKEFILE:-Makefile}" --no-print-directory BUILD="$build" \
        PREFIX="$prefix" DESTDIR="$dest" install-libdma; } &&
        test -f "$dest$prefix/include/libdma.h" &&
        test -f "$dest$prefix/include/libdma/bench.h" &&
        test -f "$dest$prefix/include/libdma/lab.h" &&
        test -n "$so_version" && test -f "$libdir/$so_file" && test -L "$libdir/libdma.so.1" &&
        test -L "$libdir/libdma.so" && test -f "$libdir/libdma.a" &&
        test -f "$libdir/pkgconfig/libdma.pc" &&
        # the kernel's ABI header stays private: libdma.h must not need it
        ! grep -q '^#include.*edudma' "$dest$prefix/include/libdma.h" \
            "$dest$prefix/include/libdma/"*.h
}

check_soname() {
    readelf -d "$libdir/$so_file" | matches 'SONAME.*\[libdma\.so\.1\]' &&
        [[ $(readlink "$libdir/libdma.so.1") == "$so_file" ]]
}

check_pkg_config() {
    local header_version
    header_version=$(sed -n 's/^#define LIBDMA_VERSION_MAJOR[[:space:]]*//p' include/libdma.h).$(
        sed -n 's/^#define LIBDMA_VERSION_MINOR[[:space:]]*//p' include/libdma.h)
    pkg-config --exists libdma &&
        [[ $(pkg-config --modversion libdma) == "$header_version" ]] &&
        pkg-config --cflags libdma | matches -- "-I$dest$prefix/include" &&
        pkg-config --libs libdma | matches -- "-ldma" &&
        pkg-config --static --libs libdma | matches -- "-ludev"
}

build_c() {
    # shellcheck disable=SC2046 # pkg-config output is a word list
    cc -std=c99 -pedantic -Wall -Wextra -Werror -o "$work/consumer-c" \
        tests/install/consumer.c $(pkg-config --cflags --libs libdma)
}

build_cxx() {
    # shellcheck disable=SC2046
    c++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -o "$work/consumer-cxx" \
        tests/install/consumer.c $(pkg-config --cflags --libs libdma)
}

build_static() {
    local libs
    libs=$(pkg-config --static --libs libdma)
    # -l:libdma.a: the archive even though libdma.so sits next to it
    # shellcheck disable=SC2046,SC2086
    cc -std=c99 -Wall -Werror -o "$work/consumer-static" tests/install/consumer.c \
        $(pkg-config --cflags libdma) ${libs/-ldma/-l:libdma.a} ${CONSUMER_LDFLAGS:-} &&
        ! readelf -d "$work/consumer-static" | matches 'libdma\.so'
}

# Each installed header compiles first in a file, as C and as C++: the
# parts (libdma/*.h) bring libdma.h with them, and every order of
# inclusion declares the same.
headers_alone() {
    local h
    for h in $(cd "$dest$prefix/include" && echo libdma.h libdma/*.h); do
        printf '%s\n' "#include <$h>" '#include <libdma/lab.h>' \
            '#include <libdma/bench.h>' '#include <libdma.h>' \
            'int main(void) { struct libdma_bench_config b; struct libdma_lab_config l;' \
            '  libdma_bench_config_init(&b); libdma_lab_config_init(&l);' \
            '  return (int)(b.repetitions + l.iterations) + LIBDMA_VERSION_MAJOR; }' \
            >"$work/alone.c" &&
            cc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only \
                -I"$dest$prefix/include" "$work/alone.c" &&
            c++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only \
                -I"$dest$prefix/include" "$work/alone.c" || { echo "$h"; return 1; }
    done
}

# The dynamic consumers must run against the installed copy, not another.
run_consumer() {
    ldd "$1" | matches "$libdir/libdma.so.1" && "$1"
}

# Functions libdma.h declares, itself or in its parts include/libdma/*.h
# (not its static inline helpers), from the compiler's own list of
# prototypes (-aux-info), so no parsing of C by hand.
declared_functions() {
    printf '#include <libdma.h>\n' >"$work/aux.c"
    cc -fsyntax-only -I"$dest$prefix/include" -aux-info "$work/aux.txt" "$work/aux.c" &&
        grep -E '/include/libdma(\.h|/[a-z_]+\.h):' "$work/aux.txt" | grep ' extern ' |
        sed -n 's/.*[ *]\(libdma_[A-Za-z0-9_]*\) (.*/\1/p' | sort -u
}

# A program taking the address of every declared function, linked against
# the shared library with immediate binding: an unexported one fails here.
linkage_test() {
    local names
    names=$(declared_functions) && [[ -n $names ]] || return 1
    {
        echo '#include <stdio.h>'
        echo '#include <libdma.h>'
        echo 'typedef void (*fn_t)(void);'
        echo 'static const fn_t functions[] = {'
        for n in $names; do echo "	(fn_t)$n,"; done
        echo '};'
        echo 'int main(void)'
        echo '{'
        echo '	size_t i, n = sizeof(functions) / sizeof(functions[0]);'
        echo '	for (i = 0; i < n; i++)'
        echo '		if (!functions[i])'
        echo '			return 1;'
        echo '	printf("%zu functions resolved\n", n);'
        echo '	return 0;'
        echo '}'
    } >"$work/linkage.c"
    # shellcheck disable=SC2046
    cc -Wall -Werror -o "$work/linkage" "$work/linkage.c" -Wl,-z,now \
        $(pkg-config --cflags --libs libdma) && LD_BIND_NOW=1 "$work/linkage"
}

# libdma.so exports exactly what the header declares: no more, no less.
exports_match_header() {
    declared_functions >"$work/declared" &&
        nm -D --defined-only "$libdir/$so_file" |
        awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u >"$work/exported" &&
        diff -u "$work/declared" "$work/exported"
}

# Every exported function carries the version node libdma.map puts it in
# (LIBDMA_1, LIBDMA_1.1...): a function moved between nodes breaks binaries
# linked against the old node.
symbol_versions_match_map() {
    awk '/^[A-Z][A-Z0-9_.]* *\{/ { node = $1 }
         node != "" && /^[[:space:]]+[a-z_0-9]+;/ { gsub(/[;[:space:]]/, ""); print $0 "@@" node }
         /^\}/ { node = "" }' libdma/libdma.map | sort >"$work/map-versions" &&
        [[ -s $work/map-versions ]] &&
        nm -D --defined-only "$libdir/$so_file" | awk '$2 == "T" { print $3 }' |
        sort >"$work/so-versions" &&
        diff -u "$work/map-versions" "$work/so-versions"
}

uninstall_libdma() {
    make -f "${MAKEFILE:-Makefile}" --no-print-directory BUILD="$build" \
        PREFIX="$prefix" DESTDIR="$dest" uninstall-libdma &&
        [[ -z $(find "$dest" -type f -o -type l) ]] &&
        [[ ! -e $dest$prefix/include/libdma ]]
}

if [[ -n $root ]]; then
    step "libdma's files are installed under $root" install_libdma
else
    step "install-libdma into a DESTDIR" install_libdma
fi
step "soname libdma.so.1" check_soname
step "pkg-config finds libdma with the header's version" check_pkg_config
step "each installed header compiles on its own (C99, C++11)" headers_alone
step "consumer builds as C99 from the installed files" build_c
step "consumer builds as C++11 from the installed files" build_cxx
step "consumer links the static library" build_static
step "C consumer runs against the installed libdma.so" run_consumer "$work/consumer-c"
step "C++ consumer runs" run_consumer "$work/consumer-cxx"
step "static consumer runs" "$work/consumer-static"
step "linkage: every function in libdma.h resolves" linkage_test
step "libdma.so exports exactly libdma.h's functions" exports_match_header
step "every symbol has libdma.map's version node" symbol_versions_match_map
[[ -z $root ]] || { steps_result "${CONSUMER_RESULT:-install}"; exit; }
step "uninstall-libdma removes everything" uninstall_libdma

# The whole install, as users run it, without the module.
make_all() {
    make -f "${MAKEFILE:-Makefile}" --no-print-directory BUILD="$build" \
        PREFIX="$prefix" DESTDIR="$dest" INSTALL_MODULE=0 "$@"
}

install_all() {
    make_all install &&
        test -x "$dest$prefix/bin/dmactl" &&
        test -f "$dest$prefix/include/edudma/edudma.h" &&
        cmp include/uapi/edudma.h "$dest$prefix/include/edudma/edudma.h" &&
        test -f "$dest$prefix/include/libdma.h" && test -f "$libdir/$so_file" &&
        # INSTALL_MODULE=0: no module
        [[ -z $(find "$dest" -name 'edudma.ko*') ]]
}

# The installed tool runs and knows its versions; without a device it
# says why and exits 3 (the status its help gives for "no device").
run_installed_dmactl() {
    local out rc=0
    "$dest$prefix/bin/dmactl" version | matches "^libdma $(pkg-config --modversion libdma)" &&
        "$dest$prefix/bin/dmactl" --help | matches 'Exit status' || return 1
    out=$("$dest$prefix/bin/dmactl" info nonsense! 2>&1) || rc=$?
    echo "$out"
    ((rc == 3)) && grep -q "cannot open device 'nonsense!'" <<<"$out"
}

# A raw-ABI program builds from the installed uapi header alone.
build_uapi_consumer() {
    printf '%s\n' '#include <sys/ioctl.h>' '#include <edudma/edudma.h>' \
        'int main(void) { struct edudma_info i = { 0 };' \
        '  return EDUDMA_IOC_INFO == 0 || i.abi_version != 0; }' >"$work/raw.c" &&
        cc -std=c99 -Wall -Werror -I"$dest$prefix/include" -o "$work/raw" "$work/raw.c" &&
        "$work/raw"
}

uninstall_all() {
    make_all uninstall &&
        [[ -z $(find "$dest" -type f -o -type l) ]] &&
        [[ ! -e $dest$prefix/include/edudma ]]
}

step "make install (INSTALL_MODULE=0): dmactl, edudma/edudma.h, libdma" install_all
step "installed dmactl runs and exits 3 for a bad device" run_installed_dmactl
step "a raw-ABI program builds against the installed edudma/edudma.h" build_uapi_consumer
step "make uninstall removes everything install put there" uninstall_all

steps_result install
