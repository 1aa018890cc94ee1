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

missing=()
for p in "${pkgs[@]}"; do
    # "ii " = installed and configured; anything else (absent, half-installed) needs work
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == "ii " ]] || missing+=("$p")
done
((${#missing[@]})) || exit 0

echo "deps.sh: installing ${missing[*]}" >&2
if ((EUID != 0)); then
    echo "deps.sh: must run as root to install packages" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -qq update
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
