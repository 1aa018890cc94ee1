# The native part of the contiguity lab (tools/native-lab/, docs/lab.md) -
# make fragment, included by the top-level Makefile after tools/dmactl.mk
# and tests/tests.mk. No library of its own: `dmactl lab --native` and two
# host tests link its objects, then libdma.a for the measure layer it
# reuses (env.c, writer.c).
#
#   build/tests/host/test_lab_native      the reading, parsers and outputs
#   build/tests/host/test_lab_native_run  a small bounded native run: every
#                                         cell measured or unavailable with
#                                         a reason, sums equal, huge pages real

NATIVE_LAB_SRCS := $(wildcard tools/native-lab/*.c)
NATIVE_LAB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(NATIVE_LAB_SRCS))

# dmactl's link takes its objects before libdma.a (tools/dmactl.mk).
$(DMACTL): $(NATIVE_LAB_OBJS)

# tests/tests.mk's host-test rule, with the objects before libdma.a.
NATIVE_LAB_TESTS := $(BUILD)/tests/host/test_lab_native $(BUILD)/tests/host/test_lab_native_run
$(NATIVE_LAB_TESTS): %: %.o $(TEST_COMMON) $(NATIVE_LAB_OBJS) $(TEST_HOST_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(CUNIT_LIBS) $(TEST_HOST_LIBS)
