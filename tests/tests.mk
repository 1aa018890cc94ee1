# Test programs. Each is one .c file plus the shared CUnit layer; host tests
# run on the build machine, guest tests inside QEMU against /dev/edudma*.
# Guest programs run in the order of tests/guest/order.

TEST_COMMON := $(BUILD)/tests/common/edutest.o
GUEST_UTIL  := $(BUILD)/tests/guest/guest_util.o
# The host tests' fake device (a libdma backend), one for all of them.
FAKE_BACKEND := $(BUILD)/tests/host/fake_backend.o

HOST_TEST_SRCS  := $(wildcard tests/host/test_*.c)
GUEST_TEST_SRCS := $(wildcard tests/guest/test_*.c)

HOST_TESTS  += $(patsubst tests/host/%.c,$(BUILD)/tests/host/%,$(HOST_TEST_SRCS))
GUEST_TESTS += $(patsubst tests/guest/%.c,$(BUILD)/tests/guest/%,$(GUEST_TEST_SRCS)) \
	       $(BUILD)/tests/guest/order

$(BUILD)/tests/host/%: $(BUILD)/tests/host/%.o $(TEST_COMMON) $(FAKE_BACKEND) $(TEST_HOST_DEPS)
	$(CC) $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(CUNIT_LIBS) $(TEST_HOST_LIBS)

$(BUILD)/tests/guest/%: $(BUILD)/tests/guest/%.o $(GUEST_UTIL) $(TEST_COMMON) $(TEST_GUEST_DEPS)
	$(CC) $(LDFLAGS) -pthread -o $@ $(filter %.o %.a,$^) $(CUNIT_LIBS) $(TEST_GUEST_LIBS)

$(BUILD)/tests/guest/order: tests/guest/order
	@mkdir -p $(dir $@)
	cp $< $@

# The uapi header must compile on its own as strict C90 (botching-up-ioctls).
HOST_TESTS += $(BUILD)/tests/uapi-c90.stamp
$(BUILD)/tests/uapi-c90.stamp: include/uapi/edudma.h
	@mkdir -p $(dir $@)
	printf '#include <uapi/edudma.h>\nint main(void) { struct edudma_info i; (void)i; return 0; }\n' > $(BUILD)/tests/uapi-c90.c
	$(CC) -std=c90 -pedantic -Werror -Wall -Wextra -Iinclude -c -o $(BUILD)/tests/uapi-c90.o $(BUILD)/tests/uapi-c90.c
	touch $@

# The install test: make install into a scratch DESTDIR, then build and run
# consumers with pkg-config against it (tests/install/consumer-test.sh).
HOST_TESTS += $(BUILD)/tests/host/test_install
$(BUILD)/tests/host/test_install: tests/install/consumer-test.sh
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec tests/install/consumer-test.sh $(BUILD)\n' > $@
	chmod +x $@

# udev rules, sysusers snippet and DKMS source tree, installed into a
# scratch DESTDIR (tests/install/packaging-test.sh).
HOST_TESTS += $(BUILD)/tests/host/test_packaging
$(BUILD)/tests/host/test_packaging: tests/install/packaging-test.sh
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec tests/install/packaging-test.sh\n' > $@
	chmod +x $@

# test_edusg drives the edu-sg device through raw VFIO (tests/guest/edusg_vfio.c).
$(BUILD)/tests/guest/test_edusg: $(BUILD)/tests/guest/edusg_vfio.o

# collect.sh on made-up logs: expected and unexpected IOMMU faults
# (tests/install/collect-test.sh).
HOST_TESTS += $(BUILD)/tests/host/test_collect
$(BUILD)/tests/host/test_collect: tests/install/collect-test.sh
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec tests/install/collect-test.sh\n' > $@
	chmod +x $@

# test_libdma_vfio_fake plays VFIO itself: the static libdma's system calls
# and sysfs lookups reach its wrappers first (ld --wrap), which fake
# /dev/vfio/vfio, the group, the device fd and an edu behind it.
VFIO_FAKE_WRAP := open close ioctl mmap munmap pread pwrite libdma__pci_attr \
		  libdma__pci_driver libdma__pci_iommu_group libdma__iommu_present \
		  libdma__iommu_group_members libdma__path_users
VFIO_FAKE_COMMA := ,
$(BUILD)/tests/host/test_libdma_vfio_fake: TEST_LDFLAGS = $(foreach s,$(VFIO_FAKE_WRAP),-Wl$(VFIO_FAKE_COMMA)--wrap=$(s))
