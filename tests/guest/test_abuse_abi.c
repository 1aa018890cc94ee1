/* SPDX-License-Identifier: MIT */
/*
 * The raw ioctl ABI under abuse (no libdma in the way): every ioctl number
 * and size, every reserved field and flag bit, sizes and offsets at the
 * edges (0, 1, page - 1, page, page + 1, SIZE_MAX, sums that overflow),
 * stale, foreign and wrong-kind handles, and mmap beyond the basics (huge
 * offsets, vm_pgoff overflow, mremap, madvise, fork).
 *
 * Every refusal must be an errno - never a crash, a leak or a kernel log
 * line - and must come before the device is touched: each test checks
 * that the driver's object counters are back at their baseline, that the
 * kernel log stayed clean, and (where nothing valid was asked) that the
 * command counter did not move.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096ull
#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)
#define OVERFLOW_ADDR 0xfffffffffffff000ull	/* + 0x2000 wraps */
#define OVERFLOW_LEN 0x2000ull

static int fd = -1;
static struct edudma_info info;
static int base_buffers, base_pinned;
static size_t log_mark;

static int suite_init(void)
{
	fd = gu_open(0);
	if (fd < 0 || ioctl(fd, EDUDMA_IOC_INFO, &info))
		return -1;
	base_buffers = gu_attr_int(0, "nr_buffers");
	base_pinned = gu_attr_int(0, "nr_pinned");
	return base_buffers < 0 || base_pinned < 0;
}

static int suite_cleanup(void)
{
	return close(fd);
}

/* errno of a failed ioctl, 0 on success. */
static int ioc(int f, unsigned long cmd, void *arg)
{
	return ioctl(f, cmd, arg) ? errno : 0;
}

/* At the start of each test: where the kernel log stands. */
static void begin(void)
{
	log_mark = gu_dmesg_mark();
}

/* At the end of each test: nothing leaked, nothing logged. */
static void end_clean(void)
{
	char *bad = gu_dmesg_problem_since(log_mark);

	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned);
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 0);
	if (bad)
		printf("\n    kernel log: %s\n", bad);
	CU_ASSERT_PTR_NULL(bad);
	free(bad);
}

/* -------------------------------------------------------- ioctl numbers */

struct known_ioctl {
	const char *name;
	unsigned long cmd;
};

static const struct known_ioctl known[] = {
	{ "INFO", EDUDMA_IOC_INFO },
	{ "IRQ_TEST", EDUDMA_IOC_IRQ_TEST },
	{ "FACTORIAL", EDUDMA_IOC_FACTORIAL },
	{ "ALLOC", EDUDMA_IOC_ALLOC },
	{ "FREE", EDUDMA_IOC_FREE },
	{ "PIN", EDUDMA_IOC_PIN },
	{ "UNPIN", EDUDMA_IOC_UNPIN },
	{ "EXPORT", EDUDMA_IOC_EXPORT },
	{ "IMPORT", EDUDMA_IOC_IMPORT },
	{ "TRANSFER", EDUDMA_IOC_TRANSFER },
	{ "COPY", EDUDMA_IOC_COPY },
	{ "SUBMIT", EDUDMA_IOC_SUBMIT },
	{ "REAP", EDUDMA_IOC_REAP },
	{ "CANCEL", EDUDMA_IOC_CANCEL },
	{ "LAB", EDUDMA_IOC_LAB },
};
#define NR_KNOWN (sizeof(known) / sizeof(known[0]))

static int is_known(unsigned long cmd)
{
	unsigned int i;

	for (i = 0; i < NR_KNOWN; i++)
		if (known[i].cmd == cmd)
			return 1;
	return 0;
}

/* A zeroed argument larger than any ioctl size field can say (14 bits). */
static uint8_t big_arg[1 << 14] __attribute__((aligned(4096)));

/*
 * Every number of our magic and its two neighbours that is not one of
 * ours, in every direction and with many sizes: ENOTTY.
 */
static void test_unknown_numbers_enotty(void)
{
	static const unsigned int sizes[] = { 0, 1, 4, 8, 16, 24, 40, 64, 88, 96,
					      112, 128, 4096, 16383 };
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE,
					     _IOC_READ | _IOC_WRITE };
	unsigned int type, nr, d, s, wrong = 0, tried = 0;
	uint64_t before = gu_commands(0);

	begin();
	for (type = EDUDMA_IOC_MAGIC - 1; type <= EDUDMA_IOC_MAGIC + 1; type++)
		for (nr = 0; nr < 256; nr++)
			for (d = 0; d < 4; d++)
				for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
					unsigned long cmd = _IOC(dirs[d], type, nr, sizes[s]);
					int err;

					if (is_known(cmd))
						continue;
					tried++;
					err = ioc(fd, cmd, big_arg);
					if (err != ENOTTY && wrong++ < 5)
						printf("\n    ioctl 0x%08lx: %s, expected ENOTTY",
						       cmd, strerror(err));
				}
	printf("\n    %u unknown numbers tried, %u not ENOTTY\n", tried, wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(gu_commands(0), before);
	end_clean();
}

/* Each of our numbers with any other size or direction is another number. */
static void test_known_numbers_wrong_size_or_direction(void)
{
	static const int deltas[] = { -8, -4, -1, 1, 4, 8 };
	unsigned int i, d, k, wrong = 0;
	uint64_t before = gu_commands(0);

	begin();
	for (i = 0; i < NR_KNOWN; i++) {
		unsigned long cmd = known[i].cmd;
		unsigned int size = _IOC_SIZE(cmd), nr = _IOC_NR(cmd);
		unsigned int dir = _IOC_DIR(cmd);
		unsigned long variants[32];
		unsigned int n = 0;

		for (k = 0; k < sizeof(deltas) / sizeof(deltas[0]); k++)
			variants[n++] = _IOC(dir, EDUDMA_IOC_MAGIC, nr, size + deltas[k]);
		variants[n++] = _IOC(dir, EDUDMA_IOC_MAGIC, nr, 0);
		variants[n++] = _IOC(dir, EDUDMA_IOC_MAGIC, nr, 4096);
		variants[n++] = _IOC(dir, EDUDMA_IOC_MAGIC, nr, 16383);
		for (d = 0; d < 4; d++)
			if (d != dir)
				variants[n++] = _IOC(d, EDUDMA_IOC_MAGIC, nr, size);
		for (k = 0; k < n; k++) {
			int err = ioc(fd, variants[k], big_arg);

			if (err != ENOTTY) {
				printf("\n    %s as 0x%08lx: %s, expected ENOTTY",
				       known[i].name, variants[k], strerror(err));
				wrong++;
			}
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(gu_commands(0), before);
	end_clean();
}

/* A page of memory followed by an unmapped one: [page, hole). */
static uint8_t *page_before_hole(void)
{
	uint8_t *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	munmap(m + PAGE, PAGE);
	memset(m, 0, PAGE);
	return m;
}

/*
 * The argument pointer itself: NULL, a kernel address, unmapped, and a
 * structure whose tail runs into a hole - EFAULT for every ioctl, nothing
 * allocated, no command.
 */
static void test_bad_argument_pointers(void)
{
	uint8_t *m = page_before_hole();
	unsigned int i;
	uint64_t before = gu_commands(0);

	begin();
	CU_ASSERT_FATAL(m != NULL);
	for (i = 0; i < NR_KNOWN; i++) {
		unsigned long cmd = known[i].cmd;
		unsigned int size = _IOC_SIZE(cmd);
		int e1 = ioc(fd, cmd, NULL);
		int e2 = ioc(fd, cmd, (void *)0xffff888000000000ull);
		int e3 = ioc(fd, cmd, m + PAGE);	/* unmapped */
		int e4 = ioc(fd, cmd, m + PAGE - size / 2);	/* tail in the hole */

		if (cmd == EDUDMA_IOC_LAB && !(info.features & EDUDMA_FEAT_LAB)) {
			/* off (module parameter lab=0): refused before anything is read */
			CU_ASSERT(e1 == EPERM && e2 == EPERM && e3 == EPERM && e4 == EPERM);
			continue;
		}
		if (cmd == EDUDMA_IOC_FACTORIAL && !(info.features & EDUDMA_FEAT_FACTORIAL)) {
			/* no factorial unit (edu-sg): ENOTTY before anything is read */
			CU_ASSERT(e1 == ENOTTY && e2 == ENOTTY && e3 == ENOTTY && e4 == ENOTTY);
			continue;
		}
		if (e1 != EFAULT || e2 != EFAULT || e3 != EFAULT || e4 != EFAULT)
			printf("\n    %s: NULL %s, kernel %s, unmapped %s, straddling %s",
			       known[i].name, strerror(e1), strerror(e2),
			       strerror(e3), strerror(e4));
		CU_ASSERT_EQUAL(e1, EFAULT);
		CU_ASSERT_EQUAL(e2, EFAULT);
		CU_ASSERT_EQUAL(e3, EFAULT);
		CU_ASSERT_EQUAL(e4, EFAULT);
	}
	munmap(m, PAGE);
	CU_ASSERT_EQUAL(gu_commands(0), before);
	end_clean();
}

/*
 * The answer cannot be written back (read-only argument): the call fails
 * with EFAULT and takes back what it created - the caller never learnt the
 * handle, so a buffer or pin left behind would leak until close.
 */
static void test_readonly_argument_takes_back(void)
{
	uint8_t *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *mem = aligned_alloc(PAGE, 4 * PAGE);
	struct edudma_alloc *a = (void *)ro;
	struct edudma_pin *p = (void *)ro;
	struct edudma_irq_test *t = (void *)ro;
	struct edudma_factorial *f = (void *)ro;
	int i;

	begin();
	CU_ASSERT_FATAL(ro != MAP_FAILED && mem != NULL);
	memset(mem, 1, 4 * PAGE);

	CU_ASSERT_EQUAL(mprotect(ro, PAGE, PROT_READ), 0);
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_INFO, ro), EFAULT);

	for (i = 0; i < 20; i++) {
		mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
		memset(ro, 0, PAGE);
		a->size = (i + 1) * PAGE;
		mprotect(ro, PAGE, PROT_READ);
		CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_ALLOC, a), EFAULT);
	}
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers);

	for (i = 0; i < 20; i++) {
		mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
		memset(ro, 0, PAGE);
		p->addr = (uintptr_t)mem + i;
		p->length = 3 * PAGE;
		p->access = RW;
		mprotect(ro, PAGE, PROT_READ);
		CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_PIN, p), EFAULT);
	}
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned);
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 0);

	mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
	memset(ro, 0, PAGE);
	f->n = 6;
	mprotect(ro, PAGE, PROT_READ);
	/* edu-sg: no factorial unit, ENOTTY before the argument is touched */
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_FACTORIAL, f),
			info.features & EDUDMA_FEAT_FACTORIAL ? EFAULT : ENOTTY);
	mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
	memset(ro, 0, PAGE);
	t->value = 0x20000;
	mprotect(ro, PAGE, PROT_READ);
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_IRQ_TEST, t), EFAULT);

	/* Input-only ioctls do not need to write: a read-only FREE works. */
	{
		struct gu_buf b;

		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
		munmap(b.map, b.size);
		mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
		memset(ro, 0, PAGE);
		((struct edudma_handle *)ro)->handle = b.handle;
		mprotect(ro, PAGE, PROT_READ);
		CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_FREE, ro), 0);
	}
	munmap(ro, PAGE);
	free(mem);
	end_clean();
}

