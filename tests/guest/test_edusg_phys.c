// SPDX-License-Identifier: MIT
/*
 * edu-sg driven with physical addresses, without any driver: registers
 * through sysfs resource0, on-card RAM through resource2, host memory in
 * hugetlb pages whose physical address /proc/self/pagemap gives, and
 * completions by polling the completion record in memory
 * (docs/edu-sg.md). It runs in the edusg-phys configuration, a machine
 * without an IOMMU, because these cases need the device's bus addresses to
 * be physical ones: an address past RAM, a ring or a record in MMIO (the
 * device's own registers), the device's own registers as a copy's source
 * or destination (no re-entrant register write may happen), a ring in
 * on-card RAM, a peer copy into BAR2, bus mastering off, and a DMA mask
 * that excludes the ring. test_edusg covers the rest through VFIO.
 *
 * Every other configuration has no edu-sg (or an IOMMU): the tests skip.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <edu/edusg_regs.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define HUGE_SZ		(2u << 20)
#define NR_HUGE		2
#define PAST_RAM	0x4000000000ull	/* 256 GiB: no RAM, no device */
#define GUEST_RAM_END	0x20000000ull	/* -m 512M (scripts/run-guest.sh) */
#define RING_N		128u		/* one 4 KiB page of descriptors */
#define DATA_OFF	(64u << 10)	/* data area inside the first huge page */
#define WAIT_MS		5000

struct sgdev {
	char addr[32];
	volatile uint32_t *regs;
	uint8_t *card;
	uint64_t bar0_phys, bar2_phys, card_size;
	uint64_t dma_mask;
};

static struct sgdev devs[4];
static int nr_devs;
static uint8_t *huge;		/* NR_HUGE hugetlb pages, one mapping */
static uint64_t huge_pa[NR_HUGE];
static char old_nr_huge[32];
static const char *skip_why;

/* ------------------------------------------------------------ plumbing */

static uint32_t rd(struct sgdev *d, uint32_t reg)
{
	return d->regs[reg / 4];
}

static void wr(struct sgdev *d, uint32_t reg, uint32_t v)
{
	d->regs[reg / 4] = v;
}

static void wr64(struct sgdev *d, uint32_t reg, uint64_t v)
{
	wr(d, reg, (uint32_t)v);
	wr(d, reg + 4, (uint32_t)(v >> 32));
}

static int sysfs_hex(const char *addr, const char *attr, unsigned long *v)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", addr, attr);
	if (gu_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	*v = strtoul(buf, NULL, 16);
	return 0;
}

/* BAR n's physical start from sysfs "resource" (one line per BAR). */
static uint64_t bar_phys(const char *addr, int bar)
{
	char path[128], line[128];
	unsigned long long start = 0, end, flags;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", addr);
	f = fopen(path, "r");
	if (!f)
		return 0;
	for (i = 0; i <= bar && fgets(line, sizeof(line), f); i++)
		if (i == bar && sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3)
			start = 0;
	fclose(f);
	return start;
}

static void *map_resource(const char *addr, int bar, size_t len)
{
	char path[128];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", addr, bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* Set or clear bus mastering (and memory decoding) in config space. */
static int set_bus_master(struct sgdev *d, int on)
{
	char path[128];
	uint16_t cmd;
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", d->addr);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	ok = pread(fd, &cmd, 2, 4) == 2;
	cmd |= 0x2;				/* memory space */
	cmd = on ? (cmd | 0x4) : (cmd & ~0x4);	/* bus master */
	ok = ok && pwrite(fd, &cmd, 2, 4) == 2;
	close(fd);
	return ok ? 0 : -1;
}

static uint64_t phys_of(const void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, (off_t)((uintptr_t)va / 4096) * 8) != 8)
		e = 0;
	close(fd);
	if (!(e & (1ull << 63)))
		return 0;
	return (e & ((1ull << 55) - 1)) * 4096 + ((uintptr_t)va & 4095);
}

