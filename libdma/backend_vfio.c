// SPDX-License-Identifier: MIT
/*
 * The VFIO backend: the edu device driven from userspace through vfio-pci
 * and an IOMMU, as DPDK and SPDK drive theirs. "vfio:<pci address>" opens
 * it; the library's calls do what they do on /dev/edudma<N>.
 *
 *   open        container (/dev/vfio/vfio) + group (/dev/vfio/<N>) + device,
 *               BAR0 mapped, memory decoding on, the device checked (ident,
 *               liveness), a command an earlier owner left running waited
 *               out, stale interrupt bits acknowledged, MSI delivered
 *               through an eventfd (VFIO_DEVICE_SET_IRQS), bus mastering on
 *   memory      every buffer, registration and one-shot region is mapped
 *               with VFIO_IOMMU_MAP_DMA at an IOVA this library allocates
 *               (vfio_iova.c) below the device's DMA mask: scattered pages,
 *               one device-visible segment
 *   transfers   planned by include/edu/edu_plan.h over those IOVA ranges,
 *               started through include/edu/edu_plan.h's register writes,
 *               checked by edu_cmd_ok() - the planner, the window rule and
 *               the quirks are the driver's own code, not a copy - and
 *               completed by the MSI: ppoll() on the eventfd, read the
 *               interrupt status, acknowledge exactly what was read
 *
 * The kernel driver's rules hold here too (README, "The model"): one
 * request at a time per device (a mutex, since a VFIO device belongs to
 * one process), a signal stops a request after the command in flight has
 * landed (-EINTR, never restarted), each command waits at most timeout_ms,
 * a command that never finishes wedges the device and keeps its memory
 * mapped.
 *
 * A device can be opened by one process at a time (VFIO hands a group to
 * one process); within it, every handle on the same device shares one
 * container, like files of one /dev/edudma<N>. After fork() a child must
 * not use its parent's handle: it opens the device itself once the parent
 * has closed it.
 *
 * Tunables (environment, read at open; the driver's module parameters):
 *   LIBDMA_VFIO_WINDOW      bytes per command, 1..4096 (default 4095)
 *   LIBDMA_VFIO_DMA_BITS    the device's DMA address width (default 28)
 *   LIBDMA_VFIO_TIMEOUT_MS  wait for one command (default 1000)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <edu/edu_plan.h>

#include "backend.h"
#include "vfio_internal.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define VFIO_CONTAINER_PATH	"/dev/vfio/vfio"
#define DEFAULT_TIMEOUT_MS	1000u
/* The command in flight gets this many timeouts more to land. */
#define GRACE_FACTOR		5u
/* The factorial unit may legitimately compute this long (driver's cap). */
#define FACT_BUSY_MS		60000u

/* One device opened by this process; shared by all its handles. */
struct vfio_dev {
	struct vfio_dev *next;		/* the registry, under registry_lock */
	int refs;			/* handles, under registry_lock */
	pid_t pid;			/* the process that opened it */
	char addr[32];			/* "0000:00:04.0" */
	char node[40];			/* "vfio:0000:00:04.0" */
	int group_id;
	int container, group, device, irq_fd;
	bool irq_on;

	volatile uint8_t *bar;		/* BAR0 mapped, or NULL: pread/pwrite */
	size_t bar_len;
	uint64_t bar_offset;		/* of BAR0 and config space in the */
	uint64_t config_offset;		/* device fd (pread/pwrite) */
	bool have_config;

	uint32_t ident;
	uint32_t window;
	uint32_t dma_bits;
	uint32_t timeout_ms;
	uint64_t dma_mask;
	uint64_t page;			/* mapping granule: CPU and IOMMU page */
	uint64_t cpu_page;
	int numa_node;
	int pagemap;			/* /proc/self/pagemap, -1 if unreadable */

	pthread_mutex_t lock;		/* the device: one operation at a time */
	bool wedged;			/* under lock */

	pthread_mutex_t map_lock;	/* iova, nr_mappings */
	struct libdma__iova_space iova;
	long nr_mappings;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vfio_dev *registry;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ registers */

/*
 * BAR0 accesses: 4 bytes below 0x80, 8 bytes for the 64-bit DMA
 * registers (EDU.md). Through the mapping when vfio-pci allows one, else
 * through the device fd.
 */
static uint32_t rd32(struct vfio_dev *vd, uint32_t reg)
{
	uint32_t v = ~0u;

	if (vd->bar)
		return *(volatile uint32_t *)(vd->bar + reg);
	if (pread(vd->device, &v, 4, (off_t)(vd->bar_offset + reg)) != 4)
		return ~0u;
	return v;
}

static void wr32(struct vfio_dev *vd, uint32_t reg, uint32_t v)
{
	if (vd->bar)
		*(volatile uint32_t *)(vd->bar + reg) = v;
	else if (pwrite(vd->device, &v, 4, (off_t)(vd->bar_offset + reg)) != 4)
		vd->wedged = true;	/* nothing reaches the device */
}

static uint64_t rd64(struct vfio_dev *vd, uint32_t reg)
{
	uint64_t v = ~0ull;

	if (vd->bar)
		return *(volatile uint64_t *)(vd->bar + reg);
	if (pread(vd->device, &v, 8, (off_t)(vd->bar_offset + reg)) != 8)
		return ~0ull;
	return v;
}

/* A 64-bit register written whole (a lone 4-byte write zeroes the top). */
static void wr64(struct vfio_dev *vd, uint32_t reg, uint64_t v)
{
	if (vd->bar) {
#if UINTPTR_MAX > 0xffffffffu
		*(volatile uint64_t *)(vd->bar + reg) = v;
#else
		/* Low half first: that write zeroes the upper half. */
		*(volatile uint32_t *)(vd->bar + reg) = (uint32_t)v;
		*(volatile uint32_t *)(vd->bar + reg + 4) = (uint32_t)(v >> 32);
#endif
	} else if (pwrite(vd->device, &v, 8, (off_t)(vd->bar_offset + reg)) != 8) {
		vd->wedged = true;
	}
}

static int config_rw16(struct vfio_dev *vd, uint32_t off, uint16_t *v, bool write)
{
	ssize_t n = write ? pwrite(vd->device, v, 2, (off_t)(vd->config_offset + off)) :
			    pread(vd->device, v, 2, (off_t)(vd->config_offset + off));

	return n == 2 ? 0 : -EIO;
}

/* Set or clear bits of the PCI command register. */
static int pci_command(struct vfio_dev *vd, uint16_t set, uint16_t clear)
{
	uint16_t cmd;

	if (config_rw16(vd, PCI_COMMAND, &cmd, false))
		return -EIO;
	cmd = (uint16_t)((cmd | set) & ~clear);
	return config_rw16(vd, PCI_COMMAND, &cmd, true);
}

static bool dma_busy(struct vfio_dev *vd)
{
	return rd64(vd, EDU_REG_DMA_CMD) & EDU_DMA_RUN;
}

/* ----------------------------------------------------------- interrupts */

/*
 * Signals during an operation that waits on the device. The kernel driver
 * sleeps interruptibly from the ioctl to the last completion, so any
 * signal in that time stops the request. Here the thread also runs
 * between waits (starting the next command), and a signal handled then
 * would be forgotten by the next poll(). So catchable signals are blocked
 * for the whole operation and unblocked only inside ppoll() - the pselect
 * pattern: one that arrives meanwhile stays pending, and the next
 * interruptible wait returns -EINTR (its handler runs there). Faults
 * (SIGSEGV, SIGBUS...) are never blocked: the kernel would kill instead.
 */
struct sigwin {
	sigset_t old;			/* the thread's own mask: used in ppoll */
};

static void sig_block(struct sigwin *w)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
				      SIGSYS };
	sigset_t set;
	size_t i;

	sigfillset(&set);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(&set, faults[i]);
	pthread_sigmask(SIG_BLOCK, &set, &w->old);
}

