// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned user memory (Documentation/core-api/pin_user_pages.rst, "Case 2:
 * RDMA"): the pages of a user range are pinned with FOLL_LONGTERM so they
 * cannot move while the device may use them, gathered into a scatterlist
 * that merges physically adjacent pages, and mapped for the device.
 *
 * The same code serves PIN (registered until UNPIN or close) and one-shot
 * regions (pinned and mapped for the duration of one transfer).
 *
 * Pinned pages are charged to the pinning process's mm->pinned_vm (VmPin in
 * /proc/<pid>/status) against RLIMIT_MEMLOCK, as RDMA does; CAP_IPC_LOCK
 * lifts the limit. The charge is returned when the pages are unpinned,
 * whoever drops the last reference.
 */
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/hugetlb.h>
#include <linux/ktime.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "edudma.h"

struct edudma_pinned {
	struct edudma_mem mem;
	struct page **pages;
	unsigned long npages;
	struct sg_table sgt;
	enum dma_data_direction dir;
	struct mm_struct *mm;		/* charged for the pin (mmgrab'ed) */
	u64 uaddr;			/* user address of byte 0, in mm */
	bool mapped;
};

static struct edudma_pinned *to_pinned(struct edudma_mem *mem)
{
	return container_of(mem, struct edudma_pinned, mem);
}

static struct device *dma_dev(struct edudma_pinned *p)
{
	return &p->mem.edev->pdev->dev;
}

/*
 * Sync exactly [offset, offset + length) of the range, segment by segment.
 * Under bounce buffering a sync is a copy; syncing more than a request
 * touches would copy stale bytes over newer ones - the process's own
 * writes elsewhere in the range, or what a concurrent request on another
 * part of it has just received (test_drv_sync.c).
 *
 * A part of an sg mapping is synced with dma_sync_single_*() on its DMA
 * addresses (the DMA API has no partial sg sync). Segments the DMA layer
 * says need no sync (dma_need_sync(): cache-coherent, not bounced) are
 * skipped: there the call would do nothing - and for two overlapping pins,
 * which share DMA addresses exactly when nothing translates or bounces,
 * DMA-API debug cannot tell which mapping a partial sync means and reports
 * it as memory never mapped. Bounced or translated pins have addresses of
 * their own.
 */
void edudma_segs_sync(struct device *dev, const struct edu_seg *segs,
		      unsigned long nsegs, u64 offset, u64 length,
		      bool for_device, enum dma_data_direction dir)
{
	unsigned long i;

	for (i = 0; i < nsegs && length; i++) {
		const struct edu_seg *seg = &segs[i];
		u64 k;

		if (offset >= seg->len) {
			offset -= seg->len;
			continue;
		}
		k = min_t(u64, seg->len - offset, length);
		if (dma_need_sync(dev, seg->addr)) {
			if (for_device)
				dma_sync_single_for_device(dev, seg->addr + offset, k, dir);
			else
				dma_sync_single_for_cpu(dev, seg->addr + offset, k, dir);
		}
		offset = 0;
		length -= k;
	}
}

static void edudma_pinned_sync(struct edudma_mem *mem, u64 offset, u64 length,
			       bool for_device, enum dma_data_direction dir)
{
	edudma_segs_sync(dma_dev(to_pinned(mem)), mem->segs, mem->nsegs, offset,
			 length, for_device, dir);
}

static void edudma_unpin(struct edudma_pinned *p, unsigned long npinned)
{
	/* Pages the device may have written must reach their backing store. */
	unpin_user_pages_dirty_lock(p->pages, npinned,
				    p->mem.access & EDUDMA_ACCESS_DEV_WRITE);
}

/* On removal: the device mapping goes now, the pins when the file closes. */
static void edudma_pinned_revoke(struct edudma_mem *mem)
{
	struct edudma_pinned *p = to_pinned(mem);

	if (p->mapped)
		dma_unmap_sgtable(dma_dev(p), &p->sgt, p->dir, DMA_ATTR_SKIP_CPU_SYNC);
	p->mapped = false;
}