/* ------------------------------------------------------------ the ring */

struct ring {
	struct sgdev *d;
	uint8_t *desc;			/* CPU view of the ring */
	uint64_t desc_pa;
	volatile struct edusg_cpl *rec;
	uint64_t rec_pa;
	uint32_t size, tail;
};

static void dev_reset(struct sgdev *d)
{
	wr(d, EDUSG_REG_CTRL, EDUSG_CTRL_RESET);
}

static void ring_start(struct ring *r, struct sgdev *d, void *desc,
		       uint64_t desc_pa, void *rec, uint64_t rec_pa)
{
	r->d = d;
	r->desc = desc;
	r->desc_pa = desc_pa;
	r->rec = rec;
	r->rec_pa = rec_pa;
	r->size = RING_N;
	r->tail = 0;
	dev_reset(d);
	memset(desc, 0, RING_N * EDUSG_DESC_SIZE);
	memset(rec, 0, EDUSG_CPL_SIZE);
	wr64(d, EDUSG_REG_RING_LO, desc_pa);
	wr(d, EDUSG_REG_RING_SIZE, RING_N);
	wr64(d, EDUSG_REG_CPL_LO, rec_pa);
	wr(d, EDUSG_REG_CTRL, EDUSG_CTRL_ENABLE);
}

/* The usual ring: the first page of the huge mapping, record after it. */
static void ring_default(struct ring *r, struct sgdev *d)
{
	ring_start(r, d, huge, huge_pa[0], huge + 4096, huge_pa[0] + 4096);
}

static struct edusg_desc *desc_at(struct ring *r, uint32_t i)
{
	return (struct edusg_desc *)(r->desc + (i % r->size) * EDUSG_DESC_SIZE);
}

static uint32_t post(struct ring *r, uint64_t src, uint64_t dst, uint32_t len,
		     uint32_t flags)
{
	edusg_desc_fill(desc_at(r, r->tail), src, dst, len, flags);
	return r->tail++;
}

static void doorbell(struct ring *r)
{
	__sync_synchronize();
	wr(r->d, EDUSG_REG_TAIL, r->tail % r->size);
}

/* Wait for desc_done >= n or a halt; 0, or -1 (printed) on a timeout. */
static int wait_done(struct ring *r, uint32_t n)
{
	int64_t end = gu_now_ns() + (int64_t)WAIT_MS * 1000000;

	while (r->rec->desc_done < n) {
		if (rd(r->d, EDUSG_REG_STATUS) & EDUSG_STATUS_HALTED)
			return 0;
		if (gu_now_ns() > end) {
			printf("    timeout: desc_done %u of %u, status 0x%x\n",
			       r->rec->desc_done, n, rd(r->d, EDUSG_REG_STATUS));
			return -1;
		}
		usleep(50);
	}
	return 0;
}

static uint32_t code_of(struct ring *r, uint32_t i)
{
	uint32_t st = desc_at(r, i)->status;

	CU_ASSERT(st & EDUSG_ST_DONE);
	return EDUSG_ST_CODE(st);
}

/* The device answers and a fresh ring moves data: it survived. */
static void assert_alive(struct sgdev *d)
{
	struct ring r;
	uint8_t *src = huge + DATA_OFF, *dst = huge + DATA_OFF + (256 << 10);

	wr(d, EDUSG_REG_SCRATCH, 0x5a5a1234);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_SCRATCH), ~0x5a5a1234u);
	ring_default(&r, d);
	gu_fill(src, 8192, 77);
	memset(dst, 0, 8192);
	post(&r, huge_pa[0] + DATA_OFF, huge_pa[0] + DATA_OFF + (256 << 10), 8192,
	     EDUSG_DESC_EOR);
	doorbell(&r);
	CU_ASSERT_EQUAL(wait_done(&r, 1), 0);
	CU_ASSERT_EQUAL(code_of(&r, 0), EDUSG_ERR_OK);
	CU_ASSERT_EQUAL(gu_check(dst, 8192, 77), (size_t)-1);
}