/* Pending signals are delivered here, after the operation. */
static void sig_restore(struct sigwin *w)
{
	pthread_sigmask(SIG_SETMASK, &w->old, NULL);
}

/*
 * Wait until the device has raised every bit of 'want' in its interrupt
 * status. Each status read is acknowledged exactly (the handler's rule,
 * edu_regs.h) and added to *seen. The eventfd only wakes us; the status
 * register says what happened. 0, -ETIMEDOUT, or -EINTR when 'sig' (the
 * operation's sigwin: interruptible) and a signal arrived. Without 'sig'
 * the signals stay blocked and pending.
 */
static int wait_irq(struct vfio_dev *vd, uint32_t want, unsigned int timeout_ms,
		    const struct sigwin *sig, uint32_t *seen, uint64_t *when)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		uint32_t status = rd32(vd, EDU_REG_IRQ_STATUS);
		struct pollfd pfd = { .fd = vd->irq_fd, .events = POLLIN };
		struct timespec ts;
		uint64_t now, count, left;
		int r;

		if (edu_irq_status_valid(status, status == 0xffffffffu ?
					 rd32(vd, EDU_REG_IDENT) : 0)) {
			wr32(vd, EDU_REG_IRQ_ACK, status);
			*seen |= status;
		}
		if ((*seen & want) == want) {
			if (when)
				*when = now_ns();
			return 0;
		}
		now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		left = deadline - now;
		ts.tv_sec = (time_t)(left / 1000000000ull);
		ts.tv_nsec = (long)(left % 1000000000ull);
		r = ppoll(&pfd, 1, &ts, sig ? &sig->old : NULL);
		if (r < 0 && errno == EINTR && sig)
			return -EINTR;
		if (r > 0 && read(vd->irq_fd, &count, sizeof(count)) < 0 &&
		    errno != EAGAIN)
			return -EIO;
	}
}

/* Empty the eventfd: stale wake-ups would only cost a loop, but be tidy. */
static void drain_irq(struct vfio_dev *vd)
{
	uint64_t count;

	while (read(vd->irq_fd, &count, sizeof(count)) == sizeof(count))
		;
}

/* -------------------------------------------------------------- engine */

struct run {
	uint64_t device_ns;
	uint64_t credit;
	unsigned long done;
};

/*
 * Run 'n' planned commands one after another, each started when the one
 * before has raised its completion interrupt. Called with vd->lock held.
 */
static int run_locked(struct vfio_dev *vd, const struct edu_cmd *cmds,
		      unsigned long n, struct run *run, const struct sigwin *sig)
{
	unsigned long i;

	if (vd->wedged)
		return libdma__fail(-EIO, "%s is wedged (a DMA command never "
				    "finished): DMA refused until it is "
				    "closed and opened again", vd->node);
	drain_irq(vd);
	for (i = 0; i < n; i++) {
		struct edu_reg_write w[EDU_CMD_WRITES];
		uint32_t seen = 0;
		uint64_t start, end;
		unsigned int j;
		int err, late;

		edu_cmd_regs(&cmds[i], w);
		/* The CPU's writes to the memory reach it before the device reads. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		start = now_ns();
		for (j = 0; j < EDU_CMD_WRITES; j++)
			wr64(vd, w[j].reg, w[j].val);
		err = wait_irq(vd, EDU_IRQ_DMA, vd->timeout_ms, sig, &seen, &end);
		if (err) {
			/*
			 * Stopped (signal) or slow: the command in flight still
			 * lands before anyone may free its memory.
			 */
			late = wait_irq(vd, EDU_IRQ_DMA,
					GRACE_FACTOR * vd->timeout_ms, NULL,
					&seen, &end);
			if (late && dma_busy(vd)) {
				vd->wedged = true;
				return libdma__fail(-EIO, "DMA on %s: command %lu "
						    "of %lu never finished; the "
						    "device is wedged, its memory "
						    "stays mapped and DMA is "
						    "refused until it is reopened",
						    vd->node, i + 1, n);
			}
			if (!late) {
				run->device_ns += end - start;
				run->credit += cmds[i].credit;
				run->done++;
			}
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (err == -EINTR)
				return libdma__fail(-EINTR, "DMA on %s interrupted "
						    "by a signal after %lu of %lu "
						    "commands (not restarted)",
						    vd->node, run->done, n);
			return libdma__fail(-ETIMEDOUT, "DMA on %s: command %lu "
					    "of %lu did not complete within %u ms%s",
					    vd->node, i + 1, n, vd->timeout_ms,
					    late ? " (its completion interrupt "
					    "was lost)" : "");
		}
		run->device_ns += end - start;
		run->credit += cmds[i].credit;
		run->done++;
	}
	/* The device's writes are visible before the caller reads memory. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

static int run_cmds(struct vfio_dev *vd, const struct edu_cmd *cmds,
		    unsigned long n, struct run *run)
{
	struct sigwin sig;
	unsigned long i;
	int err;

	/* The last line of defence, the driver's own rule (edu_cmd_ok). */
	for (i = 0; i < n; i++)
		if (!edu_cmd_ok(&cmds[i], vd->window, vd->dma_mask))
			return libdma__fail(-EIO, "libdma bug: refusing command "
					    "%lu for %s (src 0x%" PRIx64 " dst 0x%"
					    PRIx64 " count %u): outside the "
					    "window or the DMA mask", i,
					    vd->node, cmds[i].src, cmds[i].dst,
					    cmds[i].count);
	pthread_mutex_lock(&vd->lock);
	sig_block(&sig);
	err = run_locked(vd, cmds, n, run, &sig);
	sig_restore(&sig);
	pthread_mutex_unlock(&vd->lock);
	return err;
}

/* ------------------------------------------------------------- mappings */