static void edudma_pinned_release(struct edudma_mem *mem)
{
	struct edudma_pinned *p = to_pinned(mem);

	edudma_pinned_revoke(mem);
	sg_free_table(&p->sgt);
	edudma_unpin(p, p->npages);
	edudma_uncharge_memlock(p->mm, p->npages);
	mmdrop(p->mm);
	kvfree(p->pages);
	kvfree(p->mem.segs);
	atomic_dec(&mem->edev->nr_pinned);
	kfree(p);
}

/*
 * tmpfs, memfd and SysV shm: regular files on a swap-backed filesystem, not
 * a filesystem's page cache. (devtmpfs shares tmpfs's magic: device nodes
 * are not regular files.)
 */
static bool edudma_vma_is_shmem(struct vm_area_struct *vma)
{
	struct inode *inode = file_inode(vma->vm_file);

	return S_ISREG(inode->i_mode) && inode->i_sb->s_magic == TMPFS_MAGIC;
}

/*
 * A shared file mapping whose pages a filesystem owns - or any device or
 * PFN mapping (our own buffers included), whose pages are not the caller's
 * to pin long-term.
 */
static bool edudma_vma_is_pagecache(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return true;
	return vma->vm_file && (vma->vm_flags & VM_SHARED) &&
	       !edudma_vma_is_shmem(vma) && !is_vm_hugetlb_page(vma);
}

/*
 * Decide the GUP flags for [start, end) from the mappings it covers.
 *
 * Long-term writable pins of page-cache pages break filesystems (the page
 * can be written back, truncated or reclaimed under the device's feet) and
 * 6.1 does not refuse them itself: EOPNOTSUPP. Anonymous memory,
 * shmem/memfd and hugetlbfs are fine; so are private file mappings, which
 * FOLL_WRITE turns into anonymous copies.
 *
 * Even when the device only reads, a private writable mapping is pinned
 * with FOLL_WRITE: a read-only pin of memory the process has not written
 * yet would pin the shared zero page (or the page-cache page behind a
 * private file mapping), and the process's later writes would go to a
 * fresh copy the device never sees. Breaking COW at pin time makes the
 * pinned pages the process's own.
 */
static int edudma_gup_flags_locked(struct mm_struct *mm, unsigned long start,
				   unsigned long end, bool dev_writes,
				   unsigned int *gup_flags)
{
	struct vm_area_struct *vma;
	bool all_writable = true, any_private = false, any_pagecache = false;

	lockdep_assert_held(&mm->mmap_lock);	/* mmap_assert_locked() needs dump_mm, not exported */
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end)) {
		all_writable &= !!(vma->vm_flags & VM_WRITE);
		any_private |= !(vma->vm_flags & VM_SHARED);
		any_pagecache |= edudma_vma_is_pagecache(vma);
	}

	*gup_flags = FOLL_LONGTERM;
	if (dev_writes) {
		if (any_pagecache)
			return -EOPNOTSUPP;
		*gup_flags |= FOLL_WRITE;
	} else if (all_writable && any_private && !any_pagecache) {
		*gup_flags |= FOLL_WRITE;	/* break COW now, see above */
	}
	return 0;
}

/* The same, as an early answer before anything is allocated or charged. */
static int edudma_gup_flags(unsigned long start, unsigned long end,
			    bool dev_writes)
{
	struct mm_struct *mm = current->mm;
	unsigned int gup_flags;
	int ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ret = edudma_gup_flags_locked(mm, start, end, dev_writes, &gup_flags);
	mmap_read_unlock(mm);
	return ret;
}

/*
 * The bounce buffer pool (swiotlb) of the device, if it has one in use, and
 * whether the device can reach all of it. The pool is wherever the kernel
 * found room at boot - below 4 GiB, but not below a 28-bit device's 256
 * MiB - so "swiotlb is active" does not mean "pages can be bounced".
 */
static bool edudma_bounce_pool(struct device *dev, bool *reachable)
{
#ifdef CONFIG_SWIOTLB
	struct io_tlb_mem *pool = dev->dma_io_tlb_mem;

	if (pool && pool->nslabs && is_swiotlb_active(dev)) {
		*reachable = phys_to_dma(dev, pool->end - 1) <= dma_get_mask(dev);
		return true;
	}
#endif
	*reachable = false;
	return false;
}

