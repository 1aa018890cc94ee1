#!/usr/bin/env bash
# Summarise test logs; exit non-zero on any failure.
#   collect.sh [--host FILE]... [GUEST_LOG]...
# Every test program prints, as its last line,
#   EDUTEST-RESULT <program> passed=<n> failed=<n> skipped=<n>
# and exits 0 iff failed==0. Guest logs (run-guest.sh) frame each program with
# "@@EDUTEST BEGIN <name>" / "@@EDUTEST END <name> rc=<n>". Host files may use
# the same framing (check.sh adds it) or just contain EDUTEST-RESULT lines.
# Extra failures: a framed program with rc!=0 but failed=0, or with no result
# line; in guest logs, no "@@EDUTEST DONE", "@@EDUTEST MODLOAD FAIL", a failed
# module unload, "@@QEMU EXIT" != 0 (or missing), and kernel log lines (with a
# printk timestamp, anywhere in the log) matching BUG:/WARNING:/Oops:/etc.
# (the debug kernel's detectors too: KASAN and lockdep print BUG:/WARNING:,
# DMA-API debug "DMA-API:", kmemleak "suspected memory leaks") and, between
# "@@KMEMLEAK BEGIN" and "@@KMEMLEAK END" (guest-init.sh), any
# "unreferenced object".
# IOMMU faults a test causes on purpose (tests/guest/test_edusg.c): after
# "@@EDUTEST EXPECT-DMAR-FAULTS <pci address>" in a guest log, DMAR fault
# lines naming that device ("Request device [00:04.0]") and the generic
# "DRHD: handling fault status" lines are not failures in that log; every
# other DMAR fault line still is.
# Last line: "N passed, N failed" (", N skipped" when >0).
set -euo pipefail

args=()
while (($#)); do
    case $1 in
        --host) args+=(mode=host "$2"); shift 2 ;;
        --host=*) args+=(mode=host "${1#*=}"); shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) args+=(mode=guest "$1"); shift ;;
    esac