/* A TRANSFER / COPY whose stats cannot be written back: EFAULT, no leak. */
static void test_readonly_transfer_and_copy(void)
{
	uint8_t *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct edudma_transfer *t = (void *)ro;
	struct edudma_copy *c = (void *)ro;
	struct gu_buf a, b;

	begin();
	CU_ASSERT_FATAL(ro != MAP_FAILED);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	gu_fill(a.map, 100, 3);
	memset(ro, 0, PAGE);
	t->mem.handle = a.handle;
	t->length = 100;
	t->direction = EDUDMA_DIR_TO_DEVICE;
	mprotect(ro, PAGE, PROT_READ);
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_TRANSFER, t), EFAULT);
	mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
	memset(ro, 0, PAGE);
	c->src.handle = a.handle;
	c->dst.handle = b.handle;
	c->length = 100;
	mprotect(ro, PAGE, PROT_READ);
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_COPY, c), EFAULT);
	/* The copy itself happened; only the report was lost. */
	CU_ASSERT_EQUAL(gu_check(b.map, 100, 3), (size_t)-1);
	CU_ASSERT_EQUAL(gu_free(fd, &a), 0);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	munmap(ro, PAGE);
	end_clean();
}

/* ------------------------------------------- reserved fields and flags */

/*
 * For each ioctl, a valid request with one thing wrong at a time. The
 * valid request is proven to succeed first (so a refusal is really about
 * the field), and out-fields full of garbage must not matter.
 */
static unsigned int flag_failures;

static void expect_einval(const char *what, unsigned int bit, int err)
{
	if (err != EINVAL) {
		if (flag_failures++ < 10)
			printf("\n    %s (bit/value %u): %s, expected EINVAL", what, bit,
			       strerror(err));
	}
}

static void test_info_ignores_input_and_zeroes_reserved(void)
{
	struct edudma_info in;
	unsigned int i;

	begin();
	memset(&in, 0xff, sizeof(in));
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_INFO, &in), 0);
	for (i = 0; i < sizeof(in.reserved) / sizeof(in.reserved[0]); i++)
		CU_ASSERT_EQUAL(in.reserved[i], 0);
	CU_ASSERT_EQUAL(in.abi_version, EDUDMA_ABI_VERSION);
	end_clean();
}

static void test_irq_test_reserved_and_flags(void)
{
	struct edudma_irq_test t;
	unsigned int bit;

	begin();
	flag_failures = 0;
	memset(&t, 0, sizeof(t));
	t.value = 0x20000;
	t.seen = 0xffffffff;		/* out: ignored */
	t.latency_ns = UINT64_MAX;	/* out: ignored */
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_IRQ_TEST, &t), 0);
	for (bit = 0; bit < 32; bit++) {
		memset(&t, 0, sizeof(t));
		t.flags = 1u << bit;
		expect_einval("IRQ_TEST flags", bit, ioc(fd, EDUDMA_IOC_IRQ_TEST, &t));
	}
	for (bit = 0; bit < 2; bit++) {
		memset(&t, 0, sizeof(t));
		t.reserved[bit] = 1;
		expect_einval("IRQ_TEST reserved[]", bit, ioc(fd, EDUDMA_IOC_IRQ_TEST, &t));
		t.reserved[bit] = 1ull << 63;
		expect_einval("IRQ_TEST reserved[] top bit", bit,
			      ioc(fd, EDUDMA_IOC_IRQ_TEST, &t));
	}
	CU_ASSERT_EQUAL(flag_failures, 0);
	end_clean();
}

static void test_factorial_reserved_and_flags(void)
{
	struct edudma_factorial f;
	unsigned int bit;

	begin();
	flag_failures = 0;
	if (!(info.features & EDUDMA_FEAT_FACTORIAL)) {
		/* edu-sg: no unit, so nothing to validate: every call is ENOTTY */
		CU_ASSERT_EQUAL(info.engine, EDUDMA_ENGINE_EDUSG);
		memset(&f, 0, sizeof(f));
		f.n = 7;
		CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_FACTORIAL, &f), ENOTTY);
		f.flags = 0x80;
		f.reserved0 = 1;
		CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_FACTORIAL, &f), ENOTTY);
		CU_ASSERT_EQUAL(f.result, 0);	/* nothing written back */
		end_clean();
		return;
	}
	memset(&f, 0xee, sizeof(f));	/* out-fields: garbage */
	f.n = 7;
	f.flags = EDUDMA_FACT_POLL;
	f.timeout_ms = 0;
	f.reserved0 = 0;
	f.reserved[0] = f.reserved[1] = 0;
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_FACTORIAL, &f), 0);
	CU_ASSERT_EQUAL(f.result, 5040);
	for (bit = 0; bit < 32; bit++) {
		if ((1u << bit) & EDUDMA_FACT_FLAGS)
			continue;
		memset(&f, 0, sizeof(f));
		f.n = 3;
		f.flags = 1u << bit;
		expect_einval("FACTORIAL flags", bit, ioc(fd, EDUDMA_IOC_FACTORIAL, &f));
	}
	memset(&f, 0, sizeof(f));
	f.reserved0 = 1;
	expect_einval("FACTORIAL reserved0", 0, ioc(fd, EDUDMA_IOC_FACTORIAL, &f));
	f.reserved0 = 0x80000000u;
	expect_einval("FACTORIAL reserved0", 31, ioc(fd, EDUDMA_IOC_FACTORIAL, &f));
	for (bit = 0; bit < 2; bit++) {
		memset(&f, 0, sizeof(f));
		f.reserved[bit] = 1ull << (bit * 40);
		expect_einval("FACTORIAL reserved[]", bit, ioc(fd, EDUDMA_IOC_FACTORIAL, &f));
	}
	CU_ASSERT_EQUAL(flag_failures, 0);
	end_clean();
}

static void test_alloc_reserved_and_flags(void)
{
	struct edudma_alloc a;
	unsigned int bit;

	begin();
	flag_failures = 0;
	memset(&a, 0, sizeof(a));
	a.size = PAGE;
	a.handle = 0xffffffff;		/* out-fields: ignored */
	a.mmap_offset = UINT64_MAX;
	a.alloc_size = 12345;
	CU_ASSERT_EQUAL_FATAL(ioc(fd, EDUDMA_IOC_ALLOC, &a), 0);
	CU_ASSERT_EQUAL(a.alloc_size, PAGE);
	CU_ASSERT_EQUAL(gu_free_handle(fd, a.handle), 0);
	for (bit = 0; bit < 32; bit++) {
		memset(&a, 0, sizeof(a));
		a.size = PAGE;
		a.flags = 1u << bit;
		expect_einval("ALLOC flags", bit, ioc(fd, EDUDMA_IOC_ALLOC, &a));
	}
	for (bit = 0; bit < 2; bit++) {
		memset(&a, 0, sizeof(a));
		a.size = PAGE;
		a.reserved[bit] = 1;
		expect_einval("ALLOC reserved[]", bit, ioc(fd, EDUDMA_IOC_ALLOC, &a));
		a.reserved[bit] = 1ull << 63;
		expect_einval("ALLOC reserved[] top bit", bit, ioc(fd, EDUDMA_IOC_ALLOC, &a));
	}
	CU_ASSERT_EQUAL(flag_failures, 0);
	end_clean();
}