/*
 * Can the device reach these pages - directly, through an IOMMU, or through
 * a bounce buffer it can reach? Without that the DMA layer would warn and
 * fail (swiotlb: "addr overflow", a WARNING any user could trigger); the
 * callers answer ERANGE instead and log why (edudma_log_unreachable).
 */
bool edudma_pages_reachable(struct device *dev, struct page **pages,
			    unsigned long npages)
{
	u64 mask = dma_get_mask(dev);
	bool pool_ok;
	unsigned long i;

	if (get_dma_ops(dev))
		return true;	/* an IOMMU translates: any page will do */
	if (edudma_bounce_pool(dev, &pool_ok) && (pool_ok || is_swiotlb_force_bounce(dev)))
		return pool_ok;	/* bounced when needed (always, if forced) */
	for (i = 0; i < npages; i++) {
		dma_addr_t a = phys_to_dma(dev, page_to_phys(pages[i]));

		if (a > mask || PAGE_SIZE - 1 > mask - a)
			return false;
	}
	return true;
}

/*
 * Can the device reach any page of RAM - through an IOMMU, a bounce pool it
 * can reach, or because all of RAM lies within its mask? An importer sees
 * a foreign dma-buf's pages only once the exporter has mapped them for it,
 * and a mapping beyond the mask with nothing to bounce warns in the DMA
 * layer: so without this, IMPORT answers ERANGE up front.
 */
bool edudma_dev_reaches_all(struct device *dev)
{
	bool pool_ok;

	if (get_dma_ops(dev))
		return true;
	if (edudma_bounce_pool(dev, &pool_ok) && (pool_ok || is_swiotlb_force_bounce(dev)))
		return pool_ok;
	return dma_get_required_mask(dev) <= dma_get_mask(dev);
}

/* Say why edudma_pages_reachable() refused, once in a while. */
void edudma_log_unreachable(struct device *dev)
{
	bool pool_ok;

	if (edudma_bounce_pool(dev, &pool_ok))
		dev_notice_ratelimited(dev, "memory beyond the device's %d-bit DMA mask%s, and its bounce buffer pool lies beyond it too: ERANGE\n",
				       fls64(dma_get_mask(dev)),
				       is_swiotlb_force_bounce(dev) ? " (swiotlb=force bounces every page)" : "");
	else
		dev_notice_ratelimited(dev, "memory beyond the device's %d-bit DMA mask and no bounce buffer pool: ERANGE\n",
				       fls64(dma_get_mask(dev)));
}

/*
 * dma_map_sgtable() failed: with bounce buffers in play that means the pool
 * is full (other mappings hold it) - ENOBUFS, not EIO, which means a wedged
 * device. Otherwise what the DMA layer said (an IOMMU out of space: ENOMEM).
 */
static int edudma_map_error(struct device *dev, int err)
{
	bool pool_ok;

	if (!get_dma_ops(dev) && edudma_bounce_pool(dev, &pool_ok)) {
		dev_notice_ratelimited(dev, "bounce buffer pool exhausted: ENOBUFS\n");
		return -ENOBUFS;
	}
	return err == -EIO ? -ENOMEM : err;
}

unsigned int edudma_max_segment(struct device *dev)
{
	size_t max = min_t(size_t, dma_max_mapping_size(dev),
			   dma_get_max_seg_size(dev));

	return max_t(size_t, max & PAGE_MASK, PAGE_SIZE);
}

static int edudma_build_segs(struct edudma_pinned *p)
{
	struct scatterlist *sg;
	unsigned int i;

	p->mem.segs = kvmalloc_array(p->sgt.nents, sizeof(*p->mem.segs),
				     GFP_KERNEL);
	if (!p->mem.segs)
		return -ENOMEM;
	for_each_sgtable_dma_sg(&p->sgt, sg, i) {
		p->mem.segs[i].addr = sg_dma_address(sg);
		p->mem.segs[i].len = sg_dma_len(sg);
	}
	p->mem.nsegs = p->sgt.nents;
	return 0;
}

/*
 * Judge the mappings and pin their pages under one mmap_lock: with the lock
 * dropped in between, a racing mmap(MAP_FIXED) of a regular file over the
 * range would slip page cache under a writable long-term pin that the check
 * had just refused. pin_user_pages() is the variant for a caller that holds
 * the lock.
 */
