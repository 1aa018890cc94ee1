# libFuzzer harnesses for libdma's input parsing and validation - make
# fragment, included by the top-level Makefile (after libdma/libdma.mk).
#
#   tests/fuzz/fuzz_spec.c      device specs: libdma__spec_parse(),
#                               libdma__pci_normalize(), libdma_open*()
#   tests/fuzz/fuzz_region.c    region checks and transfers/copies/register
#                               through a fake backend
#   tests/fuzz/fuzz_strerror.c  libdma_strerror(), libdma_errmsg()
#
# Built with clang -fsanitize=fuzzer,address,undefined into $(BUILD)/fuzz/,
# the library's sources compiled again with the same instrumentation. The
# host test $(BUILD)/tests/host/test_fuzz runs them all for a bounded time
# (tests/fuzz/run-fuzz.sh; FUZZ_SECONDS per harness, default 8).
# Without clang the harnesses are not built and that test fails, saying so
# (scripts/deps.sh installs clang for `make check`).

FUZZ_CC      ?= $(shell command -v clang 2>/dev/null)
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilibdma -g -O1 $(FUZZ_SAN)
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS := $(patsubst libdma/%.c,$(FUZZ_DIR)/libdma/%.o,$(LIBDMA_SRCS))
FUZZ_TEST    := $(BUILD)/tests/host/test_fuzz

.PHONY: fuzz
HOST_TESTS += $(FUZZ_TEST)

ifneq ($(FUZZ_CC),)
fuzz: $(FUZZ_BINS)

$(FUZZ_DIR)/libdma/%.o: libdma/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_LIB_OBJS) $(LIBDMA_LIBS)

# The wrapper refuses to run (and fails) unless this stamp says the
# harnesses were built.
$(FUZZ_DIR)/built-with-clang: $(FUZZ_BINS)
	@touch $@
FUZZ_TEST_DEPS := $(FUZZ_DIR)/built-with-clang
else
fuzz:
	@echo "fuzz: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; false
FUZZ_TEST_DEPS :=
endif

$(FUZZ_TEST): tests/fuzz/run-fuzz.sh $(FUZZ_TEST_DEPS)
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec tests/fuzz/run-fuzz.sh $(FUZZ_DIR)\n' > $@
	chmod +x $@
