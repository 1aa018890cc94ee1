/* SPDX-License-Identifier: MIT */
/*
 * A bounded, seeded, reproducible random ioctl fuzzer for the raw ABI.
 *
 * Each iteration does one random thing: an ioctl - mostly ours (EXPORT's
 * dma-bufs kept in a small pool that IMPORT is offered, with fds that are
 * not dma-bufs, closed or -1), some with
 * a wrong size or direction, some random numbers of our magic and its
 * neighbours - with a structure whose fields lean towards edge values and
 * towards handles, cookies and addresses that are valid; an mmap of a
 * random (often almost right) offset; munmap, mremap, touching mappings;
 * closing and reopening a file; a forked child doing the same for a while.
 *
 * Bounds: EDUDMA_FUZZ_ITERS iterations (default 3000), EDUDMA_FUZZ_SECONDS
 * of guest time (default 120), DMA at most 1500 commands (every TRANSFER
 * and COPY runs under a 350 ms alarm, and they stop when the budget is
 * spent). The seed is printed; EDUDMA_FUZZ_SEED=<n> repeats a run - on the
 * kernel command line, e.g. make check EXTRA_APPEND=EDUDMA_FUZZ_SEED=42
 * (init passes such words to its children's environment).
 *
 * What must hold: every call returns 0 or an errno from the documented set
 * (never EIO or ENODEV: the device must not wedge), our own mappings never
 * fault, the kernel log stays clean, nothing is left behind after the
 * files are closed, and the device still verifies a copy at the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096ull
#define POOL_PAGES 16
#define NHANDLES 24
#define NMAPS 16
#define DMA_BUDGET 1500
#define NDBUFS 6

static uint64_t rng, seed;
static unsigned long iters = 3000, seconds = 120;
static int ndevs, fds[2], fd_dev[2];
static struct edudma_info info;
static uint8_t *pool;		/* POOL_PAGES of memory between PROT_NONE guards */
static uint8_t *ro_page, *none_page;
static uint64_t commands_start[2];
static int base_buffers[2], base_pinned[2];
static size_t log_mark;

struct hslot {
	int used, f;		/* index into fds */
	uint32_t handle;
	int kind;		/* 1 coherent, 2 pinned, 3 imported */
	uint64_t size, cookie;
};

struct mslot {
	uint8_t *p;
	size_t len;
};

static struct hslot hs[NHANDLES];
static struct mslot ms[NMAPS];
/* dma-bufs EXPORT gave (fds, -1 when free): what IMPORT is offered */
static int dbufs[NDBUFS] = { -1, -1, -1, -1, -1, -1 };
static int base_exported[2], base_imported[2];

/* statistics */
static unsigned long n_ioctl, n_ok, n_mmap_ok, n_mmap, n_fork, n_dma, errs[256];
static unsigned long n_exported, n_imported;
static unsigned long bad_errno, bad_fault;
static char first_bad[200];

static uint64_t r64(void)
{
	return gu_rand64(&rng);
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(r64() % n) : 0;
}

static int chance(unsigned int percent)
{
	return rn(100) < percent;
}

static uint64_t dma_used(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < ndevs; i++)
		n += gu_commands(i) - commands_start[i];
	return n;
}

/* ------------------------------------------------------ value makers */

static uint64_t edge_size(void)
{
	const uint64_t w = info.window_size;
	const uint64_t v[] = {
		0, 1, 2, PAGE - 1, PAGE, PAGE + 1, w - 1, w, w + 1, 2 * w + 1,
		info.max_alloc - 1, info.max_alloc, info.max_alloc + 1,
		EDUDMA_MAX_LENGTH, (uint64_t)EDUDMA_MAX_LENGTH + 1, UINT64_MAX,
		UINT64_MAX - PAGE + 1, 0xfffffffffffff000ull, 0x2000, 1ull << 32,
		1ull << 40, 1ull << 63, UINT32_MAX,
	};

	switch (rn(4)) {
	case 0:
		return r64() >> rn(64);
	case 1:
		return 1 + rn(3 * PAGE);
	default:
		return v[rn(sizeof(v) / sizeof(v[0]))];
	}
}

static struct hslot *some_handle(void)
{
	int i, start = (int)rn(NHANDLES);

	for (i = 0; i < NHANDLES; i++)
		if (hs[(start + i) % NHANDLES].used)
			return &hs[(start + i) % NHANDLES];
	return NULL;
}

