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