static int edudma_pin_pages(struct edudma_pinned *p, unsigned long start,
			    bool dev_writes)
{
	struct mm_struct *mm = current->mm;
	unsigned long done = 0;
	unsigned int gup_flags;
	int ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ret = edudma_gup_flags_locked(mm, start,
				      start + (p->npages << PAGE_SHIFT),
				      dev_writes, &gup_flags);
	while (!ret && done < p->npages) {
		long n = pin_user_pages(start + (done << PAGE_SHIFT),
					min_t(unsigned long, p->npages - done,
					      INT_MAX >> PAGE_SHIFT),
					gup_flags, p->pages + done
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
					, NULL
#endif
					);

		if (n <= 0) {
			/* 0 or -EFAULT: a hole, PROT_NONE, or read-only for a device write */
			ret = n ? n : -EFAULT;
			break;
		}
		done += n;
		if (fatal_signal_pending(current))
			ret = -EINTR;
	}
	mmap_read_unlock(mm);
	if (ret)
		edudma_unpin(p, done);
	return ret;
}

/*
 * Pin and map [addr, addr + length) for 'access'. On success *out holds one
 * reference; pin_ns and map_ns say where the time went.
 */
int edudma_pinned_create(struct edudma_dev *edev, u64 addr, u64 length,
			 u32 access, struct edudma_mem **out,
			 u64 *pin_ns, u64 *map_ns)
{
	unsigned long start, end, offset;
	struct edudma_pinned *p;
	u64 t0, t1;
	int ret;

	if (!length || !access || (access & ~EDUDMA_ACCESS_MASK))
		return -EINVAL;
	if (addr + length < addr || addr + length > TASK_SIZE)
		return -EINVAL;
	if (!current->mm)
		return -EFAULT;
	start = addr & PAGE_MASK;
	end = PAGE_ALIGN(addr + length);
	offset = addr - start;
	/*
	 * More pages than the machine has can never be pinned; refusing here
	 * also keeps absurd lengths away from the allocators below.
	 */
	if ((end - start) >> PAGE_SHIFT > totalram_pages())
		return -ENOMEM;
	ret = edudma_gup_flags(start, end, access & EDUDMA_ACCESS_DEV_WRITE);
	if (ret)
		return ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->npages = (end - start) >> PAGE_SHIFT;
	/*
	 * Mapped in the directions the device may use it. With bounce buffers
	 * (swiotlb) each mapping is a copy of the pages, and two rules keep
	 * the copies honest (test_drv_sync.c):
	 *  - every request syncs exactly the bytes it touches: for the device
	 *    before (what it will read is copied in), for the CPU after (only
	 *    the bytes it has written back, edudma_xfer.c);
	 *  - map and unmap skip the CPU sync: unpinning has nothing to copy
	 *    back - and must not, as a stale copy would overwrite what the
	 *    device wrote through another, overlapping pin of the same memory
	 *    (which the ABI allows; DMA-API debug calls overlapping mappings
	 *    unsupported unless the driver syncs itself).
	 */
	switch (access & EDUDMA_ACCESS_MASK) {
	case EDUDMA_ACCESS_DEV_READ:
		p->dir = DMA_TO_DEVICE;
		break;
	case EDUDMA_ACCESS_DEV_WRITE:
		p->dir = DMA_FROM_DEVICE;
		break;
	default:
		p->dir = DMA_BIDIRECTIONAL;
		break;
	}
	p->pages = kvmalloc_array(p->npages, sizeof(*p->pages),
				  GFP_KERNEL | __GFP_NOWARN);
	if (!p->pages) {
		ret = -ENOMEM;
		goto err_free;
	}
	p->mm = current->mm;
	p->uaddr = addr;
	mmgrab(p->mm);
	ret = edudma_charge_memlock(p->mm, p->npages);
	if (ret)
		goto err_mmdrop;

	t0 = ktime_get_ns();
	ret = edudma_pin_pages(p, start, access & EDUDMA_ACCESS_DEV_WRITE);
	if (ret)
		goto err_uncharge;
	t1 = ktime_get_ns();

	/*
	 * Merge adjacent pages, but never into a segment the DMA layer cannot
	 * map in one piece (swiotlb bounces at most 256 KiB at a time).
	 */
	ret = sg_alloc_table_from_pages_segment(&p->sgt, p->pages, p->npages,
						offset, length,
						edudma_max_segment(&edev->pdev->dev),
						GFP_KERNEL);
	if (ret)
		goto err_unpin;
	ret = -ERANGE;
	if (!edudma_pages_reachable(&edev->pdev->dev, p->pages, p->npages)) {
		edudma_log_unreachable(&edev->pdev->dev);
		goto err_free_table;
	}
	ret = dma_map_sgtable(&edev->pdev->dev, &p->sgt, p->dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		ret = edudma_map_error(&edev->pdev->dev, ret);
		goto err_free_table;
	}
	p->mapped = true;

	edudma_mem_init(&p->mem, EDUDMA_MEM_PINNED, edev, edudma_pinned_release,
			edudma_pinned_revoke);
	p->mem.size = length;
	p->mem.access = access;
	p->mem.sync = edudma_pinned_sync;
	atomic_inc(&edev->nr_pinned);
	ret = edudma_build_segs(p);
	if (ret) {
		edudma_mem_put(&p->mem);	/* releases everything above */
		return ret;
	}
	*pin_ns = t1 - t0;
	*map_ns = ktime_get_ns() - t1;
	*out = &p->mem;
	return 0;

err_free_table:
	sg_free_table(&p->sgt);
err_unpin:
	edudma_unpin(p, p->npages);
err_uncharge:
	edudma_uncharge_memlock(p->mm, p->npages);
err_mmdrop:
	mmdrop(p->mm);
	kvfree(p->pages);
err_free:
	kfree(p);
	return ret;
}