#define NEED_DEVICE() do { if (skip_why) EDUTEST_SKIP(skip_why); } while (0)

/* The first device with the full 64-bit mask, or the one with a mask. */
static struct sgdev *dev_full(void)
{
	for (int i = 0; i < nr_devs; i++)
		if (devs[i].dma_mask == UINT64_MAX)
			return &devs[i];
	return NULL;
}

static struct sgdev *dev_masked(void)
{
	for (int i = 0; i < nr_devs; i++)
		if (devs[i].dma_mask != UINT64_MAX)
			return &devs[i];
	return NULL;
}

/* -------------------------------------------------------------- suite */

/* Every edu-sg (vendor, device and subsystem IDs) into list; how many. */
static int list_edusg(char list[][32], int max)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int n = 0;

	while (dir && n < max && (e = readdir(dir))) {
		unsigned long v, dv, sv, sd;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= 32)
			continue;
		if (sysfs_hex(e->d_name, "vendor", &v) || sysfs_hex(e->d_name, "device", &dv) ||
		    sysfs_hex(e->d_name, "subsystem_vendor", &sv) ||
		    sysfs_hex(e->d_name, "subsystem_device", &sd))
			continue;
		if (v == EDUSG_PCI_VENDOR && dv == EDUSG_PCI_DEVICE &&
		    sv == EDUSG_PCI_SUBVENDOR && sd == EDUSG_PCI_SUBDEVICE)
			snprintf(list[n++], 32, "%.31s", e->d_name);
	}
	if (dir)
		closedir(dir);
	return n;
}

