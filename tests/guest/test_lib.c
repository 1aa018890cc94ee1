// SPDX-License-Identifier: MIT
/*
 * libdma in the guest, against the real driver: discovery, the ways of
 * opening, device information (checked against sysfs and the raw ioctl),
 * handle lifetime, and coherent buffers. Data movement is in
 * test_lib_dma.c, concurrency in test_lib_threads.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libdma.h>
#include <uapi/edudma.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define MAX_EDU 8

static char edu_pci[MAX_EDU][32];	/* of edudma<N>, by N */
static int nr_edu;
static struct libdma_device *dev;	/* device 0, for the whole program */
static struct libdma_info info;

/*
 * The PCI address behind /dev/edudma<index>, from the class device's
 * "device" link - independent of libdma's way (libudev parent look-up).
 */
static int pci_of_index(int index, char addr[32], size_t len)
{
	char path[96], target[256];
	const char *slash;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/edudma/edudma%d/device", index);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(addr, len, "%.31s", slash ? slash + 1 : target);
	return 0;
}

static int suite_init(void)
{
	char unordered[MAX_EDU][32];
	int i;

	/* Every edu and edu-sg on the bus is bound (test_drv_basic checks that). */
	nr_edu = gu_list_dev_pci(unordered, MAX_EDU);
	for (i = 0; i < nr_edu && i < MAX_EDU; i++)
		if (pci_of_index(i, edu_pci[i], sizeof(edu_pci[i])))
			return -1;
	if (libdma_open("0", &dev) < 0 || libdma_get_info(dev, &info) < 0) {
		printf("cannot open device 0: %s\n", libdma_errmsg());
		return -1;
	}
	return 0;
}

static int suite_cleanup(void)
{
	return libdma_close(dev);
}

#define REQUIRE_FEATURE(feat) do {					\
	if (!(info.features & (feat)))					\
		EDUTEST_SKIP("the driver does not announce " #feat " yet"); \
} while (0)

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ---------------------------------------------------------- discovery */

static void test_list_matches_sysfs(void)
{
	struct libdma_device_desc descs[MAX_EDU];
	uint64_t window;
	int n, i;

	n = libdma_list(descs, MAX_EDU);
	CU_ASSERT_EQUAL_FATAL(n, nr_edu);
	CU_ASSERT_EQUAL(libdma_list(NULL, 0), n);
	for (i = 0; i < n; i++) {
		char node[32], engine[32], version[32];
		int sg;

		snprintf(node, sizeof(node), "/dev/edudma%d", i);
		CU_ASSERT_EQUAL(descs[i].index, (unsigned int)i);
		CU_ASSERT_STRING_EQUAL(descs[i].node, node);
		CU_ASSERT_STRING_EQUAL(descs[i].pci_address, edu_pci[i]);
		CU_ASSERT_EQUAL_FATAL(gu_read_attr(i, "engine", engine, sizeof(engine)), 0);
		CU_ASSERT_EQUAL_FATAL(gu_read_attr(i, "dev_version", version, sizeof(version)), 0);
		sg = !strcmp(engine, "edu-sg");
		CU_ASSERT(sg || !strcmp(engine, "edu"));
		CU_ASSERT_EQUAL(descs[i].engine, sg ? LIBDMA_ENGINE_EDUSG : LIBDMA_ENGINE_EDU);
		CU_ASSERT_EQUAL(descs[i].version_major, 1);
		CU_ASSERT_EQUAL(descs[i].version_minor, sg ? 1 : 0);
		snprintf(node, sizeof(node), "%u.%u", descs[i].version_major,
			 descs[i].version_minor);
		CU_ASSERT_STRING_EQUAL(node, version);
		CU_ASSERT(descs[i].irq_mode == LIBDMA_IRQ_MSI ||
			  descs[i].irq_mode == LIBDMA_IRQ_INTX);
		CU_ASSERT(descs[i].numa_node >= -1);
		CU_ASSERT_EQUAL_FATAL(gu_attr_u64(i, "window_size", &window), 0);
		CU_ASSERT_EQUAL(descs[i].window_size, window);
	}
	CU_ASSERT_EQUAL(descs[0].irq_mode, gu_config_is("intx") ?
			LIBDMA_IRQ_INTX : LIBDMA_IRQ_MSI);
}

