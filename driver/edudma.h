/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edudma - internal interfaces between the driver's files.
 *
 * What every device shares:
 *   edudma_main.c    module parameters, PCI probe/remove, device lifetime
 *   edudma_irq.c     interrupt setup (MSI or INTx), IRQ self-test
 *   edudma_cdev.c    the char device: open/release/ioctl dispatch
 *   edudma_sysfs.c   attributes of /sys/class/edudma/edudma<N>
 *   edudma_mem.c     memory objects, per-file handles, regions
 *   edudma_buf.c     coherent buffers and their mmap
 *   edudma_pin.c     pinned user memory: PIN/UNPIN and one-shot regions
 *   edudma_dmabuf.c  dma-buf: EXPORT of coherent buffers, IMPORT of any
 *   edudma_lab.c     the contiguity lab: in-kernel measurements (root, lab=1)
 *   edudma_engine.c  runs a job on the device's engine, sleeps until done
 *   edudma_xfer.c    TRANSFER and COPY: regions -> engine plan -> engine
 *   edudma_async.c   SUBMIT, REAP, CANCEL, poll: requests in flight
 * The engines, one file (or family) per kind of device, behind
 * struct edudma_engine_ops:
 *   edudma_edu.c     QEMU's edu: commands through the 4 KiB window
 *   edudma_edu_hw.c  edu's registers (the only file touching its BAR0)
 *   edudma_fact.c    edu's factorial unit
 *   edudma_edusg.c   edu-sg: a descriptor ring, many requests in flight
 * A new device is one more engine file and its PCI ID in edudma_main.c.
 */
#ifndef EDUDMA_H
#define EDUDMA_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <edu/edu_plan.h>

#include <uapi/edudma.h>

#define EDUDMA_MAX_DEVICES	32

/* The first mmap cookie (pages); offsets below it name nothing, 0 included. */
#define EDUDMA_PGOFF_BASE	0x100000ULL

/*
 * Bounds of the timeout_ms parameter: at least two edu commands (100 ms
 * each), at most ten minutes.
 */
#define EDUDMA_TIMEOUT_MIN_MS	200
#define EDUDMA_TIMEOUT_MAX_MS	600000

/* The module's debugfs directory, or NULL (edudma_main.c). */
extern struct dentry *edudma_debugfs_root;

/* Module parameters (edudma_main.c). */
extern bool edudma_force_intx;
extern unsigned int edudma_window;
extern unsigned int edudma_dma_bits;
extern unsigned int edudma_timeout_ms;
extern unsigned long edudma_max_alloc;
extern unsigned long edudma_max_coherent;

struct edudma_dev;
struct edudma_job;

/* What TRANSFER and COPY ask an engine to plan (edudma_xfer.c). */
struct edudma_plan {
	bool copy;			/* COPY: src -> dst; TRANSFER otherwise */
	bool to_dev;			/* TRANSFER: memory -> device */
	struct edu_cursor src;		/* COPY's source; TRANSFER's memory */
	struct edu_cursor dst;		/* COPY only */
	u64 length;
	u64 dev_offset;			/* TRANSFER: into the window */
};

/*
 * An engine: what one kind of device does differently. Everything else
 * (files, handles, buffers, pins, mmap, lifetime, unplug, stats) is shared.
 * The calls, in the device's life:
 *   identify   registers mapped: is it ours and alive? fill the limits
 *              (ident, version, window, dma_bits, max_cmd_len, ...)
 *   start      DMA mask set, bus master on, interrupt requested: program
 *              the engine (a ring, say) and unmask its interrupts
 *   irq        the interrupt handler (IRQ_NONE when not ours)
 *   plan       count (out == NULL) or fill a request's commands
 *   validate   last check of a plan before the hardware sees it
 *   submit     under irq_lock: queue a job and start it (-ENODEV while
 *              dying, -EIO when the engine cannot run it)
 *   stop_job   under irq_lock, job->stop just set: issue nothing more of
 *              it; mark it finished if nothing of it is in flight
 *   retire     the job is over (finished or abandoned): the engine
 *              forgets it - after this the job's memory may go
 *   busy       is a command still running? (decides "wedged")
 *   shutdown   under irq_lock, remove() begins: stop every job
 *   quiesce    remove(): no interrupt source armed, the engine stopped
 *   stop       after quiesce, bus mastering off, interrupt freed: give
 *              back the engine's own DMA memory
 */