static int open_device(struct sgdev *d, const char *addr)
{
	char path[128];

	snprintf(d->addr, sizeof(d->addr), "%.31s", addr);
	/*
	 * edudma drives edu-sg too: take the device from its driver first,
	 * or the two would program one ring (the driver's engine is enabled,
	 * and an enabled engine ignores ring register writes).
	 */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.31s/driver", addr);
	if (access(path, F_OK) == 0) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.31s/driver/unbind", addr);
		if (gu_write_file(path, addr)) {
			printf("    %s: cannot unbind it from its driver\n", addr);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.31s/enable", addr);
	gu_write_file(path, "1");
	d->regs = map_resource(addr, EDUSG_BAR_REGS, EDUSG_BAR_REGS_SIZE);
	d->bar0_phys = bar_phys(addr, EDUSG_BAR_REGS);
	d->bar2_phys = bar_phys(addr, EDUSG_BAR_CARD);
	if (!d->regs || !d->bar0_phys || !d->bar2_phys || set_bus_master(d, 1) ||
	    rd(d, EDUSG_REG_IDENT) != EDUSG_IDENT) {
		printf("    %s: cannot map or identify it\n", addr);
		return -1;
	}
	d->card_size = rd(d, EDUSG_REG_CARD_SIZE);
	d->card = map_resource(addr, EDUSG_BAR_CARD, d->card_size);
	d->dma_mask = rd(d, EDUSG_REG_DMA_MASK_LO) |
		      (uint64_t)rd(d, EDUSG_REG_DMA_MASK_HI) << 32;
	return d->card ? 0 : -1;
}

static int suite_init(void)
{
	char list[4][32];
	int n = list_edusg(list, 4);

	if (!n) {
		skip_why = "no edu-sg device in this configuration";
		return 0;
	}
	if (gu_have_iommu()) {
		skip_why = "an IOMMU translates bus addresses here (test_edusg covers this machine)";
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (open_device(&devs[nr_devs++], list[i]))
			return -1;
	/* hugetlb pages: physically contiguous, never migrated under us */
	gu_read_file("/proc/sys/vm/nr_hugepages", old_nr_huge, sizeof(old_nr_huge));
	gu_write_file("/proc/sys/vm/nr_hugepages", "8");
	huge = mmap(NULL, NR_HUGE * HUGE_SZ, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (huge == MAP_FAILED) {
		huge = NULL;
		printf("    no hugetlb pages: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < NR_HUGE; i++) {
		huge_pa[i] = phys_of(huge + (size_t)i * HUGE_SZ);
		if (!huge_pa[i]) {
			printf("    pagemap gives no physical address\n");
			return -1;
		}
	}
	return 0;
}

static int suite_cleanup(void)
{
	for (int i = 0; i < nr_devs; i++)
		dev_reset(&devs[i]);
	if (huge)
		munmap(huge, NR_HUGE * HUGE_SZ);
	if (old_nr_huge[0])
		gu_write_file("/proc/sys/vm/nr_hugepages", old_nr_huge);
	return 0;
}

/* -------------------------------------------------------------- tests */

#define DEV_FULL(d) do {						\
	NEED_DEVICE();							\
	(d) = dev_full();						\
	CU_ASSERT_FATAL((d) != NULL);					\
} while (0)

/* Three pieces, out of order, into the second huge page: one request. */
static void test_chained_copy(void)
{
	uint8_t *src = huge + DATA_OFF, *dst = huge + HUGE_SZ;
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	ring_default(&r, d);
	gu_fill(src, 3 * 65536, 11);
	memset(dst, 0, 3 * 65536);
	post(&r, huge_pa[0] + DATA_OFF + 65536, huge_pa[1] + 65536, 65536, 0);
	post(&r, huge_pa[0] + DATA_OFF, huge_pa[1], 65536, 0);
	post(&r, huge_pa[0] + DATA_OFF + 131072, huge_pa[1] + 131072, 65536,
	     EDUSG_DESC_EOR);
	doorbell(&r);
	CU_ASSERT_EQUAL_FATAL(wait_done(&r, 3), 0);
	for (uint32_t i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(code_of(&r, i), EDUSG_ERR_OK);
	CU_ASSERT_EQUAL(gu_check(dst, 3 * 65536, 11), (size_t)-1);
	CU_ASSERT_EQUAL(r.rec->desc_done, 3);
	CU_ASSERT_EQUAL(r.rec->req_done, 1);
	CU_ASSERT_EQUAL(r.rec->err_count, 0);
	CU_ASSERT_EQUAL(r.rec->head, 3);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_HEAD), 3);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_BYTES_LO), 3 * 65536);
}

/* Host -> card -> host, and the card's RAM seen through BAR2. */
static void test_card_roundtrip(void)
{
	uint8_t *src = huge + DATA_OFF, *back = huge + HUGE_SZ;
	const uint64_t off = 0x10000;
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	ring_default(&r, d);
	gu_fill(src, 100000, 21);
	memset(back, 0, 100000);
	post(&r, huge_pa[0] + DATA_OFF, off, 100000, EDUSG_DESC_DST_CARD | EDUSG_DESC_EOR);
	post(&r, off, huge_pa[1], 100000, EDUSG_DESC_SRC_CARD | EDUSG_DESC_EOR);
	doorbell(&r);
	CU_ASSERT_EQUAL_FATAL(wait_done(&r, 2), 0);
	CU_ASSERT_EQUAL(code_of(&r, 0), EDUSG_ERR_OK);
	CU_ASSERT_EQUAL(code_of(&r, 1), EDUSG_ERR_OK);
	CU_ASSERT_EQUAL(gu_check(d->card + off, 100000, 21), (size_t)-1);
	CU_ASSERT_EQUAL(gu_check(back, 100000, 21), (size_t)-1);
	CU_ASSERT_EQUAL(r.rec->req_done, 2);
}