static void test_list_partial(void)
{
	struct libdma_device_desc one[1];

	memset(one, 0, sizeof(one));
	CU_ASSERT_EQUAL(libdma_list(one, 1), nr_edu);
	CU_ASSERT_STRING_EQUAL(one[0].node, "/dev/edudma0");
}

/* ----------------------------------------------------------- opening */

static void check_opens_device0(const char *spec)
{
	struct libdma_device *d = NULL;
	struct libdma_info i;
	int err = libdma_open(spec, &d);

	if (err)
		printf("\n    open(\"%s\") = %d: %s\n", spec, err, libdma_errmsg());
	CU_ASSERT_EQUAL_FATAL(err, 0);
	CU_ASSERT_EQUAL(libdma_get_info(d, &i), 0);
	CU_ASSERT_EQUAL(i.index, 0);
	CU_ASSERT_STRING_EQUAL(i.pci_address, edu_pci[0]);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

static void test_open_every_spec(void)
{
	check_opens_device0("0");
	check_opens_device0("edudma0");
	check_opens_device0("/dev/edudma0");
	check_opens_device0(edu_pci[0]);
	check_opens_device0(edu_pci[0] + 5);	/* without "0000:" */
}

static void test_open_explicit_variants(void)
{
	struct libdma_device *d;

	CU_ASSERT_EQUAL_FATAL(libdma_open_index(0, &d), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_open_node("/dev/edudma0", &d), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_open_pci(edu_pci[0], &d), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

static void test_open_second_device(void)
{
	struct libdma_device *d;
	struct libdma_info i;

	if (nr_edu < 2)
		EDUTEST_SKIP("one edu device in this configuration");
	CU_ASSERT_EQUAL_FATAL(libdma_open(edu_pci[1], &d), 0);
	CU_ASSERT_EQUAL(libdma_get_info(d, &i), 0);
	CU_ASSERT_EQUAL(i.index, 1);
	CU_ASSERT_STRING_EQUAL(i.node, "/dev/edudma1");
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

static void test_open_absent_devices(void)
{
	struct libdma_device *d;

	CU_ASSERT_EQUAL(libdma_open("31", &d), -ENODEV);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "no edudma device with index 31"));
	CU_ASSERT_EQUAL(libdma_open("0000:ff:1f.7", &d), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "0000:ff:1f.7"));
	CU_ASSERT_EQUAL(libdma_open("/dev/edudma31", &d), -ENOENT);
	CU_ASSERT_EQUAL(libdma_open("/dev/null", &d), -ENOTTY);
}

static void test_open_close_leaks_no_fd(void)
{
	int before = count_fds(), i;
	struct libdma_device *d;

	for (i = 0; i < 50; i++) {
		CU_ASSERT_EQUAL_FATAL(libdma_open("0", &d), 0);
		CU_ASSERT_EQUAL(libdma_close(d), 0);
		CU_ASSERT(libdma_open("/dev/null", &d) < 0);
		CU_ASSERT(libdma_open("31", &d) < 0);
	}
	CU_ASSERT_EQUAL(count_fds(), before);
}

/* --------------------------------------------------------------- info */

static void test_info_fields(void)
{
	CU_ASSERT_STRING_EQUAL(info.backend, "kernel");
	CU_ASSERT_STRING_EQUAL(info.node, "/dev/edudma0");
	CU_ASSERT_EQUAL(info.abi_version, EDUDMA_ABI_VERSION);
	CU_ASSERT_EQUAL(libdma_driver_abi_version(dev), EDUDMA_ABI_VERSION);
	CU_ASSERT_EQUAL(info.version_major, 1);
	if (gu_is_edusg(0)) {
		/* edu-sg 1.1: "EDSG"; the window is the whole on-card RAM */
		CU_ASSERT_EQUAL(info.engine, LIBDMA_ENGINE_EDUSG);
		CU_ASSERT_EQUAL(info.version_minor, 1);
		CU_ASSERT_EQUAL(info.dev_ident, 0x45445347u);
		CU_ASSERT_EQUAL(info.dev_buffer_size, 16u << 20);	/* default card_size */
		CU_ASSERT_EQUAL(info.dev_buffer_addr, 0);
		CU_ASSERT_EQUAL(info.window_size, info.dev_buffer_size);
		CU_ASSERT_EQUAL(info.max_cmd_length, 16u << 20);	/* MAX_LEN */
		CU_ASSERT(info.ring_size >= 2);
		CU_ASSERT_EQUAL(info.max_in_flight, info.ring_size - 1);
		CU_ASSERT_FALSE(info.features & LIBDMA_FEAT_FACTORIAL);
	} else {
		CU_ASSERT_EQUAL(info.engine, LIBDMA_ENGINE_EDU);
		CU_ASSERT_EQUAL(info.version_minor, 0);
		CU_ASSERT_EQUAL(info.dev_ident, 0x010000edu);
		CU_ASSERT_EQUAL(info.dev_buffer_size, 4096);
		CU_ASSERT_EQUAL(info.dev_buffer_addr, 0x40000);
		CU_ASSERT_EQUAL(info.max_cmd_length, info.window_size);
		CU_ASSERT_EQUAL(info.ring_size, 0);
		CU_ASSERT_EQUAL(info.max_in_flight, 1);
		CU_ASSERT(info.features & LIBDMA_FEAT_FACTORIAL);
	}
	CU_ASSERT(info.window_size >= 1 && info.window_size <= info.dev_buffer_size);
	CU_ASSERT(info.dma_mask_bits >= 28 && info.dma_mask_bits <= 64);
	CU_ASSERT(info.max_alloc >= 4096);
	CU_ASSERT(info.features & LIBDMA_FEAT_IRQ_TEST);
	CU_ASSERT(info.numa_node >= -1);
}

/* The library reports what the raw ioctl says. */
static void test_info_matches_raw_ioctl(void)
{
	struct edudma_info raw;
	int fd = gu_open(0);

	CU_ASSERT_FATAL(fd >= 0);
	memset(&raw, 0, sizeof(raw));
	CU_ASSERT_EQUAL_FATAL(ioctl(fd, EDUDMA_IOC_INFO, &raw), 0);
	close(fd);
	CU_ASSERT_EQUAL(info.features, raw.features);
	CU_ASSERT_EQUAL(info.irq_mode, (int)raw.irq_mode);
	CU_ASSERT_EQUAL(info.window_size, raw.window_size);
	CU_ASSERT_EQUAL(info.max_alloc, raw.max_alloc);
	CU_ASSERT_EQUAL(info.dma_mask_bits, raw.dma_mask_bits);
	CU_ASSERT_EQUAL(info.timeout_ms, raw.timeout_ms);
	CU_ASSERT_EQUAL(info.index, raw.minor_index);
	CU_ASSERT_EQUAL(info.dev_ident, raw.dev_ident);
	CU_ASSERT_EQUAL(info.dev_buffer_size, raw.dev_buffer_size);
	CU_ASSERT_EQUAL(info.dev_buffer_addr, raw.dev_buffer_addr);
	CU_ASSERT(raw.features & EDUDMA_FEAT_ENGINE_INFO);
	CU_ASSERT_EQUAL(info.engine, raw.engine);
	CU_ASSERT_EQUAL(info.version_major, raw.engine_version >> 16);
	CU_ASSERT_EQUAL(info.version_minor, raw.engine_version & 0xffff);
	CU_ASSERT_EQUAL(info.max_cmd_length, raw.max_cmd_length);
	CU_ASSERT_EQUAL(info.ring_size, raw.ring_size);
	CU_ASSERT_EQUAL(info.max_in_flight, raw.max_in_flight);
}

/* ----------------------------------------------------------- lifetime */

static void test_close_with_live_buffer(void)
{
	struct libdma_device *d;
	struct libdma_buffer *b, *other;
	struct libdma_region r;
	int before = count_fds();

	REQUIRE_FEATURE(LIBDMA_FEAT_COHERENT);
	CU_ASSERT_EQUAL_FATAL(libdma_open("0", &d), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(d, 4096, &b), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);

	/* Double close and use after close: errors, not crashes. */
	CU_ASSERT_EQUAL(libdma_close(d), -EBADF);
	r = libdma_region_buffer(b, 0, 16);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(d, &r, 0, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_alloc(d, 4096, &other), -EBADF);

	/* The buffer stays mapped until freed; freeing it closes the file. */
	memset(libdma_buffer_ptr(b), 0xa5, 4096);
	CU_ASSERT_EQUAL(count_fds(), before + 1);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	CU_ASSERT_EQUAL(count_fds(), before);
}

/* ------------------------------------------------------------ buffers */

static void test_alloc_map_free(void)
{
	static const size_t sizes[] = { 1, 4095, 4096, 4097, 65536, 1 << 20 };
	size_t i, j;

	REQUIRE_FEATURE(LIBDMA_FEAT_COHERENT);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct libdma_buffer *b;
		unsigned char *p;
		size_t size;
		int zeros = 1;

		CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, sizes[i], &b), 0);
		p = libdma_buffer_ptr(b);
		size = libdma_buffer_size(b);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL((uintptr_t)p % 4096, 0);
		CU_ASSERT(size >= sizes[i] && size % 4096 == 0 && size - sizes[i] < 4096);
		for (j = 0; j < size; j++)
			zeros &= p[j] == 0;
		CU_ASSERT(zeros);	/* new buffers read as zeros */
		gu_fill(p, size, (uint32_t)i);
		CU_ASSERT_EQUAL(gu_check(p, size, (uint32_t)i), (size_t)-1);
		CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	}
}

