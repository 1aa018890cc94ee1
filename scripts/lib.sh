# shellcheck shell=bash
# Helpers sourced by the other scripts (bash).

# list_tests DIR: print the test programs of DIR in run order, one per line.
# DIR/order, if present, is the exact list (one name per line, # comments and
# blank lines ignored); otherwise every executable regular file, alphabetically.
list_tests() {
    local dir=$1 name f
    if [[ -f $dir/order ]]; then
        sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$dir/order"
        return
    fi
    for f in "$dir"/*; do
        name=${f##*/}
        [[ -f $f && -x $f && $name != order ]] && echo "$name"
    done | LC_ALL=C sort
}

# serial_part LOG TAG NAME OUT: the lines of the serial log LOG between
# "@@TAG NAME BEGIN" and "@@TAG NAME END" (carriage returns dropped) into
# OUT; false when there were none (scripts/lab.sh).
serial_part() {
    tr -d '\r' <"$1" | awk -v b="@@$2 $3 BEGIN" -v e="@@$2 $3 END" \
        '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' >"$4"
    [[ -s $4 ]]
}

# ensure_packages WHO PKG...: install the Debian packages of the list that are
# not installed ("ii"), quietly; nothing when all are. WHO names the caller
# in messages. Needs root only when something is missing. (deps.sh for the
# project's list, debug-kernel.sh and qemu-build.sh for their builds.)
ensure_packages() {
    local who=$1 p missing=()
    shift
    for p in "$@"; do
        [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == "ii " ]] || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    if ((EUID != 0)); then
        echo "$who: missing packages ${missing[*]} (run as root to install them)" >&2
        return 1
    fi
    echo "$who: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # the lists may be stale or absent on a fresh machine: update once, retry
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
        { apt-get -qq update && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}