/* FREE and UNPIN with a flag: refused, and the handle is NOT consumed. */
static void test_free_unpin_flags(void)
{
	uint8_t *mem = aligned_alloc(PAGE, PAGE);
	struct edudma_handle h;
	struct edudma_pin p;
	struct gu_buf b;
	unsigned int bit;

	begin();
	flag_failures = 0;
	CU_ASSERT_FATAL(mem != NULL);
	memset(mem, 0, PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, PAGE, RW, &p), 0);
	for (bit = 0; bit < 32; bit++) {
		h.handle = b.handle;
		h.flags = 1u << bit;
		expect_einval("FREE flags", bit, ioc(fd, EDUDMA_IOC_FREE, &h));
		h.handle = p.handle;
		expect_einval("UNPIN flags", bit, ioc(fd, EDUDMA_IOC_UNPIN, &h));
	}
	CU_ASSERT_EQUAL(flag_failures, 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	free(mem);
	end_clean();
}

static void test_pin_reserved_flags_and_access(void)
{
	uint8_t *mem = aligned_alloc(PAGE, 2 * PAGE);
	struct edudma_pin p;
	unsigned int bit;

	begin();
	flag_failures = 0;
	CU_ASSERT_FATAL(mem != NULL);
	memset(mem, 0, 2 * PAGE);
	memset(&p, 0x5a, sizeof(p));	/* out-fields: garbage */
	p.addr = (uintptr_t)mem + 1;
	p.length = PAGE;
	p.access = RW;
	p.flags = 0;
	p.reserved[0] = p.reserved[1] = 0;
	CU_ASSERT_EQUAL_FATAL(ioc(fd, EDUDMA_IOC_PIN, &p), 0);
	CU_ASSERT_EQUAL(p.nr_pages, 2);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	for (bit = 0; bit < 32; bit++) {
		memset(&p, 0, sizeof(p));
		p.addr = (uintptr_t)mem;
		p.length = PAGE;
		p.access = RW;
		p.flags = 1u << bit;
		expect_einval("PIN flags", bit, ioc(fd, EDUDMA_IOC_PIN, &p));
		if ((1u << bit) & EDUDMA_ACCESS_MASK)
			continue;
		p.flags = 0;
		p.access = EDUDMA_ACCESS_DEV_READ | (1u << bit);
		expect_einval("PIN access", bit, ioc(fd, EDUDMA_IOC_PIN, &p));
	}
	memset(&p, 0, sizeof(p));
	p.addr = (uintptr_t)mem;
	p.length = PAGE;
	expect_einval("PIN access 0", 0, ioc(fd, EDUDMA_IOC_PIN, &p));
	for (bit = 0; bit < 2; bit++) {
		memset(&p, 0, sizeof(p));
		p.addr = (uintptr_t)mem;
		p.length = PAGE;
		p.access = RW;
		p.reserved[bit] = 1;
		expect_einval("PIN reserved[]", bit, ioc(fd, EDUDMA_IOC_PIN, &p));
		p.reserved[bit] = 1ull << 63;
		expect_einval("PIN reserved[] top bit", bit, ioc(fd, EDUDMA_IOC_PIN, &p));
	}
	CU_ASSERT_EQUAL(flag_failures, 0);
	free(mem);
	end_clean();
}

static void test_transfer_reserved_flags_direction(void)
{
	static const uint32_t bad_dirs[] = { 0, 3, 4, 0x80000001u, UINT32_MAX };
	struct edudma_transfer t;
	struct gu_buf a;
	unsigned int bit, i;
	uint64_t before;

	begin();
	flag_failures = 0;
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &a), 0);
	memset(&t, 0x77, sizeof(t));	/* stats are out-only */
	t.mem.handle = a.handle;
	t.mem.flags = 0;
	t.mem.offset = 0;
	t.length = 16;
	t.direction = EDUDMA_DIR_TO_DEVICE;
	t.dev_offset = 0;
	t.flags = 0;
	t.timeout_ms = 0;
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_TRANSFER, &t), 0);
	CU_ASSERT_EQUAL(t.stats.bytes, 16);
	CU_ASSERT_EQUAL(t.stats.reserved[0], 0);
	CU_ASSERT_EQUAL(t.stats.reserved[1], 0);

	before = gu_commands(0);
	for (bit = 0; bit < 32; bit++) {
		memset(&t, 0, sizeof(t));
		t.mem.handle = a.handle;
		t.length = 16;
		t.direction = EDUDMA_DIR_TO_DEVICE;
		t.flags = 1u << bit;
		expect_einval("TRANSFER flags", bit, ioc(fd, EDUDMA_IOC_TRANSFER, &t));
		t.flags = 0;
		if (!((1u << bit) & EDUDMA_REGION_FLAGS)) {
			t.mem.flags = 1u << bit;
			expect_einval("TRANSFER mem.flags", bit,
				      ioc(fd, EDUDMA_IOC_TRANSFER, &t));
		}
	}
	memset(&t, 0, sizeof(t));
	t.mem.handle = a.handle;
	t.mem.flags = EDUDMA_REGION_USER;	/* user region with a handle */
	t.mem.offset = (uintptr_t)a.map;
	t.length = 16;
	t.direction = EDUDMA_DIR_TO_DEVICE;
	expect_einval("TRANSFER user region with handle", 0,
		      ioc(fd, EDUDMA_IOC_TRANSFER, &t));
	for (i = 0; i < sizeof(bad_dirs) / sizeof(bad_dirs[0]); i++) {
		memset(&t, 0, sizeof(t));
		t.mem.handle = a.handle;
		t.length = 16;
		t.direction = bad_dirs[i];
		expect_einval("TRANSFER direction", bad_dirs[i],
			      ioc(fd, EDUDMA_IOC_TRANSFER, &t));
	}
	CU_ASSERT_EQUAL(flag_failures, 0);
	CU_ASSERT_EQUAL(gu_commands(0), before);
	CU_ASSERT_EQUAL(gu_free(fd, &a), 0);
	end_clean();
}

static void test_copy_reserved_and_flags(void)
{
	struct edudma_copy c;
	struct gu_buf a, b;
	unsigned int bit;
	uint64_t before;

	begin();
	flag_failures = 0;
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	memset(&c, 0x33, sizeof(c));	/* stats are out-only */
	c.src = gu_handle_region(a.handle, 0);
	c.dst = gu_handle_region(b.handle, 0);
	c.length = 8;
	c.flags = 0;
	c.timeout_ms = 0;
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_COPY, &c), 0);
	CU_ASSERT_EQUAL(c.stats.bytes, 8);

	before = gu_commands(0);
	for (bit = 0; bit < 32; bit++) {
		memset(&c, 0, sizeof(c));
		c.src = gu_handle_region(a.handle, 0);
		c.dst = gu_handle_region(b.handle, 0);
		c.length = 8;
		c.flags = 1u << bit;
		expect_einval("COPY flags", bit, ioc(fd, EDUDMA_IOC_COPY, &c));
		c.flags = 0;
		if ((1u << bit) & EDUDMA_REGION_FLAGS)
			continue;
		c.src.flags = 1u << bit;
		expect_einval("COPY src.flags", bit, ioc(fd, EDUDMA_IOC_COPY, &c));
		c.src.flags = 0;
		c.dst.flags = 1u << bit;
		expect_einval("COPY dst.flags", bit, ioc(fd, EDUDMA_IOC_COPY, &c));
	}
	memset(&c, 0, sizeof(c));
	c.src = gu_handle_region(a.handle, 0);
	c.src.flags = EDUDMA_REGION_USER;
	c.src.offset = (uintptr_t)b.map;
	c.dst = gu_handle_region(b.handle, 0);
	c.length = 8;
	expect_einval("COPY user src with handle", 0, ioc(fd, EDUDMA_IOC_COPY, &c));
	c.src = gu_handle_region(a.handle, 0);
	c.dst.flags = EDUDMA_REGION_USER;
	c.dst.offset = (uintptr_t)a.map;
	expect_einval("COPY user dst with handle", 0, ioc(fd, EDUDMA_IOC_COPY, &c));
	CU_ASSERT_EQUAL(flag_failures, 0);
	CU_ASSERT_EQUAL(gu_commands(0), before);
	CU_ASSERT_EQUAL(gu_free(fd, &a), 0);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	end_clean();
}

/*
 * LAB (root and lab=1 only): refused with EPERM while the lab is off,
 * whatever the request; switched on for this test (the parameter is
 * writable), every flag bit and reserved field is EINVAL, and so are the
 * limits of its own fields.
 */