struct edudma_engine_ops {
	const char *name;		/* sysfs "engine": "edu", "edu-sg" */
	u32 kind;			/* EDUDMA_ENGINE_* */
	int regs_bar;
	u64 features;			/* EDUDMA_FEAT_* of this engine */
	size_t cmd_size;		/* bytes of one planned command */
	u32 irq_test_bits;		/* status bits IRQ_TEST may raise */

	int (*identify)(struct edudma_dev *edev);
	int (*start)(struct edudma_dev *edev);
	irqreturn_t (*irq)(struct edudma_dev *edev);
	void (*irq_ack)(struct edudma_dev *edev, u32 bits);
	void (*irq_raise)(struct edudma_dev *edev, u32 bits);
	long (*plan)(struct edudma_dev *edev, const struct edudma_plan *p,
		     void *out, unsigned long max);
	int (*validate)(struct edudma_dev *edev, const struct edudma_job *job);
	int (*submit)(struct edudma_dev *edev, struct edudma_job *job);
	void (*stop_job)(struct edudma_dev *edev, struct edudma_job *job);
	void (*retire)(struct edudma_dev *edev, struct edudma_job *job);
	bool (*busy)(struct edudma_dev *edev);
	void (*shutdown)(struct edudma_dev *edev);
	void (*quiesce)(struct edudma_dev *edev);
	void (*stop)(struct edudma_dev *edev);
};

extern const struct edudma_engine_ops edudma_edu_ops;
extern const struct edudma_engine_ops edudma_edusg_ops;

/* One bound device. Lives until the last open file lets go of it. */
struct edudma_dev {
	struct device dev;		/* the class device, refcounts us */
	struct cdev cdev;
	struct pci_dev *pdev;
	void __iomem *bar;
	int minor_index;

	const struct edudma_engine_ops *ops;
	void *engine_priv;		/* the engine's state, freed with edev */

	/*
	 * Where coherent buffers are allocated (edudma_main.c, why): the PCI
	 * device behind an IOMMU, our class device 'dev' with dma-direct.
	 */
	struct device *coherent_dev;
	u64 coherent_dev_mask;		/* 'dev''s dma_mask points here */

	/* What identify() found; constant afterwards. */
	u32 ident;			/* raw identification register */
	u32 version;			/* major << 16 | minor */
	u64 window;			/* TRANSFER's device space, bytes */
	u64 dev_buffer_addr;		/* its device-side address (edu) */
	unsigned int dma_bits;
	u32 max_cmd_len;		/* most bytes one command moves */
	u32 ring_size;			/* 0: no ring */
	u32 max_in_flight;		/* commands in flight at once */

	int irq;			/* Linux IRQ number */
	int irq_mode;			/* EDUDMA_IRQ_* */

	/*
	 * Readers: every file operation that touches the hardware.
	 * Writer: remove, which sets 'gone' so later calls see -ENODEV.
	 */
	struct rw_semaphore lifetime;
	bool gone;
	bool dying;			/* remove has begun: no new DMA (irq_lock) */

	/*
	 * Everything that holds hardware resources of this device, so remove
	 * can revoke it while open files and mappings live on: the open files
	 * (their mappings are zapped) and every memory object (its DMA
	 * memory or mapping is released).
	 */
	struct mutex objects_lock;
	struct list_head files;
	struct list_head mems;

	/* IRQ self-test: bits the handler saw, under irq_lock. */
	spinlock_t irq_lock;
	wait_queue_head_t irq_wq;
	u32 irq_test_seen;
	u64 irq_test_seen_ns;
	struct mutex irq_test_mutex;	/* one self-test at a time */
	atomic64_t irq_count;

	/* Factorial unit. */
	struct mutex fact_mutex;
	bool fact_done;			/* set by the handler, under irq_lock */

	/* The engine's jobs live in engine_priv, under irq_lock. */
	bool engine_wedged;		/* a command never finished: refuse DMA */
	/*
	 * The wedged job's memory (at most a COPY's two regions), kept because
	 * the device may still write it; remove() releases it once bus
	 * mastering is off. Under objects_lock.
	 */
	struct edudma_mem *wedged_mems[2];
	atomic64_t commands;		/* issued since probe */
	atomic64_t completed;		/* completed: the engine's progress */

	/*
	 * Async requests of every file (edudma_async.c), under irq_lock:
	 * running, and finished but not yet processed by rq_work (which lets
	 * go of their memory, in process context).
	 */
	struct list_head rq_active;
	struct list_head rq_finished;
	struct work_struct rq_work;
	atomic_t nr_async;		/* on either list */

	/* Coherent memory allocated on this device (max_coherent caps it). */
	atomic64_t coherent_bytes;

