/* SPDX-License-Identifier: MIT */
/*
 * Guest tests of the driver's first slice, through the raw ioctl ABI:
 * probe and binding, identity, sysfs, INFO, the interrupt self-test (MSI or
 * INTx, whichever the boot configuration chose) and the factorial unit.
 * Every device edudma drives is checked against its own engine: edu
 * (1234:11e8) or edu-sg (1af4:10f5), whose identity and limits are read
 * from its registers; edu-sg has no factorial unit (ENOTTY, feature clear).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <edu/edu_regs.h>
#include <edu/edusg_regs.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define MAX_EDU 8

static char edu_pci[MAX_EDU][32];	/* every device edudma drives, bus order */
static int nr_edu;

static int suite_init(void)
{
	nr_edu = gu_list_dev_pci(edu_pci, MAX_EDU);
	if (nr_edu <= 0)
		printf("no edu or edu-sg device on the PCI bus\n");
	return nr_edu > 0 ? 0 : -1;
}

/* /dev/edudma<N> of the first device with this engine, -1 if none. */
static int first_of_engine(int engine)
{
	int i;

	for (i = 0; i < nr_edu; i++)
		if (gu_engine(i) == engine)
			return i;
	return -1;
}

/* BAR0 of a PCI device, mapped (4 KiB), or MAP_FAILED. */
static volatile uint32_t *map_bar0(const char *pci)
{
	char path[128];
	void *bar;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", pci);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return MAP_FAILED;
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return bar;
}

/* What an edu-sg says about itself, read from its registers. */
struct sg_regs {
	uint32_t ident, version, card_size, max_len, max_ring;
	uint64_t dma_mask;
};

static int read_sg_regs(int index, struct sg_regs *r)
{
	char pci[32];
	volatile uint32_t *bar;

	if (gu_pci_of(index, pci, sizeof(pci)))
		return -1;
	bar = map_bar0(pci);
	if (bar == MAP_FAILED)
		return -1;
	r->ident = bar[EDUSG_REG_IDENT / 4];
	r->version = bar[EDUSG_REG_VERSION / 4];
	r->card_size = bar[EDUSG_REG_CARD_SIZE / 4];
	r->max_len = bar[EDUSG_REG_MAX_LEN / 4];
	r->max_ring = bar[EDUSG_REG_MAX_RING / 4];
	r->dma_mask = bar[EDUSG_REG_DMA_MASK_LO / 4] |
		      (uint64_t)bar[EDUSG_REG_DMA_MASK_HI / 4] << 32;
	munmap((void *)bar, 4096);
	return 0;
}

/* The widest n with every address below 2^n within the mask. */
static unsigned int mask_bits(uint64_t mask)
{
	unsigned int n = 0;

	if (mask == UINT64_MAX)
		return 64;
	while (n < 64 && (mask >> n) & 1)
		n++;
	return n;
}

static int expected_irq_mode(void)
{
	return gu_config_is("intx") ? EDUDMA_IRQ_INTX : EDUDMA_IRQ_MSI;
}

static void test_module_bound(void)
{
	int i;

	CU_ASSERT_TRUE(gu_module_loaded());
	for (i = 0; i < nr_edu && i < MAX_EDU; i++) {
		char path[320], target[256];
		ssize_t n;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", edu_pci[i]);
		n = readlink(path, target, sizeof(target) - 1);
		CU_ASSERT_FATAL(n > 0);
		target[n] = '\0';
		CU_ASSERT_PTR_NOT_NULL(strstr(target, "/edudma"));
	}
	CU_ASSERT_EQUAL(gu_count_nodes(), nr_edu);
}

/* What each boot configuration puts on the bus (scripts/run-guest.sh). */
static void test_device_count_matches_config(void)
{
	char addrs[MAX_EDU][32];
	int edu = gu_list_engine_pci(EDUDMA_ENGINE_EDU, addrs, MAX_EDU);
	int sg = gu_list_engine_pci(EDUDMA_ENGINE_EDUSG, addrs, MAX_EDU);
	int want_edu = 1, want_sg = 0, i, seen_edu = 0, seen_sg = 0;

	if (gu_config_is("two"))
		want_edu = 2;
	else if (gu_config_is("edusg"))
		want_sg = 3;	/* and one edu */
	else if (gu_config_is("sgdrv") || gu_config_is("sg-swiotlb") ||
		 gu_config_is("sg-iommu"))
		want_edu = 0, want_sg = 1;
	CU_ASSERT_EQUAL(edu, want_edu);
	CU_ASSERT_EQUAL(sg, want_sg);
	CU_ASSERT_EQUAL(nr_edu, edu + sg);
	/* INFO names the same engines, node by node */
	for (i = 0; i < nr_edu; i++) {
		int e = gu_engine(i);

		seen_edu += e == EDUDMA_ENGINE_EDU;
		seen_sg += e == EDUDMA_ENGINE_EDUSG;
	}
	CU_ASSERT_EQUAL(seen_edu, want_edu);
	CU_ASSERT_EQUAL(seen_sg, want_sg);
}

