#!/bin/sh
# SPDX-License-Identifier: MIT
# Print libdma1's dpkg symbols file (deb-symbols(5)) from the version script:
#   debian/gen-symbols.sh [libdma/libdma.map] > debian/libdma1.symbols
# Each version node LIBDMA_1.N becomes its own symbol (LIBDMA_1.N@LIBDMA_1.N)
# and gives its functions the minimal version 1.N (LIBDMA_1: 1.0): the node
# was added in libdma 1.N, the version of include/libdma.h and of the
# package. debian/rules compares this output with the committed
# debian/libdma1.symbols, and dpkg-gensymbols -c4 compares that with what
# libdma.so.1 really exports, so a symbol removed or moved to another node
# (in the map or in the code) fails the build.
set -eu
map=${1:-libdma/libdma.map}
printf '%s\n' 'libdma.so.1 libdma1 #MINVER#' '* Build-Depends-Package: libdma-dev'
awk '
    function minver(node) { v = node; sub(/^LIBDMA_/, "", v); return v ~ /\./ ? v : v ".0" }
    /^[A-Z][A-Z0-9_.]* *\{/ { node = $1; print " " node "@" node " " minver(node); next }
    node != "" && /^[[:space:]]+[a-z_0-9]+;/ { gsub(/[;[:space:]]/, ""); print " " $0 "@" node " " minver(node) }
    /^\}/ { node = "" }
' "$map" | LC_ALL=C sort