static unsigned long long locked_kb(void)
{
	unsigned long long kb = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %llu", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int map_failed(struct vfio_dev *vd, int err, const void *addr,
		      uint64_t len, unsigned int access, const char *what)
{
	struct rlimit rl;
	char limit[64];

	switch (err) {
	case ENOMEM:
	case EPERM:
		if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
			snprintf(limit, sizeof(limit), "unlimited");
		else
			snprintf(limit, sizeof(limit), "%llu kB",
				 (unsigned long long)rl.rlim_cur / 1024);
		return libdma__fail(-ENOMEM, "%s on %s: VFIO_IOMMU_MAP_DMA of "
				    "%" PRIu64 " bytes failed (%s): RLIMIT_MEMLOCK "
				    "reached or out of memory - VFIO pins every "
				    "mapped page and counts it as locked memory "
				    "(ulimit -l is %s, %llu kB locked already); "
				    "raise ulimit -l (limits.conf, systemd "
				    "LimitMEMLOCK=) or give the process "
				    "CAP_IPC_LOCK", what, vd->node, len,
				    strerror(err), limit, locked_kb());
	case EFAULT:
		return libdma__fail(-EFAULT, "%s on %s: %" PRIu64 " bytes at %p: "
				    "not all of it is mapped%s", what, vd->node,
				    len, addr, access & LIBDMA_ACCESS_DEV_WRITE ?
				    " and writable" : "");
	case ENOSPC:
		return libdma__fail(-ENOMEM, "%s on %s: the container holds as "
				    "many DMA mappings as vfio_iommu_type1 allows "
				    "(%ld; module parameter dma_entry_limit)",
				    what, vd->node, vd->nr_mappings);
	default:
		return libdma__fail(-err, "%s on %s: VFIO_IOMMU_MAP_DMA of %"
				    PRIu64 " bytes at %p failed: %s", what,
				    vd->node, len, addr, strerror(err));
	}
}

/*
 * Map [addr, addr + len) (page aligned) for the device with the access
 * the IOMMU should enforce; pick its IOVA. 0 or -errno (message set).
 */
static int dma_map(struct vfio_dev *vd, void *addr, uint64_t len,
		   unsigned int access, uint64_t *iova, uint64_t *ns,
		   const char *what)
{
	struct vfio_iommu_type1_dma_map m;
	uint64_t t0;
	int err;

	pthread_mutex_lock(&vd->map_lock);
	err = libdma__iova_alloc(&vd->iova, len, iova);
	pthread_mutex_unlock(&vd->map_lock);
	if (err)
		return libdma__fail(-ENOMEM, "%s on %s: no room for %" PRIu64
				    " bytes in the IO address space below the "
				    "device's %u-bit DMA mask (%" PRIu64 " of %"
				    PRIu64 " bytes mapped, largest free range %"
				    PRIu64 ")", what, vd->node, len,
				    vd->dma_bits, vd->iova.used, vd->iova.total,
				    libdma__iova_largest(&vd->iova));
	memset(&m, 0, sizeof(m));
	m.argsz = sizeof(m);
	if (access & LIBDMA_ACCESS_DEV_READ)
		m.flags |= VFIO_DMA_MAP_FLAG_READ;
	if (access & LIBDMA_ACCESS_DEV_WRITE)
		m.flags |= VFIO_DMA_MAP_FLAG_WRITE;
	m.vaddr = (uintptr_t)addr;
	m.iova = *iova;
	m.size = len;
	t0 = now_ns();
	if (ioctl(vd->container, VFIO_IOMMU_MAP_DMA, &m)) {
		err = errno;
		pthread_mutex_lock(&vd->map_lock);
		libdma__iova_free(&vd->iova, *iova, len);
		pthread_mutex_unlock(&vd->map_lock);
		return map_failed(vd, err, addr, len, access, what);
	}
	*ns = now_ns() - t0;
	pthread_mutex_lock(&vd->map_lock);
	vd->nr_mappings++;
	pthread_mutex_unlock(&vd->map_lock);
	return 0;
}

static int dma_unmap(struct vfio_dev *vd, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u;

	memset(&u, 0, sizeof(u));
	u.argsz = sizeof(u);
	u.iova = iova;
	u.size = len;
	if (ioctl(vd->container, VFIO_IOMMU_UNMAP_DMA, &u) || u.size != len) {
		/* The IOVA stays taken: never hand out what may be mapped. */
		return libdma__fail(-EIO, "VFIO_IOMMU_UNMAP_DMA of %" PRIu64
				    " bytes at IOVA 0x%" PRIx64 " on %s: %s",
				    len, iova, vd->node, strerror(errno));
	}
	pthread_mutex_lock(&vd->map_lock);
	libdma__iova_free(&vd->iova, iova, len);
	vd->nr_mappings--;
	pthread_mutex_unlock(&vd->map_lock);
	return 0;
}

/* The page-aligned range around [addr, addr + len). */
static void page_span(const struct vfio_dev *vd, const void *addr, size_t len,
		      uintptr_t *start, uint64_t *span)
{
	uintptr_t a = (uintptr_t)addr;

	*start = a & ~(uintptr_t)(vd->page - 1);
	*span = ((a + len + vd->page - 1) & ~(uintptr_t)(vd->page - 1)) - *start;
}

/*
 * Physically contiguous runs of the pinned pages, from /proc/self/pagemap
 * (frame numbers are shown only with CAP_SYS_ADMIN): 0 when unknown. The
 * file stays open from open() on: opening it costs more than reading it.
 */
static uint32_t cpu_segments(const struct vfio_dev *vd, uintptr_t start,
			     uint64_t len)
{
	uint64_t pages = len / vd->cpu_page, i, prev = 0, ent[512];
	uint32_t segs = 0;
	int fd = vd->pagemap;

	if (fd < 0)
		return 0;
	for (i = 0; i < pages; i++) {
		uint64_t k = i % 512, pfn;

		if (!k) {
			size_t want = (size_t)(pages - i < 512 ? pages - i : 512) * 8;

			if (pread(fd, ent, want, (off_t)(start / vd->cpu_page + i) * 8) !=
			    (ssize_t)want) {
				segs = 0;
				break;
			}
		}
		pfn = ent[k] & ((1ull << 55) - 1);
		if (!(ent[k] >> 63) || !pfn) {
			segs = 0;	/* not present, or frame numbers hidden */
			break;
		}
		if (!i || pfn != prev + 1)
			segs++;
		prev = pfn;
	}
	return segs;
}

/* A region as the device sees it: one IOVA-contiguous segment. */
struct span {
	uint64_t iova;
	uint64_t map_iova, map_len;	/* one-shot regions: their mapping */
	bool mapped;
};

static int span_get(struct vfio_dev *vd, const struct libdma_region *r,
		    unsigned int access, struct span *sp,
		    struct libdma_stats *st, const char *what)
{
	uintptr_t start;
	uint64_t ns;
	int err;

	memset(sp, 0, sizeof(*sp));
	if (r->buf) {
		sp->iova = r->buf->cookie + r->offset;
		return 0;
	}
	/* One-shot: mapped for this call only, its cost in setup_ns. */
	page_span(vd, r->addr, r->length, &start, &sp->map_len);
	err = dma_map(vd, (void *)start, sp->map_len, access, &sp->map_iova,
		      &ns, what);
	if (err)
		return err;
	st->setup_ns += ns;
	st->pages += (uint32_t)(sp->map_len / vd->cpu_page);
	sp->iova = sp->map_iova + ((uintptr_t)r->addr - start);
	sp->mapped = true;
	return 0;
}

static void span_put(struct vfio_dev *vd, struct span *sp)
{
	/* A wedged device may still write into it: never unmap it then. */
	if (sp->mapped && !vd->wedged)
		dma_unmap(vd, sp->map_iova, sp->map_len);
}

/* ---------------------------------------------------------------- open */