/*
 * Our understanding of the hardware, checked on the hardware itself through
 * the PCI core's BAR0 file: the identification and liveness registers.
 */
static void test_ident_and_liveness_raw(void)
{
	static const uint32_t patterns[] = { 0, 0xffffffffu, 0xdeadbeefu, 0x01234567u };
	volatile uint32_t *bar;
	unsigned int i;
	int d;

	for (d = 0; d < nr_edu && d < MAX_EDU; d++) {
		int sg = gu_pci_engine(edu_pci[d]) == EDUDMA_ENGINE_EDUSG;
		unsigned int live = sg ? EDUSG_REG_SCRATCH : EDU_REG_LIVENESS;

		bar = map_bar0(edu_pci[d]);
		CU_ASSERT_FATAL(bar != MAP_FAILED);
		if (sg) {
			CU_ASSERT_EQUAL(bar[EDUSG_REG_IDENT / 4], EDUSG_IDENT);
			CU_ASSERT_EQUAL(bar[EDUSG_REG_VERSION / 4] >> 16, EDUSG_SUPPORTED_MAJOR);
		} else {
			CU_ASSERT_EQUAL(bar[EDU_REG_IDENT / 4] & 0xff, 0xed);
			CU_ASSERT_EQUAL(EDU_IDENT_MAJOR(bar[EDU_REG_IDENT / 4]), 1);
		}
		for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
			bar[live / 4] = patterns[i];
			CU_ASSERT_EQUAL(bar[live / 4], ~patterns[i]);
		}
		munmap((void *)bar, 4096);
	}
}

static void test_sysfs_attributes(void)
{
	char buf[64];
	uint64_t v;
	int i;

	for (i = 0; i < nr_edu; i++) {
		struct sg_regs r;

		if (gu_is_edusg(i)) {
			char want[32];

			CU_ASSERT_EQUAL_FATAL(read_sg_regs(i, &r), 0);
			CU_ASSERT_EQUAL_FATAL(gu_read_attr(i, "engine", buf, sizeof(buf)), 0);
			CU_ASSERT_STRING_EQUAL(buf, "edu-sg");
			CU_ASSERT_EQUAL(gu_read_attr(i, "dev_version", buf, sizeof(buf)), 0);
			snprintf(want, sizeof(want), "%u.%u", r.version >> 16, r.version & 0xffff);
			CU_ASSERT_STRING_EQUAL(buf, want);
			CU_ASSERT_STRING_EQUAL(buf, "1.1");
			CU_ASSERT_EQUAL(gu_read_attr(i, "ident", buf, sizeof(buf)), 0);
			CU_ASSERT_STRING_EQUAL(buf, "0x45445347");
			CU_ASSERT_EQUAL(gu_attr_u64(i, "window_size", &v), 0);
			CU_ASSERT_EQUAL(v, r.card_size);
			CU_ASSERT_EQUAL(gu_attr_u64(i, "dma_mask_bits", &v), 0);
			CU_ASSERT_EQUAL(v, mask_bits(r.dma_mask));
		} else {
			CU_ASSERT_EQUAL_FATAL(gu_read_attr(i, "engine", buf, sizeof(buf)), 0);
			CU_ASSERT_STRING_EQUAL(buf, "edu");
			CU_ASSERT_EQUAL(gu_read_attr(i, "dev_version", buf, sizeof(buf)), 0);
			CU_ASSERT_STRING_EQUAL(buf, "1.0");
			CU_ASSERT_EQUAL(gu_read_attr(i, "ident", buf, sizeof(buf)), 0);
			CU_ASSERT_STRING_EQUAL(buf, "0x010000ed");
			CU_ASSERT_EQUAL(gu_attr_u64(i, "window_size", &v), 0);
			CU_ASSERT_EQUAL(v, EDU_WINDOW_SAFE);
			CU_ASSERT_EQUAL(gu_attr_u64(i, "dma_mask_bits", &v), 0);
			CU_ASSERT_EQUAL(v, gu_modparam("dma_bits", 28));
		}
		CU_ASSERT_EQUAL(gu_read_attr(i, "irq_mode", buf, sizeof(buf)), 0);
		CU_ASSERT_STRING_EQUAL(buf, gu_config_is("intx") ? "intx" : "msi");
	}
}

