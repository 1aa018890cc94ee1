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