	/* Live objects, for leak checks in the tests (sysfs). */
	atomic_t nr_buffers;
	atomic_t nr_pinned;
	atomic_t nr_exported;		/* live dma-bufs of our buffers */
	atomic_t nr_imported;		/* live imports (IMPORT handles) */
};

/*
 * A list of commands for the engine and what became of it. The engine owns
 * the fields below 'cmds' while the job runs.
 */
struct edudma_job {
	void *cmds;			/* the engine's commands (ops->cmd_size each) */
	unsigned long ncmds;
	unsigned long next;		/* commands issued so far */
	unsigned long done;		/* commands completed */
	u64 credit;			/* bytes of the request complete */
	u64 cmd_start_ns;
	u64 device_ns;
	int error;			/* the device failed a command: -EIO */
	bool stop;			/* issue nothing more */
	bool finished;			/* nothing in flight any more */
	bool wedged;			/* a command may still be running: keep its memory */
	struct list_head node;		/* in the engine's queue while it waits */
	unsigned long inflight;		/* edu-sg: posted and not completed */
	/*
	 * Called (irq_lock held, maybe in hard-IRQ context) when the job
	 * finishes; NULL: the submitter sleeps on irq_wq and is woken.
	 */
	void (*complete)(struct edudma_job *job);
};

/*
 * Memory a region can name: a coherent buffer or a pinned user range. The
 * segments are what the device sees (bus addresses), in order.
 */
enum edudma_mem_kind {
	EDUDMA_MEM_COHERENT = 1,
	EDUDMA_MEM_PINNED,
	EDUDMA_MEM_IMPORTED,		/* a dma-buf (IMPORT); dropped by FREE */
};

struct edudma_mem {
	struct kref ref;
	enum edudma_mem_kind kind;
	struct edudma_dev *edev;	/* holds a device reference */
	u64 size;			/* bytes a region may address */
	u32 access;			/* EDUDMA_ACCESS_* the device may use */
	struct edu_seg *segs;
	unsigned long nsegs;
	void (*release)(struct edudma_mem *mem);
	/* Optional, on removal: refuse new CPU mappings (before the zap). */
	void (*fence)(struct edudma_mem *mem);
	/* Give back what needs the device (DMA memory, mappings); once. */
	void (*revoke)(struct edudma_mem *mem);
	struct list_head node;		/* in edev->mems */
	/*
	 * Streaming mappings only: hand [offset, offset + length) to the
	 * device (before a request) or back to the CPU (after it), in the
	 * direction the request uses those bytes - never more than it touches
	 * (edudma_xfer.c).
	 */
	void (*sync)(struct edudma_mem *mem, u64 offset, u64 length,
		     bool for_device, enum dma_data_direction dir);
};

/* A coherent buffer (ALLOC; edudma_buf.c). */
struct edudma_buf {
	struct edudma_mem mem;
	struct edu_seg seg;
	void *vaddr;
	dma_addr_t dma;
	size_t alloc_size;
	u64 pgoff;		/* mmap cookie, in pages */
	unsigned long *pfns;	/* CPU page frames, from dma_get_sgtable() */
	struct mm_struct *mm;	/* charged for the buffer (mmgrab'ed) */
	bool charged;		/* memlock and device total, until revoked */
	struct mutex fault_lock;	/* faults against revocation */
	bool fenced;		/* no more PTEs: the memory is being revoked */
	/*
	 * Live dma-bufs of this buffer (EXPORT). While there are any, removal
	 * leaves the memory alone: importers' mappings and vmaps cannot be
	 * revoked (edudma_dmabuf.c). Changed only under 'lifetime' (read,
	 * EXPORT) or by a dma-buf's release; read by revoke under objects_lock.
	 */
	atomic_t nr_exports;
	/*
	 * Behind an IOMMU the coherent allocation cannot be freed once the
	 * device is gone (its DMA ops go with it): removal frees it while it
	 * can, holding a reference on every page for the dma-bufs; the last
	 * put drops them.
	 */
	bool pages_held;
};

static inline struct edudma_buf *to_edudma_buf(struct edudma_mem *mem)
{
	return container_of(mem, struct edudma_buf, mem);
}

/* A region resolved to referenced memory and a cursor at its start. */
struct edudma_span {
	struct edudma_mem *mem;
	struct edu_cursor cur;
	u64 offset;
};

/*
 * A TRANSFER or COPY: its memory, its job, its stats (edudma_xfer.c). On
 * the stack of a synchronous call, or allocated for an asynchronous one
 * (edudma_async.c), which owns the fields below 'ef'.
 */