static void test_info_matches_sysfs(void)
{
	int i;

	for (i = 0; i < nr_edu; i++) {
		struct edudma_info info;
		uint64_t window, bits, ident;
		unsigned int k;
		int fd = gu_open(i);

		CU_ASSERT_FATAL(fd >= 0);
		memset(&info, 0xa5, sizeof(info));	/* the driver must fill every byte */
		CU_ASSERT_EQUAL_FATAL(ioctl(fd, EDUDMA_IOC_INFO, &info), 0);
		close(fd);
		CU_ASSERT_EQUAL(gu_attr_u64(i, "window_size", &window), 0);
		CU_ASSERT_EQUAL(gu_attr_u64(i, "dma_mask_bits", &bits), 0);
		CU_ASSERT_EQUAL(gu_attr_u64(i, "ident", &ident), 0);
		CU_ASSERT_EQUAL(info.abi_version, EDUDMA_ABI_VERSION);
		CU_ASSERT_EQUAL(info.dev_ident, ident);
		CU_ASSERT_EQUAL(info.window_size, window);
		CU_ASSERT_EQUAL(info.dma_mask_bits, bits);
		CU_ASSERT_EQUAL(info.irq_mode, expected_irq_mode());
		CU_ASSERT_EQUAL(info.minor_index, (unsigned int)i);
		CU_ASSERT(info.max_alloc >= 4u << 20);
		CU_ASSERT(info.timeout_ms > 0);
		CU_ASSERT(info.features & EDUDMA_FEAT_ENGINE_INFO);
		if (info.engine == EDUDMA_ENGINE_EDUSG) {
			struct sg_regs r;

			CU_ASSERT_EQUAL_FATAL(read_sg_regs(i, &r), 0);
			CU_ASSERT_EQUAL(info.dev_ident, EDUSG_IDENT);
			CU_ASSERT_EQUAL(info.engine_version, r.version);
			CU_ASSERT_EQUAL(info.engine_version, 0x00010001u);
			CU_ASSERT_EQUAL(info.dev_buffer_size, r.card_size);
			CU_ASSERT_EQUAL(info.window_size, r.card_size);
			CU_ASSERT_EQUAL(info.dev_buffer_addr, 0);
			CU_ASSERT_EQUAL(info.dma_mask_bits, mask_bits(r.dma_mask));
			CU_ASSERT_EQUAL(info.max_cmd_length, r.max_len);
			CU_ASSERT(info.ring_size >= 2 && info.ring_size <= r.max_ring);
			CU_ASSERT_EQUAL(info.ring_size & (info.ring_size - 1), 0);
			CU_ASSERT_EQUAL(info.max_in_flight, info.ring_size - 1);
			CU_ASSERT_EQUAL(info.features & (EDUDMA_FEAT_IRQ_TEST | EDUDMA_FEAT_FACTORIAL),
					EDUDMA_FEAT_IRQ_TEST);
		} else {
			CU_ASSERT_EQUAL(info.engine, EDUDMA_ENGINE_EDU);
			CU_ASSERT_EQUAL(info.engine_version, 0x00010000u);
			CU_ASSERT_EQUAL(info.dev_buffer_size, EDU_DEV_BUF_SIZE);
			CU_ASSERT_EQUAL(info.dev_buffer_addr, EDU_DEV_BUF_ADDR);
			CU_ASSERT_EQUAL(info.max_cmd_length, info.window_size);
			CU_ASSERT_EQUAL(info.ring_size, 0);
			CU_ASSERT_EQUAL(info.max_in_flight, 1);
			CU_ASSERT_EQUAL(info.features & (EDUDMA_FEAT_IRQ_TEST | EDUDMA_FEAT_FACTORIAL),
					EDUDMA_FEAT_IRQ_TEST | EDUDMA_FEAT_FACTORIAL);
		}
		for (k = 0; k < sizeof(info.reserved) / sizeof(info.reserved[0]); k++)
			CU_ASSERT_EQUAL(info.reserved[k], 0);
	}
}

