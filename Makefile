# edudma + libdma - top-level build.
#
#   make            build the library, tools, examples, tests and the module
#   make check      install build dependencies, build, run host tests and boot
#                   the driver in QEMU with the edu device (docs/testing.md)
#   make check-debug  the guest suite under a debug kernel (KASAN, lockdep,
#                   DMA-API debug, kmemleak, fault injection), built once
#   make coverage   the same suites with gcov: line and branch coverage of the
#                   driver and libdma, report in build/coverage/report/
#   make demo       the throughput demo in QEMU
#   make lab        the contiguity lab: on this CPU, then in QEMU (docs/lab.md)
#   make install    headers, libraries, pkg-config file, udev rules, dmactl,
#                   man pages, and the module (INSTALL_MODULE=0 to skip it)
#   make dkms-install  the module under DKMS instead, rebuilt for every kernel
#                   installed later (dkms.mk; docs/install.md)
#
# Userspace objects go to $(BUILD); the module is built by kbuild in driver/.

BUILD   ?= build
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
DESTDIR ?=

# Kernel headers the module is built against. `make check` points this at the
# guest kernel's headers (scripts/guest-kernel.sh) unless KDIR is given.
KDIR    ?= /lib/modules/$(shell uname -r)/build

CC      ?= cc
CXX     ?= c++
AR      ?= ar
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinclude $(CFLAGS)

CUNIT_LIBS := -lcunit

.PHONY: all module check check-debug coverage demo lab install uninstall clean FORCE
# Keep objects between programs' builds (they are shared, not intermediates).
.SECONDARY:
all:

# Each part of the tree adds its targets to these lists in its own fragment.
HOST_TESTS  :=
GUEST_TESTS :=

include libdma/libdma.mk
# Test programs link the static library, so the guest needs no installed copy.
TEST_HOST_DEPS  += $(LIBDMA_A)
TEST_HOST_LIBS  += $(LIBDMA_LIBS)
TEST_GUEST_DEPS += $(LIBDMA_A)
TEST_GUEST_LIBS += $(LIBDMA_LIBS)
include tests/tests.mk
include tests/fuzz/fuzz.mk
include examples/examples.mk
include tools/dmactl.mk
include tools/native-lab/native-lab.mk
include udev/udev.mk
include man/man.mk
include qemu/qemu.mk
include dkms.mk
include debian/deb.mk

install: install-libdma install-udev install-dmactl install-uapi install-man
uninstall: uninstall-libdma uninstall-udev uninstall-dmactl uninstall-uapi uninstall-man
ifneq ($(INSTALL_MODULE),0)
install: install-module
uninstall: uninstall-module
endif

all: $(HOST_TESTS) $(GUEST_TESTS)

module:
	$(MAKE) -C driver KDIR=$(KDIR)

# The ioctl ABI header, for programs that use the driver without libdma:
# #include <edudma/edudma.h>.
.PHONY: install-uapi uninstall-uapi install-module uninstall-module
install-uapi:
	install -d $(DESTDIR)$(INCDIR)/edudma
	install -m 0644 include/uapi/edudma.h $(DESTDIR)$(INCDIR)/edudma/edudma.h

uninstall-uapi:
	rm -f $(DESTDIR)$(INCDIR)/edudma/edudma.h
	rmdir $(DESTDIR)$(INCDIR)/edudma 2>/dev/null || true

# The module, by kbuild's modules_install, into
# $(DESTDIR)/lib/modules/<release>/extra/. INSTALL_MODULE=0 skips it (no
# kernel headers needed then). <release> is the built module's vermagic, or
# the <release> of KDIR=/lib/modules/<release>/build. depmod runs only when
# installing into the live system (no DESTDIR).
MODULE_KREL = $(or $(firstword $(shell modinfo -F vermagic driver/edudma.ko 2>/dev/null)),$(notdir $(patsubst %/build,%,$(KDIR))))
MODULE_DIR  = $(DESTDIR)/lib/modules/$(MODULE_KREL)/extra

install-module: module
	$(MAKE) -C driver KDIR=$(KDIR) INSTALL_MOD_PATH=$(DESTDIR) install
	$(if $(DESTDIR),,depmod -a $(MODULE_KREL))

uninstall-module:
	rm -f $(foreach ext,ko ko.xz ko.gz ko.zst,$(MODULE_DIR)/edudma.$(ext))
	$(if $(DESTDIR),,depmod -a $(MODULE_KREL))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)

# The whole test run. Dependencies are installed first because building the
# tests needs them (CUnit, libudev); the guest kernel decides KDIR.
check:
	@scripts/deps.sh
	@set -e; eval "$$(scripts/guest-kernel.sh)"; $(QEMU_SG_ENV) \
	$(MAKE) --no-print-directory all module KDIR="$$KDIR"; \
	MODULE=driver/edudma.ko GUEST_KERNEL="$$GUEST_KERNEL" \
	GUEST_MODDIR="$$GUEST_MODDIR" KDIR="$$KDIR" \
	BUILD_DIR=$(BUILD) GUEST_TESTS_DIR=$(BUILD)/tests/guest HOST_TESTS_DIR=$(BUILD)/tests/host \
	EXTRA_BINS="$(EXAMPLES) $(DMACTL) $(EXTRA_BINS)" \
	scripts/check.sh