struct edudma_request {
	struct edudma_job job;
	struct edudma_span span[2];	/* TRANSFER: [0]; COPY: src, dst */
	unsigned int nspans;
	int written;			/* span the device writes, -1: none */
	u64 length;
	u64 start_ns;
	struct edudma_stats stats;

	struct edudma_file *ef;
	struct list_head node;		/* edev->rq_active, rq_finished; ef->rq_done */
	u64 id;
	u64 user_data;
	int result;
};

/* Per open file. */
struct edudma_file {
	struct edudma_dev *edev;
	struct file *file;
	struct list_head node;		/* in edev->files */
	struct mutex lock;		/* handles and mmap cookies */
	struct xarray handles;		/* u32 handle -> struct edudma_mem */
	u32 next_handle;		/* cyclic allocation cursor */
	u64 next_pgoff;			/* next mmap cookie, in pages */

	/* Async requests (edudma_async.c), under edev->irq_lock. */
	struct list_head rq_done;	/* finished, waiting for REAP */
	unsigned int nr_requests;	/* submitted and not reaped */
	unsigned int nr_pending;	/* submitted and not yet on rq_done */
	u64 next_id;
	wait_queue_head_t rq_wq;	/* poll, REAP's wait, close's wait */
};

static inline struct edudma_dev *to_edudma_dev(struct device *dev)
{
	return container_of(dev, struct edudma_dev, dev);
}

/* edudma_edu_hw.c */
int edudma_hw_check(struct edudma_dev *edev);
u32 edudma_hw_ident(struct edudma_dev *edev);
void edudma_hw_quiesce(struct edudma_dev *edev);
u32 edudma_hw_irq_status(struct edudma_dev *edev);
void edudma_hw_irq_ack(struct edudma_dev *edev, u32 bits);
void edudma_hw_irq_raise(struct edudma_dev *edev, u32 bits);
bool edudma_hw_fact_busy(struct edudma_dev *edev);
void edudma_hw_fact_start(struct edudma_dev *edev, u32 n, bool irq);
u32 edudma_hw_fact_result(struct edudma_dev *edev);
void edudma_hw_dma_start(struct edudma_dev *edev, const struct edu_cmd *cmd);
bool edudma_hw_dma_busy(struct edudma_dev *edev);

/* edudma_irq.c */
int edudma_irq_setup(struct edudma_dev *edev);
void edudma_irq_test_note(struct edudma_dev *edev, u32 bits);
void edudma_irq_teardown(struct edudma_dev *edev);
long edudma_ioctl_irq_test(struct edudma_dev *edev, void __user *uarg);

/* edudma_fact.c */
void edudma_fact_irq(struct edudma_dev *edev);
long edudma_ioctl_factorial(struct edudma_dev *edev, void __user *uarg);

/* edudma_cdev.c */
int edudma_cdev_init(void);
void edudma_cdev_exit(void);
void edudma_dev_init(struct edudma_dev *edev, struct device *parent);
int edudma_cdev_add(struct edudma_dev *edev);
void edudma_cdev_del(struct edudma_dev *edev);

/* edudma_mem.c */
void edudma_mem_init(struct edudma_mem *mem, enum edudma_mem_kind kind,
		     struct edudma_dev *edev, void (*release)(struct edudma_mem *),
		     void (*revoke)(struct edudma_mem *));
void edudma_revoke_all(struct edudma_dev *edev);
void edudma_mem_keep_wedged(struct edudma_mem *mem);
void edudma_release_wedged(struct edudma_dev *edev);
void edudma_mem_put(struct edudma_mem *mem);
int edudma_charge_memlock(struct mm_struct *mm, unsigned long npages);
void edudma_uncharge_memlock(struct mm_struct *mm, unsigned long npages);
struct edudma_mem *edudma_handle_remove(struct edudma_file *ef, u32 handle,
					enum edudma_mem_kind kind);
struct edudma_mem *edudma_handle_get(struct edudma_file *ef, u32 handle);
int edudma_handle_publish(struct edudma_file *ef, struct edudma_mem *mem,
			  u32 *handle);
void edudma_handle_unpublish(struct edudma_file *ef, u32 handle,
			     struct edudma_mem *mem);
long edudma_ioctl_drop(struct edudma_file *ef, void __user *uarg,
		       enum edudma_mem_kind kind);
void edudma_handles_release(struct edudma_file *ef);