static void test_proc_interrupts_shows_mode(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[512];
	int found = 0;

	CU_ASSERT_FATAL(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "edudma0"))
			continue;
		found = 1;
		CU_ASSERT_PTR_NOT_NULL(strstr(line, gu_config_is("intx") ?
						     "IO-APIC" : "PCI-MSI"));
	}
	fclose(f);
	CU_ASSERT_TRUE(found);
}

static void test_nodes_have_distinct_minors(void)
{
	dev_t seen[MAX_EDU];
	int i, j;

	for (i = 0; i < nr_edu; i++) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/dev/edudma%d", i);
		CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
		CU_ASSERT_TRUE(S_ISCHR(st.st_mode));
		seen[i] = st.st_rdev;
		for (j = 0; j < i; j++)
			CU_ASSERT_NOT_EQUAL(seen[i], seen[j]);
	}
}

/* PCI address of a device with this vendor:device and no driver, or 0. */
static int find_unbound(const char *ven, const char *dev, char *addr, size_t len)
{
	char v[32], d[32], path[320];
	struct dirent *e;
	struct stat st;
	DIR *dir = opendir("/sys/bus/pci/devices");
	int found = 0;

	if (!dir)
		return 0;
	while (!found && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (gu_read_file(path, v, sizeof(v)) || strcmp(v, ven))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (gu_read_file(path, d, sizeof(d)) || strcmp(d, dev))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", e->d_name);
		if (stat(path, &st) == 0)
			continue;
		snprintf(addr, len, "%.31s", e->d_name);
		found = 1;
	}
	closedir(dir);
	return found;
}

static void write_sysfs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, val, strlen(val)) == (ssize_t)strlen(val));
	close(fd);
}

/*
 * A device that is not an edu must be refused with a log line, not bound.
 * The boot configurations add QEMU's pci-testdev (1b36:0005), which nothing
 * in the guest drives; we offer it to edudma through new_id.
 */
static void test_refuses_non_edu_device(void)
{
	char addr[32], path[320];
	int nodes = gu_count_nodes();
	struct stat st;
	size_t mark;

	if (!find_unbound("0x1b36", "0x0005", addr, sizeof(addr)))
		EDUTEST_SKIP("no unbound pci-testdev (1b36:0005) to offer the driver");

	mark = gu_dmesg_mark();
	write_sysfs("/sys/bus/pci/drivers/edudma/new_id", "1b36 0005");
	write_sysfs("/sys/bus/pci/drivers/edudma/remove_id", "1b36 0005");

	CU_ASSERT_TRUE(gu_dmesg_since_contains(mark, "not an edu device"));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
	CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);	/* still unbound */
	CU_ASSERT_EQUAL(gu_count_nodes(), nodes);
}

static int irq_test(int fd, uint32_t value, struct edudma_irq_test *t)
{
	memset(t, 0, sizeof(*t));
	t->value = value;
	return ioctl(fd, EDUDMA_IOC_IRQ_TEST, t) ? -errno : 0;
}

static void test_irq_selftest_each_device(void)
{
	int i;

	for (i = 0; i < nr_edu; i++) {
		struct edudma_irq_test t;
		uint64_t before, after;
		int fd = gu_open(i);

		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_EQUAL(gu_attr_u64(i, "irq_count", &before), 0);
		CU_ASSERT_EQUAL(irq_test(fd, 0, &t), 0);
		CU_ASSERT_EQUAL(t.seen & EDUDMA_IRQ_TEST_DEFAULT, EDUDMA_IRQ_TEST_DEFAULT);
		CU_ASSERT(t.latency_ns > 0);
		CU_ASSERT_EQUAL(gu_attr_u64(i, "irq_count", &after), 0);
		CU_ASSERT(after > before);
		close(fd);
	}
}

