#!/usr/bin/env bash
# The manual pages (man/, man/man.mk):
#   - every page passes `mandoc -T lint -W warning` (no warning, no error);
#   - every function libdma.so exports (libdma/libdma.map) has a page of
#     its name, and the page it leads to names the function in NAME and
#     SYNOPSIS - so `man libdma_close` works and says something about it;
#   - dmactl.1 is exactly what scripts/dmactl-man.sh makes of the built
#     dmactl's help (with the page's own date): help and page cannot drift;
#   - make install-man puts every page under $(DESTDIR)$(MANDIR) and
#     uninstall-man removes them; man(1), where installed, renders
#     dmactl(1), libdma(3), edudma(4) and a function's page from there;
#   - the public headers (include/libdma.h, include/libdma/bench.h,
#     include/libdma/lab.h) pass the kernel's kernel-doc without a warning,
#     and every exported function, plus the header's inline helpers
#     libdma_region_buffer() and libdma_region_user(), has exactly one
#     kernel-doc block (Documentation/doc-guide/kernel-doc.rst). The script
#     comes from the kernel headers (linux-headers-amd64, a dependency of
#     make check); without it both steps are skipped.
#
#   tests/install/man-test.sh BUILD_DIR
#
# Prints one "ok"/"not ok"/"skip" line per step, then
#   EDUTEST-RESULT man passed=N failed=N skipped=N
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
build=${1:-build}
work=$(mktemp -d /tmp/edudma-man.XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$work/log
. tests/install/steps.sh


pages() { (cd man && ls man1/*.1 man3/*.3 man4/*.4); }

lint() {
    local p out bad=0
    command -v mandoc >/dev/null || { echo "mandoc missing (scripts/deps.sh installs it)"; return 1; }
    for p in $(pages); do
        [[ ! -L man/$p ]] || continue   # a function name's link: its target is linted
        out=$(cd man && mandoc -T lint -W warning "$p" 2>&1) || { echo "$p: $out"; bad=1; }
        [[ -z $out ]] || { echo "$out"; bad=1; }
    done
    return $bad
}

exported() {
    sed -n '/global:/,/local:\|}/p' libdma/libdma.map | grep -o 'libdma_[a-z0-9_]*' | sort -u
}

# The page `man 3 NAME` shows: NAME.3, or the page it links to.
target_of() {
    local f=man/man3/$1.3
    [[ -e $f ]] || return 1
    if [[ -L $f ]]; then echo "man/man3/$(readlink "$f")"; else echo "$f"; fi
}

every_function_documented() {
    local fn page bad=0 n=0
    for fn in $(exported); do
        n=$((n + 1))
        page=$(target_of "$fn") || { echo "$fn: no man/man3/$fn.3"; bad=1; continue; }
        [[ -f $page ]] || { echo "$fn: $page missing"; bad=1; continue; }
        # NAME lists it; SYNOPSIS declares it (".BI \"int fn(" or ".B ... fn(")
        sed -n '/^\.SH NAME/,/^\.SH/p' "$page" | grep -qw "$fn" ||
            { echo "$fn: not in NAME of $page"; bad=1; }
        sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$page" | grep -q "[ *]$fn(" ||
            { echo "$fn: not declared in SYNOPSIS of $page"; bad=1; }
    done
    echo "$n exported functions"
    ((n > 30)) || { echo "too few exported functions found in libdma/libdma.map: $n"; bad=1; }
    return $bad
}

dmactl_page_current() {
    local date
    [[ -x $build/tools/dmactl ]] || { echo "$build/tools/dmactl not built"; return 1; }
    date=$(sed -n 's/^\.TH DMACTL 1 \([0-9-]*\) .*/\1/p' man/man1/dmactl.1)
    [[ -n $date ]] || { echo "no date in man/man1/dmactl.1's .TH line"; return 1; }
    scripts/dmactl-man.sh "$build/tools/dmactl" "$date" >"$work/dmactl.1" || return 1
    diff -u man/man1/dmactl.1 "$work/dmactl.1" ||
        { echo "man/man1/dmactl.1 is not what dmactl's help says: run 'make man' and commit it"; return 1; }
}

dest=$work/root
mandir=$dest/usr/share/man
install_man() {
    make --no-print-directory -s DESTDIR="$dest" PREFIX=/usr install-man || return 1
    local p bad=0
    for p in $(pages); do
        cmp -s "man/$p" "$mandir/$p" || { echo "$p not installed as $mandir/$p"; bad=1; }
        [[ ! -L man/$p || -L $mandir/$p ]] || { echo "$p installed as a copy, not a link"; bad=1; }
    done
    return $bad
}

man_renders() {
    local what
    for what in "1 dmactl" "3 libdma" "4 edudma" "3 libdma_close"; do
        # shellcheck disable=SC2086 # section and name are two words
        MANWIDTH=80 man -M "$mandir" -P cat $what >"$work/out" 2>&1 ||
            { echo "man $what:"; cat "$work/out"; return 1; }
        grep -q "^NAME" "$work/out" || { echo "man $what: no NAME section"; return 1; }
    done
    # a function's link leads to its family's page
    MANWIDTH=80 man -M "$mandir" -P cat 3 libdma_close | grep -q "libdma_close(" ||
        { echo "man 3 libdma_close does not show its prototype"; return 1; }
}

uninstall_man() {
    make --no-print-directory -s DESTDIR="$dest" PREFIX=/usr uninstall-man || return 1
    [[ -z $(find "$mandir" ! -type d) ]] || { find "$mandir" ! -type d; return 1; }
}

# ------------------------------------------------------------- kernel-doc

headers=(include/libdma.h include/libdma/bench.h include/libdma/lab.h)

# The kernel's kernel-doc script: the first one installed.
kernel_doc=
for f in /usr/lib/linux-kbuild-*/scripts/kernel-doc /usr/src/linux-headers-*/scripts/kernel-doc; do
    [[ -f $f ]] && { kernel_doc=$f; break; }
done

# kernel-doc is a Perl script, or a Python one in newer kernels.
run_kernel_doc() {
    if head -n 1 "$kernel_doc" | grep -q python; then
        python3 "$kernel_doc" "$@"
    else
        perl "$kernel_doc" "$@"
    fi
}

# No output at all: every warning fails. -Wall adds the checks of return
# value descriptions, short descriptions and contents before sections; a
# kernel-doc without it (6.1's) has them under -v, which also prints an
# "info: Scanning doc for ..." line per block (dropped here).
kernel_doc_clean() {
    local warn=-Wall status
    grep -q Wall "$kernel_doc" || warn=-v
    echo "$kernel_doc -none $warn ${headers[*]}:"
    run_kernel_doc -none "$warn" "${headers[@]}" >"$work/kdoc" 2>&1
    status=$?
    grep -v ': info: Scanning doc for ' "$work/kdoc" >"$work/kdoc.warnings"
    [[ -s $work/kdoc.warnings ]] && { cat "$work/kdoc.warnings"; return 1; }
    ((status == 0)) || { echo "kernel-doc exited with $status"; return 1; }
}

# One block per function: kernel-doc -rst -function NAME prints the blocks
# documenting NAME's prototype, each as ".. c:function:: ... NAME (...)".
every_function_kernel_doc() {
    local fn n bad=0 count=0
    for fn in $(exported) libdma_region_buffer libdma_region_user; do
        count=$((count + 1))
        run_kernel_doc -rst -function "$fn" "${headers[@]}" >"$work/kdoc.rst" 2>"$work/kdoc.err"
        n=$(grep -cE "^\.\. c:function:: .*[ *]$fn ?\(" "$work/kdoc.rst")
        case $n in
        1) ;;
        0) echo "$fn: no kernel-doc block in ${headers[*]}"; cat "$work/kdoc.err"; bad=1 ;;
        *) echo "$fn: $n kernel-doc blocks, want one"; bad=1 ;;
        esac
    done
    echo "$count functions"
    ((count > 32)) || { echo "too few functions: $count"; bad=1; }
    return $bad
}

step "every page passes mandoc -T lint -W warning" lint
step "every exported function has a page that names and declares it" every_function_documented
step "man/man1/dmactl.1 is generated from dmactl's current help" dmactl_page_current
step "install-man installs every page" install_man
if command -v man >/dev/null; then
    step "man renders dmactl(1), libdma(3), edudma(4), libdma_close(3)" man_renders
else
    skip "man renders the installed pages" "no man(1) here"
fi
step "uninstall-man removes them" uninstall_man
if [[ -n $kernel_doc ]]; then
    step "public headers pass kernel-doc -none -Wall" kernel_doc_clean
    step "every exported function has a kernel-doc block" every_function_kernel_doc
else
    skip "public headers pass kernel-doc -none -Wall" "no kernel-doc script in /usr/lib/linux-kbuild-*/scripts or /usr/src/linux-headers-*/scripts; scripts/deps.sh installs linux-headers-amd64"
    skip "every exported function has a kernel-doc block" "no kernel-doc script"
fi

steps_result man