static int env_u32(const char *name, uint32_t def, uint32_t lo, uint32_t hi,
		   uint32_t *out)
{
	const char *s = secure_getenv(name);
	unsigned long v;
	char *end;

	*out = def;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || *s == '-' || v < lo || v > hi)
		return libdma__fail(-EINVAL, "%s=%s: give a number from %u to %u",
				    name, s, lo, hi);
	*out = (uint32_t)v;
	return 0;
}

static int vfail(struct vfio_dev *vd, int err, const char *what, int sys_errno)
{
	return libdma__fail(err, "cannot use %s through VFIO: %s: %s", vd->addr,
			    what, strerror(sys_errno));
}

static int open_container(struct vfio_dev *vd)
{
	vd->container = open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC);
	if (vd->container < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			return libdma__fail(-ENODEV, "cannot use %s through "
					    "VFIO: %s is missing (module vfio "
					    "not loaded? 'modprobe vfio-pci')",
					    vd->addr, VFIO_CONTAINER_PATH);
		if (errno == EACCES || errno == EPERM)
			return libdma__fail(-EACCES, "cannot use %s through "
					    "VFIO: permission denied opening %s",
					    vd->addr, VFIO_CONTAINER_PATH);
		return vfail(vd, -errno, "open " VFIO_CONTAINER_PATH, errno);
	}
	if (ioctl(vd->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return libdma__fail(-EPROTO, "cannot use %s through VFIO: the "
				    "kernel's VFIO API version is not %d",
				    vd->addr, VFIO_API_VERSION);
	if (ioctl(vd->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0 &&
	    ioctl(vd->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		return libdma__fail(-EOPNOTSUPP, "cannot use %s through VFIO: "
				    "the kernel offers no type1 IOMMU backend: "
				    "load it with 'modprobe vfio_iommu_type1'",
				    vd->addr);
	return 0;
}

static int open_group(struct vfio_dev *vd)
{
	struct vfio_group_status status;
	char path[64], who[256], blockers[512];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/vfio/%d", vd->group_id);
	vd->group = open(path, O_RDWR | O_CLOEXEC);
	if (vd->group < 0) {
		int e = errno;

		switch (e) {
		case EBUSY:
			libdma__vfio_path_users(path, who, sizeof(who));
			return libdma__fail(-EBUSY, "cannot use %s through VFIO: "
					    "its IOMMU group %d (%s) is in use by "
					    "%s - VFIO gives a group to one "
					    "process at a time", vd->addr,
					    vd->group_id, path,
					    *who ? who : "another process");
		case ENOENT:
			return libdma__fail(-ENODEV, "cannot use %s through VFIO: "
					    "%s is missing although sysfs shows "
					    "IOMMU group %d (is devtmpfs mounted "
					    "on /dev?)", vd->addr, path,
					    vd->group_id);
		case EACCES:
		case EPERM:
			if (stat(path, &st))
				memset(&st, 0, sizeof(st));
			return libdma__fail(-EACCES, "cannot use %s through VFIO: "
					    "permission denied opening %s (mode "
					    "%04o, uid %u, gid %u): run as root, "
					    "or give the user the node (udev: "
					    "SUBSYSTEM==\"vfio\", GROUP=...) and a "
					    "memlock limit for the mappings",
					    vd->addr, path,
					    (unsigned int)(st.st_mode & 07777),
					    (unsigned int)st.st_uid,
					    (unsigned int)st.st_gid);
		default:
			return vfail(vd, -e, "open /dev/vfio/<group>", e);
		}
	}
	memset(&status, 0, sizeof(status));
	status.argsz = sizeof(status);
	if (ioctl(vd->group, VFIO_GROUP_GET_STATUS, &status))
		return vfail(vd, -errno, "VFIO_GROUP_GET_STATUS", errno);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		libdma__vfio_group_blockers(vd->group_id, vd->addr, blockers,
					    sizeof(blockers));
		return libdma__fail(-EBUSY, "cannot use %s through VFIO: its "
				    "IOMMU group %d is not viable: it also holds "
				    "%s; VFIO gives a group to userspace only "
				    "when every device in it is bound to "
				    "vfio-pci (or to no driver) - move them "
				    "with 'dmactl bind vfio <address>', or use "
				    "a device with a group of its own", vd->addr,
				    vd->group_id, *blockers ? blockers :
				    "devices bound to other drivers");
	}
	return 0;
}

/* The IOMMU's page sizes and valid IOVA ranges; set up the IOVA space. */
static int setup_iova(struct vfio_dev *vd)
{
	struct libdma__iova_range *ranges = NULL, whole = { 0, UINT64_MAX };
	struct vfio_iommu_type1_info *info;
	size_t n = 0, argsz = sizeof(*info);
	uint64_t hi;
	int err;

	info = calloc(1, argsz);
	for (;;) {
		if (!info)
			return libdma__fail(-ENOMEM, "out of memory opening %s",
					    vd->node);
		info->argsz = (uint32_t)argsz;
		if (ioctl(vd->container, VFIO_IOMMU_GET_INFO, info)) {
			err = vfail(vd, -errno, "VFIO_IOMMU_GET_INFO", errno);
			free(info);
			return err;
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
		info = calloc(1, argsz);
	}
	vd->page = vd->cpu_page;
	if ((info->flags & VFIO_IOMMU_INFO_PGSIZES) && info->iova_pgsizes) {
		uint64_t smallest = info->iova_pgsizes & -info->iova_pgsizes;

		if (smallest > vd->page)
			vd->page = smallest;
	}
	if ((info->flags & VFIO_IOMMU_INFO_CAPS) && info->cap_offset) {
		uint32_t off = info->cap_offset;

		while (off && off + sizeof(struct vfio_info_cap_header) <= argsz) {
			const struct vfio_info_cap_header *h =
				(const void *)((const char *)info + off);

			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				const struct vfio_iommu_type1_info_cap_iova_range *c =
					(const void *)h;
				uint32_t i;

				free(ranges);
				ranges = calloc(c->nr_iovas ? c->nr_iovas : 1,
						sizeof(*ranges));
				for (i = 0; ranges && i < c->nr_iovas; i++) {
					ranges[i].start = c->iova_ranges[i].start;
					ranges[i].len = c->iova_ranges[i].end -
							c->iova_ranges[i].start + 1;
					if (!ranges[i].len)	/* all 2^64 */
						ranges[i].len = UINT64_MAX;
				}
				n = ranges ? c->nr_iovas : 0;
			}
			if (h->next <= off)
				break;
			off = h->next;
		}
	}
	free(info);
	hi = vd->dma_bits >= 64 ? UINT64_MAX : 1ull << vd->dma_bits;
	/* IOVA 0 stays unused: an address never filled in must not work. */
	err = libdma__iova_init(&vd->iova, ranges ? ranges : &whole,
				ranges ? n : 1, vd->page, hi, vd->page);
	free(ranges);
	if (err == -ENOSPC)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: the "
				    "IOMMU leaves no IO address below the "
				    "device's %u-bit DMA mask", vd->addr,
				    vd->dma_bits);
	if (err)
		return libdma__fail(err, "cannot use %s through VFIO: IOVA "
				    "space: %s", vd->addr, strerror(-err));
	return 0;
}

static int attach(struct vfio_dev *vd)
{
	int type = VFIO_TYPE1v2_IOMMU;

	if (ioctl(vd->group, VFIO_GROUP_SET_CONTAINER, &vd->container))
		return vfail(vd, errno == EPERM ? -EBUSY : -errno,
			     "VFIO_GROUP_SET_CONTAINER (is every device of "
			     "the group bound to vfio-pci?)", errno);
	if (ioctl(vd->container, VFIO_CHECK_EXTENSION, type) <= 0)
		type = VFIO_TYPE1_IOMMU;
	if (ioctl(vd->container, VFIO_SET_IOMMU, type))
		return vfail(vd, -errno, "VFIO_SET_IOMMU", errno);
	return setup_iova(vd);
}

static int region_info(struct vfio_dev *vd, uint32_t index,
		       struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(vd->device, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

static int open_device(struct vfio_dev *vd)
{
	struct vfio_device_info di;
	struct vfio_region_info ri;
	int err;

	vd->device = ioctl(vd->group, VFIO_GROUP_GET_DEVICE_FD, vd->addr);
	if (vd->device < 0)
		return vfail(vd, errno == EBUSY ? -EBUSY : -errno,
			     "VFIO_GROUP_GET_DEVICE_FD", errno);
	memset(&di, 0, sizeof(di));
	di.argsz = sizeof(di);
	if (ioctl(vd->device, VFIO_DEVICE_GET_INFO, &di))
		return vfail(vd, -errno, "VFIO_DEVICE_GET_INFO", errno);
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    di.num_irqs <= VFIO_PCI_MSI_IRQ_INDEX)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: "
				    "vfio-pci does not describe it as a PCI "
				    "device with BAR0, config space and MSI",
				    vd->addr);

	err = region_info(vd, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	if (err)
		return vfail(vd, err, "BAR0 region info", -err);
	if (ri.size < EDU_REG_DMA_CMD + 8 || !(ri.flags & VFIO_REGION_INFO_FLAG_READ) ||
	    !(ri.flags & VFIO_REGION_INFO_FLAG_WRITE))
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: BAR0 "
				    "is %llu bytes (flags 0x%x), not the edu's "
				    "registers", vd->addr,
				    (unsigned long long)ri.size, ri.flags);
	vd->bar_offset = ri.offset;
	if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		void *p = mmap(NULL, (size_t)ri.size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, vd->device, (off_t)ri.offset);

		if (p != MAP_FAILED) {
			vd->bar = p;
			vd->bar_len = (size_t)ri.size;
		}
	}
	err = region_info(vd, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (err)
		return vfail(vd, err, "config space region info", -err);
	vd->config_offset = ri.offset;
	vd->have_config = true;
	/*
	 * Memory decoding for the registers; bus mastering only once a
	 * command an earlier owner left running has ended (check_hw).
	 */
	if (pci_command(vd, PCI_COMMAND_MEMORY, 0))
		return vfail(vd, -EIO, "writing the PCI command register", EIO);
	return 0;
}

/* What the driver's probe checks (edu_regs.h), then a clean device state. */
static int check_hw(struct vfio_dev *vd)
{
	unsigned int i, waited = 0, grace = GRACE_FACTOR * vd->timeout_ms;
	uint32_t id = rd32(vd, EDU_REG_IDENT);

	switch (edu_ident_check(id)) {
	case EDU_IDENT_NOT_EDU:
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: ident "
				    "register 0x%08x lacks the edu magic 0x%02x%s",
				    vd->addr, id, EDU_IDENT_MAGIC, id == ~0u ?
				    " (the device does not answer)" : "");
	case EDU_IDENT_BAD_MAJOR:
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: edu "
				    "version %u.%u (ident 0x%08x), libdma "
				    "supports %u.x", vd->addr,
				    EDU_IDENT_MAJOR(id), EDU_IDENT_MINOR(id),
				    id, EDU_SUPPORTED_MAJOR);
	}
	for (i = 0; i < EDU_LIVENESS_PATTERNS; i++) {
		uint32_t pattern = edu_liveness_pattern(i), got;

		wr32(vd, EDU_REG_LIVENESS, pattern);
		got = rd32(vd, EDU_REG_LIVENESS);
		if (got != ~pattern)
			return libdma__fail(-EIO, "cannot use %s through VFIO: "
					    "liveness check failed: wrote 0x%08x, "
					    "read 0x%08x, expected 0x%08x",
					    vd->addr, pattern, got, ~pattern);
	}
	vd->ident = id;

	/*
	 * A process killed mid-transfer leaves its last command running;
	 * vfio-pci turned bus mastering off when it released the device, so
	 * the command lands nowhere. Wait for it before mastering is back on:
	 * otherwise it would write into whatever this process maps at its
	 * IOVA. (The factorial unit ignores writes while busy: wait for it.)
	 */
	while ((dma_busy(vd) || (rd32(vd, EDU_REG_STATUS) & EDU_STATUS_COMPUTING)) &&
	       waited < grace) {
		sleep_ms(10);
		waited += 10;
	}
	if (dma_busy(vd))
		return libdma__fail(-EIO, "cannot use %s through VFIO: a DMA "
				    "command an earlier owner started has not "
				    "finished after %u ms; the device is wedged",
				    vd->addr, waited);
	wr32(vd, EDU_REG_STATUS, 0);
	/* Stale bits from an earlier owner would look like events. */
	wr32(vd, EDU_REG_IRQ_ACK, ~0u);
	return 0;
}