static void test_irq_selftest_custom_bits(void)
{
	struct edudma_irq_test t;
	int fd = gu_open(0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(irq_test(fd, 0x00f00000, &t), 0);
	CU_ASSERT_EQUAL(t.seen, 0x00f00000);
	CU_ASSERT_EQUAL(irq_test(fd, 0x80000000u, &t), 0);
	CU_ASSERT_EQUAL(t.seen, 0x80000000u);
	close(fd);
}

static void test_irq_selftest_repeated(void)
{
	struct edudma_irq_test t;
	int fd = gu_open(0), i, fails = 0;

	CU_ASSERT_FATAL(fd >= 0);
	for (i = 0; i < 200; i++)
		if (irq_test(fd, 1u << (16 + i % 8), &t))
			fails++;
	CU_ASSERT_EQUAL(fails, 0);
	close(fd);
}

static void test_irq_selftest_refuses_bad_input(void)
{
	struct edudma_irq_test t;
	int fd = gu_open(0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(irq_test(fd, EDU_IRQ_DMA, &t), -EINVAL);
	CU_ASSERT_EQUAL(irq_test(fd, EDU_IRQ_FACT | 0x10000, &t), -EINVAL);
	if (gu_is_edusg(0)) {
		/* the engine's own bits, and any bit outside the software ones */
		CU_ASSERT_EQUAL(irq_test(fd, EDUSG_IRQ_DONE, &t), -EINVAL);
		CU_ASSERT_EQUAL(irq_test(fd, EDUSG_IRQ_DESC_ERROR, &t), -EINVAL);
		CU_ASSERT_EQUAL(irq_test(fd, EDUSG_IRQ_HALT | 0x10000, &t), -EINVAL);
		CU_ASSERT_EQUAL(irq_test(fd, 0x8000, &t), -EINVAL);
	}
	memset(&t, 0, sizeof(t));
	t.flags = 1;
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_IRQ_TEST, &t) ? errno : 0, EINVAL);
	memset(&t, 0, sizeof(t));
	t.reserved[1] = 1;
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_IRQ_TEST, &t) ? errno : 0, EINVAL);
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_IRQ_TEST, (void *)8) ? errno : 0, EFAULT);
	close(fd);
}

static void test_unknown_ioctls(void)
{
	struct { uint64_t x[64]; } big;
	int fd = gu_open(0);

	CU_ASSERT_FATAL(fd >= 0);
	memset(&big, 0, sizeof(big));
	CU_ASSERT_EQUAL(ioctl(fd, _IO(EDUDMA_IOC_MAGIC, 0x7f)) ? errno : 0, ENOTTY);
	/* A known number with another size is another number. */
	CU_ASSERT_EQUAL(ioctl(fd, _IOR(EDUDMA_IOC_MAGIC, 0x00, uint64_t), &big) ? errno : 0, ENOTTY);
	CU_ASSERT_EQUAL(ioctl(fd, _IOR(EDUDMA_IOC_MAGIC, 0x00, big), &big) ? errno : 0, ENOTTY);
	close(fd);
}

/*
 * The factorial unit is edu's: its tests run on the first edu device;
 * an edu-sg has none (absent_on_edusg).
 */
static int fact_idx = -1;

static int fact_suite_init(void)
{
	if (suite_init())
		return -1;
	fact_idx = first_of_engine(EDUDMA_ENGINE_EDU);
	return 0;
}

#define REQUIRE_EDU() do {						\
	if (fact_idx < 0)						\
		EDUTEST_SKIP("no edu device here: the factorial unit is edu's " \
			     "(edu-sg: factorial.absent_on_edusg)");	\
} while (0)

static uint32_t fact32(uint32_t n)
{
	uint32_t r = 1;

	while (n > 1)
		r *= n--;
	return r;
}

static int factorial(int fd, uint32_t n, uint32_t flags, struct edudma_factorial *f)
{
	memset(f, 0, sizeof(*f));
	f->n = n;
	f->flags = flags;
	return ioctl(fd, EDUDMA_IOC_FACTORIAL, f) ? -errno : 0;
}

static const uint32_t fact_inputs[] = { 0, 1, 2, 5, 10, 12, 13, 20, 1000 };

static void check_factorials(uint32_t flags)
{
	struct edudma_factorial f;
	unsigned int i;
	int fd = gu_open(fact_idx);

	CU_ASSERT_FATAL(fd >= 0);
	for (i = 0; i < sizeof(fact_inputs) / sizeof(fact_inputs[0]); i++) {
		CU_ASSERT_EQUAL(factorial(fd, fact_inputs[i], flags, &f), 0);
		CU_ASSERT_EQUAL(f.result, fact32(fact_inputs[i]));
		CU_ASSERT_EQUAL(f.irq_seen, flags & EDUDMA_FACT_POLL ? 0 : 1);
	}
	close(fd);
}

static void test_factorial_by_interrupt(void)
{
	uint64_t before, after;

	REQUIRE_EDU();

	CU_ASSERT_EQUAL(gu_attr_u64(fact_idx, "irq_count", &before), 0);
	check_factorials(0);
	CU_ASSERT_EQUAL(gu_attr_u64(fact_idx, "irq_count", &after), 0);
	CU_ASSERT(after >= before + sizeof(fact_inputs) / sizeof(fact_inputs[0]));
}

