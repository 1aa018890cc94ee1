#!/usr/bin/env bash
# The real-machine packaging, without touching this machine: the udev rules
# and sysusers snippet as `make install-udev` installs them into a scratch
# DESTDIR (and systemd-sysusers creating the group from it there), and the
# DKMS source tree `make dkms-source` copies - complete enough that kbuild
# finds every object and header it needs. (The rules themselves are run by
# the real udevd in the guest: tests/guest/test_udev.c. A real `dkms build`
# takes 10-30 s: `make dkms-check`, not run here.)
#
#   tests/install/packaging-test.sh
#
# Prints one "ok"/"not ok"/"skip" line per step, then
#   EDUTEST-RESULT packaging passed=N failed=N skipped=N
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
work=$(mktemp -d /tmp/edudma-packaging.XXXXXX)
[[ ${KEEP:-0} == 1 ]] && echo "scratch: $work" || trap 'rm -rf "$work"' EXIT
dest=$work/root
log=$work/log
. tests/install/steps.sh


mk() { make --no-print-directory -s DESTDIR="$dest" "$@"; }

rules=$dest/usr/lib/udev/rules.d/60-edudma.rules
sysusers=$dest/usr/lib/sysusers.d/edudma.conf

install_udev() {
    out=$(mk install-udev) || return 1
    # with a DESTDIR nothing on this machine is touched (no group, no reload)
    [[ -z $out ]] || { echo "unexpected output: $out"; return 1; }
    [[ $(stat -c %a "$rules") == 644 && $(stat -c %a "$sysusers") == 644 ]] &&
        cmp udev/60-edudma.rules "$rules" && cmp udev/edudma.sysusers "$sysusers"
}

# The group the rules give the nodes is the one sysusers creates.
same_group() {
    local rule_groups sysusers_groups
    rule_groups=$(grep -o 'GROUP="[^"]*"' "$rules" | sort -u)
    sysusers_groups=$(awk '$1 == "g" { print "GROUP=\"" $2 "\"" }' "$sysusers")
    echo "rules: $rule_groups; sysusers: $sysusers_groups"
    [[ -n $rule_groups && $rule_groups == "$sysusers_groups" ]] &&
        grep -q 'MODE="0660"' "$rules"
}

# systemd-sysusers reads DESTDIR's sysusers.d and writes DESTDIR/etc/group.
sysusers_creates_group() {
    mkdir -p "$dest/etc" &&
        systemd-sysusers --root="$dest" &&
        grep '^edudma:x:[0-9]*:' "$dest/etc/group" &&
        (($(cut -d: -f3 < <(grep '^edudma:' "$dest/etc/group")) < 1000))  # a system group
}

uninstall_udev() {
    mk uninstall-udev && [[ ! -e $rules && ! -e $sysusers ]]
}

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
src=$dest/usr/src/edudma-$version

dkms_conf() {
    # the fields dkms needs, and the ones this package relies on
    [[ -n $version ]] &&
        grep -qx 'PACKAGE_NAME="edudma"' dkms.conf &&
        grep -qx 'BUILT_MODULE_NAME\[0\]="edudma"' dkms.conf &&
        grep -qx 'BUILT_MODULE_LOCATION\[0\]="driver/"' dkms.conf &&
        grep -qx 'AUTOINSTALL="yes"' dkms.conf &&
        grep -q '^MAKE\[0\]=.*-C driver.*KDIR=\${kernel_source_dir}' dkms.conf &&
        # dkms.conf is sourced by bash: it must parse
        (set -e; kernel_source_dir=/k; . ./dkms.conf; [[ $MAKE == *"KDIR=/k"* ]])
}

dkms_source() {
    mk dkms-source && [[ -f $src/dkms.conf && -f $src/driver/Makefile && -f $src/driver/Kbuild ]] &&
        # sources only: nothing kbuild generated
        [[ -z $(find "$src" -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '*.cmd' -o -name 'Module.symvers') ]]
}

# Every object Kbuild lists has its .c, and every include that is not the
# kernel's resolves inside the copy (driver/ or the ../include that Kbuild
# adds with -I).
dkms_source_complete() {
    local objs o f inc missing=0
    objs=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$src/driver/Kbuild" |
        sed -n 's/^edudma-y[[:space:]]*[:+]*=//p')
    [[ -n $objs ]] || { echo "no edudma-y in Kbuild"; return 1; }
    for o in $objs; do
        [[ -f $src/driver/${o%.o}.c ]] || { echo "missing driver/${o%.o}.c"; missing=1; }
    done
    for f in "$src"/driver/*.[ch] "$src"/include/*/*.h; do
        while read -r inc; do
            [[ -f $src/driver/$inc || -f $src/include/$inc || -f $(dirname "$f")/$inc ]] ||
                { echo "$f: #include $inc not in the copy"; missing=1; }
        done < <(sed -n -e 's/^#include "\(.*\)".*/\1/p' \
                        -e 's/^#include <\(\(edu\|uapi\)\/.*\)>.*/\1/p' "$f")
    done
    ((missing == 0))
}

step "install-udev into a DESTDIR: rules and sysusers.d, mode 0644" install_udev
step "the rules' GROUP is the sysusers group, MODE 0660" same_group
if command -v systemd-sysusers >/dev/null; then
    step "systemd-sysusers creates system group edudma from the snippet" sysusers_creates_group
else
    skip "systemd-sysusers creates group edudma" "no systemd-sysusers here"
fi
step "uninstall-udev removes both" uninstall_udev
step "dkms.conf: name, module, location, MAKE with KDIR, AUTOINSTALL" dkms_conf
step "dkms-source copies sources only" dkms_source
step "dkms-source copy has every object and header kbuild needs" dkms_source_complete

steps_result packaging