/* Source and destination past RAM: errors, nothing moved, next one fine. */
static void test_past_ram(void)
{
	uint8_t *buf = huge + HUGE_SZ;
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	ring_default(&r, d);
	memset(buf, 0xee, 4096);
	post(&r, PAST_RAM, huge_pa[1], 4096, EDUSG_DESC_EOR);
	post(&r, huge_pa[0] + DATA_OFF, PAST_RAM, 4096, EDUSG_DESC_EOR);
	/*
	 * A source running off the end of RAM part way: the configuration
	 * gives the guest 512 MiB (QEMU's RAM ends at 0x20000000 on the pc
	 * machine; the BARs sit much higher).
	 */
	post(&r, GUEST_RAM_END - 2048, huge_pa[1], 4096, EDUSG_DESC_EOR);
	doorbell(&r);
	CU_ASSERT_EQUAL_FATAL(wait_done(&r, 3), 0);
	CU_ASSERT_EQUAL(code_of(&r, 0), EDUSG_ERR_READ);
	CU_ASSERT_EQUAL(code_of(&r, 1), EDUSG_ERR_WRITE);
	CU_ASSERT_EQUAL(code_of(&r, 2), EDUSG_ERR_READ);
	CU_ASSERT_EQUAL(r.rec->err_count, 3);
	for (int i = 0; i < 4096; i++)
		if (buf[i] != 0xee) {
			CU_FAIL("a failed descriptor moved data");
			break;
		}
	CU_ASSERT(rd(d, EDUSG_REG_IRQ_STATUS) & EDUSG_IRQ_DESC_ERROR);
	CU_ASSERT(rd(d, EDUSG_REG_STATUS) & EDUSG_STATUS_ENABLED);
	assert_alive(d);
}

/*
 * The device's own registers as a copy's source or destination: refused
 * (MMIO is no DMA target). The data written would have been a RESET: had
 * it reached CTRL, the ring would be gone.
 */
static void test_own_registers(void)
{
	uint32_t *cmd = (uint32_t *)(huge + DATA_OFF);
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	ring_default(&r, d);
	cmd[0] = EDUSG_CTRL_RESET;
	post(&r, huge_pa[0] + DATA_OFF, d->bar0_phys + EDUSG_REG_CTRL, 4, EDUSG_DESC_EOR);
	post(&r, d->bar0_phys, huge_pa[1], 64, EDUSG_DESC_EOR);
	doorbell(&r);
	CU_ASSERT_EQUAL_FATAL(wait_done(&r, 2), 0);
	CU_ASSERT_EQUAL(code_of(&r, 0), EDUSG_ERR_WRITE);
	CU_ASSERT_EQUAL(code_of(&r, 1), EDUSG_ERR_READ);
	CU_ASSERT(rd(d, EDUSG_REG_STATUS) & EDUSG_STATUS_ENABLED);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_DESC_DONE), 2);
	assert_alive(d);
}

/* A ring in MMIO (the device's own registers): the fetch halts the engine. */
static void test_ring_in_mmio(void)
{
	struct sgdev *d;

	DEV_FULL(d);
	dev_reset(d);
	wr64(d, EDUSG_REG_RING_LO, d->bar0_phys);
	wr(d, EDUSG_REG_RING_SIZE, 16);
	wr64(d, EDUSG_REG_CPL_LO, huge_pa[0] + 4096);
	wr(d, EDUSG_REG_IRQ_MASK, 0);
	wr(d, EDUSG_REG_CTRL, EDUSG_CTRL_ENABLE);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_STATUS), EDUSG_STATUS_ENABLED);
	wr(d, EDUSG_REG_TAIL, 1);
	usleep(1000);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_STATUS), EDUSG_STATUS_HALTED);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_ERROR), EDUSG_HALT_FETCH);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_ERROR_INFO), 0);
	CU_ASSERT(rd(d, EDUSG_REG_IRQ_STATUS) & EDUSG_IRQ_HALT);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_DESC_DONE), 0);
	assert_alive(d);
}

