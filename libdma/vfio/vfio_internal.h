/* SPDX-License-Identifier: MIT */
/*
 * libdma - private pieces of the VFIO backend (libdma/vfio/), the one
 * coupling between its files, and what the tests reach into
 * (tests/host/test_libdma_vfio.c: the IOVA allocator; tests/guest/
 * test_vfio.c: the two libdma__vfio_*() test hooks at the end).
 *
 * The backend drives the edu device from this process the way the
 * edudma driver drives it from the kernel, and its files mirror the
 * driver's (driver/edudma_*.c). Who provides what, bottom to top; a file
 * calls only functions of the files below it ("->" lists them), so
 * there is no loop:
 *
 *   vfio_iova.c       the IOVA allocator (pure: host-tested)
 *   vfio_sysfs.c      what sysfs says about a PCI device and its IOMMU
 *                     group: discovery of edu devices bound to vfio-pci
 *                     and the reasons a device cannot be opened
 *   vfio_regs.c       the device as this process reaches it (edudma_hw.c):
 *                     who may touch it (own), the open-failure message,
 *                     BAR0 and config space, DMA busy, the probe-time
 *                     hardware check
 *   vfio_irq.c        -> regs. Interrupts (edudma_irq.c): the signal
 *                     window, waiting for and draining the MSI eventfd,
 *                     MSI setup and teardown, the irq_test op
 *   vfio_dma.c        -> iova, regs. DMA mappings (edudma_mem.c, _buf.c,
 *                     _pin.c): map/unmap, page spans, spans of regions,
 *                     the alloc/free/pin/unpin ops
 *   vfio_container.c  -> iova, sysfs, regs. The VFIO objects a device is
 *                     reached through: container, group, type1 IOMMU and
 *                     the IOVA space, the device fd and BAR0
 *   vfio_engine.c     -> irq, regs. edu's command engine (edudma_edu.c,
 *                     edudma_engine.c): its vfio_engine, one command at a
 *                     time through the 4 KiB window
 *   vfio_edusg.c      -> irq, dma, regs. edu-sg's descriptor engine
 *                     (edudma_edusg.c): its vfio_engine, a ring and a
 *                     completion record in IOVA-mapped memory
 *   vfio_fact.c       -> irq, regs. The factorial op (edudma_fact.c), edu's
 *   vfio_xfer.c       -> engine, edusg, dma, regs. The transfer and copy ops
 *                     (edudma_xfer.c): regions to IOVA spans, the engine
 *                     plans and runs
 *   vfio_lab.c        the lab op, which VFIO cannot have (edudma_lab.c)
 *   vfio_open.c       -> all. Bringing a device up and down (edudma_main.c),
 *                     the registry of open devices, open/release/
 *                     query_info, the ops table libdma__vfio_backend and
 *                     the test hooks (they know a VFIO handle by it)
 *
 * Everything here is hidden (-fvisibility=hidden); what more than one
 * file uses is named libdma__vfio_*, like every non-static name of the
 * library, so the static archive claims no other names.
 */
#ifndef LIBDMA_VFIO_INTERNAL_H
#define LIBDMA_VFIO_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../backend.h"

/* The driver a device must be bound to for this backend. */
#define LIBDMA_VFIO_DRIVER	"vfio-pci"

/* -------------------------------------------------------- vfio_iova.c */

/* A range of IO virtual addresses, [start, start + len). */
struct libdma__iova_range {
	uint64_t start;
	uint64_t len;
};

/*
 * The IOVAs a device may be given: first fit over a sorted list of free
 * ranges, every range aligned to 'align' (the IOMMU page). Not locked: the
 * backend serialises calls.
 */
struct libdma__iova_space {
	struct libdma__iova_range *free;	/* sorted, disjoint, never adjacent */
	size_t nfree;
	size_t cap;
	uint64_t align;
	uint64_t lo, hi;	/* everything handed out lies in [lo, hi) */
	uint64_t total;		/* bytes the space started with */
	uint64_t used;		/* bytes handed out now */
	uint64_t nr_used;	/* ranges handed out now */
};

/*
 * Start a space with the parts of 'usable' (the IOMMU's valid ranges, in
 * any order, may overlap) that lie inside [lo, hi), shrunk to 'align'
 * (a power of two). 0, -EINVAL (bad alignment), -ENOSPC (nothing usable
 * is left) or -ENOMEM.
 */
int libdma__iova_init(struct libdma__iova_space *s,
		      const struct libdma__iova_range *usable, size_t n,
		      uint64_t lo, uint64_t hi, uint64_t align);
void libdma__iova_fini(struct libdma__iova_space *s);