static void test_lab_reserved_and_flags(void)
{
	const char *param = "/sys/module/edudma/parameters/lab";
	struct edudma_lab l;
	char saved[8] = "N";
	unsigned int bit;

	begin();
	flag_failures = 0;
	gu_read_file(param, saved, sizeof(saved));
	CU_ASSERT_EQUAL_FATAL(gu_write_file(param, "0"), 0);
	memset(&l, 0xff, sizeof(l));
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_LAB, &l), EPERM);
	CU_ASSERT_EQUAL(ioc(fd, EDUDMA_IOC_LAB, NULL), EPERM);
	CU_ASSERT_EQUAL_FATAL(gu_write_file(param, "1"), 0);
	for (bit = 0; bit < 32; bit++) {
		memset(&l, 0, sizeof(l));
		l.experiment = EDUDMA_LAB_SEGMENTS;
		l.allocator = EDUDMA_LAB_KMALLOC;
		l.size = PAGE;
		l.iterations = 1;
		l.flags = 1u << bit;
		expect_einval("LAB flags", bit, ioc(fd, EDUDMA_IOC_LAB, &l));
	}
	memset(&l, 0, sizeof(l));
	l.experiment = EDUDMA_LAB_SEGMENTS;
	l.allocator = EDUDMA_LAB_KMALLOC;
	l.size = PAGE;
	l.iterations = 1;
	l.reserved0 = 1;
	expect_einval("LAB reserved0", 0, ioc(fd, EDUDMA_IOC_LAB, &l));
	l.reserved0 = 0;
	for (bit = 0; bit < 4; bit++) {
		l.reserved[bit] = 1ull << (bit * 20);
		expect_einval("LAB reserved[]", bit, ioc(fd, EDUDMA_IOC_LAB, &l));
		l.reserved[bit] = 0;
	}
	l.iterations = 0;
	expect_einval("LAB iterations 0", 0, ioc(fd, EDUDMA_IOC_LAB, &l));
	l.iterations = EDUDMA_LAB_MAX_ITERATIONS + 1;
	expect_einval("LAB iterations max+1", 0, ioc(fd, EDUDMA_IOC_LAB, &l));
	l.iterations = 1;
	l.size = 0;
	expect_einval("LAB size 0", 0, ioc(fd, EDUDMA_IOC_LAB, &l));
	l.size = PAGE;
	l.allocator = 0;
	expect_einval("LAB allocator 0", 0, ioc(fd, EDUDMA_IOC_LAB, &l));
	l.allocator = 99;
	expect_einval("LAB allocator 99", 0, ioc(fd, EDUDMA_IOC_LAB, &l));
	l.allocator = EDUDMA_LAB_KMALLOC;
	l.experiment = 0;
	expect_einval("LAB experiment 0", 0, ioc(fd, EDUDMA_IOC_LAB, &l));
	l.experiment = 77;
	expect_einval("LAB experiment 77", 0, ioc(fd, EDUDMA_IOC_LAB, &l));
	l.experiment = EDUDMA_LAB_SEGMENTS;
	l.size = UINT64_MAX;
	{
		int err = ioc(fd, EDUDMA_IOC_LAB, &l);

		CU_ASSERT(err == E2BIG || err == EINVAL || err == ENOMEM);
	}
	CU_ASSERT_EQUAL(flag_failures, 0);
	gu_write_file(param, saved[0] == 'Y' || saved[0] == '1' ? "1" : "0");
	end_clean();
}

/* --------------------------------------------------------------- edges */

static int alloc_err(uint64_t size, struct edudma_alloc *out)
{
	struct edudma_alloc a;
	int err;

	memset(&a, 0, sizeof(a));
	a.size = size;
	err = ioc(fd, EDUDMA_IOC_ALLOC, &a);
	if (out)
		*out = a;
	else if (!err)
		gu_free_handle(fd, a.handle);
	return err;
}

static void test_alloc_edges(void)
{
	static const uint64_t ok_sizes[] = { 1, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE - 1 };
	static const uint64_t bad_sizes[] = {
		0, UINT64_MAX, UINT64_MAX - PAGE + 2, OVERFLOW_ADDR, 1ull << 63,
		1ull << 32, (1ull << 32) + PAGE,
	};
	struct edudma_alloc a;
	unsigned int i;

	begin();
	for (i = 0; i < sizeof(ok_sizes) / sizeof(ok_sizes[0]); i++) {
		CU_ASSERT_EQUAL(alloc_err(ok_sizes[i], &a), 0);
		CU_ASSERT_EQUAL(a.alloc_size, (ok_sizes[i] + PAGE - 1) / PAGE * PAGE);
		CU_ASSERT_EQUAL(gu_free_handle(fd, a.handle), 0);
	}
	CU_ASSERT_EQUAL(alloc_err(info.max_alloc, NULL), 0);
	CU_ASSERT_EQUAL(alloc_err(info.max_alloc - 1, NULL), 0);
	CU_ASSERT_EQUAL(alloc_err(info.max_alloc + 1, NULL), EINVAL);
	CU_ASSERT_EQUAL(alloc_err(info.max_alloc + PAGE, NULL), EINVAL);
	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		int err = alloc_err(bad_sizes[i], NULL);

		if (err != EINVAL)
			printf("\n    ALLOC size 0x%llx: %s", (unsigned long long)bad_sizes[i],
			       strerror(err));
		CU_ASSERT_EQUAL(err, EINVAL);
	}
	end_clean();
}

static int pin_err(uint64_t addr, uint64_t len, uint32_t access, uint32_t *pages)
{
	struct edudma_pin p;
	int err;

	memset(&p, 0, sizeof(p));
	p.addr = addr;
	p.length = len;
	p.access = access;
	err = ioc(fd, EDUDMA_IOC_PIN, &p);
	if (!err) {
		if (pages)
			*pages = p.nr_pages;
		gu_unpin(fd, p.handle);
	}
	return err;
}

static void test_pin_edges(void)
{
	uint8_t *m = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t base = (uintptr_t)m;
	uint32_t pages = 0;

	begin();
	CU_ASSERT_FATAL(m != MAP_FAILED);
	munmap(m + 4 * PAGE, PAGE);	/* a hole right after the 4 pages */
	memset(m, 0, 4 * PAGE);
	CU_ASSERT_EQUAL(pin_err(base, 0, RW, NULL), EINVAL);
	CU_ASSERT_EQUAL(pin_err(base, 1, RW, &pages), 0);
	CU_ASSERT_EQUAL(pages, 1);
	CU_ASSERT_EQUAL(pin_err(base + PAGE - 1, 1, RW, &pages), 0);
	CU_ASSERT_EQUAL(pages, 1);
	CU_ASSERT_EQUAL(pin_err(base + PAGE - 1, 2, RW, &pages), 0);
	CU_ASSERT_EQUAL(pages, 2);
	CU_ASSERT_EQUAL(pin_err(base, PAGE - 1, RW, &pages), 0);
	CU_ASSERT_EQUAL(pages, 1);
	CU_ASSERT_EQUAL(pin_err(base, PAGE, RW, &pages), 0);
	CU_ASSERT_EQUAL(pages, 1);
	CU_ASSERT_EQUAL(pin_err(base, PAGE + 1, RW, &pages), 0);
	CU_ASSERT_EQUAL(pages, 2);
	CU_ASSERT_EQUAL(pin_err(base + 1, 3 * PAGE, RW, &pages), 0);
	CU_ASSERT_EQUAL(pages, 4);
	CU_ASSERT_EQUAL(pin_err(base + 1, 4 * PAGE, RW, NULL), EFAULT);	/* one byte past */
	/* SIZE_MAX and sums that wrap or leave user space. */
	CU_ASSERT_EQUAL(pin_err(base, UINT64_MAX, RW, NULL), EINVAL);
	CU_ASSERT_EQUAL(pin_err(base, UINT64_MAX - base + 1, RW, NULL), EINVAL);	/* == 0 */
	CU_ASSERT_EQUAL(pin_err(OVERFLOW_ADDR, OVERFLOW_LEN, RW, NULL), EINVAL);
	CU_ASSERT_EQUAL(pin_err(OVERFLOW_ADDR, 1, RW, NULL), EINVAL);
	CU_ASSERT_EQUAL(pin_err(UINT64_MAX, 1, RW, NULL), EINVAL);
	CU_ASSERT_EQUAL(pin_err(1ull << 63, PAGE, RW, NULL), EINVAL);
	CU_ASSERT_EQUAL(pin_err(0x7ffffffff000ull, PAGE, RW, NULL), EINVAL);	/* TASK_SIZE */
	CU_ASSERT_EQUAL(pin_err(0x7fffffffefffull, 2 * PAGE, RW, NULL), EINVAL);
	CU_ASSERT_EQUAL(pin_err(0, 1, RW, NULL), EFAULT);
	CU_ASSERT_EQUAL(pin_err(PAGE, PAGE, EDUDMA_ACCESS_DEV_READ, NULL), EFAULT);
	munmap(m, 4 * PAGE);
	CU_ASSERT_EQUAL(pin_err(base, 1, RW, NULL), EFAULT);	/* gone now */
	end_clean();
}

/*
 * A length inside user space but absurdly large for anything real: an
 * errno, no warning. The driver sizes its page array from the length
 * before pinning anything; the allocator must not be asked for the
 * impossible with warnings on (kvmalloc WARNs above INT_MAX bytes).
 */
static void test_pin_huge_length_no_warning(void)
{
	static const uint64_t lens[] = {
		1ull << 41, 1ull << 44, 0x7fff00000000ull - 0x10000ull,
	};
	unsigned int i;

	begin();
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int err = pin_err(0x10000, lens[i], EDUDMA_ACCESS_DEV_READ, NULL);

		printf("\n    PIN 0x10000 + 0x%llx: %s", (unsigned long long)lens[i],
		       strerror(err));
		CU_ASSERT(err == ENOMEM || err == EFAULT || err == EINVAL);
	}
	printf("\n");
	end_clean();
}