/* The completion record in MMIO: the data moves, then the engine halts. */
static void test_record_in_mmio(void)
{
	uint8_t *dst = huge + HUGE_SZ;
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	ring_start(&r, d, huge, huge_pa[0], huge + 4096, d->bar0_phys + 0x800);
	/* (r.rec points at RAM the device does not write: only halts count) */
	gu_fill(huge + DATA_OFF, 4096, 31);
	memset(dst, 0, 4096);
	post(&r, huge_pa[0] + DATA_OFF, huge_pa[1], 4096, EDUSG_DESC_EOR);
	doorbell(&r);
	usleep(1000);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_ERROR), EDUSG_HALT_WRITEBACK);
	CU_ASSERT(rd(d, EDUSG_REG_STATUS) & EDUSG_STATUS_HALTED);
	CU_ASSERT_EQUAL(code_of(&r, 0), EDUSG_ERR_OK);	/* status came first */
	CU_ASSERT_EQUAL(gu_check(dst, 4096, 31), (size_t)-1);
	assert_alive(d);
}

/* A ring and a record in on-card RAM (BAR2 is RAM): allowed, and it works. */
static void test_ring_in_card_ram(void)
{
	uint8_t *dst = huge + HUGE_SZ;
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	ring_start(&r, d, d->card, d->bar2_phys, d->card + 8192, d->bar2_phys + 8192);
	gu_fill(huge + DATA_OFF, 65536, 41);
	memset(dst, 0, 65536);
	for (int i = 0; i < 16; i++)
		post(&r, huge_pa[0] + DATA_OFF + i * 4096, huge_pa[1] + i * 4096, 4096,
		     i == 15 ? EDUSG_DESC_EOR : 0);
	doorbell(&r);
	CU_ASSERT_EQUAL_FATAL(wait_done(&r, 16), 0);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_ERR_COUNT), 0);
	CU_ASSERT_EQUAL(gu_check(dst, 65536, 41), (size_t)-1);
	CU_ASSERT_EQUAL(code_of(&r, 15), EDUSG_ERR_OK);
}

/*
 * A host address that is another BAR's RAM - this card's BAR2 - is a
 * peer-to-peer target like any RAM; the bytes show up in on-card RAM.
 */
static void test_peer_to_bar2(void)
{
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	ring_default(&r, d);
	gu_fill(huge + DATA_OFF, 12345, 51);
	post(&r, huge_pa[0] + DATA_OFF, d->bar2_phys + 0x20000, 12345, EDUSG_DESC_EOR);
	doorbell(&r);
	CU_ASSERT_EQUAL_FATAL(wait_done(&r, 1), 0);
	CU_ASSERT_EQUAL(code_of(&r, 0), EDUSG_ERR_OK);
	CU_ASSERT_EQUAL(gu_check(d->card + 0x20000, 12345, 51), (size_t)-1);
}

/* Bus mastering off: the next fetch fails and halts; back on, it works. */
static void test_bus_master_off(void)
{
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	ring_default(&r, d);
	CU_ASSERT_EQUAL_FATAL(set_bus_master(d, 0), 0);
	post(&r, huge_pa[0] + DATA_OFF, huge_pa[1], 4096, EDUSG_DESC_EOR);
	doorbell(&r);
	usleep(1000);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_ERROR), EDUSG_HALT_FETCH);
	CU_ASSERT_EQUAL(desc_at(&r, 0)->status, 0);
	CU_ASSERT_EQUAL(set_bus_master(d, 1), 0);
	assert_alive(d);
}

/*
 * Random descriptors and doorbells, as a broken or hostile guest would post
 * them: every source, destination, length and flag the device must judge,
 * and now and then a bad tail. The only RAM a descriptor may write is the
 * scratch huge page (a RAM destination is always clipped into it); every
 * other destination is on the card, past RAM, MMIO or a random 64-bit
 * address (RAM with a chance of 2^-35). After each batch: every descriptor
 * completed with DONE and a known code, or the engine halted with a known
 * cause; the device answers; at the end it still moves data. The seed is
 * printed (EDUSG_FUZZ_SEED repeats a run).
 */