static int setup_irq(struct vfio_dev *vd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	struct vfio_irq_info ii;
	int32_t fd;

	memset(&ii, 0, sizeof(ii));
	ii.argsz = sizeof(ii);
	ii.index = VFIO_PCI_MSI_IRQ_INDEX;
	if (ioctl(vd->device, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		return vfail(vd, -errno, "VFIO_DEVICE_GET_IRQ_INFO (MSI)", errno);
	if (ii.count < 1 || !(ii.flags & VFIO_IRQ_INFO_EVENTFD))
		return libdma__fail(-EOPNOTSUPP, "cannot use %s through VFIO: "
				    "vfio-pci offers no MSI vector with an "
				    "eventfd (count %u, flags 0x%x); this "
				    "backend completes commands by MSI",
				    vd->addr, ii.count, ii.flags);
	vd->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vd->irq_fd < 0)
		return vfail(vd, -errno, "eventfd", errno);
	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	fd = vd->irq_fd;
	memcpy(set->data, &fd, sizeof(fd));
	if (ioctl(vd->device, VFIO_DEVICE_SET_IRQS, set))
		return vfail(vd, -errno, "VFIO_DEVICE_SET_IRQS (MSI to an "
			     "eventfd)", errno);
	vd->irq_on = true;
	return 0;
}

static void vfio_dev_close(struct vfio_dev *vd)
{
	/* A child after fork() shares these files: it must not touch the device. */
	bool own = vd->pid == getpid();

	if (own && vd->irq_on) {
		struct vfio_irq_set set;

		memset(&set, 0, sizeof(set));
		set.argsz = sizeof(set);
		set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		set.index = VFIO_PCI_MSI_IRQ_INDEX;
		ioctl(vd->device, VFIO_DEVICE_SET_IRQS, &set);
	}
	/* No DMA after us (vfio-pci does it too when the device is released). */
	if (own && vd->have_config)
		pci_command(vd, 0, PCI_COMMAND_MASTER);
	if (vd->bar)
		munmap((void *)vd->bar, vd->bar_len);
	if (vd->device >= 0)
		close(vd->device);
	/* Closing the group detaches it: every mapping of the container goes. */
	if (vd->group >= 0)
		close(vd->group);
	if (vd->container >= 0)
		close(vd->container);
	if (vd->irq_fd >= 0)
		close(vd->irq_fd);
	if (vd->pagemap >= 0)
		close(vd->pagemap);
	libdma__iova_fini(&vd->iova);
	pthread_mutex_destroy(&vd->lock);
	pthread_mutex_destroy(&vd->map_lock);
	free(vd);
}

static int vfio_dev_open(const char *addr, struct vfio_dev **out)
{
	struct vfio_dev *vd = calloc(1, sizeof(*vd));
	long page = sysconf(_SC_PAGESIZE);
	char numa[128];
	FILE *f;
	int err;

	if (!vd)
		return libdma__fail(-ENOMEM, "out of memory opening vfio:%s", addr);
	vd->pid = getpid();
	vd->container = vd->group = vd->device = vd->irq_fd = -1;
	vd->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	vd->cpu_page = page > 0 ? (uint64_t)page : 4096;
	vd->numa_node = -1;
	pthread_mutex_init(&vd->lock, NULL);
	pthread_mutex_init(&vd->map_lock, NULL);
	snprintf(vd->addr, sizeof(vd->addr), "%.31s", addr);
	snprintf(vd->node, sizeof(vd->node), "vfio:%.31s", addr);

	err = env_u32("LIBDMA_VFIO_WINDOW", EDU_WINDOW_SAFE, 1, EDU_DEV_BUF_SIZE,
		      &vd->window);
	if (!err)
		err = env_u32("LIBDMA_VFIO_DMA_BITS", EDU_DMA_BITS_DEFAULT, 16, 64,
			      &vd->dma_bits);
	if (!err)
		err = env_u32("LIBDMA_VFIO_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 1,
			      600000, &vd->timeout_ms);
	if (err)
		goto fail;
	vd->dma_mask = vd->dma_bits >= 64 ? UINT64_MAX :
		       (1ull << vd->dma_bits) - 1;

	err = libdma__vfio_sysfs_check(addr, &vd->group_id);
	if (!err)
		err = open_container(vd);
	if (!err)
		err = open_group(vd);
	if (!err)
		err = attach(vd);
	if (!err)
		err = open_device(vd);
	if (!err)
		err = check_hw(vd);
	if (!err)
		err = setup_irq(vd);
	if (!err && pci_command(vd, PCI_COMMAND_MASTER, 0))
		err = vfail(vd, -EIO, "enabling bus mastering", EIO);
	if (err)
		goto fail;

	snprintf(numa, sizeof(numa), "/sys/bus/pci/devices/%.31s/numa_node", addr);
	f = fopen(numa, "re");
	if (f) {
		if (fscanf(f, "%d", &vd->numa_node) != 1)
			vd->numa_node = -1;
		fclose(f);
	}
	*out = vd;
	return 0;

fail:
	vfio_dev_close(vd);
	return err;
}

static void fill_info(const struct vfio_dev *vd, struct libdma_info *info)
{
	snprintf(info->node, sizeof(info->node), "%s", vd->node);
	snprintf(info->pci_address, sizeof(info->pci_address), "%s", vd->addr);
	info->index = LIBDMA_INDEX_NONE;
	info->numa_node = vd->numa_node;
	info->abi_version = 0;		/* no edudma driver: no driver ABI */
	info->dev_ident = vd->ident;
	info->version_major = EDU_IDENT_MAJOR(vd->ident);
	info->version_minor = EDU_IDENT_MINOR(vd->ident);
	info->features = LIBDMA_FEAT_IRQ_TEST | LIBDMA_FEAT_FACTORIAL |
			 LIBDMA_FEAT_COHERENT | LIBDMA_FEAT_TRANSFER |
			 LIBDMA_FEAT_COPY | LIBDMA_FEAT_PIN |
			 LIBDMA_FEAT_USER_REGION;
	info->irq_mode = LIBDMA_IRQ_MSI;
	info->dma_mask_bits = vd->dma_bits;
	info->window_size = vd->window;
	info->dev_buffer_size = EDU_DEV_BUF_SIZE;
	info->dev_buffer_addr = EDU_DEV_BUF_ADDR;
	/* Any anonymous memory will do: the limit is the IO address space. */
	info->max_alloc = vd->iova.total;
	info->timeout_ms = vd->timeout_ms;
}

static int vfio_open(struct libdma_device *dev, const struct libdma_spec *spec)
{
	struct vfio_dev *vd;
	pid_t pid = getpid();
	int err = 0;

	pthread_mutex_lock(&registry_lock);
	for (vd = registry; vd; vd = vd->next)
		if (vd->pid == pid && !strcmp(vd->addr, spec->text))
			break;
	if (vd) {
		vd->refs++;
	} else {
		err = vfio_dev_open(spec->text, &vd);
		if (!err) {
			vd->refs = 1;
			vd->next = registry;
			registry = vd;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	if (err)
		return err;
	dev->backend = vd;
	fill_info(vd, &dev->info);
	return 0;
}

static void vfio_release(struct libdma_device *dev)
{
	struct vfio_dev *vd = dev->backend, **p;
	bool last;

	pthread_mutex_lock(&registry_lock);
	last = --vd->refs == 0;
	if (last)
		for (p = &registry; *p; p = &(*p)->next)
			if (*p == vd) {
				*p = vd->next;
				break;
			}
	pthread_mutex_unlock(&registry_lock);
	if (last)
		vfio_dev_close(vd);
	dev->backend = NULL;
}

/* The device, if this process opened it (not a parent before fork()). */
static int own(const struct libdma_device *dev, struct vfio_dev **vdp)
{
	struct vfio_dev *vd = dev->backend;

	*vdp = vd;
	if (vd->pid == getpid())
		return 0;
	return libdma__fail(-EBADF, "%s was opened through VFIO by process %d: "
			    "after fork() the child must open the device "
			    "itself (once the parent has closed it)", vd->node,
			    (int)vd->pid);
}

static int vfio_query_info(struct libdma_device *dev, struct libdma_info *info)
{
	struct vfio_dev *vd;
	int err = own(dev, &vd);

	if (err)
		return err;
	pthread_mutex_lock(&vd->lock);
	err = rd32(vd, EDU_REG_IDENT) == ~0u;
	pthread_mutex_unlock(&vd->lock);
	if (err)
		return libdma__fail(-ENODEV, "%s: the device no longer answers "
				    "(ident reads all ones): removed?", vd->node);
	fill_info(vd, info);
	return 0;
}

/* --------------------------------------------------------------- memory */

static int vfio_alloc(struct libdma_device *dev, size_t size,
		      struct libdma_buffer *buf)
{
	struct vfio_dev *vd;
	uint64_t len, iova, ns;
	void *p;
	int err = own(dev, &vd);

	if (err)
		return err;
	if (size > vd->iova.total)
		return libdma__fail(-EINVAL, "buffer of %zu bytes refused: larger "
				    "than the IO address space of %s (%" PRIu64
				    " bytes below its %u-bit DMA mask)", size,
				    vd->node, vd->iova.total, vd->dma_bits);
	len = (size + vd->page - 1) & ~(vd->page - 1);
	p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return libdma__fail(-ENOMEM, "buffer of %zu bytes for %s: mmap: %s",
				    size, vd->node, strerror(errno));
	err = dma_map(vd, p, len, LIBDMA_ACCESS_RW, &iova, &ns, "buffer");
	if (err) {
		munmap(p, (size_t)len);
		return err;
	}
	buf->ptr = p;
	buf->size = (size_t)len;
	buf->cookie = iova;
	return 0;
}

static int vfio_free(struct libdma_device *dev, struct libdma_buffer *buf)
{
	struct vfio_dev *vd = dev->backend;
	int err = 0;

	/* In a child after fork(): the mapping is the parent's; only munmap. */
	if (vd->pid == getpid())
		err = dma_unmap(vd, buf->cookie, buf->size);
	if (!err)
		munmap(buf->ptr, buf->size);
	return err;
}

static int vfio_pin(struct libdma_device *dev, struct libdma_buffer *buf,
		    struct libdma_pin_stats *stats)
{
	struct vfio_dev *vd;
	uintptr_t start;
	uint64_t len, iova, ns;
	int err = own(dev, &vd);

	if (err)
		return err;
	page_span(vd, buf->ptr, buf->size, &start, &len);
	/*
	 * A mapping the device only reads pins without FOLL_WRITE, and a
	 * read-only pin of never-written anonymous memory would pin the
	 * shared zero page: the process's later writes would land where
	 * the device never looks (6.1). Fault the pages in writable first,
	 * without touching their contents; read-only memory just fails here.
	 */
	if (!(buf->access & LIBDMA_ACCESS_DEV_WRITE))
		madvise((void *)start, (size_t)len, MADV_POPULATE_WRITE);
	err = dma_map(vd, (void *)start, len, buf->access, &iova, &ns,
		      "registering memory");
	if (err)
		return err;
	buf->cookie = iova + ((uintptr_t)buf->ptr - start);
	stats->pages = (uint32_t)(len / vd->cpu_page);
	stats->cpu_segments = cpu_segments(vd, start, len);
	stats->dma_segments = 1;	/* IOVA-contiguous, whatever the pages */
	stats->pin_ns = ns;		/* MAP_DMA pins and maps in one call */
	stats->map_ns = 0;
	return 0;
}

static int vfio_unpin(struct libdma_device *dev, struct libdma_buffer *buf)
{
	struct vfio_dev *vd = dev->backend;
	uintptr_t start;
	uint64_t len;

	if (vd->pid != getpid())
		return 0;
	page_span(vd, buf->ptr, buf->size, &start, &len);
	return dma_unmap(vd, buf->cookie - ((uintptr_t)buf->ptr - start), len);
}

/* ------------------------------------------------------------ transfers */

static void fill_stats(struct libdma_stats *st, const struct run *run,
		       uint64_t start)
{
	st->bytes = run->credit;
	st->commands = run->done;
	st->device_ns = run->device_ns;
	st->wall_ns = now_ns() - start;
	if (st->wall_ns < st->device_ns)
		st->wall_ns = st->device_ns;
	st->host_ns = st->wall_ns - st->device_ns;
}

static struct edu_cmd *plan_alloc(long n)
{
	return n > 0 ? malloc((size_t)n * sizeof(struct edu_cmd)) : NULL;
}

static int vfio_transfer(struct libdma_device *dev, enum libdma_direction dir,
			 const struct libdma_region *mem, size_t dev_offset,
			 struct libdma_stats *stats)
{
	uint64_t start = now_ns();
	bool to_dev = dir == LIBDMA_TO_DEVICE;
	struct run run = { 0, 0, 0 };
	struct edu_cursor cur;
	struct edu_cmd *cmds;
	struct edu_seg seg;
	struct vfio_dev *vd;
	struct span sp;
	long n;
	int err = own(dev, &vd);

	if (err)
		return err;
	err = span_get(vd, mem, to_dev ? LIBDMA_ACCESS_DEV_READ :
		       LIBDMA_ACCESS_DEV_WRITE, &sp, stats, "transfer");
	if (err)
		return err;
	seg.addr = sp.iova;
	seg.len = mem->length;
	edu_cursor_init(&cur, &seg, 1, 0);
	/* Count, then fill: the plan is pure and gives the same answer twice. */
	n = edu_plan_transfer(NULL, 0, cur, mem->length, to_dev,
			      (edu_u32)dev_offset, vd->window);
	cmds = plan_alloc(n);
	if (!cmds) {
		err = libdma__fail(n > 0 ? -ENOMEM : -EINVAL, "transfer of %zu "
				   "bytes at device offset %zu on %s: %s",
				   mem->length, dev_offset, vd->node, n > 0 ?
				   "out of memory for the plan" :
				   "breaks the window rules");
		goto out;
	}
	edu_plan_transfer(cmds, (unsigned long)n, cur, mem->length, to_dev,
			  (edu_u32)dev_offset, vd->window);
	stats->dma_segments = 1;
	err = run_cmds(vd, cmds, (unsigned long)n, &run);
	free(cmds);
out:
	span_put(vd, &sp);
	fill_stats(stats, &run, start);
	return err;
}

static int vfio_copy(struct libdma_device *dev, const struct libdma_region *dst,
		     const struct libdma_region *src, struct libdma_stats *stats)
{
	uint64_t start = now_ns();
	struct run run = { 0, 0, 0 };
	struct edu_cursor cs, cd;
	struct edu_seg ss, ds;
	struct span s, d;
	struct edu_cmd *cmds;
	struct vfio_dev *vd;
	long n;
	int err = own(dev, &vd);

	if (err)
		return err;
	err = span_get(vd, src, LIBDMA_ACCESS_DEV_READ, &s, stats, "copy source");
	if (err)
		return err;
	err = span_get(vd, dst, LIBDMA_ACCESS_DEV_WRITE, &d, stats,
		       "copy destination");
	if (err)
		goto out_src;
	ss.addr = s.iova;
	ss.len = src->length;
	ds.addr = d.iova;
	ds.len = dst->length;
	edu_cursor_init(&cs, &ss, 1, 0);
	edu_cursor_init(&cd, &ds, 1, 0);
	n = edu_plan_copy(NULL, 0, cs, cd, src->length, vd->window);
	cmds = plan_alloc(n);
	if (!cmds) {
		err = libdma__fail(n > 0 ? -ENOMEM : -EINVAL, "copy of %zu bytes "
				   "on %s: %s", src->length, vd->node, n > 0 ?
				   "out of memory for the plan" :
				   "cannot be planned");
		goto out_dst;
	}
	edu_plan_copy(cmds, (unsigned long)n, cs, cd, src->length, vd->window);
	stats->dma_segments = 2;
	err = run_cmds(vd, cmds, (unsigned long)n, &run);
	free(cmds);
out_dst:
	span_put(vd, &d);
out_src:
	span_put(vd, &s);
	fill_stats(stats, &run, start);
	return err;
}

/* ----------------------------------------------------------- self-tests */

static int vfio_irq_test(struct libdma_device *dev, uint32_t value,
			 struct libdma_irq_test_result *result)
{
	struct vfio_dev *vd;
	struct sigwin sig;
	uint32_t seen = 0;
	uint64_t start, when = 0;
	int err = own(dev, &vd);

	if (err)
		return err;
	pthread_mutex_lock(&vd->lock);
	sig_block(&sig);
	drain_irq(vd);
	start = now_ns();
	wr32(vd, EDU_REG_IRQ_RAISE, value);
	err = wait_irq(vd, value, vd->timeout_ms, &sig, &seen, &when);
	if (err)	/* leave nothing raised behind us */
		wr32(vd, EDU_REG_IRQ_ACK, value);
	sig_restore(&sig);
	pthread_mutex_unlock(&vd->lock);
	result->seen = seen;
	result->latency_ns = err ? 0 : when - start;
	if (err == -EINTR)
		return libdma__fail(err, "interrupt self-test on %s interrupted "
				    "by a signal", vd->node);
	if (err)
		return libdma__fail(err, "interrupt self-test on %s: raised "
				    "0x%08x, the eventfd saw 0x%08x within %u ms "
				    "(MSI not delivered? see /proc/interrupts, "
				    "vfio-msi)", vd->node, value, seen,
				    vd->timeout_ms);
	return 0;
}

/*
 * The factorial unit computes in a QEMU thread, outside the guest's sense
 * of time: as in the driver, only 10 ms slices in which the unit was idle
 * without signalling count against the timeout; busy ones are capped apart.
 */
static int fact_wait(struct vfio_dev *vd, bool use_irq, uint32_t *seen,
		     const struct sigwin *sig)
{
	unsigned int idle = 0, busy = 0;

	for (;;) {
		bool computing = rd32(vd, EDU_REG_STATUS) & EDU_STATUS_COMPUTING;
		int err;

		if (!use_irq && !computing)
			return 0;
		if (use_irq) {
			err = wait_irq(vd, EDU_IRQ_FACT, 10, sig, seen, NULL);
			if (err != -ETIMEDOUT)
				return err;
		} else {
			struct timespec ts = { 0, 10 * 1000000 };

			if (ppoll(NULL, 0, &ts, &sig->old) < 0 && errno == EINTR)
				return -EINTR;
		}
		if (computing ? (busy += 10) > FACT_BUSY_MS :
				(idle += 10) > vd->timeout_ms)
			return -ETIMEDOUT;
	}
}

static int vfio_factorial(struct libdma_device *dev, uint32_t n,
			  unsigned int flags,
			  struct libdma_factorial_result *result)
{
	bool use_irq = !(flags & LIBDMA_FACT_POLL);
	struct vfio_dev *vd;
	struct sigwin sig;
	uint32_t seen = 0;
	uint64_t start;
	int err = own(dev, &vd);

	if (err)
		return err;
	pthread_mutex_lock(&vd->lock);
	sig_block(&sig);
	/* A computation a timed-out caller left behind: writes are ignored. */
	err = fact_wait(vd, false, &seen, &sig);
	if (!err) {
		drain_irq(vd);
		start = now_ns();
		/* The status write first: it decides whether completion interrupts. */
		wr32(vd, EDU_REG_STATUS, use_irq ? EDU_STATUS_FACT_IRQ : 0);
		wr32(vd, EDU_REG_FACT, n);
		err = fact_wait(vd, use_irq, &seen, &sig);
		result->elapsed_ns = now_ns() - start;
		result->by_irq = !!(seen & EDU_IRQ_FACT);
		if (!err)
			result->value = rd32(vd, EDU_REG_FACT);
		wr32(vd, EDU_REG_STATUS, 0);
	}
	sig_restore(&sig);
	pthread_mutex_unlock(&vd->lock);
	if (err == -EINTR)
		return libdma__fail(err, "factorial of %u on %s interrupted by a "
				    "signal", n, vd->node);
	if (err)
		return libdma__fail(err, "factorial of %u on %s: the unit did not "
				    "finish in time (%s)", n, vd->node, use_irq ?
				    "no completion interrupt?" : "polling");
	return 0;
}

/*
 * The contiguity lab measures the kernel's allocators and mappings from
 * inside the edudma driver; a device driven through VFIO has no driver to
 * ask. What an IOMMU changes shows in the benchmark's vfio mode instead.
 */
static int vfio_lab(struct libdma_device *dev, uint32_t iterations,
		    struct libdma_lab_cell *cell)
{
	(void)iterations;
	(void)cell;
	return libdma__fail(-EOPNOTSUPP, "the contiguity lab runs inside the "
			    "edudma driver (EDUDMA_IOC_LAB); %s is driven "
			    "from this process through VFIO: bind it to "
			    "edudma ('dmactl bind edudma %s') and give its "
			    "/dev/edudma<N>, or see 'dmactl bench --vfio' for "
			    "what the IOMMU changes", dev->info.node,
			    dev->info.pci_address);
}

/* ----------------------------------------------------------- test hooks */

long libdma__vfio_nr_mappings(struct libdma_device *dev)
{
	struct vfio_dev *vd;
	long n;

	if (!dev || dev->ops != &libdma__vfio_backend)
		return -EINVAL;
	vd = dev->backend;
	pthread_mutex_lock(&vd->map_lock);
	n = vd->nr_mappings;
	pthread_mutex_unlock(&vd->map_lock);
	return n;
}

long libdma__vfio_dma_avail(struct libdma_device *dev)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_dev *vd;
	size_t argsz = 4096;
	long avail = -ENOENT;
	uint32_t off;

	if (!dev || dev->ops != &libdma__vfio_backend)
		return -EINVAL;
	vd = dev->backend;
	info = calloc(1, argsz);
	if (!info)
		return -ENOMEM;
	info->argsz = (uint32_t)argsz;
	if (ioctl(vd->container, VFIO_IOMMU_GET_INFO, info) ||
	    info->argsz > argsz || !(info->flags & VFIO_IOMMU_INFO_CAPS)) {
		free(info);
		return -EOPNOTSUPP;
	}
	for (off = info->cap_offset; off && off + 8 <= argsz;) {
		const struct vfio_info_cap_header *h =
			(const void *)((const char *)info + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			avail = ((const struct vfio_iommu_type1_info_dma_avail *)
				 (const void *)h)->avail;
			break;
		}
		if (h->next <= off)
			break;
		off = h->next;
	}
	free(info);
	return avail;
}

const struct libdma_backend_ops libdma__vfio_backend = {
	.name		= "vfio",
	.open		= vfio_open,
	.release	= vfio_release,
	.query_info	= vfio_query_info,
	.alloc		= vfio_alloc,
	.free		= vfio_free,
	.pin		= vfio_pin,
	.unpin		= vfio_unpin,
	.transfer	= vfio_transfer,
	.copy		= vfio_copy,
	.irq_test	= vfio_irq_test,
	.factorial	= vfio_factorial,
	.lab		= vfio_lab,
};