static uint32_t edge_handle(void)
{
	struct hslot *h = some_handle();

	switch (rn(10)) {
	case 0:
		return 0;
	case 1:
		return 1 + rn(40);
	case 2:
		return (uint32_t)r64();
	case 3:
		return h ? h->handle + 1 : 2;
	default:
		return h ? h->handle : 1;
	}
}

static uint64_t edge_offset(uint64_t size)
{
	switch (rn(6)) {
	case 0:
		return 0;
	case 1:
		return size ? size - 1 : 0;
	case 2:
		return size;
	case 3:
		return edge_size();
	default:
		return rn((unsigned int)(size ? size : PAGE));
	}
}

static uint64_t edge_addr(void)
{
	switch (rn(12)) {
	case 0:
		return 0;
	case 1:
		return 0xfffffffffffff000ull;
	case 2:
		return (uintptr_t)ro_page + rn(PAGE);
	case 3:
		return (uintptr_t)none_page + rn(PAGE);
	case 4:
		return 0xffff888000000000ull + rn(1 << 20);
	case 5:
		return r64();
	case 6:
		return 0x7ffffffff000ull - rn(3) * PAGE;
	default:	/* in the pool, or just around it */
		return (uintptr_t)pool - PAGE + rn((POOL_PAGES + 2) * PAGE);
	}
}

static uint32_t edge_flags(uint32_t valid)
{
	switch (rn(8)) {
	case 0:
		return 1u << rn(32);
	case 1:
		return (uint32_t)r64();
	case 2:
		return valid;
	default:
		return 0;
	}
}

/* An fd for IMPORT: mostly a dma-buf of ours, else anything but one. */
static int32_t edge_fd(void)
{
	int d = dbufs[rn(NDBUFS)];

	switch (rn(10)) {
	case 0:
		return -1;
	case 1:
		return fds[rn(2)];		/* our node: not a dma-buf */
	case 2:
		return (int32_t)rn(64);		/* stdin, the log, closed ones */
	case 3:
		return (int32_t)r64();
	default:
		return d >= 0 ? d : (int32_t)rn(16);
	}
}

static struct edudma_region edge_region(void)
{
	struct edudma_region r;
	struct hslot *h = some_handle();

	memset(&r, 0, sizeof(r));
	if (chance(30)) {
		r.flags = EDUDMA_REGION_USER;
		r.offset = edge_addr();
		if (chance(10))
			r.handle = edge_handle();
	} else {
		r.handle = edge_handle();
		r.offset = edge_offset(h ? h->size : PAGE);
	}
	if (chance(5))
		r.flags = edge_flags(EDUDMA_REGION_FLAGS);
	return r;
}

/* A length for a transfer or copy: mostly small, so DMA stays cheap. */
static uint64_t dma_length(void)
{
	return chance(70) ? 1 + rn(6000) : edge_size();
}

/* --------------------------------------------------------- the arg */

static uint8_t argbuf[1 << 14] __attribute__((aligned(4096)));

