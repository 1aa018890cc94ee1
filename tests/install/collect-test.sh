#!/usr/bin/env bash
# scripts/collect.sh on made-up guest logs: what fails a boot and what does
# not. Here: IOMMU (DMAR) faults. A test that causes faults on purpose
# (tests/guest/test_edusg.c) prints "@@EDUTEST EXPECT-DMAR-FAULTS <address>"
# first; only that device's fault lines (and the generic "DRHD: handling
# fault status" lines) are then forgiven, in that log only.
#
#   tests/install/collect-test.sh
#
# Prints one "ok"/"not ok" line per step, then
#   EDUTEST-RESULT collect passed=N failed=N skipped=N
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
work=$(mktemp -d /tmp/edudma-collect.XXXXXX)
[[ ${KEEP:-0} == 1 ]] && echo "scratch: $work" || trap 'rm -rf "$work"' EXIT
log=$work/log
. tests/install/steps.sh

# guestlog NAME [LINES...]: a guest log whose one program passed, with
# LINES (kernel lines, markers) inside the program's run.
guestlog() {
    local f=$work/$1.log
    shift
    {
        echo "@@EDUTEST CONFIG $(basename "$f" .log)"
        echo "@@EDUTEST BEGIN test_x"
        printf '%s\n' "$@"
        echo "EDUTEST-RESULT test_x passed=3 failed=0 skipped=0"
        echo "@@EDUTEST END test_x rc=0"
        echo "@@EDUTEST MODUNLOAD rc=0"
        echo "@@DMESG BEGIN"
        printf '%s\n' "$@" | grep '^\[' || true
        echo "@@DMESG END"
        echo "@@EDUTEST DONE"
        echo "@@QEMU EXIT 0"
    } >"$f"
    echo "$f"
}

read_fault='[   12.345678] DMAR: [DMA Read NO_PASID] Request device [00:04.0] fault addr 0xe0000000 [fault reason 0x06] PTE Read access is not set'
write_fault='[   12.345999] DMAR: [DMA Write NO_PASID] Request device [00:04.0] fault addr 0xe0010000 [fault reason 0x05] PTE Write access is not set'
other_fault='[   12.346000] DMAR: [DMA Read NO_PASID] Request device [00:05.0] fault addr 0x1000 [fault reason 0x06] PTE Read access is not set'
drhd='[   12.345600] DMAR: DRHD: handling fault status reg 2'
marker='@@EDUTEST EXPECT-DMAR-FAULTS 0000:00:04.0'

passes() { scripts/collect.sh "$@"; }
fails() {
    if scripts/collect.sh "$@"; then
        echo "collect.sh passed, expected a failure"
        return 1
    fi
    return 0
}
# fails_naming TEXT LOG...: fails, and the summary quotes TEXT
fails_naming() {
    local text=$1 out
    shift
    if out=$(scripts/collect.sh "$@"); then
        echo "$out"; echo "collect.sh passed, expected a failure"; return 1
    fi
    echo "$out"
    grep -qF -- "$text" <<<"$out"
}

step "a clean log passes" passes "$(guestlog clean)"
step "an unexpected DMAR fault fails" \
    fails_naming "Request device [00:04.0]" "$(guestlog unexpected "$drhd" "$read_fault")"
step "the generic DRHD line alone fails without a marker" \
    fails_naming "handling fault status" "$(guestlog drhd "$drhd")"
step "faults of the announced device pass" \
    passes "$(guestlog expected "$marker" "$drhd" "$read_fault" "$drhd" "$write_fault")"
step "a fault before the marker still fails" \
    fails_naming "fault addr 0xe0000000" "$(guestlog before "$drhd" "$read_fault" "$marker" "$write_fault")"
step "another device's fault fails despite the marker" \
    fails_naming "Request device [00:05.0]" "$(guestlog otherdev "$marker" "$drhd" "$read_fault" "$other_fault")"
step "the marker covers only its own log" \
    fails_naming "[otherlog] kernel log reports problems" \
    "$(guestlog marked "$marker" "$read_fault")" "$(guestlog otherlog "$drhd" "$read_fault")"
step "the marker forgives only DMAR faults" \
    fails_naming "WARNING: CPU: 0" "$(guestlog warn "$marker" "$read_fault" \
        '[   13.000000] WARNING: CPU: 0 PID: 1 at drivers/iommu/intel/dmar.c:1 x+0x1/0x2')"
step "a malformed marker forgives nothing" \
    fails "$(guestlog badmarker '@@EDUTEST EXPECT-DMAR-FAULTS all' "$read_fault")"

steps_result collect