done
((${#args[@]})) || { echo "usage: collect.sh [--host FILE]... [GUEST_LOG]..." >&2; exit 2; }
for ((i = 1; i < ${#args[@]}; i += 2)); do
    [[ -f ${args[i]} ]] || { echo "collect.sh: ${args[i]}: no such file" >&2; exit 2; }
done

exec awk '
function fail(msg) { fails[++nfail] = "FAIL [" label "] " msg; extra++ }
function num(s, key,   i, r) {  # value of key=N in s
    i = index(s, key "="); if (!i) return 0
    r = substr(s, i + length(key) + 1); sub(/[^0-9].*/, "", r); return r + 0
}
function record(prog, p, f, s) {
    P += p; F += f; S += s; nprog++
    line = "[" label "] " prog ": " p " passed, " f " failed"
    if (s > 0) line = line ", " s " skipped"
    print line
    if (f > 0) {
        fails[++nfail] = "FAIL [" label "] " prog ": " f " failed"  # (already counted)
        # the CUnit assertions that failed, so a CI log names them
        for (i = 1; i <= nal; i++) fails[++nfail] = "    " al[i]
    }
    nal = 0
}
function close_prog(rc, how) {  # finish the program opened by BEGIN
    if (res == "") {
        print "[" label "] " cur ": no result (" how ")"
        fail(cur ": no EDUTEST-RESULT line (" how ")"); nprog++
    } else {
        record(cur, num(res, "passed"), num(res, "failed"), num(res, "skipped"))
        if (rc != 0 && num(res, "failed") == 0) fail(cur ": " how " but reported failed=0")
    }
    cur = ""; res = ""
}
function expected_dmar(l,   d) {  # a DMAR fault line the log announced (EXPECT-DMAR-FAULTS)
    if (!ndmar_ok || l !~ /DMAR: /) return 0
    if (l ~ /DMAR: DRHD: handling fault status reg [0-9a-fA-F]+ *$/) return 1
    if (!match(l, /DMAR: \[DMA (Read|Write)[^]]*\] Request device \[[0-9a-fA-F]+:[0-9a-fA-F]+\.[0-7]\] fault addr /)) return 0
    d = substr(l, RSTART, RLENGTH); sub(/.*Request device \[/, "", d); sub(/\].*/, "", d)
    return (tolower(d) in dmar_ok)
}
function finish_file() {
    if (FILENAME_prev == "") return
    if (cur != "") close_prog(-1, "did not finish, guest died?")
    if (fmode == "guest") {
        if (!done) fail("guest did not reach @@EDUTEST DONE (panic, hang or crash)")
        if (qemu == "") fail("no @@QEMU EXIT line in " FILENAME_prev)
        else if (qemu != 0) {
            fail("QEMU exited with status " qemu (qemu == 124 ? " (timeout)" : ""))
            for (i = 1; i <= nq; i++) fails[++nfail] = "    " ql[i]
        }
        if (nk) {
            fail("kernel log reports problems (" FILENAME_prev "):")
            for (i = 1; i <= nk; i++) fails[++nfail] = "    " kl[i]
        }
        if (nleak) {
            fail("kmemleak: " nleak " unreferenced objects (" FILENAME_prev "):")
            for (i = 1; i <= nml; i++) fails[++nfail] = "    " ml[i]
            if (nml < nmlall) fails[++nfail] = "    ... (" nmlall - nml " more lines in the log)"
        }
    } else if (!seen && !framed) fail(FILENAME_prev ": no EDUTEST-RESULT line")
}
FNR == 1 {
    finish_file(); FILENAME_prev = FILENAME; fmode = mode
    cur = ""; res = ""; done = 0; qemu = ""; seen = 0; framed = 0; tmo = 0; nk = 0; nq = 0; pend = ""; delete klines
    inleak = 0; nleak = 0; nml = 0; nmlall = 0; delete dmar_ok; ndmar_ok = 0
    label = FILENAME; sub(/.*\//, "", label); sub(/\.log$/, "", label)
    if (mode == "host") label = "host"
}
{
    gsub(/\r/, "")
    # A kernel message can land in the middle of a line a program is writing:
    # "EDUTEST-RESULT x pas[   9.1] edudma: ...\nsed=1 ...". Keep the kernel
    # part as its own line and glue the program text back together.
    if (pend != "" && $0 !~ /^\[ *[0-9]+\.[0-9]+\] /) { $0 = pend $0; pend = "" }
    if (match($0, /\[ *[0-9]+\.[0-9]+\] /) && RSTART > 1) {
        pre = substr($0, 1, RSTART - 1); $0 = substr($0, RSTART)
        if (pre !~ /\033/) pend = pend pre  # (boot-time escape sequences: dropped)
    }
}
/@@EDUTEST CONFIG / { label = $0; sub(/.*@@EDUTEST CONFIG /, "", label); sub(/ .*/, "", label) }
/@@EDUTEST BEGIN / {
    if (cur != "") close_prog(-1, "no END line")
    cur = $0; sub(/.*@@EDUTEST BEGIN /, "", cur); sub(/ .*/, "", cur); res = ""; framed = 1; nal = 0
}
/@@EDUTEST TIMEOUT / { tmo = 1 }
# expected IOMMU faults of one device, in this log: "0000:00:04.0" -> "00:04.0"
fmode == "guest" && /@@EDUTEST EXPECT-DMAR-FAULTS [0-9a-fA-F]+:[0-9a-fA-F]+:[0-9a-fA-F]+\.[0-7]/ {
    b = $0; sub(/.*@@EDUTEST EXPECT-DMAR-FAULTS /, "", b); sub(/[^0-9a-fA-F:.].*/, "", b)
    sub(/^[0-9a-fA-F]+:/, "", b); dmar_ok[tolower(b)] = 1; ndmar_ok++
}
# a failed assertion as CUnit reports it: "  1. test_x.c:230  - CU_ASSERT(...)"
# (printed twice, during the run and in the summary: keep each once, at most 10)
/^ *[0-9]+\. [^ ]+:[0-9]+  - / {
    a = $0; sub(/^ *[0-9]+\. /, "", a)
    if (!((label, cur, a) in alseen)) { alseen[label, cur, a] = 1; if (nal < 10) al[++nal] = a }
}
/EDUTEST-RESULT [^ ]+ passed=[0-9]+ failed=[0-9]+ skipped=[0-9]+/ {
    seen = 1
    r = $0; sub(/.*EDUTEST-RESULT /, "", r)
    if (cur != "") res = r   # the last result line inside BEGIN/END wins
    else { pr = r; sub(/ .*/, "", pr); record(pr, num(r, "passed"), num(r, "failed"), num(r, "skipped")) }
}
/@@EDUTEST END / {
    rc = num($0, "rc")
    if (cur != "") close_prog(rc, tmo ? "timed out (rc=" rc ")" : "exited rc=" rc)
    tmo = 0
}
/@@EDUTEST MODLOAD FAIL/ { fail("module failed to load (insmod)") }
/@@EDUTEST MODUNLOAD rc=/ { if (num($0, "rc") != 0) fail("module failed to unload (rmmod rc=" num($0, "rc") ")") }
/@@EDUTEST DONE/ { done = 1 }
/@@KMEMLEAK BEGIN/ { inleak = 1; next }
/@@KMEMLEAK END/ { inleak = 0; next }
inleak {  # the report: "unreferenced object 0x... (size N):" + comm, hex dump, backtrace
    if (/unreferenced object/) nleak++
    if (nleak) { nmlall++; if (nml < 60) ml[++nml] = $0 }
    next
}
/^@@QEMU EXIT / { qemu = $3 }
/^(qemu[-a-z0-9_]*|run-guest\.sh): / { ql[++nq] = $0 }  # e.g. "qemu: hardware error: ..."
fmode == "guest" && /\[ *[0-9]+\.[0-9]+\] / && !/ommand line:/ &&
/BUG:|WARNING:|Oops:|Call Trace|general protection fault|Kernel panic|DMAR:.*[Ff]ault|hung_task|INFO: task .* blocked|kernel BUG at|UBSAN:|DMA-API: |suspected memory leak|INFO: (possible|inconsistent|trying to register)/ &&
!/DMA-API: (preallocated [0-9]+ debug entries|debugging enabled by kernel config)$/ &&
!expected_dmar($0) {
    match($0, /\[ *[0-9]+\.[0-9]+\] /); k = substr($0, RSTART)  # drop junk before the timestamp
    if (!(k in klines)) { klines[k] = 1; kl[++nk] = k }  # console and dmesg repeat lines
}
END {
    finish_file()
    if (nprog == 0) { label = "all"; fail("no test programs ran") }
    if (nfail) { print ""; for (i = 1; i <= nfail; i++) print fails[i] }
    F += extra
    line = P + 0 " passed, " F + 0 " failed"; if (S > 0) line = line ", " S " skipped"
    print line
    exit F > 0
}' "${args[@]}"