static void test_alloc_limits(void)
{
	struct libdma_buffer *b;

	REQUIRE_FEATURE(LIBDMA_FEAT_COHERENT);
	CU_ASSERT_EQUAL(libdma_buffer_alloc(dev, 0, &b), -EINVAL);
	CU_ASSERT(libdma_buffer_alloc(dev, info.max_alloc + 1, &b) < 0);
	CU_ASSERT_PTR_NULL(b);
	CU_ASSERT(strlen(libdma_errmsg()) > 0);
}

static void test_alloc_many(void)
{
	struct libdma_buffer *bufs[16];
	int i, j;

	REQUIRE_FEATURE(LIBDMA_FEAT_COHERENT);
	for (i = 0; i < 16; i++) {
		CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 8192, &bufs[i]), 0);
		gu_fill(libdma_buffer_ptr(bufs[i]), 8192, (uint32_t)i);
	}
	/* Distinct memory: each still holds its own pattern. */
	for (i = 0; i < 16; i++) {
		CU_ASSERT_EQUAL(gu_check(libdma_buffer_ptr(bufs[i]), 8192, (uint32_t)i),
				(size_t)-1);
		for (j = 0; j < i; j++)
			CU_ASSERT_PTR_NOT_EQUAL(libdma_buffer_ptr(bufs[i]),
						libdma_buffer_ptr(bufs[j]));
	}
	for (i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(libdma_buffer_free(bufs[i]), 0);
}