/* The same as an unprivileged process: RLIMIT_MEMLOCK answers first. */
static void test_pin_huge_length_unprivileged(void)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	pid_t pid;

	begin();
	pid = fork();
	if (pid == 0) {
		int f = gu_open(0), e1, e2;
		struct edudma_pin p;

		if (f < 0 || setrlimit(RLIMIT_MEMLOCK, &rl) || gu_drop_cap_ipc_lock())
			_exit(10);
		memset(&p, 0, sizeof(p));
		p.addr = 0x10000;
		p.length = 1ull << 42;
		p.access = EDUDMA_ACCESS_DEV_READ;
		e1 = ioc(f, EDUDMA_IOC_PIN, &p);
		p.length = 1ull << 34;	/* 16 GiB: a 32 MiB page array */
		e2 = ioc(f, EDUDMA_IOC_PIN, &p);
		_exit(e1 == ENOMEM && e2 == ENOMEM ? 0 : 11);
	}
	CU_ASSERT_EQUAL(gu_wait_child(pid), 0);
	end_clean();
}

static int transfer_err(uint32_t handle, uint32_t rflags, uint64_t offset,
			uint64_t len, uint32_t dir, uint32_t dev_offset)
{
	struct edudma_transfer t;

	memset(&t, 0, sizeof(t));
	t.mem.handle = handle;
	t.mem.flags = rflags;
	t.mem.offset = offset;
	t.length = len;
	t.direction = dir;
	t.dev_offset = dev_offset;
	return ioc(fd, EDUDMA_IOC_TRANSFER, &t);
}

static void test_transfer_edges(void)
{
	uint8_t *user = aligned_alloc(PAGE, 2 * PAGE);
	struct gu_buf a;
	uint32_t h, w = info.window_size;
	uint64_t before;

	begin();
	CU_ASSERT_FATAL(user != NULL);
	memset(user, 0, 2 * PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 2 * PAGE, &a), 0);
	h = a.handle;
	before = gu_commands(0);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 0, 0, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 0, UINT64_MAX, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 0, 2 * PAGE + 1, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 2 * PAGE, 1, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 2 * PAGE + 1, 0, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 1, 2 * PAGE, EDUDMA_DIR_FROM_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, OVERFLOW_ADDR, OVERFLOW_LEN, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, UINT64_MAX, 1, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, PAGE, UINT64_MAX - PAGE + 1, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 0, (uint64_t)EDUDMA_MAX_LENGTH + 1, EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 0, 1, EDUDMA_DIR_TO_DEVICE, w), EINVAL);
	if (info.engine != EDUDMA_ENGINE_EDUSG)	/* edu's buffer end; inside edu-sg's card */
		CU_ASSERT_EQUAL(transfer_err(h, 0, 0, 1, EDUDMA_DIR_TO_DEVICE, 4096), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 0, 1, EDUDMA_DIR_TO_DEVICE, w + 1), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 0, 1, EDUDMA_DIR_TO_DEVICE, UINT32_MAX), EINVAL);
	/* One-shot user regions: the address is the offset. */
	CU_ASSERT_EQUAL(transfer_err(0, EDUDMA_REGION_USER, OVERFLOW_ADDR, OVERFLOW_LEN,
				     EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(0, EDUDMA_REGION_USER, UINT64_MAX, 1,
				     EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(0, EDUDMA_REGION_USER, (uintptr_t)user, UINT64_MAX,
				     EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(0, EDUDMA_REGION_USER, (uintptr_t)user, 0,
				     EDUDMA_DIR_TO_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(transfer_err(0, EDUDMA_REGION_USER, 0, 1, EDUDMA_DIR_TO_DEVICE, 0), EFAULT);
	CU_ASSERT_EQUAL(transfer_err(0, EDUDMA_REGION_USER, 0xffff888000000000ull, 1,
				     EDUDMA_DIR_FROM_DEVICE, 0), EINVAL);
	CU_ASSERT_EQUAL(gu_commands(0), before);

	/* The last byte of the buffer, the last byte of the window: valid, one command each. */
	a.map[2 * PAGE - 1] = 0x5c;
	CU_ASSERT_EQUAL(transfer_err(h, 0, 2 * PAGE - 1, 1, EDUDMA_DIR_TO_DEVICE, w - 1), 0);
	CU_ASSERT_EQUAL(transfer_err(h, 0, 0, 1, EDUDMA_DIR_FROM_DEVICE, w - 1), 0);
	CU_ASSERT_EQUAL(a.map[0], 0x5c);
	user[PAGE] = 0x3d;
	CU_ASSERT_EQUAL(transfer_err(0, EDUDMA_REGION_USER, (uintptr_t)user + PAGE, 1,
				     EDUDMA_DIR_TO_DEVICE, 0), 0);
	CU_ASSERT_EQUAL(transfer_err(0, EDUDMA_REGION_USER, (uintptr_t)user + PAGE - 1, 1,
				     EDUDMA_DIR_FROM_DEVICE, 0), 0);
	CU_ASSERT_EQUAL(user[PAGE - 1], 0x3d);
	CU_ASSERT_EQUAL(gu_commands(0), before + 4);
	CU_ASSERT_EQUAL(gu_free(fd, &a), 0);
	free(user);
	end_clean();
}

static int copy_err(struct edudma_region s, struct edudma_region d, uint64_t len)
{
	struct edudma_copy c;

	memset(&c, 0, sizeof(c));
	c.src = s;
	c.dst = d;
	c.length = len;
	return ioc(fd, EDUDMA_IOC_COPY, &c);
}

static void test_copy_edges(void)
{
	struct gu_buf a, b;
	struct edudma_region ra, rb;
	uint64_t before;

	begin();
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE + 1, &a), 0);	/* 2 pages */
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	ra = gu_handle_region(a.handle, 0);
	rb = gu_handle_region(b.handle, 0);
	before = gu_commands(0);
	CU_ASSERT_EQUAL(copy_err(ra, rb, 0), EINVAL);
	CU_ASSERT_EQUAL(copy_err(ra, rb, UINT64_MAX), EINVAL);
	CU_ASSERT_EQUAL(copy_err(ra, rb, PAGE + 1), EINVAL);	/* dst too small */
	rb.offset = 1;
	CU_ASSERT_EQUAL(copy_err(ra, rb, PAGE), EINVAL);
	rb.offset = OVERFLOW_ADDR;
	CU_ASSERT_EQUAL(copy_err(ra, rb, OVERFLOW_LEN), EINVAL);
	rb.offset = 0;
	ra.offset = OVERFLOW_ADDR;
	CU_ASSERT_EQUAL(copy_err(ra, rb, OVERFLOW_LEN), EINVAL);
	ra.offset = UINT64_MAX;
	CU_ASSERT_EQUAL(copy_err(ra, rb, 1), EINVAL);
	/* Within one buffer: overlapping by one byte is refused, touching is not. */
	ra = gu_handle_region(a.handle, 0);
	rb = gu_handle_region(a.handle, PAGE - 1);
	CU_ASSERT_EQUAL(copy_err(ra, rb, PAGE), EINVAL);
	CU_ASSERT_EQUAL(copy_err(rb, ra, PAGE), EINVAL);
	CU_ASSERT_EQUAL(copy_err(ra, ra, 1), EINVAL);
	/* User regions that wrap. */
	ra = gu_user_region((void *)(uintptr_t)OVERFLOW_ADDR);
	rb = gu_handle_region(b.handle, 0);
	CU_ASSERT_EQUAL(copy_err(ra, rb, OVERFLOW_LEN), EINVAL);
	CU_ASSERT_EQUAL(copy_err(rb, ra, OVERFLOW_LEN), EINVAL);
	CU_ASSERT_EQUAL(gu_commands(0), before);

	ra = gu_handle_region(a.handle, 0);
	rb = gu_handle_region(a.handle, PAGE);
	a.map[PAGE - 1] = 0x11;
	a.map[0] = 0x22;
	CU_ASSERT_EQUAL(copy_err(ra, rb, 1), 0);	/* touching ranges */
	CU_ASSERT_EQUAL(a.map[PAGE], 0x22);
	ra.offset = PAGE - 1;
	rb = gu_handle_region(b.handle, PAGE - 1);
	CU_ASSERT_EQUAL(copy_err(ra, rb, 1), 0);	/* last byte to last byte */
	CU_ASSERT_EQUAL(b.map[PAGE - 1], 0x11);
	/* edu: in and out of the window; edu-sg: one descriptor each */
	CU_ASSERT_EQUAL(gu_commands(0),
			before + (info.engine == EDUDMA_ENGINE_EDUSG ? 2 : 4));
	CU_ASSERT_EQUAL(gu_free(fd, &a), 0);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	end_clean();
}

/*
 * Overlapping user memory, however it is named: two one-shot regions, a
 * registered pin and a one-shot region, two registered pins. The copy
 * would read bytes it already overwrote; the driver refuses it before any
 * command and leaves the memory as it was. Touching ranges - also within
 * one page - copy.
 */
static void test_copy_overlapping_user_memory(void)
{
	const uint32_t rw = EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE;
	struct edudma_pin pa, pb;
	struct edudma_region ra, rb;
	uint8_t *m;
	uint64_t before;

	begin();
	m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(m, MAP_FAILED);
	gu_fill(m, 4 * PAGE, 21);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, m, 2 * PAGE, rw, &pa), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, m + PAGE, 2 * PAGE, rw, &pb), 0);
	before = gu_commands(0);

	ra = gu_user_region(m);
	rb = gu_user_region(m + PAGE - 1);
	CU_ASSERT_EQUAL(copy_err(ra, rb, PAGE), EINVAL);	/* one-shot, one-shot */
	CU_ASSERT_EQUAL(copy_err(rb, ra, PAGE), EINVAL);
	ra = gu_handle_region(pa.handle, 100);
	rb = gu_user_region(m + 100 + PAGE - 1);
	CU_ASSERT_EQUAL(copy_err(ra, rb, PAGE), EINVAL);	/* registered, one-shot */
	CU_ASSERT_EQUAL(copy_err(rb, ra, PAGE), EINVAL);
	ra = gu_handle_region(pa.handle, PAGE);			/* m + PAGE */
	rb = gu_handle_region(pb.handle, 0);			/* m + PAGE too */
	CU_ASSERT_EQUAL(copy_err(ra, rb, 1), EINVAL);		/* two registrations */
	ra = gu_handle_region(pa.handle, 10);
	rb = gu_handle_region(pb.handle, 5);			/* m + PAGE + 5 */
	CU_ASSERT_EQUAL(copy_err(ra, rb, PAGE), EINVAL);
	CU_ASSERT_EQUAL(gu_commands(0), before);
	CU_ASSERT_EQUAL(gu_check(m, 4 * PAGE, 21), (size_t)-1);	/* untouched */

	/* Touching: [m + 10, m + PAGE + 5) to [m + PAGE + 5, ...), and within a page. */
	CU_ASSERT_EQUAL(copy_err(ra, rb, PAGE - 5), 0);
	CU_ASSERT_EQUAL(memcmp(m + PAGE + 5, m + 10, PAGE - 5), 0);
	gu_fill(m, 4 * PAGE, 22);
	CU_ASSERT_EQUAL(copy_err(gu_user_region(m + 3 * PAGE), gu_user_region(m + 3 * PAGE + 100),
				 100), 0);
	CU_ASSERT_EQUAL(memcmp(m + 3 * PAGE, m + 3 * PAGE + 100, 100), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, pa.handle), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, pb.handle), 0);
	munmap(m, 4 * PAGE);
	end_clean();
}

