#!/usr/bin/env bash
# Install the Debian 12 packages needed to build and test the project.
# Silent when everything is already installed. Arguments: more packages
# that one target needs (make coverage: gcovr).
set -euo pipefail

pkgs=(build-essential gcc g++ make libc6-dev pkg-config
      libcunit1-dev libudev-dev
      linux-headers-amd64 kmod
      qemu-system-x86 busybox-static cpio xz-utils file
      udev   # systemd-udevd and udevadm for the guest's udev configuration
      clang libclang-rt-14-dev   # libFuzzer harnesses (tests/fuzz/)
      gnuplot-nox   # make demo's plot (scripts/bench-plot.gp)
      mandoc        # lints the man pages (tests/install/man-test.sh)
      # make deb and its tests (debian/deb.mk): dpkg-buildpackage with
      # debhelper and dh_dkms, lintian, and dkms to build edudma-dkms's module
      dpkg-dev debhelper dh-dkms dkms lintian
      # our own QEMU with the edu-sg device (scripts/qemu-build.sh): apt-get
      # source needs dpkg-dev, QEMU 7.2's build meson, ninja, glib, pixman
      dpkg-dev patch rsync meson ninja-build libglib2.0-dev libpixman-1-dev
      "$@")

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_packages deps.sh "${pkgs[@]}"