static void fill_arg(unsigned long cmd)
{
	memset(argbuf, 0, 512);
	if (chance(5)) {
		unsigned int i;

		for (i = 0; i < 512; i += 8) {
			uint64_t v = r64();

			memcpy(argbuf + i, &v, 8);
		}
		return;
	}
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(EDUDMA_IOC_IRQ_TEST): {
		struct edudma_irq_test *t = (void *)argbuf;

		t->value = chance(70) ? 0x10000u << rn(16) : (uint32_t)r64();
		t->flags = edge_flags(0);
		t->timeout_ms = chance(80) ? 0 : rn(100);
		if (chance(5))
			t->reserved[rn(2)] = r64();
		break;
	}
	case _IOC_NR(EDUDMA_IOC_FACTORIAL): {
		struct edudma_factorial *f = (void *)argbuf;

		f->n = chance(90) ? rn(40) : rn(1 << 16);
		f->flags = edge_flags(EDUDMA_FACT_POLL);
		f->timeout_ms = chance(80) ? 0 : rn(100);
		if (chance(5))
			f->reserved0 = (uint32_t)r64();
		if (chance(5))
			f->reserved[rn(2)] = r64();
		break;
	}
	case _IOC_NR(EDUDMA_IOC_ALLOC): {
		struct edudma_alloc *a = (void *)argbuf;

		a->size = chance(60) ? 1 + rn(4 * PAGE) : edge_size();
		a->flags = edge_flags(0);
		if (chance(5))
			a->reserved[rn(2)] = r64();
		if (chance(20))
			a->handle = (uint32_t)r64();	/* out-fields: ignored */
		break;
	}
	case _IOC_NR(EDUDMA_IOC_FREE):
	case _IOC_NR(EDUDMA_IOC_UNPIN): {
		struct edudma_handle *h = (void *)argbuf;

		h->handle = edge_handle();
		h->flags = edge_flags(0);
		break;
	}
	case _IOC_NR(EDUDMA_IOC_PIN): {
		struct edudma_pin *p = (void *)argbuf;

		p->addr = edge_addr();
		p->length = chance(60) ? 1 + rn(3 * PAGE) : edge_size();
		p->access = chance(85) ? 1 + rn(3) : (uint32_t)r64();
		p->flags = edge_flags(0);
		if (chance(5))
			p->reserved[rn(2)] = r64();
		break;
	}
	case _IOC_NR(EDUDMA_IOC_EXPORT): {
		struct edudma_export *e = (void *)argbuf;

		e->handle = edge_handle();
		e->flags = edge_flags(EDUDMA_EXPORT_WRITE);
		if (chance(20))
			e->fd = (int32_t)r64();		/* out-field: ignored */
		if (chance(5))
			e->reserved0 = (uint32_t)r64();
		if (chance(5))
			e->reserved[rn(2)] = r64();
		break;
	}
	case _IOC_NR(EDUDMA_IOC_IMPORT): {
		struct edudma_import *im = (void *)argbuf;

		im->fd = edge_fd();
		im->access = chance(85) ? 1 + rn(3) : (uint32_t)r64();
		im->flags = edge_flags(0);
		if (chance(5))
			im->reserved[rn(2)] = r64();
		break;
	}
	case _IOC_NR(EDUDMA_IOC_TRANSFER): {
		struct edudma_transfer *t = (void *)argbuf;

		t->mem = edge_region();
		t->length = dma_length();
		t->direction = chance(90) ? 1 + rn(2) : (uint32_t)r64();
		t->dev_offset = chance(60) ? rn(info.window_size) :
				chance(50) ? info.window_size - 1 : (uint32_t)edge_size();
		t->flags = edge_flags(0);
		t->timeout_ms = chance(90) ? 0 : rn(150);
		break;
	}
	case _IOC_NR(EDUDMA_IOC_COPY): {
		struct edudma_copy *c = (void *)argbuf;

		c->src = edge_region();
		c->dst = edge_region();
		c->length = dma_length();
		c->flags = edge_flags(0);
		c->timeout_ms = chance(90) ? 0 : rn(150);
		break;
	}
	case _IOC_NR(EDUDMA_IOC_SUBMIT): {
		struct edudma_submit *sb = (void *)argbuf;

		sb->op = chance(90) ? 1 + rn(2) : (uint32_t)r64();
		sb->src = edge_region();
		if (sb->op != EDUDMA_OP_TRANSFER || chance(5))
			sb->dst = edge_region();
		sb->length = dma_length();
		if (sb->op == EDUDMA_OP_TRANSFER || chance(5)) {
			sb->direction = chance(90) ? 1 + rn(2) : (uint32_t)r64();
			sb->dev_offset = chance(60) ? rn(info.window_size) : (uint32_t)edge_size();
		}
		sb->flags = edge_flags(0);
		sb->user_data = r64();
		if (chance(5))
			sb->reserved[rn(2)] = r64();
		break;
	}
	case _IOC_NR(EDUDMA_IOC_REAP): {
		struct edudma_reap *rp = (void *)argbuf;

		/* the completions land in argbuf's tail (or a bad pointer) */
		rp->completions = chance(90) ? (uintptr_t)(argbuf + 4096) : r64();
		rp->max = chance(90) ? 1 + rn(64) : (uint32_t)r64();
		rp->flags = edge_flags(EDUDMA_REAP_WAIT);
		if (rp->flags & EDUDMA_REAP_WAIT) {
			rp->min_complete = rn(3);
			rp->timeout_ms = 1 + rn(50);	/* never an unbounded wait */
		}
		if (chance(5))
			rp->reserved[rn(2)] = r64();
		break;
	}
	case _IOC_NR(EDUDMA_IOC_CANCEL): {
		struct edudma_cancel *c = (void *)argbuf;

		c->id = chance(50) ? rn(200) : r64();
		c->flags = edge_flags(EDUDMA_CANCEL_ALL);
		if ((c->flags & EDUDMA_CANCEL_ALL) && chance(90))
			c->id = 0;
		break;
	}
	default:
		break;
	}
}