/*
 * 1-byte commands: a transfer at the last byte of the window moves one
 * byte per command, so a 4 MiB buffer plans four million commands (128 MiB
 * of plan). Whatever the driver makes of it - refusing it, or starting it
 * and stopping at the signal - no allocation warning, no OOM kill, and the
 * device works afterwards.
 */
#define PLANNERS 3

static void test_transfer_one_byte_window_huge_plan(void)
{
	pid_t pid[PLANNERS];
	int pipefd[2], i;
	char c;

	begin();
	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	/* Should the OOM killer come, it must pick a planner, not this program. */
	gu_write_file("/proc/self/oom_score_adj", "-1000");
	/* Several at once, as any user may: the plans must not add up to an OOM. */
	for (i = 0; i < PLANNERS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			struct gu_buf a;
			int f = gu_open(0);

			gu_write_file("/proc/self/oom_score_adj", "1000");
			if (f < 0 || gu_alloc(f, info.max_alloc, &a))
				_exit(10);
			if (write(pipefd[1], "g", 1) != 1)
				_exit(11);
			fd = f;		/* transfer_err() uses it */
			/* Refused at once is fine too: say how. */
			_exit(transfer_err(a.handle, 0, 0, a.size, EDUDMA_DIR_TO_DEVICE,
					   info.window_size - 1));
		}
	}
	close(pipefd[1]);
	for (i = 0; i < PLANNERS; i++)
		CU_ASSERT_EQUAL(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	/*
	 * Let them all get past planning: one is running (the command counter
	 * moves), the others wait for the engine holding their plans.
	 */
	{
		uint64_t start = gu_commands(0);
		int t;

		for (t = 0; t < 200 && gu_commands(0) == start; t++)
			usleep(100 * 1000);
		printf("\n    first command after %d00 ms; MemAvailable %lld kB\n", t,
		       gu_meminfo_kb("MemAvailable"));
		usleep(4000 * 1000);
		printf("    4 s later: MemAvailable %lld kB, %llu commands\n",
		       gu_meminfo_kb("MemAvailable"),
		       (unsigned long long)(gu_commands(0) - start));
	}
	for (i = 0; i < PLANNERS; i++)
		kill(pid[i], SIGKILL);
	for (i = 0; i < PLANNERS; i++) {
		int st = gu_wait_child(pid[i]);

		if (st != 128 + SIGKILL)
			printf("    planner %d: %s\n", i, st < 128 ? strerror(st) : "killed");
		CU_ASSERT(st == E2BIG || st == ENOMEM || st == 128 + SIGKILL);
	}
	gu_write_file("/proc/self/oom_score_adj", "0");
	CU_ASSERT_TRUE(gu_device_works(0));
	end_clean();
}

/* ------------------------------------------------------------- handles */

static const uint32_t never_issued[] = { 0, 0x7ffffff0u, 0x7fffffffu, 0x80000000u,
					 0xfffffffeu, UINT32_MAX };

/* Every consumer of a handle: FREE, UNPIN, TRANSFER, COPY as src and dst. */
static void handle_refused_everywhere(int f, uint32_t h, uint32_t valid, int expect,
				      const char *what)
{
	struct edudma_handle hh = { .handle = h };
	struct edudma_region bad = gu_handle_region(h, 0), good = gu_handle_region(valid, 0);
	struct edudma_copy c;
	int e[6];

	e[0] = ioc(f, EDUDMA_IOC_FREE, &hh);
	e[1] = ioc(f, EDUDMA_IOC_UNPIN, &hh);
	{
		struct edudma_transfer t;

		memset(&t, 0, sizeof(t));
		t.mem = bad;
		t.length = 1;
		t.direction = EDUDMA_DIR_TO_DEVICE;
		e[2] = ioc(f, EDUDMA_IOC_TRANSFER, &t);
		t.direction = EDUDMA_DIR_FROM_DEVICE;
		e[3] = ioc(f, EDUDMA_IOC_TRANSFER, &t);
	}
	memset(&c, 0, sizeof(c));
	c.src = bad;
	c.dst = good;
	c.length = 1;
	e[4] = ioc(f, EDUDMA_IOC_COPY, &c);
	c.src = good;
	c.dst = bad;
	e[5] = ioc(f, EDUDMA_IOC_COPY, &c);
	if (e[0] != expect || e[1] != expect || e[2] != expect || e[3] != expect ||
	    e[4] != expect || e[5] != expect)
		printf("\n    %s handle %u: FREE %s UNPIN %s TRANSFER %s/%s COPY %s/%s",
		       what, h, strerror(e[0]), strerror(e[1]), strerror(e[2]),
		       strerror(e[3]), strerror(e[4]), strerror(e[5]));
	CU_ASSERT_EQUAL(e[0], expect);
	CU_ASSERT_EQUAL(e[1], expect);
	CU_ASSERT_EQUAL(e[2], expect);
	CU_ASSERT_EQUAL(e[3], expect);
	CU_ASSERT_EQUAL(e[4], expect);
	CU_ASSERT_EQUAL(e[5], expect);
}

static void test_handles_never_issued(void)
{
	struct gu_buf v;
	unsigned int i;
	uint64_t before;

	begin();
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &v), 0);
	before = gu_commands(0);
	for (i = 0; i < sizeof(never_issued) / sizeof(never_issued[0]); i++)
		handle_refused_everywhere(fd, never_issued[i], v.handle, ENOENT, "never issued");
	handle_refused_everywhere(fd, v.handle + 1, v.handle, ENOENT, "next, never issued");
	CU_ASSERT_EQUAL(gu_commands(0), before);
	CU_ASSERT_EQUAL(gu_free(fd, &v), 0);
	end_clean();
}

/* Freed handles, coherent and pinned, refused everywhere, again and again. */
static void test_handles_freed_and_used_twice(void)
{
	uint8_t *mem = aligned_alloc(PAGE, PAGE);
	struct edudma_pin p;
	struct gu_buf v, b;
	uint64_t before;
	int round;

	begin();
	CU_ASSERT_FATAL(mem != NULL);
	memset(mem, 0, PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &v), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, PAGE, RW, &p), 0);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	before = gu_commands(0);
	for (round = 0; round < 3; round++) {
		handle_refused_everywhere(fd, b.handle, v.handle, ENOENT, "freed coherent");
		handle_refused_everywhere(fd, p.handle, v.handle, ENOENT, "unpinned");
	}
	CU_ASSERT_EQUAL(gu_commands(0), before);
	CU_ASSERT_EQUAL(gu_free(fd, &v), 0);
	free(mem);
	end_clean();
}

/*
 * A stale handle must not come back to life naming a new object: after
 * FREE, the next ALLOC or PIN gets another number, so a double FREE in a
 * program is an ENOENT instead of silently freeing somebody else's buffer.
 */