/*
 * Take 'len' bytes (rounded up to the alignment) at the lowest free IOVA.
 * 0 and *iova, -EINVAL for 0, -ENOSPC when no free range is large enough.
 */
int libdma__iova_alloc(struct libdma__iova_space *s, uint64_t len,
		       uint64_t *iova);

/*
 * Give back what libdma__iova_alloc() handed out (the same iova and len).
 * 0, -EINVAL when the range is not wholly handed out (a double free, a
 * range never allocated), -ENOMEM (the free list could not grow; the
 * range is then lost, never handed out twice).
 */
int libdma__iova_free(struct libdma__iova_space *s, uint64_t iova,
		      uint64_t len);

/* Largest free range, in bytes. */
uint64_t libdma__iova_largest(const struct libdma__iova_space *s);

/* ------------------------------------------------------- vfio_sysfs.c */

/*
 * Which engine the PCI device at 'addr' is, by its IDs alone:
 * LIBDMA_ENGINE_EDU (1234:11e8), LIBDMA_ENGINE_EDUSG (1af4:10f5 with
 * subsystem 1af4:5347), 0 for anything else, -1 when there is no such
 * device. 'ids' gets "vvvv:dddd" (and " subsystem ssss:ssss" for a
 * 1af4:10f5 of someone else's).
 */
int libdma__vfio_pci_engine(const char *addr, char *ids, size_t len);

/*
 * Append every edu and edu-sg bound to vfio-pci to a malloc'd array: node
 * "vfio:<address>" (what libdma_open() takes), index LIBDMA_INDEX_NONE,
 * the PCI address, NUMA node and engine; the rest stays unknown until
 * opened. Sorted by address. 0 or -ENOMEM (message set).
 */
int libdma__vfio_list(struct libdma_device_desc **descs, size_t *count);

/*
 * Check in sysfs that 'addr' can be opened through VFIO: a PCI device,
 * an edu or edu-sg, bound to vfio-pci, in an IOMMU group. Fills *group and
 * *engine (LIBDMA_ENGINE_*). 0, or -ENODEV with a message that says which
 * of these fails and what to do.
 */
int libdma__vfio_sysfs_check(const char *addr, int *group, uint32_t *engine);


/* ------------------------------------------------------ the device */

/* The command in flight gets this many timeouts more to land. */
#define LIBDMA_VFIO_GRACE_FACTOR	5u

struct vfio_dev;

/* What a run of commands got through: for the stats. */
struct vfio_run {
	uint64_t device_ns;
	uint64_t credit;
	unsigned long done;
};

/*
 * An engine: what differs between edu and edu-sg behind the one backend,
 * as struct edudma_engine_ops does in the driver. The device's identity
 * in sysfs picks it at open (vfio_sysfs.c); everything else - VFIO,
 * memory, spans, signals, the registry - is shared.
 */
struct vfio_engine {
	const char *name;		/* "edu", "edu-sg" */
	uint32_t kind;			/* LIBDMA_ENGINE_* */
	uint32_t reg_ident;		/* BAR0 offsets */
	uint32_t reg_irq_status, reg_irq_ack, reg_irq_raise;
	uint32_t irq_test_bits;		/* what the self-test may raise */
	/* A status read that is one, not a device gone (all ones)? */
	bool (*irq_status_valid)(struct vfio_dev *vd, uint32_t status);
	/*
	 * What the driver's probe checks (identity, version, liveness),
	 * then a quiet device: its limits into vd (dma_bits, dma_mask,
	 * window...). 0, -ENODEV or -EIO (message set).
	 */
	int (*check_hw)(struct vfio_dev *vd);
	/* After the IOVA space, MSI and bus mastering: NULL if nothing. */
	int (*start)(struct vfio_dev *vd);
	/* At close: no DMA after it; frees what start took. NULL if nothing. */
	void (*stop)(struct vfio_dev *vd);
	void (*fill_info)(const struct vfio_dev *vd, struct libdma_info *info);
	/*
	 * Move data between IOVA ranges (one segment each) or to/from the
	 * device. 0 or -errno (message set); *run says how far it got.
	 */
	int (*transfer)(struct vfio_dev *vd, uint64_t iova, size_t len,
			bool to_dev, size_t dev_offset, struct vfio_run *run);
	int (*copy)(struct vfio_dev *vd, uint64_t src, uint64_t dst, size_t len,
		    struct vfio_run *run);
};

