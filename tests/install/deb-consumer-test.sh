#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The consumer test (consumer-test.sh: pkg-config, every header alone, C99
# and C++11 consumers, the static library, the linkage test, exports and
# symbol versions) against the Debian packages instead of `make install`:
# libdma1 and libdma-dev of `make deb` unpacked (dpkg-deb -x) into a scratch
# root, as /usr and /usr/lib/<multiarch> of an installed system.
#
#   tests/install/deb-consumer-test.sh [DEBDIR]     (default: $DEB_DIR, else out)
#
# Without the packages it is skipped, unless CHECK_DEB=1 (make check, which
# builds them first): then that is a failure.
# Prints one "ok"/"not ok" line per step, then
#   EDUTEST-RESULT deb-consumer passed=N failed=N skipped=0
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1
debdir=${1:-${DEB_DIR:-out}}
# As a host test program (no argument) it runs only under make check, which
# has just built the packages: packages of an older tree left in out/ would
# fail it elsewhere (make coverage runs the host programs too).
if (($# == 0)) && [[ ${CHECK_DEB:-0} != 1 ]]; then
    echo "skip - consumers against the packages (only under make check; by hand: $0 out)"
    echo "EDUTEST-RESULT deb-consumer passed=0 failed=0 skipped=1"
    exit 0
fi
work=$(mktemp -d /tmp/libdma-deb-consumer.XXXXXX)
[[ ${KEEP:-0} == 1 ]] && echo "scratch: $work" || trap 'rm -rf "$work"' EXIT

version=$(sed -n 's/^#define LIBDMA_VERSION_MAJOR[[:space:]]*//p' include/libdma.h).$(
    sed -n 's/^#define LIBDMA_VERSION_MINOR[[:space:]]*//p' include/libdma.h)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
if [[ ! -f $debdir/libdma1_${version}_$arch.deb && ${CHECK_DEB:-0} != 1 ]]; then
    echo "skip - consumers against the packages (none of version $version in $debdir/: make deb)"
    echo "EDUTEST-RESULT deb-consumer passed=0 failed=0 skipped=1"
    exit 0
fi
for p in libdma1 libdma-dev; do
    deb=$debdir/${p}_${version}_$arch.deb
    if [[ ! -f $deb ]] || ! dpkg-deb -x "$deb" "$work/root"; then
        echo "not ok - unpack $deb (make deb builds it)"
        echo "EDUTEST-RESULT deb-consumer passed=0 failed=1 skipped=0"
        exit 1
    fi
    echo "# unpacked $deb"
done
CONSUMER_ROOT=$work/root CONSUMER_PREFIX=/usr CONSUMER_LIBDIR=/usr/lib/$multiarch \
    CONSUMER_RESULT=deb-consumer tests/install/consumer-test.sh