static void test_freed_handle_not_reused(void)
{
	uint8_t *mem = aligned_alloc(PAGE, PAGE);
	struct edudma_pin p;
	struct gu_buf a, b;
	uint32_t old;

	begin();
	CU_ASSERT_FATAL(mem != NULL);
	memset(mem, 0, PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &a), 0);
	old = a.handle;
	CU_ASSERT_EQUAL(gu_free(fd, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	if (b.handle == old) {
		printf("\n    freed handle %u was handed out again by the next ALLOC\n", old);
		CU_FAIL("a freed handle names a new buffer");
	} else {
		CU_ASSERT_EQUAL(gu_free_handle(fd, old), -ENOENT);
	}
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);

	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, PAGE, RW, &p), 0);
	old = p.handle;
	CU_ASSERT_EQUAL(gu_unpin(fd, old), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, PAGE, RW, &p), 0);
	CU_ASSERT_NOT_EQUAL(p.handle, old);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	free(mem);
	end_clean();
}

/* Another file's handles - same device, and the other device - are not ours. */
static void test_handles_of_another_file(void)
{
	uint8_t *mem = aligned_alloc(PAGE, PAGE);
	int other = gu_open(0), devs = gu_nr_devices(), i;
	struct edudma_pin p;
	struct gu_buf theirs, ours;
	uint64_t before;

	begin();
	CU_ASSERT_FATAL(mem != NULL && other >= 0);
	memset(mem, 0, PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &ours), 0);
	for (i = 0; i < devs; i++) {
		int f = i == 0 ? other : gu_open(i);

		CU_ASSERT_FATAL(f >= 0);
		/* Many handles over there, so their numbers cover ours. */
		CU_ASSERT_EQUAL_FATAL(gu_alloc(f, PAGE, &theirs), 0);
		CU_ASSERT_EQUAL_FATAL(gu_pin(f, mem, PAGE, RW, &p), 0);
		before = gu_commands(0);
		if (theirs.handle != ours.handle)
			handle_refused_everywhere(fd, theirs.handle, ours.handle, ENOENT,
						  "another file's coherent");
		if (p.handle != ours.handle)
			handle_refused_everywhere(fd, p.handle, ours.handle, ENOENT,
						  "another file's pinned");
		CU_ASSERT_EQUAL(gu_commands(0), before);
		/* ...and theirs are untouched. */
		CU_ASSERT_EQUAL(gu_unpin(f, p.handle), 0);
		CU_ASSERT_EQUAL(gu_free(f, &theirs), 0);
		if (f != other)
			close(f);
	}
	close(other);
	CU_ASSERT_EQUAL(gu_free(fd, &ours), 0);
	free(mem);
	end_clean();
}

/* A handle of the wrong kind: EINVAL, and the handle survives the attempt. */
static void test_handles_wrong_kind(void)
{
	uint8_t *mem = aligned_alloc(PAGE, PAGE);
	struct edudma_pin p;
	struct gu_buf b;
	int i;

	begin();
	CU_ASSERT_FATAL(mem != NULL);
	memset(mem, 0, PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, PAGE, RW, &p), 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(gu_free_handle(fd, p.handle), -EINVAL);
		CU_ASSERT_EQUAL(gu_unpin(fd, b.handle), -EINVAL);
	}
	/* Still alive, and usable. */
	gu_fill(b.map, 64, 9);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &(struct edudma_region){ .handle = b.handle },
					&(struct edudma_region){ .handle = p.handle }, 64,
					NULL), 0);
	CU_ASSERT_EQUAL(gu_check(mem, 64, 9), (size_t)-1);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	free(mem);
	end_clean();
}

/* ----------------------------------------------------------------- mmap */

static void *map_at(int f, uint64_t off, size_t len, int flags)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags, f, (off_t)off);
}

static int map_err(int f, uint64_t off, size_t len, int flags)
{
	void *p;

	errno = 0;
	p = map_at(f, off, len, flags);
	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return errno;
}

/* Offsets no cookie covers, and sums that overflow vm_pgoff. */
static void test_mmap_huge_offsets(void)
{
	static const uint64_t offs[] = {
		0, PAGE, 0x7ffffffffffff000ull, 0x7fffffffffff0000ull,
		0x8000000000000000ull, 0xfffffffffffff000ull, 1ull << 52,
		(1ull << 44) - PAGE,
	};
	struct gu_buf b;
	unsigned int i;

	begin();
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 2 * PAGE, &b), 0);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		int err = map_err(fd, offs[i], PAGE, MAP_SHARED);

		if (!err)
			printf("\n    mmap at offset 0x%llx succeeded",
			       (unsigned long long)offs[i]);
		CU_ASSERT_NOT_EQUAL(err, 0);
		err = map_err(fd, offs[i], 1ull << 40, MAP_SHARED);
		CU_ASSERT_NOT_EQUAL(err, 0);
	}
	/* Cookie + pages that make vm_pgoff wrap, and a length past the buffer. */
	CU_ASSERT_NOT_EQUAL(map_err(fd, b.mmap_offset, (size_t)-PAGE, MAP_SHARED), 0);
	CU_ASSERT_NOT_EQUAL(map_err(fd, b.mmap_offset, (size_t)1 << 46, MAP_SHARED), 0);
	CU_ASSERT_NOT_EQUAL(map_err(fd, b.mmap_offset + 2 * PAGE, PAGE, MAP_SHARED), 0);
	CU_ASSERT_NOT_EQUAL(map_err(fd, b.mmap_offset + 1, PAGE, MAP_SHARED), 0);
	CU_ASSERT_NOT_EQUAL(map_err(fd, b.mmap_offset, 0, MAP_SHARED), 0);
	CU_ASSERT_EQUAL(map_err(fd, b.mmap_offset + PAGE, PAGE, MAP_SHARED), 0);
	CU_ASSERT_EQUAL(map_err(fd, b.mmap_offset + PAGE, 1, MAP_SHARED), 0);
	CU_ASSERT_EQUAL(map_err(fd, b.mmap_offset, PAGE, MAP_PRIVATE), EINVAL);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	/* The freed buffer's cookie maps nothing any more. */
	CU_ASSERT_EQUAL(map_err(fd, b.mmap_offset, PAGE, MAP_SHARED), EINVAL);
	end_clean();
}

/* A live mapping keeps a freed buffer, but its cookie maps nothing new. */
static void test_mmap_cookie_dead_after_free_while_mapped(void)
{
	struct gu_buf b;

	begin();
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	gu_fill(b.map, PAGE, 14);
	CU_ASSERT_EQUAL(gu_free_handle(fd, b.handle), 0);
	CU_ASSERT_EQUAL(map_err(fd, b.mmap_offset, PAGE, MAP_SHARED), EINVAL);
	CU_ASSERT_EQUAL(gu_check(b.map, PAGE, 14), (size_t)-1);
	munmap(b.map, b.size);
	end_clean();
}

/*
 * mremap: growth refused (in place and moving), shrink allowed, moving the
 * same size allowed and still the same memory, a split by munmap or
 * mprotect keeps both halves alive; the buffer goes with the last piece.
 */
static void test_mremap_and_split(void)
{
	static uint8_t ref[4 * PAGE];
	struct gu_buf b;
	uint8_t *p, *q, *dst;

	begin();
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 4 * PAGE, &b), 0);
	gu_fill(b.map, 4 * PAGE, 21);
	memcpy(ref, b.map, sizeof(ref));
	CU_ASSERT_EQUAL(mremap(b.map, 4 * PAGE, 8 * PAGE, 0), MAP_FAILED);
	CU_ASSERT_EQUAL(mremap(b.map, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE), MAP_FAILED);
	CU_ASSERT_EQUAL(mremap(b.map, 4 * PAGE, 5 * PAGE, MREMAP_MAYMOVE), MAP_FAILED);
	/* Move, same size, to a fixed place. */
	dst = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(dst != MAP_FAILED);
	p = mremap(b.map, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	CU_ASSERT_EQUAL_FATAL(p, dst);
	CU_ASSERT_EQUAL(memcmp(p, ref, 4 * PAGE), 0);
	/* Shrink, then growing back is refused. */
	q = mremap(p, 4 * PAGE, 3 * PAGE, 0);
	CU_ASSERT_EQUAL_FATAL(q, p);
	CU_ASSERT_EQUAL(mremap(q, 3 * PAGE, 4 * PAGE, 0), MAP_FAILED);
	/* Split: unmap the middle, protect the end differently. */
	CU_ASSERT_EQUAL(munmap(q + PAGE, PAGE), 0);
	CU_ASSERT_EQUAL(mprotect(q + 2 * PAGE, PAGE, PROT_READ), 0);
	CU_ASSERT_EQUAL(memcmp(q, ref, PAGE), 0);
	CU_ASSERT_EQUAL(memcmp(q + 2 * PAGE, ref + 2 * PAGE, PAGE), 0);
	CU_ASSERT_EQUAL(gu_free_handle(fd, b.handle), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers + 1);
	q[0] ^= 1;	/* still writable after FREE */
	CU_ASSERT_EQUAL(munmap(q, PAGE), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers + 1);	/* a piece is left */
	CU_ASSERT_EQUAL(munmap(q + 2 * PAGE, PAGE), 0);
	end_clean();
}

static void fault_exit(int sig)
{
	_exit(100 + sig);
}

/* Did reading 'p' in a child fault (SIGSEGV or SIGBUS)? */
static int child_touch_dies(volatile uint8_t *p)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		uint8_t x;

		signal(SIGSEGV, fault_exit);	/* no "segfault at" in the kernel log */
		signal(SIGBUS, fault_exit);
		x = p[0];	/* read only: the buffer is shared */
		_exit(x == 0xfe ? 0 : 0);
	}
	st = gu_wait_child(pid);
	return st == 100 + SIGSEGV || st == 100 + SIGBUS;
}

