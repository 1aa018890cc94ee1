# shellcheck shell=bash
# The TAP-like harness of the install tests (consumer-test.sh,
# packaging-test.sh, man-test.sh), sourced by each after it has set $log
# (a scratch file for a step's output):
#   step NAME COMMAND...   run a step; "ok - NAME", or "not ok - NAME" and
#                          the step's output indented
#   skip NAME WHY          "skip - NAME (WHY)"
#   steps_result PROGRAM   "EDUTEST-RESULT PROGRAM passed=N failed=N
#                          skipped=N" (what collect.sh reads); returns
#                          non-zero when a step failed
passed=0 failed=0 skipped=0

step() {
    local name=$1
    shift
    if "$@" >"$log" 2>&1; then
        echo "ok - $name"
        passed=$((passed + 1))
    else
        echo "not ok - $name"
        sed 's/^/    /' "$log"
        failed=$((failed + 1))
    fi
}

skip() { echo "skip - $1 ($2)"; skipped=$((skipped + 1)); }

steps_result() {
    echo "EDUTEST-RESULT $1 passed=$passed failed=$failed skipped=$skipped"
    ((failed == 0))
}
