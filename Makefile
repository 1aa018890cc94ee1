# edudma + libdma - top-level build.
#
#   make            build the library, tools, examples, tests and the module
#   make check      install build dependencies, build, run host tests and boot
#                   the driver in QEMU with the edu device (see README)
#   make demo       the throughput demo in QEMU
#   make install    headers, libraries, pkg-config file, udev rules, dmactl,
#                   and the module (INSTALL_MODULE=0 to skip it)
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

.PHONY: all module check demo install uninstall clean FORCE
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
include examples/examples.mk

install: install-libdma
uninstall: uninstall-libdma

all: $(HOST_TESTS) $(GUEST_TESTS)

module:
	$(MAKE) -C driver KDIR=$(KDIR)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The whole test run. Dependencies are installed first because building the
# tests needs them (CUnit, libudev); the guest kernel decides KDIR.
check:
	@scripts/deps.sh
	@set -e; eval "$$(scripts/guest-kernel.sh)"; \
	$(MAKE) --no-print-directory all module KDIR="$$KDIR"; \
	MODULE=driver/edudma.ko GUEST_KERNEL="$$GUEST_KERNEL" \
	GUEST_MODDIR="$$GUEST_MODDIR" KDIR="$$KDIR" \
	GUEST_TESTS_DIR=$(BUILD)/tests/guest HOST_TESTS_DIR=$(BUILD)/tests/host \
	scripts/check.sh

demo:
	@echo "make demo: not yet - the throughput demo arrives with the throughput-core issue."

clean:
	rm -rf $(BUILD)
	$(MAKE) -C driver clean KDIR=$(KDIR) 2>/dev/null || true