/* Counts a PIN reports: pages, CPU segments after merging, DMA segments. */
static void edudma_pinned_counts(struct edudma_mem *mem, struct edudma_pin *req)
{
	struct edudma_pinned *p = to_pinned(mem);

	req->nr_pages = p->npages;
	req->nr_cpu_segments = p->sgt.orig_nents;
	req->nr_dma_segments = p->sgt.nents;
}

u32 edudma_pinned_npages(struct edudma_mem *mem)
{
	return to_pinned(mem)->npages;
}

/*
 * Do [aoff, aoff + length) of a and [boff, boff + length) of b name the
 * same user memory? Two pins (registered or one-shot) of overlapping
 * addresses in one process are different objects with different DMA
 * addresses - under bounce buffers even different copies - so only the
 * user addresses tell. (The same pages mapped at two addresses are not
 * seen: docs/driver.md, "Buffers and transfers: the model".)
 */
bool edudma_pinned_overlap(struct edudma_mem *a, u64 aoff,
			   struct edudma_mem *b, u64 boff, u64 length)
{
	struct edudma_pinned *pa, *pb;
	u64 a0, b0;

	if (a->kind != EDUDMA_MEM_PINNED || b->kind != EDUDMA_MEM_PINNED)
		return false;
	pa = to_pinned(a);
	pb = to_pinned(b);
	if (pa->mm != pb->mm)
		return false;
	a0 = pa->uaddr + aoff;	/* both within TASK_SIZE: no overflow */
	b0 = pb->uaddr + boff;
	return a0 < b0 + length && b0 < a0 + length;
}

long edudma_ioctl_pin(struct edudma_file *ef, void __user *uarg)
{
	struct edudma_mem *mem;
	struct edudma_pin req;
	u32 handle;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved[0] || req.reserved[1])
		return -EINVAL;
	ret = edudma_pinned_create(ef->edev, req.addr, req.length, req.access,
				   &mem, &req.pin_ns, &req.map_ns);
	if (ret)
		return ret;
	/* The reply is complete before the handle exists (edudma_handle_publish). */
	edudma_pinned_counts(mem, &req);
	ret = edudma_handle_publish(ef, mem, &handle);
	if (ret)
		goto out_put;
	req.handle = handle;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		edudma_handle_unpublish(ef, handle, mem);
		ret = -EFAULT;
	}
out_put:
	edudma_mem_put(mem);
	return ret;
}