# The guest suite under the debug kernel (docs/debug-kernel.md):
# Debian's linux-source-6.1 with KASAN, lockdep, DMA-API
# debug, kmemleak and fault injection, built once per machine into
# ~/.cache/edudma/debug-kernel/, shared by clones (scripts/debug-kernel.sh). The module is built
# against it in a copy, .cache/debug-module/, so driver/ keeps the stock
# kernel's objects. Host tests are make check's; logs in $(BUILD)/debug/check/.
# Guest command line: acpi=noirq - the instrumented ACPI interpreter needs
# more than its 30 s loop limit for the i440fx _PRT method under TCG and
# aborts (AE_AML_LOOP_TIMEOUT), leaving INTx unrouted; the BIOS's $PIR table
# routes it instead. kasan_multi_shot - every KASAN report is printed, not
# only the first of the boot (one bug must not hide the next).
# EDUDMA_SOAK_HALF=100 - test_soak does 200 iterations per operation, not
# 1000 (kmemleak is the leak detector here).
DEBUG_APPEND ?= acpi=noirq kasan_multi_shot EDUDMA_SOAK_HALF=100
check-debug:
	@scripts/deps.sh
	@set -e; eval "$$(scripts/debug-kernel.sh)"; $(QEMU_SG_ENV) \
	$(MAKE) --no-print-directory all; \
	ko=$$(scripts/debug-kernel.sh module "$(CURDIR)/.cache/debug-module"); \
	MODULE="$$ko" GUEST_KERNEL="$$GUEST_KERNEL" \
	GUEST_MODDIR="$$GUEST_MODDIR" KDIR="$$KDIR" \
	GUEST_TIMEOUT="$${GUEST_TIMEOUT:-3600}" \
	EXTRA_APPEND="$(DEBUG_APPEND) $$EXTRA_APPEND" \
	BUILD_DIR=$(BUILD)/debug GUEST_TESTS_DIR=$(BUILD)/tests/guest HOST_TESTS_DIR=$(BUILD)/debug/no-host-tests \
	EXTRA_BINS="$(EXAMPLES) $(DMACTL) $(EXTRA_BINS)" \
	scripts/check.sh

# Line and branch coverage of the driver and libdma (docs/testing.md
# "Coverage"): userspace built with gcc --coverage into $(COV_BUILD), the
# module with gcov against the debug kernel, the host tests and every boot
# configuration run under it, the counters summed by gcovr into
# $(COV_BUILD)/report/ (HTML, and a text table per part with the uncovered
# lines). scripts/coverage.sh does the run and the report.
COV_BUILD ?= $(BUILD)/coverage
coverage:
	@scripts/deps.sh gcovr
	@$(MAKE) --no-print-directory BUILD=$(COV_BUILD) CFLAGS="-O0 -g --coverage -fprofile-update=atomic" LDFLAGS="--coverage" all
	@$(QEMU_SG_ENV) COV_BUILD=$(COV_BUILD) DEBUG_APPEND="$(DEBUG_APPEND)" \
	EXTRA_BINS="$(patsubst $(BUILD)/%,$(COV_BUILD)/%,$(EXAMPLES) $(DMACTL)) $(EXTRA_BINS)" \
	scripts/coverage.sh

# The throughput demo (docs/bench.md): dmactl bench in a QEMU
# guest; results, plot and table into out/ (scripts/demo.sh). Only the
# library, dmactl and the module are needed, not the tests.
demo:
	@scripts/deps.sh
	@set -e; eval "$$(scripts/guest-kernel.sh)"; \
	$(MAKE) --no-print-directory libdma dmactl module KDIR="$$KDIR"; \
	GUEST_KERNEL="$$GUEST_KERNEL" GUEST_MODDIR="$$GUEST_MODDIR" KDIR="$$KDIR" \
	BUILD_DIR=$(BUILD) DMACTL=$(DMACTL) MODULE=driver/edudma.ko \
	scripts/demo.sh

# The contiguity lab (docs/lab.md): first `dmactl lab --native` on this
# machine's CPU (out/lab-native.*), then dmactl lab in a
# 1 GiB QEMU guest with lab=1; table, CSV and JSON into out/lab.*
# (scripts/lab.sh; LAB_ACCEL=tcg or kvm, LAB_ARGS="...", LAB_NATIVE=0|only).
# Like demo, only the library, dmactl and the module are needed.
lab:
	@scripts/deps.sh
	@set -e; eval "$$(scripts/guest-kernel.sh)"; \
	$(MAKE) --no-print-directory libdma dmactl module KDIR="$$KDIR"; \
	GUEST_KERNEL="$$GUEST_KERNEL" GUEST_MODDIR="$$GUEST_MODDIR" KDIR="$$KDIR" \
	BUILD_DIR=$(BUILD) DMACTL=$(DMACTL) MODULE=driver/edudma.ko \
	scripts/lab.sh

clean:
	rm -rf $(BUILD)
	$(MAKE) -C driver clean KDIR=$(KDIR) 2>/dev/null || true
