/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edudma - internal interfaces between the driver's files.
 *
 *   edudma_main.c   module parameters, PCI probe/remove, device lifetime
 *   edudma_hw.c     register access: the only file that touches BAR0
 *   edudma_irq.c    interrupt setup (MSI or INTx), handler, IRQ self-test
 *   edudma_fact.c   the factorial unit
 *   edudma_cdev.c   the char device: open/release/ioctl dispatch
 *   edudma_sysfs.c  attributes of /sys/class/edudma/edudma<N>
 *   edudma_mem.c    memory objects, per-file handles, regions
 *   edudma_buf.c    coherent buffers and their mmap
 *   edudma_pin.c    pinned user memory: PIN/UNPIN and one-shot regions
 *   edudma_dmabuf.c dma-buf: EXPORT of coherent buffers, IMPORT of any
 *   edudma_lab.c    the contiguity lab: in-kernel measurements (root, lab=1)
 *   edudma_engine.c runs a list of DMA commands, interrupt to interrupt
 *   edudma_xfer.c   TRANSFER and COPY: regions -> command plan -> engine
 */
#ifndef EDUDMA_H
#define EDUDMA_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
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

/* Module parameters (edudma_main.c). */
extern bool edudma_force_intx;
extern unsigned int edudma_window;
extern unsigned int edudma_dma_bits;
extern unsigned int edudma_timeout_ms;
extern unsigned long edudma_max_alloc;
extern unsigned long edudma_max_coherent;

/* One bound edu device. Lives until the last open file lets go of it. */
struct edudma_dev {
	struct device dev;		/* the class device, refcounts us */
	struct cdev cdev;
	struct pci_dev *pdev;
	void __iomem *bar;
	int minor_index;

	u32 ident;
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

	/* DMA engine: one job at a time (engine_mutex); job under irq_lock. */
	struct mutex engine_mutex;
	struct edudma_job *job;
	bool engine_wedged;		/* a command never finished: refuse DMA */
	/*
	 * The wedged job's memory (at most a COPY's two regions), kept because
	 * the device may still write it; remove() releases it once bus
	 * mastering is off. Under objects_lock.
	 */
	struct edudma_mem *wedged_mems[2];
	atomic64_t commands;		/* issued since probe */

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
	const struct edu_cmd *cmds;
	unsigned long ncmds;
	unsigned long next;		/* commands issued so far */
	unsigned long done;		/* commands completed */
	u64 credit;			/* bytes of the request complete */
	u64 cmd_start_ns;
	u64 device_ns;
	bool stop;			/* issue nothing more */
	bool finished;			/* nothing in flight any more */
	bool wedged;			/* a command may still be running: keep its memory */
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

/* Per open file. */
struct edudma_file {
	struct edudma_dev *edev;
	struct file *file;
	struct list_head node;		/* in edev->files */
	struct mutex lock;		/* handles and mmap cookies */
	struct xarray handles;		/* u32 handle -> struct edudma_mem */
	u32 next_handle;		/* cyclic allocation cursor */
	u64 next_pgoff;			/* next mmap cookie, in pages */
};

static inline struct edudma_dev *to_edudma_dev(struct device *dev)
{
	return container_of(dev, struct edudma_dev, dev);
}

/* edudma_hw.c */
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
void edudma_engine_irq(struct edudma_dev *edev);
void edudma_engine_shutdown(struct edudma_dev *edev);

/* edudma_xfer.c */
long edudma_ioctl_transfer(struct edudma_file *ef, void __user *uarg);
long edudma_ioctl_copy(struct edudma_file *ef, void __user *uarg);

/* edudma_sysfs.c */
extern const struct attribute_group *edudma_dev_groups[];
const char *edudma_irq_mode_name(int mode);

/* Timeouts given by userspace: 0 means the module default. */
static inline unsigned long edudma_timeout_jiffies(u32 timeout_ms)
{
	return msecs_to_jiffies(timeout_ms ? timeout_ms : edudma_timeout_ms);
}

#endif /* EDUDMA_H */