/* vfio_engine.c, vfio_edusg.c */
extern const struct vfio_engine libdma__vfio_edu_engine;
extern const struct vfio_engine libdma__vfio_edusg_engine;

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

	const struct vfio_engine *eng;	/* edu or edu-sg, from sysfs */
	void *eng_priv;			/* the engine's own state */
	uint32_t ident;
	uint32_t version;		/* edu-sg: VERSION; edu: from ident */
	uint32_t window;		/* edu: bytes per command; edu-sg: card */
	uint32_t max_cmd_len;		/* bytes one command moves */
	uint32_t ring_size;		/* descriptors, 0: no ring */
	uint32_t inject_fault;		/* test hook: vfio_edusg.c */
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

static inline uint64_t libdma__vfio_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* -------------------------------------------------------- vfio_regs.c */

/*
 * The device behind 'dev' into *vdp; 0 if this process opened it, else
 * -EBADF (a parent's handle after fork()), message set.
 */
int libdma__vfio_own(const struct libdma_device *dev, struct vfio_dev **vdp);

/* "cannot use <addr> through VFIO: <what>: <strerror>", returns 'err'. */
int libdma__vfio_fail(struct vfio_dev *vd, int err, const char *what,
		      int sys_errno);

/*
 * BAR0: 4-byte registers, and the 64-bit DMA registers written whole.
 * A write that cannot reach the device marks it wedged.
 */
uint32_t libdma__vfio_rd32(struct vfio_dev *vd, uint32_t reg);
void libdma__vfio_wr32(struct vfio_dev *vd, uint32_t reg, uint32_t v);
uint64_t libdma__vfio_rd64(struct vfio_dev *vd, uint32_t reg);
void libdma__vfio_wr64(struct vfio_dev *vd, uint32_t reg, uint64_t v);

/* Set or clear bits of the PCI command register. 0 or -EIO. */
int libdma__vfio_pci_command(struct vfio_dev *vd, uint16_t set,
			     uint16_t clear);

/* Is a DMA command running? */
bool libdma__vfio_dma_busy(struct vfio_dev *vd);

/*
 * edu's check_hw: what the driver's probe checks (ident, liveness), then a
 * clean device: a command an earlier owner left running waited out,
 * status and stale interrupt bits cleared. 0, -ENODEV or -EIO (message
 * set).
 */
int libdma__vfio_check_hw(struct vfio_dev *vd);

/* --------------------------------------------------------- vfio_irq.c */

/*
 * An operation that waits on the device blocks catchable signals for its
 * whole length and unblocks them only inside ppoll() (vfio_irq.c says
 * why); 'old' is the thread's own mask.
 */
struct vfio_sigwin {
	sigset_t old;			/* the thread's own mask: used in ppoll */
};

void libdma__vfio_sig_block(struct vfio_sigwin *w);
/*
 * Has a signal arrived (pending, not blocked by the thread's own mask)?
 * Its handler runs here. For a loop that may never sleep in ppoll().
 */
bool libdma__vfio_sig_arrived(const struct vfio_sigwin *w);
/* Pending signals are delivered here, after the operation. */
void libdma__vfio_sig_restore(struct vfio_sigwin *w);

/*
 * Wait until the device has raised every bit of 'want' in its interrupt
 * status, acknowledging each status read and adding it to *seen; *when
 * (if not NULL) is the time it was complete. 0, -ETIMEDOUT, -EIO, or
 * -EINTR when 'sig' is given (interruptible) and a signal arrived.
 */
int libdma__vfio_wait_irq(struct vfio_dev *vd, uint32_t want,
			  unsigned int timeout_ms,
			  const struct vfio_sigwin *sig, uint32_t *seen,
			  uint64_t *when);

/*
 * The same for any condition: after each status read (acknowledged, added
 * to *seen) done(vd, *seen, arg) says whether the wait is over.
 */
int libdma__vfio_wait_until(struct vfio_dev *vd,
			    bool (*done)(struct vfio_dev *vd, uint32_t seen,
					 void *arg), void *arg,
			    unsigned int timeout_ms,
			    const struct vfio_sigwin *sig, uint32_t *seen,
			    uint64_t *when);

/* Empty the MSI eventfd. */
void libdma__vfio_drain_irq(struct vfio_dev *vd);

/*
 * MSI delivered through an eventfd (vd->irq_fd, vd->irq_on), or the
 * reason it cannot be; and switched off again at close.
 */
int libdma__vfio_irq_setup(struct vfio_dev *vd);
void libdma__vfio_irq_teardown(struct vfio_dev *vd);

int libdma__vfio_irq_test(struct libdma_device *dev, uint32_t value,
			  struct libdma_irq_test_result *result);

/* --------------------------------------------------------- vfio_dma.c */

/* A region as the device sees it: one IOVA-contiguous segment. */
struct vfio_span {
	uint64_t iova;
	uint64_t map_iova, map_len;	/* one-shot regions: their mapping */
	bool mapped;
};