/*
 * madvise on a buffer mapping: MADV_DONTFORK hides it from children (they
 * fault, the parent keeps it), MADV_DOFORK gives it back or is refused;
 * the other advice values are answered with an errno or ignored. Nothing
 * leaks and the mapping still shows the buffer.
 */
static void test_madvise(void)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTDUMP, MADV_DODUMP, MADV_MERGEABLE, MADV_UNMERGEABLE,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLD, MADV_PAGEOUT,
		MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_FREE, MADV_REMOVE,
		MADV_POPULATE_READ, MADV_POPULATE_WRITE,
	};
	struct gu_buf b;
	unsigned int i;
	int r;

	begin();
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 2 * PAGE, &b), 0);
	gu_fill(b.map, 2 * PAGE, 31);
	CU_ASSERT_EQUAL(madvise(b.map, 2 * PAGE, MADV_DONTFORK), 0);
	CU_ASSERT_TRUE(child_touch_dies(b.map));
	CU_ASSERT_EQUAL(gu_check(b.map, 2 * PAGE, 31), (size_t)-1);
	r = madvise(b.map, 2 * PAGE, MADV_DOFORK);
	printf("\n    MADV_DOFORK: %s\n", r ? strerror(errno) : "ok");
	if (r == 0)
		CU_ASSERT_FALSE(child_touch_dies(b.map));
	for (i = 0; i < sizeof(advice) / sizeof(advice[0]); i++)
		madvise(b.map, 2 * PAGE, advice[i]);	/* any answer; no crash */
	/* MADV_DONTNEED may zap the pages; the buffer itself stays intact. */
	madvise(b.map + PAGE, PAGE, MADV_DONTNEED);
	CU_ASSERT_EQUAL(gu_check(b.map, PAGE, 31), (size_t)-1);
	{
		uint8_t *again = map_at(fd, b.mmap_offset, 2 * PAGE, MAP_SHARED);

		CU_ASSERT_FATAL(again != MAP_FAILED);
		CU_ASSERT_EQUAL(gu_check(again, 2 * PAGE, 31), (size_t)-1);
		munmap(again, 2 * PAGE);
	}
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	end_clean();
}

/*
 * fork, then both processes use the same file: allocations, copies and
 * frees on the shared fd from parent and child at the same time; the
 * child frees a buffer the parent allocated (the fd is shared, so it may);
 * the parent's mapping keeps it. Every byte verified on both sides.
 */
static int fork_user(int f, uint32_t seed, uint32_t shared_handle)
{
	struct gu_buf a, b;
	int r, bad = 0;

	for (r = 0; r < 3; r++) {
		if (gu_alloc(f, 3000, &a) || gu_alloc(f, 3000, &b))
			return 20;
		gu_fill(a.map, 3000, seed + r);
		if (gu_copy(f, a.handle, 0, b.handle, 0, 3000, NULL) ||
		    gu_check(b.map, 3000, seed + r) != (size_t)-1)
			bad++;
		if (gu_free(f, &a) || gu_free(f, &b))
			bad++;
	}
	if (shared_handle && gu_free_handle(f, shared_handle))
		bad++;
	return bad;
}

static void test_fork_then_use_in_both(void)
{
	struct gu_buf shared;
	pid_t pid;
	int st;

	begin();
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &shared), 0);
	gu_fill(shared.map, PAGE, 41);
	pid = fork();
	if (pid == 0) {
		int bad = fork_user(fd, 1000, shared.handle);

		/* The child's view of the (now freed) buffer: still the same memory. */
		if (gu_check(shared.map, PAGE, 41) != (size_t)-1)
			bad += 50;
		gu_fill(shared.map, PAGE, 42);
		_exit(bad);
	}
	CU_ASSERT_EQUAL(fork_user(fd, 2000, 0), 0);
	st = gu_wait_child(pid);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_EQUAL(gu_check(shared.map, PAGE, 42), (size_t)-1);	/* the child's writes */
	CU_ASSERT_EQUAL(gu_free_handle(fd, shared.handle), -ENOENT);	/* the child freed it */
	munmap(shared.map, shared.size);
	end_clean();
}

/*
 * PIN memory that is itself a mapping of one of our buffers: refused (an
 * I/O mapping), or - where the buffer is made of ordinary pages (IOMMU) -
 * pinned and usable; freeing the buffer first must still be safe.
 */
static void test_pin_own_buffer_mapping(void)
{
	static uint8_t ref[2 * PAGE];
	struct gu_buf b, c;
	struct edudma_pin p;
	int err;

	begin();
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 2 * PAGE, &b), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &c), 0);
	gu_fill(b.map, 2 * PAGE, 51);
	memcpy(ref, b.map, sizeof(ref));
	/*
	 * For device writes: refused as an I/O mapping (EFAULT) or as a shared
	 * file mapping (EOPNOTSUPP) - or, where the buffer is ordinary pages
	 * behind an IOMMU, pinned like any memory (the node lives on devtmpfs,
	 * which the driver's shmem test takes for tmpfs).
	 */
	err = -gu_pin(fd, b.map, 2 * PAGE, RW, &p);
	printf("\n    PIN of a buffer mapping for device writes: %s",
	       err ? strerror(err) : "ok");
	CU_ASSERT(err == 0 || err == EOPNOTSUPP || err == EFAULT);
	if (!err)
		CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	err = -gu_pin(fd, b.map, 2 * PAGE, EDUDMA_ACCESS_DEV_READ, &p);
	printf("\n    PIN of a buffer mapping for device reads: %s\n",
	       err ? strerror(err) : "ok");
	CU_ASSERT(err == 0 || err == EFAULT);
	if (!err) {
		struct edudma_region s = gu_handle_region(p.handle, 100),
				     d = gu_handle_region(c.handle, 0);

		CU_ASSERT_EQUAL(gu_free(fd, &b), 0);	/* pinned pages outlive it */
		CU_ASSERT_EQUAL(gu_copy_regions(fd, &s, &d, 200, NULL), 0);
		CU_ASSERT_EQUAL(memcmp(c.map, ref + 100, 200), 0);
		CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	} else {
		CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	}
	CU_ASSERT_EQUAL(gu_free(fd, &c), 0);
	end_clean();
}

static const struct edutest_case number_cases[] = {
	{ "unknown_numbers_enotty", test_unknown_numbers_enotty },
	{ "known_numbers_wrong_size_or_direction", test_known_numbers_wrong_size_or_direction },
	{ "bad_argument_pointers", test_bad_argument_pointers },
	{ "readonly_argument_takes_back", test_readonly_argument_takes_back },
	{ "readonly_transfer_and_copy", test_readonly_transfer_and_copy },
	{ NULL, NULL }
};

static const struct edutest_case field_cases[] = {
	{ "info_ignores_input_and_zeroes_reserved", test_info_ignores_input_and_zeroes_reserved },
	{ "irq_test_reserved_and_flags", test_irq_test_reserved_and_flags },
	{ "factorial_reserved_and_flags", test_factorial_reserved_and_flags },
	{ "alloc_reserved_and_flags", test_alloc_reserved_and_flags },
	{ "free_unpin_flags", test_free_unpin_flags },
	{ "pin_reserved_flags_and_access", test_pin_reserved_flags_and_access },
	{ "transfer_reserved_flags_direction", test_transfer_reserved_flags_direction },
	{ "copy_reserved_and_flags", test_copy_reserved_and_flags },
	{ "lab_reserved_and_flags", test_lab_reserved_and_flags },
	{ NULL, NULL }
};

static const struct edutest_case edge_cases[] = {
	{ "alloc_edges", test_alloc_edges },
	{ "pin_edges", test_pin_edges },
	{ "pin_huge_length_no_warning", test_pin_huge_length_no_warning },
	{ "pin_huge_length_unprivileged", test_pin_huge_length_unprivileged },
	{ "transfer_edges", test_transfer_edges },
	{ "copy_edges", test_copy_edges },
	{ "copy_overlapping_user_memory", test_copy_overlapping_user_memory },
	{ "transfer_one_byte_window_huge_plan", test_transfer_one_byte_window_huge_plan },
	{ NULL, NULL }
};

static const struct edutest_case handle_cases[] = {
	{ "never_issued", test_handles_never_issued },
	{ "freed_and_used_twice", test_handles_freed_and_used_twice },
	{ "freed_handle_not_reused", test_freed_handle_not_reused },
	{ "of_another_file", test_handles_of_another_file },
	{ "wrong_kind", test_handles_wrong_kind },
	{ NULL, NULL }
};

static const struct edutest_case mmap_cases[] = {
	{ "huge_offsets", test_mmap_huge_offsets },
	{ "cookie_dead_after_free_while_mapped", test_mmap_cookie_dead_after_free_while_mapped },
	{ "mremap_and_split", test_mremap_and_split },
	{ "madvise", test_madvise },
	{ "fork_then_use_in_both", test_fork_then_use_in_both },
	{ "pin_own_buffer_mapping", test_pin_own_buffer_mapping },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "numbers", suite_init, suite_cleanup, number_cases },
	{ "fields", suite_init, suite_cleanup, field_cases },
	{ "edges", suite_init, suite_cleanup, edge_cases },
	{ "handles", suite_init, suite_cleanup, handle_cases },
	{ "mmap", suite_init, suite_cleanup, mmap_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "abuse_abi", suites);
}