static void *arg_pointer(void)
{
	switch (rn(50)) {
	case 0:
		return NULL;
	case 1:
		return ro_page;
	case 2:
		return none_page + PAGE - 8;	/* starts in a PROT_NONE page */
	case 3:
		return (void *)0xffff888000001000ull;
	default:
		return argbuf;
	}
}

static const unsigned long known[] = {
	EDUDMA_IOC_INFO, EDUDMA_IOC_IRQ_TEST, EDUDMA_IOC_FACTORIAL, EDUDMA_IOC_ALLOC,
	EDUDMA_IOC_FREE, EDUDMA_IOC_PIN, EDUDMA_IOC_UNPIN, EDUDMA_IOC_TRANSFER,
	EDUDMA_IOC_COPY, EDUDMA_IOC_LAB,	/* LAB: EPERM unless lab=1 */
	EDUDMA_IOC_EXPORT, EDUDMA_IOC_IMPORT,	/* ENOTTY without dma-buf */
	EDUDMA_IOC_SUBMIT, EDUDMA_IOC_REAP, EDUDMA_IOC_CANCEL,
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

static unsigned long pick_cmd(void)
{
	unsigned long k = known[rn(NKNOWN)];

	switch (rn(20)) {
	case 0:		/* ours, another size */
		return _IOC(_IOC_DIR(k), EDUDMA_IOC_MAGIC, _IOC_NR(k),
			    (_IOC_SIZE(k) + 1 + rn(200)) & 0x3fff);
	case 1:		/* ours, another direction */
		return _IOC((_IOC_DIR(k) + 1 + rn(3)) & 3, EDUDMA_IOC_MAGIC, _IOC_NR(k),
			    _IOC_SIZE(k));
	case 2:		/* anything of our magic or its neighbours */
		return _IOC(rn(4), EDUDMA_IOC_MAGIC - 1 + rn(3), rn(256), rn(1 << 14));
	default:
		return k;
	}
}

/* --------------------------------------------------------- the pools */

static void hs_add(int f, uint32_t handle, int kind, uint64_t size, uint64_t cookie)
{
	int i;

	for (i = 0; i < NHANDLES; i++)
		if (!hs[i].used) {
			hs[i] = (struct hslot){ 1, f, handle, kind, size, cookie };
			return;
		}
	/* full: give it back at once */
	{
		struct edudma_handle h = { .handle = handle };

		ioctl(fds[f], kind == 2 ? EDUDMA_IOC_UNPIN : EDUDMA_IOC_FREE, &h);
	}
}

/* Keep a dma-buf EXPORT made; when the pool is full, close another. */
static void dbuf_add(int d)
{
	int i = (int)rn(NDBUFS);

	if (dbufs[i] >= 0)
		close(dbufs[i]);
	dbufs[i] = d;
}

static void hs_forget_file(int f)
{
	int i;

	for (i = 0; i < NHANDLES; i++)
		if (hs[i].used && hs[i].f == f)
			hs[i].used = 0;
}

static void ms_add(uint8_t *p, size_t len)
{
	int i;

	for (i = 0; i < NMAPS; i++)
		if (!ms[i].p) {
			ms[i].p = p;
			ms[i].len = len;
			return;
		}
	munmap(p, len);
}

/* ------------------------------------------------------ fault guard */

static sigjmp_buf touch_env;
static volatile sig_atomic_t touching;

static void on_fault(int sig)
{
	if (touching)
		siglongjmp(touch_env, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Read and write the first and last byte of our mapping: must never fault. */
static void touch(struct mslot *m)
{
	int sig;

	touching = 1;
	sig = sigsetjmp(touch_env, 1);
	if (sig == 0) {
		volatile uint8_t *p = m->p;

		p[0] = (uint8_t)(p[0] + 1);
		p[m->len - 1] = (uint8_t)(p[m->len - 1] + 1);
	} else {
		bad_fault++;
		if (!first_bad[0])
			snprintf(first_bad, sizeof(first_bad),
				 "signal %d touching our mapping %p+%zu", sig, (void *)m->p, m->len);
		munmap(m->p, m->len);
		m->p = NULL;
	}
	touching = 0;
}

/* ------------------------------------------------------------ actions */

static int errno_allowed(int e)
{
	switch (e) {
	case EINVAL: case ENOENT: case EFAULT: case ENOTTY: case EACCES:
	case ENOMEM: case ERANGE: case EINTR: case ETIMEDOUT: case EOPNOTSUPP:
	case EPERM:	/* LAB while the lab is off */
	case EAGAIN:	/* SUBMIT past the file's quota */
		return 1;
	default:
		return 0;
	}
}

static void do_ioctl(int child)
{
	int f = (int)rn(2), ret, e;
	unsigned long cmd = pick_cmd();
	int is_dma = cmd == EDUDMA_IOC_TRANSFER || cmd == EDUDMA_IOC_COPY ||
		     cmd == EDUDMA_IOC_SUBMIT;
	int is_wait = cmd == EDUDMA_IOC_IRQ_TEST || cmd == EDUDMA_IOC_FACTORIAL ||
		      cmd == EDUDMA_IOC_REAP;
	void *arg;

	if (is_dma && (child || dma_used() >= DMA_BUDGET))
		return;
	if (is_wait && child)
		return;
	fill_arg(cmd);
	arg = arg_pointer();
	if (is_dma) {
		struct itimerval it = { { 0, 0 }, { 0, 350000 } };

		setitimer(ITIMER_REAL, &it, NULL);
		n_dma++;
	}
	ret = ioctl(fds[f], cmd, arg);
	e = errno;
	if (is_dma) {
		struct itimerval off = { { 0, 0 }, { 0, 0 } };

		setitimer(ITIMER_REAL, &off, NULL);
	}
	n_ioctl++;
	if (ret == 0) {
		n_ok++;
		if (arg != argbuf)
			return;
		if (cmd == EDUDMA_IOC_ALLOC) {
			struct edudma_alloc *a = (void *)argbuf;

			if (a->alloc_size < a->size || a->mmap_offset % PAGE || !a->handle) {
				bad_errno++;
				snprintf(first_bad, sizeof(first_bad), "ALLOC answered nonsense");
			}
			hs_add(f, a->handle, 1, a->alloc_size, a->mmap_offset);
		} else if (cmd == EDUDMA_IOC_PIN) {
			struct edudma_pin *p = (void *)argbuf;

			hs_add(f, p->handle, 2, p->length, 0);
		} else if (cmd == EDUDMA_IOC_EXPORT) {
			struct edudma_export *x = (void *)argbuf;

			if (x->fd < 0 || !x->size) {
				bad_errno++;
				snprintf(first_bad, sizeof(first_bad), "EXPORT answered nonsense");
			} else if (child) {
				close(x->fd);
			} else {
				dbuf_add(x->fd);
			}
			n_exported++;
		} else if (cmd == EDUDMA_IOC_IMPORT) {
			struct edudma_import *im = (void *)argbuf;

			if (!im->handle || !im->size || !im->nr_dma_segments) {
				bad_errno++;
				snprintf(first_bad, sizeof(first_bad), "IMPORT answered nonsense");
			}
			hs_add(f, im->handle, 3, im->size, 0);
			n_imported++;
		}
		return;
	}
	errs[e & 0xff]++;
	/* IMPORT of an fd that is not open */
	if (e == EBADF && _IOC_NR(cmd) == _IOC_NR(EDUDMA_IOC_IMPORT))
		return;
	if (!errno_allowed(e)) {
		bad_errno++;
		if (!first_bad[0])
			snprintf(first_bad, sizeof(first_bad), "ioctl 0x%08lx: %s", cmd,
				 strerror(e));
	}
}

static void do_mmap(void)
{
	struct hslot *h = some_handle();
	uint64_t off;
	size_t len;
	int f = (int)rn(2), flags = chance(90) ? MAP_SHARED : MAP_PRIVATE;
	uint8_t *p;

	if (h && chance(80)) {
		f = chance(90) ? h->f : 1 - h->f;
		off = h->cookie + (chance(70) ? rn((unsigned int)(h->size / PAGE + 1)) * PAGE :
				   edge_size() & ~(PAGE - 1));
		len = chance(80) ? (size_t)(1 + rn((unsigned int)h->size + PAGE)) :
		      (size_t)edge_size();
	} else {
		off = edge_size();
		len = (size_t)(1 + rn(8 * PAGE));
	}
	n_mmap++;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fds[f], (off_t)off);
	if (p == MAP_FAILED)
		return;
	n_mmap_ok++;
	len = (len + PAGE - 1) & ~(PAGE - 1);
	ms_add(p, len);
}

static void do_munmap_or_mremap(void)
{
	struct mslot *m = &ms[rn(NMAPS)];
	void *q;

	if (!m->p)
		return;
	switch (rn(4)) {
	case 0:		/* grow: refused, or a mapping we do not count on */
		q = mremap(m->p, m->len, m->len + PAGE * (1 + rn(4)), rn(2) ? MREMAP_MAYMOVE : 0);
		if (q != MAP_FAILED) {
			bad_errno++;
			snprintf(first_bad, sizeof(first_bad), "mremap grew a buffer mapping");
			munmap(q, m->len + PAGE);
			m->p = NULL;
		}
		break;
	case 1:		/* shrink */
		if (m->len > PAGE) {
			size_t nl = m->len - PAGE * (1 + rn((unsigned int)(m->len / PAGE - 1)));

			q = mremap(m->p, m->len, nl, 0);
			if (q != MAP_FAILED)
				m->len = nl;
		}
		break;
	case 2:		/* unmap the tail page */
		if (m->len > PAGE) {
			munmap(m->p + m->len - PAGE, PAGE);
			m->len -= PAGE;
			break;
		}
		/* fall through */
	default:
		munmap(m->p, m->len);
		m->p = NULL;
	}
}

static void do_reopen(void)
{
	int f = (int)rn(2);

	close(fds[f]);
	hs_forget_file(f);
	fds[f] = gu_open(fd_dev[f]);
	if (fds[f] < 0) {
		bad_errno++;
		snprintf(first_bad, sizeof(first_bad), "reopen failed: %s", strerror(errno));
	}
}

static void do_fork(void)
{
	pid_t pid = fork();
	int st;

	n_fork++;
	if (pid == 0) {
		int i;

		rng ^= 0x5bd1e995;
		for (i = 0; i < 30; i++) {
			if (chance(80))
				do_ioctl(1);
			else
				do_mmap();
		}
		_exit(bad_errno ? 1 : 0);
	}
	st = gu_wait_child(pid);
	if (st != 0) {
		bad_errno++;
		if (!first_bad[0])
			snprintf(first_bad, sizeof(first_bad), "forked child: status %d", st);
	}
}

/* ------------------------------------------------------------- tests */

static int suite_init(void)
{
	const char *s;
	struct sigaction sa;
	uint8_t *area;
	int i;

	s = getenv("EDUDMA_FUZZ_SEED");
	seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if ((s = getenv("EDUDMA_FUZZ_ITERS")))
		iters = strtoul(s, NULL, 0);
	if ((s = getenv("EDUDMA_FUZZ_SECONDS")))
		seconds = strtoul(s, NULL, 0);
	rng = seed;
	printf("\n    fuzz seed %llu, %lu iterations, %lu s of guest time at most\n"
	       "    (repeat: make check CONFIGS=%s EXTRA_APPEND=EDUDMA_FUZZ_SEED=%llu)\n",
	       (unsigned long long)seed, iters, seconds,
	       getenv("EDUTEST_CONFIG") ? getenv("EDUTEST_CONFIG") : "msi",
	       (unsigned long long)seed);

	ndevs = gu_nr_devices();
	if (ndevs < 1)
		return -1;
	if (ndevs > 2)
		ndevs = 2;
	for (i = 0; i < 2; i++) {
		fd_dev[i] = i % ndevs;
		fds[i] = gu_open(fd_dev[i]);
		if (fds[i] < 0)
			return -1;
	}
	for (i = 0; i < ndevs; i++) {
		commands_start[i] = gu_commands(i);
		base_buffers[i] = gu_attr_int(i, "nr_buffers");
		base_pinned[i] = gu_attr_int(i, "nr_pinned");
		base_exported[i] = gu_attr_int(i, "nr_exported");
		base_imported[i] = gu_attr_int(i, "nr_imported");
	}
	if (ioctl(fds[0], EDUDMA_IOC_INFO, &info))
		return -1;
	/* guard | pool | guard (none_page) | read-only page */
	area = mmap(NULL, (POOL_PAGES + 3) * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return -1;
	mprotect(area, PAGE, PROT_NONE);
	pool = area + PAGE;
	none_page = pool + POOL_PAGES * PAGE;
	ro_page = none_page + PAGE;
	memset(pool, 0x5a, POOL_PAGES * PAGE);
	mprotect(none_page, PAGE, PROT_NONE);
	mprotect(ro_page, PAGE, PROT_READ);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: the ioctl returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_fault;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	log_mark = gu_dmesg_mark();
	return 0;
}

static void test_random_operations(void)
{
	int64_t t0 = gu_now_ns(), limit = (int64_t)seconds * 1000000000;
	unsigned long i;

	for (i = 0; i < iters && gu_now_ns() - t0 < limit; i++) {
		unsigned int what = rn(100);

		if (what < 62)
			do_ioctl(0);
		else if (what < 77)
			do_mmap();
		else if (what < 85)
			do_munmap_or_mremap();
		else if (what < 93) {
			struct mslot *m = &ms[rn(NMAPS)];

			if (m->p)
				touch(m);
		} else if (what < 96)
			do_reopen();
		else if (what < 98)
			do_fork();
		else
			madvise(pool + rn(POOL_PAGES) * PAGE, PAGE,
				rn(2) ? MADV_DONTNEED : MADV_WILLNEED);
	}
	printf("    %lu iterations in %lld ms (guest): %lu ioctls (%lu ok, %lu DMA, %llu "
	       "commands), %lu/%lu mmaps ok, %lu forks\n", i,
	       (long long)((gu_now_ns() - t0) / 1000000), n_ioctl, n_ok, n_dma,
	       (unsigned long long)dma_used(), n_mmap_ok, n_mmap, n_fork);
	printf("    dma-buf: %lu exports, %lu imports\n", n_exported, n_imported);
	printf("    errnos:");
	for (i = 0; i < 256; i++)
		if (errs[i])
			printf(" %s %lu,", strerror((int)i), errs[i]);
	printf("\n");
	if (first_bad[0])
		printf("    first problem: %s\n", first_bad);
	CU_ASSERT_EQUAL(bad_errno, 0);
	CU_ASSERT_EQUAL(bad_fault, 0);
	CU_ASSERT(n_ok > 0);	/* the fuzzer reached past validation */
}

/* Everything closed and unmapped: nothing left, log clean, device works. */
static void test_aftermath(void)
{
	char *bad;
	int i;

	for (i = 0; i < NMAPS; i++)
		if (ms[i].p) {
			touch(&ms[i]);
			if (ms[i].p)
				munmap(ms[i].p, ms[i].len);
			ms[i].p = NULL;
		}
	close(fds[0]);
	close(fds[1]);
	/* the dma-bufs last: they may hold buffers of closed files */
	for (i = 0; i < NDBUFS; i++)
		if (dbufs[i] >= 0) {
			close(dbufs[i]);
			dbufs[i] = -1;
		}
	for (i = 0; i < ndevs; i++) {
		CU_ASSERT_EQUAL(gu_attr_int(i, "nr_buffers"), base_buffers[i]);
		CU_ASSERT_EQUAL(gu_attr_int(i, "nr_pinned"), base_pinned[i]);
		CU_ASSERT_EQUAL(gu_attr_int(i, "nr_exported"), base_exported[i]);
		CU_ASSERT_EQUAL(gu_attr_int(i, "nr_imported"), base_imported[i]);
		CU_ASSERT_TRUE(gu_device_works(i));
	}
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 0);
	gu_vmstat_refresh();
	CU_ASSERT_EQUAL(gu_vmstat("nr_foll_pin_acquired"), gu_vmstat("nr_foll_pin_released"));
	bad = gu_dmesg_problem_since(log_mark);
	if (bad)
		printf("\n    kernel log: %s (seed %llu)\n", bad, (unsigned long long)seed);
	CU_ASSERT_PTR_NULL(bad);
	free(bad);
}

static const struct edutest_case cases[] = {
	{ "random_operations", test_random_operations },
	{ "aftermath", test_aftermath },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "fuzz", suite_init, NULL, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "fuzz", suites);
}