/* edudma_buf.c */
long edudma_ioctl_alloc(struct edudma_file *ef, void __user *uarg);
int edudma_mmap(struct file *file, struct vm_area_struct *vma);

/* edudma_pin.c */
int edudma_pinned_create(struct edudma_dev *edev, u64 addr, u64 length,
			 u32 access, struct edudma_mem **out,
			 u64 *pin_ns, u64 *map_ns);
u32 edudma_pinned_npages(struct edudma_mem *mem);
bool edudma_pinned_overlap(struct edudma_mem *a, u64 aoff,
			   struct edudma_mem *b, u64 boff, u64 length);
bool edudma_pages_reachable(struct device *dev, struct page **pages,
			    unsigned long npages);
void edudma_log_unreachable(struct device *dev);
unsigned int edudma_max_segment(struct device *dev);
bool edudma_dev_reaches_all(struct device *dev);
void edudma_segs_sync(struct device *dev, const struct edu_seg *segs,
		      unsigned long nsegs, u64 offset, u64 length,
		      bool for_device, enum dma_data_direction dir);

/* edudma_dmabuf.c, built where the kernel has dma-buf */
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
#define EDUDMA_HAVE_DMABUF	1
long edudma_ioctl_export(struct edudma_file *ef, void __user *uarg);
long edudma_ioctl_import(struct edudma_file *ef, void __user *uarg);
#else
#define EDUDMA_HAVE_DMABUF	0
static inline long edudma_ioctl_export(struct edudma_file *ef, void __user *uarg)
{
	return -ENOTTY;
}
static inline long edudma_ioctl_import(struct edudma_file *ef, void __user *uarg)
{
	return -ENOTTY;
}
#endif
vm_fault_t edudma_buf_insert_pfns(struct vm_fault *vmf, struct edudma_buf *buf,
				  unsigned long first);

/* edudma_lab.c */
extern bool edudma_lab_enabled;
long edudma_ioctl_lab(struct edudma_dev *edev, void __user *uarg);
long edudma_ioctl_pin(struct edudma_file *ef, void __user *uarg);

/* edudma_engine.c */
int edudma_engine_run(struct edudma_dev *edev, struct edudma_job *job,
		      u32 timeout_ms);
int edudma_engine_start(struct edudma_dev *edev, struct edudma_job *job);
int edudma_engine_prepare(struct edudma_dev *edev, struct edudma_job *job);
unsigned long edudma_grace_jiffies(void);
int edudma_engine_stop(struct edudma_dev *edev, struct edudma_job *job);
int edudma_job_result(struct edudma_dev *edev, const struct edudma_job *job);
void edudma_job_finish(struct edudma_dev *edev, struct edudma_job *job);
void edudma_engine_shutdown(struct edudma_dev *edev);

/* edudma_edu.c */
void edudma_edu_dma_irq(struct edudma_dev *edev);

/* edudma_xfer.c */
int edudma_request_transfer(struct edudma_file *ef, struct edudma_request *rq,
			    const struct edudma_region *mem, u64 length,
			    u32 direction, u32 dev_offset);
int edudma_request_copy(struct edudma_file *ef, struct edudma_request *rq,
			const struct edudma_region *src,
			const struct edudma_region *dst, u64 length);
void edudma_request_done(struct edudma_request *rq);
long edudma_ioctl_transfer(struct edudma_file *ef, void __user *uarg);
long edudma_ioctl_copy(struct edudma_file *ef, void __user *uarg);

/* edudma_async.c */
extern unsigned int edudma_max_requests;
void edudma_async_dev_init(struct edudma_dev *edev);
void edudma_async_file_init(struct edudma_file *ef);
void edudma_async_release(struct edudma_file *ef);
void edudma_async_drain(struct edudma_dev *edev);
void edudma_async_abandon(struct edudma_dev *edev);
long edudma_ioctl_submit(struct edudma_file *ef, void __user *uarg);
long edudma_ioctl_reap(struct edudma_file *ef, void __user *uarg);
long edudma_ioctl_cancel(struct edudma_file *ef, void __user *uarg);
__poll_t edudma_poll(struct file *file, struct poll_table_struct *wait);

/* edudma_sysfs.c */
extern const struct attribute_group *edudma_dev_groups[];
const char *edudma_irq_mode_name(int mode);

/* Timeouts given by userspace: 0 means the module default. */
static inline unsigned long edudma_timeout_jiffies(u32 timeout_ms)
{
	return msecs_to_jiffies(timeout_ms ? timeout_ms : edudma_timeout_ms);
}

#endif /* EDUDMA_H */