static void test_factorial_by_polling(void)
{

	REQUIRE_EDU();
	check_factorials(EDUDMA_FACT_POLL);
}

static void test_factorial_refuses_bad_input(void)
{
	struct edudma_factorial f;
	int fd = gu_open(fact_idx);

	REQUIRE_EDU();

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(factorial(fd, 5, 0x2, &f), -EINVAL);
	memset(&f, 0, sizeof(f));
	f.n = 5;
	f.reserved[0] = 7;
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_FACTORIAL, &f) ? errno : 0, EINVAL);
	close(fd);
}

static void *fact_thread(void *arg)
{
	uintptr_t n = (uintptr_t)arg, bad = 0;
	struct edudma_factorial f;
	int fd = gu_open(fact_idx), i;

	if (fd < 0)
		return (void *)1;
	for (i = 0; i < 20; i++)
		if (factorial(fd, (uint32_t)(n + i), 0, &f) ||
		    f.result != fact32((uint32_t)(n + i)))
			bad++;
	close(fd);
	return (void *)bad;
}

/* Several users at once: each must get its own n's result. */
static void test_factorial_concurrent(void)
{
	pthread_t th[4];
	uintptr_t i;

	REQUIRE_EDU();

	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, fact_thread, (void *)(i * 7)), 0);
	for (i = 0; i < 4; i++) {
		void *bad;

		pthread_join(th[i], &bad);
		CU_ASSERT_PTR_NULL(bad);
	}
}

/*
 * edu-sg has no factorial unit: the feature bit is clear and the ioctl is
 * ENOTTY - whatever its argument, before looking at it - on every edu-sg.
 */
static void test_factorial_absent_on_edusg(void)
{
	int i, tested = 0;

	for (i = 0; i < nr_edu; i++) {
		struct edudma_factorial f;
		struct edudma_info info;
		int fd;

		if (!gu_is_edusg(i))
			continue;
		tested++;
		CU_ASSERT_EQUAL_FATAL(gu_info(i, &info), 0);
		CU_ASSERT_EQUAL(info.features & EDUDMA_FEAT_FACTORIAL, 0);
		fd = gu_open(i);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_EQUAL(factorial(fd, 5, 0, &f), -ENOTTY);
		CU_ASSERT_EQUAL(factorial(fd, 5, EDUDMA_FACT_POLL, &f), -ENOTTY);
		CU_ASSERT_EQUAL(factorial(fd, 5, 0x2, &f), -ENOTTY);
		CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_FACTORIAL, NULL) ? errno : 0, ENOTTY);
		close(fd);
	}
	if (!tested)
		EDUTEST_SKIP("no edu-sg device in this configuration");
}

static const struct edutest_case probe_cases[] = {
	{ "module_bound", test_module_bound },
	{ "device_count_matches_config", test_device_count_matches_config },
	{ "ident_and_liveness_raw", test_ident_and_liveness_raw },
	{ "sysfs_attributes", test_sysfs_attributes },
	{ "info_matches_sysfs", test_info_matches_sysfs },
	{ "proc_interrupts_shows_mode", test_proc_interrupts_shows_mode },
	{ "nodes_have_distinct_minors", test_nodes_have_distinct_minors },
	{ "refuses_non_edu_device", test_refuses_non_edu_device },
	{ NULL, NULL }
};

static const struct edutest_case irq_cases[] = {
	{ "selftest_each_device", test_irq_selftest_each_device },
	{ "selftest_custom_bits", test_irq_selftest_custom_bits },
	{ "selftest_repeated", test_irq_selftest_repeated },
	{ "selftest_refuses_bad_input", test_irq_selftest_refuses_bad_input },
	{ "unknown_ioctls", test_unknown_ioctls },
	{ NULL, NULL }
};

static const struct edutest_case fact_cases[] = {
	{ "by_interrupt", test_factorial_by_interrupt },
	{ "by_polling", test_factorial_by_polling },
	{ "refuses_bad_input", test_factorial_refuses_bad_input },
	{ "concurrent", test_factorial_concurrent },
	{ "absent_on_edusg", test_factorial_absent_on_edusg },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "probe", suite_init, NULL, probe_cases },
	{ "irq", suite_init, NULL, irq_cases },
	{ "factorial", fact_suite_init, NULL, fact_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_basic", suites);
}