static uint64_t pick_addr(struct sgdev *d, uint64_t *rs, uint32_t *len,
			  int is_dst, uint32_t *flags)
{
	uint64_t r = gu_rand64(rs);
	uint32_t card_flag = is_dst ? EDUSG_DESC_DST_CARD : EDUSG_DESC_SRC_CARD;

	switch (r % 7) {
	case 0: {	/* the scratch page: clipped so nothing else is written */
		uint64_t off = (r >> 8) % HUGE_SZ;

		if (*len > HUGE_SZ - off)
			*len = (uint32_t)(HUGE_SZ - off);
		if (!*len)
			*len = 1;
		return huge_pa[1] + off;
	}
	case 1:		/* on-card RAM, in range or not */
		*flags |= card_flag;
		return (r >> 8) % (d->card_size + 4096);
	case 2:
		return PAST_RAM + ((r >> 8) & 0xffffff);
	case 3:
		return d->bar0_phys + ((r >> 8) % EDUSG_BAR_REGS_SIZE);
	case 4:
		return d->bar2_phys + ((r >> 8) % d->card_size);
	case 5:		/* across RAM's end: never wholly inside RAM */
		if (*len < 32)
			*len = 4096;
		return GUEST_RAM_END - 16;
	default:
		if (is_dst && (r >> 63) == 0)
			return PAST_RAM << 4;
		return is_dst ? (r | 0x8000000000000000ull) : r;	/* far above RAM */
	}
}

static uint32_t pick_len(uint64_t *rs)
{
	uint64_t r = gu_rand64(rs);

	switch (r % 8) {
	case 0: return 0;
	case 1: return 1;
	case 2: return EDUSG_MAX_LEN;
	case 3: return EDUSG_MAX_LEN + 1 + (uint32_t)((r >> 8) & 0xffff);
	case 4: return (uint32_t)(r >> 32);
	default: return 1 + (uint32_t)((r >> 8) % 65536);
	}
}