/*
 * The span of region 'r': a buffer's or registration's IOVA, or a
 * one-shot region mapped with 'access' for this call (its cost added to
 * 'st'); 'what' names the operation in messages. 0 or -errno (message
 * set). span_put unmaps what span_get mapped, unless the device is wedged.
 */
/*
 * Memory of the library's own for the device (edu-sg's ring): 'len' bytes
 * (page multiple) at 'addr' mapped read-write at an IOVA below the DMA
 * mask. 0 or -errno (message set, 'what' naming it).
 */
int libdma__vfio_map(struct vfio_dev *vd, void *addr, uint64_t len,
		     uint64_t *iova, const char *what);
int libdma__vfio_unmap(struct vfio_dev *vd, uint64_t iova, uint64_t len);

int libdma__vfio_span_get(struct vfio_dev *vd, const struct libdma_region *r,
			  unsigned int access, struct vfio_span *sp,
			  struct libdma_stats *st, const char *what);
void libdma__vfio_span_put(struct vfio_dev *vd, struct vfio_span *sp);

int libdma__vfio_alloc(struct libdma_device *dev, size_t size,
		       struct libdma_buffer *buf);
int libdma__vfio_free(struct libdma_device *dev, struct libdma_buffer *buf);
int libdma__vfio_pin(struct libdma_device *dev, struct libdma_buffer *buf,
		     struct libdma_pin_stats *stats);
int libdma__vfio_unpin(struct libdma_device *dev, struct libdma_buffer *buf);

/* --------------------------------------------------- vfio_container.c */

/*
 * The steps of open that go through VFIO, in this order: the container
 * (API version, a type1 IOMMU), the group (open, viable), attach (the
 * group to the container, the IOMMU type, the IOVA space below the DMA
 * mask), the device (its fd, BAR0 mapped where allowed, config space,
 * memory decoding on). Each returns 0 or -errno with a message that says
 * what to do; close() of the fds undoes them.
 */
int libdma__vfio_open_container(struct vfio_dev *vd);
int libdma__vfio_open_group(struct vfio_dev *vd);
int libdma__vfio_attach(struct vfio_dev *vd);
int libdma__vfio_open_device(struct vfio_dev *vd);
/*
 * The IOVA space: the IOMMU's page size and valid ranges below 2^dma_bits
 * (known once the engine has read the device's limits).
 */
int libdma__vfio_setup_iova(struct vfio_dev *vd);

/* ------------------------------------------------------ vfio_engine.c */

struct edu_cmd;

/*
 * Run 'n' planned commands, each checked by edu_cmd_ok() first, one at a
 * time under vd->lock with signals in a window. 0 or -errno (message set);
 * *run says how far it got either way.
 */
int libdma__vfio_run_cmds(struct vfio_dev *vd, const struct edu_cmd *cmds,
			  unsigned long n, struct vfio_run *run);

/* -------------------------------------------------------- vfio_fact.c */

int libdma__vfio_factorial(struct libdma_device *dev, uint32_t n,
			   unsigned int flags,
			   struct libdma_factorial_result *result);

/* -------------------------------------------------------- vfio_xfer.c */

int libdma__vfio_transfer(struct libdma_device *dev, enum libdma_direction dir,
			  const struct libdma_region *mem, size_t dev_offset,
			  struct libdma_stats *stats);
int libdma__vfio_copy(struct libdma_device *dev,
		      const struct libdma_region *dst,
		      const struct libdma_region *src,
		      struct libdma_stats *stats);

/* --------------------------------------------------------- vfio_lab.c */

int libdma__vfio_lab(struct libdma_device *dev, uint32_t iterations,
		     struct libdma_lab_cell *cell);

/* ----------------------------------------- vfio_open.c: test hooks (guest) */

/*
 * For tests/guest/test_vfio.c, which links the static library: how many
 * DMA mappings this handle's container holds (the library's count), and
 * how many more the kernel would accept (VFIO_IOMMU_GET_INFO's
 * dma_avail, the kernel's count of what is still free). -errno if the
 * handle is not a VFIO one or the kernel does not say.
 */
long libdma__vfio_nr_mappings(struct libdma_device *dev);
long libdma__vfio_dma_avail(struct libdma_device *dev);

/*
 * edu-sg only (tests/guest/test_vfio_sg.c, as the driver's debugfs
 * inject_fault): the n-th descriptor posted from now (1 = the next) names
 * an IOVA nothing is mapped at, so the device reports a real descriptor
 * error (an IOMMU fault). 0, or -EINVAL for a handle that is not a VFIO
 * edu-sg.
 */
int libdma__vfio_inject_fault(struct libdma_device *dev, uint32_t n);

#endif /* LIBDMA_VFIO_INTERNAL_H */