static void test_register_unregister(void)
{
	static char mem[3 * 4096];
	struct libdma_buffer *b;
	struct libdma_pin_stats ps;

	REQUIRE_FEATURE(LIBDMA_FEAT_PIN);
	/* Unaligned start and length: three pages touched. */
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_register(dev, mem + 100, 2 * 4096,
						     LIBDMA_ACCESS_RW, &b, &ps), 0);
	CU_ASSERT(ps.pages >= 3);
	CU_ASSERT(ps.cpu_segments >= 1 && ps.cpu_segments <= ps.pages);
	CU_ASSERT(ps.dma_segments >= 1 && ps.dma_segments <= ps.cpu_segments);
	CU_ASSERT_PTR_EQUAL(libdma_buffer_ptr(b), mem + 100);
	CU_ASSERT_EQUAL(libdma_buffer_size(b), 2 * 4096);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), -EINVAL);	/* wrong kind */
	CU_ASSERT_EQUAL(libdma_buffer_unregister(b), 0);
}

static const struct edutest_case discovery_cases[] = {
	{ "list_matches_sysfs", test_list_matches_sysfs },
	{ "list_partial", test_list_partial },
	{ "open_every_spec", test_open_every_spec },
	{ "open_explicit_variants", test_open_explicit_variants },
	{ "open_second_device", test_open_second_device },
	{ "open_absent_devices", test_open_absent_devices },
	{ "open_close_leaks_no_fd", test_open_close_leaks_no_fd },
	{ "info_fields", test_info_fields },
	{ "info_matches_raw_ioctl", test_info_matches_raw_ioctl },
	{ "close_with_live_buffer", test_close_with_live_buffer },
	{ NULL, NULL },
};

static const struct edutest_case buffer_cases[] = {
	{ "alloc_map_free", test_alloc_map_free },
	{ "alloc_limits", test_alloc_limits },
	{ "alloc_many", test_alloc_many },
	{ "register_unregister", test_register_unregister },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "lib_device", suite_init, suite_cleanup, discovery_cases },
	{ "lib_buffers", suite_init, suite_cleanup, buffer_cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_lib", suites);
}