static void test_fuzz_descriptors(void)
{
	const char *env = getenv("EDUSG_FUZZ_SEED");
	uint64_t seed = 0;
	uint64_t rs;
	unsigned halts = 0, done_total = 0, codes[8] = { 0 };
	struct sgdev *d;
	struct ring r;

	DEV_FULL(d);
	/* not the clock: under -icount it reads the same in every boot */
	if (env)
		seed = strtoull(env, NULL, 0);
	else if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)gu_now_ns();
	rs = seed;
	printf("\n    fuzz seed %#llx (EDUSG_FUZZ_SEED repeats it)\n", (unsigned long long)seed);
	for (int batch = 0; batch < 60; batch++) {
		uint32_t n = 1 + gu_rand64(&rs) % 40, posted = 0;
		uint64_t t = gu_rand64(&rs);

		ring_default(&r, d);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t flags = 0, len = pick_len(&rs);
			uint64_t src = pick_addr(d, &rs, &len, 0, &flags);
			uint64_t dst = pick_addr(d, &rs, &len, 1, &flags);
			uint64_t fr = gu_rand64(&rs);

			flags |= fr & (EDUSG_DESC_IRQ | EDUSG_DESC_EOR);
			if (fr % 16 == 0)
				flags |= (uint32_t)(fr >> 32) & ~EDUSG_DESC_FLAGS_ALL;
			/* a RAM destination stays inside the scratch page */
			if (!(flags & EDUSG_DESC_DST_CARD) && dst >= huge_pa[1] &&
			    dst < huge_pa[1] + HUGE_SZ && len > huge_pa[1] + HUGE_SZ - dst)
				len = (uint32_t)(huge_pa[1] + HUGE_SZ - dst);
			post(&r, src, dst, len, flags);
			posted++;
		}
		if (t % 10 == 0)		/* beyond the ring */
			wr(d, EDUSG_REG_TAIL, RING_N + (uint32_t)(t >> 40) % 1000);
		else
			doorbell(&r);
		CU_ASSERT_EQUAL(wait_done(&r, posted), 0);
		if (rd(d, EDUSG_REG_STATUS) & EDUSG_STATUS_HALTED) {
			uint32_t e = rd(d, EDUSG_REG_ERROR);

			halts++;
			CU_ASSERT(e >= EDUSG_HALT_CONFIG && e <= EDUSG_HALT_WRITEBACK);
		} else {
			CU_ASSERT_EQUAL(r.rec->desc_done, posted);
		}
		for (uint32_t i = 0; i < r.rec->desc_done && i < posted; i++) {
			uint32_t st = desc_at(&r, i)->status;

			CU_ASSERT(st & EDUSG_ST_DONE);
			CU_ASSERT((st & ~(EDUSG_ST_DONE | 0xffu)) == 0);
			CU_ASSERT(EDUSG_ST_CODE(st) <= EDUSG_ERR_SKIPPED);
			codes[EDUSG_ST_CODE(st) & 7]++;
			done_total++;
		}
		wr(d, EDUSG_REG_SCRATCH, batch);
		CU_ASSERT_EQUAL_FATAL(rd(d, EDUSG_REG_SCRATCH), ~(uint32_t)batch);
	}
	printf("    %u descriptors completed (ok %u, len %u, flags %u, card %u, mask %u, "
	       "read %u, write %u, skipped %u), %u halts\n", done_total, codes[0], codes[1],
	       codes[2], codes[3], codes[4], codes[5], codes[6], codes[7], halts);
	CU_ASSERT(done_total > 500);
	assert_alive(d);
}

/* A DMA mask below the ring: refused at enable, field named. */
static void test_mask_excludes_ring(void)
{
	struct sgdev *d;
	struct ring r;

	NEED_DEVICE();
	d = dev_masked();
	if (!d)
		EDUTEST_SKIP("no edu-sg with a narrow dma_mask here");
	if (huge_pa[0] + RING_N * EDUSG_DESC_SIZE - 1 <= d->dma_mask)
		EDUTEST_SKIP("the huge page lies within the narrow mask");
	ring_default(&r, d);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_STATUS), EDUSG_STATUS_HALTED);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_ERROR), EDUSG_HALT_CONFIG);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_ERROR_INFO), EDUSG_FIELD_RING_BASE);
	/* a ring in on-card RAM is no better: BAR2 sits high in the PCI hole */
	if (d->bar2_phys > d->dma_mask) {
		ring_start(&r, d, d->card, d->bar2_phys, d->card + 8192,
			   d->bar2_phys + 8192);
		CU_ASSERT_EQUAL(rd(d, EDUSG_REG_ERROR), EDUSG_HALT_CONFIG);
	}
	wr(d, EDUSG_REG_SCRATCH, 7);
	CU_ASSERT_EQUAL(rd(d, EDUSG_REG_SCRATCH), ~7u);
}

static const struct edutest_case cases[] = {
	{ "chained_copy", test_chained_copy },
	{ "card_roundtrip", test_card_roundtrip },
	{ "past_ram", test_past_ram },
	{ "own_registers", test_own_registers },
	{ "ring_in_mmio", test_ring_in_mmio },
	{ "record_in_mmio", test_record_in_mmio },
	{ "ring_in_card_ram", test_ring_in_card_ram },
	{ "peer_to_bar2", test_peer_to_bar2 },
	{ "bus_master_off", test_bus_master_off },
	{ "mask_excludes_ring", test_mask_excludes_ring },
	{ "fuzz_descriptors", test_fuzz_descriptors },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "edusg_phys", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "edusg_phys", suites);
}
