# Debian packages - make fragment, included by the top-level Makefile
# (which defines BUILD). docs/install.md, "Installing the Debian packages".
#
#   make deb              libdma1, libdma-dev, dmactl, edudma-dkms (and the
#                         .changes/.buildinfo) into $(DEB_DIR)/: debian/ built
#                         by dpkg-buildpackage -us -uc -b in a copy of the
#                         tree outside it (scripts/deb.sh build), ~20 s
#   make deb-install-test changes this machine: dpkg -i of the four packages,
#                         DKMS builds and installs the module for the
#                         installed kernel headers, everything checked, then
#                         purged (scripts/deb.sh install-test); log in
#                         $(DEB_DIR)/deb-install-test.log. Not in make check
#
# make check builds the packages first (check: deb) and tests them: lintian
# and their contents (test_deb), consumers built against the unpacked
# libdma-dev + libdma1 (test_deb_consumer), and the boot configuration "deb"
# (CHECK_DEB=1 adds it to check.sh's list): the library suites against the
# packaged library and the module DKMS builds from edudma-dkms.

DEB_DIR ?= out

.PHONY: deb deb-install-test
deb:
	@scripts/deps.sh
	@scripts/deb.sh build $(DEB_DIR)

deb-install-test: deb
	@scripts/deb.sh install-test $(DEB_DIR)

check: deb
check: export CHECK_DEB := 1
check: export DEB_DIR := $(DEB_DIR)

HOST_TESTS += $(BUILD)/tests/host/test_deb $(BUILD)/tests/host/test_deb_consumer
$(BUILD)/tests/host/test_deb: tests/install/deb-test.sh
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec tests/install/deb-test.sh\n' > $@
	chmod +x $@
$(BUILD)/tests/host/test_deb_consumer: tests/install/deb-consumer-test.sh
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec tests/install/deb-consumer-test.sh\n' > $@
	chmod +x $@
