// SPDX-License-Identifier: GPL-2.0
/*
 * Coherent buffers: physically contiguous, device-coherent memory from
 * dma_alloc_coherent(), one device-visible segment each, mapped into
 * userspace.
 *
 * mmap offsets are cookies handed out per file: each buffer owns the range
 * [pgoff, pgoff + pages) of the file's offset space, so a mapping may also
 * start in the middle of a buffer. Cookies are never reused within a file.
 *
 * Mappings are filled at fault time, not in ->mmap (docs/driver-lifetime.md,
 * "Why mmap faults its pages in"): remove() must be able to take the memory back
 * whatever a concurrent mmap is doing, and a vma joins the file's i_mmap
 * tree - where unmap_mapping_range() finds it - only after ->mmap returns.
 * A PTE filled in ->mmap could therefore outlive the revocation. Filled by
 * the fault handler under fault_lock, which checks 'fenced' first, every
 * PTE exists only in a vma that revocation will zap: faults need the vma
 * linked, and revocation fences before it zaps. (This also keeps mmap off
 * remap_pfn_range(), whose error path warns in 6.1 when a page-table
 * allocation fails.)
 */
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "edudma.h"

static struct edudma_buf *to_buf(struct edudma_mem *mem)
{
	return to_edudma_buf(mem);
}

/*
 * A coherent buffer is memory the process holds as surely as a pin: it is
 * charged like one (RLIMIT_MEMLOCK, unless CAP_IPC_LOCK) and counted
 * against the device's max_coherent, so an unprivileged user of the node
 * cannot take the machine's RAM. The charge goes back with the memory.
 */
static int edudma_buf_charge(struct edudma_dev *edev, struct edudma_buf *buf)
{
	unsigned long npages = buf->alloc_size >> PAGE_SHIFT;
	unsigned long cap = READ_ONCE(edudma_max_coherent);
	u64 total = atomic64_add_return(buf->alloc_size, &edev->coherent_bytes);
	int ret;

	if (cap && total > cap) {
		atomic64_sub(buf->alloc_size, &edev->coherent_bytes);
		dev_notice_ratelimited(&edev->dev, "ALLOC: the device's coherent memory limit (max_coherent=%lu) is reached: ENOMEM\n",
				       cap);
		return -ENOMEM;
	}
	buf->mm = current->mm;
	mmgrab(buf->mm);
	ret = edudma_charge_memlock(buf->mm, npages);
	if (ret) {
		atomic64_sub(buf->alloc_size, &edev->coherent_bytes);
		return ret;
	}
	buf->charged = true;
	return 0;
}

static void edudma_buf_uncharge(struct edudma_buf *buf)
{
	if (!buf->charged)
		return;
	edudma_uncharge_memlock(buf->mm, buf->alloc_size >> PAGE_SHIFT);
	atomic64_sub(buf->alloc_size, &buf->mem.edev->coherent_bytes);
	buf->charged = false;
}

/* Revocation, step 1: from now on a fault answers SIGBUS (edudma_mem.c). */
static void edudma_buf_fence(struct edudma_mem *mem)
{
	struct edudma_buf *buf = to_buf(mem);

	mutex_lock(&buf->fault_lock);
	buf->fenced = true;
	mutex_unlock(&buf->fault_lock);
}

/*
 * Called once the memory can no longer be reached: on removal (fenced,
 * mappings zapped, bus mastering off) or by the last put (no mapping
 * holds the buffer any more).
 */
static void edudma_buf_revoke(struct edudma_mem *mem)
{
	struct edudma_buf *buf = to_buf(mem);

	if (!buf->vaddr)
		return;
	/*
	 * On removal, a buffer with live dma-bufs keeps its memory: importers
	 * hold device mappings and vmaps of it that nothing can revoke. The
	 * dma-bufs hold references; the last one frees it (release, below).
	 */
	if (atomic_read(&buf->nr_exports)) {
		unsigned long i;

		/*
		 * dma-direct: allocated on our class device, which lives as
		 * long as the memory; freed by the last put (release).
		 */
		if (!get_dma_ops(&mem->edev->pdev->dev))
			return;
		/*
		 * An IOMMU's allocator builds the buffer from single pages,
		 * and frees it only while the device has its DMA ops: free it
		 * now, keep the pages (importers map the pages themselves,
		 * vmap is our own, edudma_dmabuf.c).
		 */
		for (i = 0; i < buf->alloc_size >> PAGE_SHIFT; i++)
			get_page(pfn_to_page(buf->pfns[i]));
		buf->pages_held = true;
	}
	dma_free_coherent(mem->edev->coherent_dev, buf->alloc_size, buf->vaddr,
			  buf->dma);
	buf->vaddr = NULL;
	if (buf->pages_held)
		return;		/* still counted and charged: release */
	atomic_dec(&mem->edev->nr_buffers);
	edudma_buf_uncharge(buf);
}

static void edudma_buf_release(struct edudma_mem *mem)
{
	struct edudma_buf *buf = to_buf(mem);

	edudma_buf_revoke(mem);
	if (buf->pages_held) {
		unsigned long i;

		for (i = 0; i < buf->alloc_size >> PAGE_SHIFT; i++)
			put_page(pfn_to_page(buf->pfns[i]));
		atomic_dec(&mem->edev->nr_buffers);
		edudma_buf_uncharge(buf);
	}
	if (buf->mm)
		mmdrop(buf->mm);
	kvfree(buf->pfns);
	kfree(buf);
}

/*
 * The page frames behind the buffer's CPU address, through the DMA API:
 * dma-direct hands out linear-map memory, an IOMMU's allocator a vmap of
 * single pages; dma_get_sgtable() knows which.
 */
static int edudma_buf_pfns(struct device *dev, struct edudma_buf *buf)
{
	unsigned long npages = buf->alloc_size >> PAGE_SHIFT, i = 0;
	struct sg_page_iter piter;
	struct sg_table sgt;
	int ret;

	buf->pfns = kvmalloc_array(npages, sizeof(*buf->pfns),
				   GFP_KERNEL | __GFP_NOWARN);
	if (!buf->pfns)
		return -ENOMEM;
	ret = dma_get_sgtable(dev, &sgt, buf->vaddr, buf->dma, buf->alloc_size);
	if (ret)
		return ret;
	for_each_sgtable_page(&sgt, &piter, 0) {
		if (i == npages)
			break;
		buf->pfns[i++] = page_to_pfn(sg_page_iter_page(&piter));
	}
	sg_free_table(&sgt);
	return i == npages ? 0 : -EIO;
}

long edudma_ioctl_alloc(struct edudma_file *ef, void __user *uarg)
{
	struct edudma_dev *edev = ef->edev;
	struct edudma_alloc req;
	struct edudma_buf *buf;
	u32 handle;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved[0] || req.reserved[1])
		return -EINVAL;
	if (req.size == 0 || req.size > edudma_max_alloc)
		return -EINVAL;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	buf->alloc_size = PAGE_ALIGN(req.size);
	buf->mem.edev = edev;
	mutex_init(&buf->fault_lock);
	ret = edudma_buf_charge(edev, buf);
	if (ret)
		goto err_free;
	/*
	 * Zeroed: the DMA API guarantees it for every allocation since 5.0.
	 * __GFP_NORETRY: when memory runs out the caller gets ENOMEM; the OOM
	 * killer is not sent after some innocent process on our behalf (with
	 * an IOMMU the buffer is built from single pages, which would).
	 */
	buf->vaddr = dma_alloc_coherent(edev->coherent_dev, buf->alloc_size,
					&buf->dma,
					GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	if (!buf->vaddr) {
		ret = -ENOMEM;
		goto err_free;
	}
	edudma_mem_init(&buf->mem, EDUDMA_MEM_COHERENT, edev, edudma_buf_release,
			edudma_buf_revoke);
	buf->mem.fence = edudma_buf_fence;
	atomic_inc(&edev->nr_buffers);
	buf->seg.addr = buf->dma;
	buf->seg.len = buf->alloc_size;
	buf->mem.segs = &buf->seg;
	buf->mem.nsegs = 1;
	buf->mem.size = buf->alloc_size;
	buf->mem.access = EDUDMA_ACCESS_MASK;
	ret = edudma_buf_pfns(edev->coherent_dev, buf);
	if (ret)
		goto out_put;

	mutex_lock(&ef->lock);
	buf->pgoff = ef->next_pgoff;
	ef->next_pgoff += buf->alloc_size >> PAGE_SHIFT;
	mutex_unlock(&ef->lock);
	/* The reply is complete before the handle exists (edudma_handle_publish). */
	req.mmap_offset = buf->pgoff << PAGE_SHIFT;
	req.alloc_size = buf->alloc_size;
	ret = edudma_handle_publish(ef, &buf->mem, &handle);
	if (ret)
		goto out_put;
	req.handle = handle;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		edudma_handle_unpublish(ef, handle, &buf->mem);
		ret = -EFAULT;
	}
out_put:
	edudma_mem_put(&buf->mem);
	return ret;

err_free:
	edudma_buf_uncharge(buf);
	if (buf->mm)
		mmdrop(buf->mm);
	kfree(buf);
	return ret;
}

/* Mappings hold a reference on their buffer; splits and forks take more. */
static void edudma_vm_open(struct vm_area_struct *vma)
{
	struct edudma_buf *buf = vma->vm_private_data;

	kref_get(&buf->mem.ref);
}

static void edudma_vm_close(struct vm_area_struct *vma)
{
	edudma_mem_put(&((struct edudma_buf *)vma->vm_private_data)->mem);
}

/*
 * Fill the faulting page, then the rest of the vma: one fault per mapping,
 * not one per page. Only the faulting page must succeed; the others are a
 * courtesy (a failed page-table allocation there just means a later fault).
 */
/*
 * Insert the faulting page, then the rest of the vma; 'first' is the
 * buffer page the vma's first page shows.
 */
vm_fault_t edudma_buf_insert_pfns(struct vm_fault *vmf, struct edudma_buf *buf,
				  unsigned long first)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long npages = buf->alloc_size >> PAGE_SHIFT, addr;
	unsigned long idx = first + ((vmf->address - vma->vm_start) >> PAGE_SHIFT);
	vm_fault_t ret;

	if (idx >= npages)
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn(vma, vmf->address, buf->pfns[idx]);
	if (ret != VM_FAULT_NOPAGE)
		return ret;
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		unsigned long i = first + ((addr - vma->vm_start) >> PAGE_SHIFT);

		if (addr == (vmf->address & PAGE_MASK))
			continue;
		if (i >= npages ||
		    vmf_insert_pfn(vma, addr, buf->pfns[i]) != VM_FAULT_NOPAGE)
			break;
	}
	return ret;
}

static vm_fault_t edudma_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct edudma_buf *buf = vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	mutex_lock(&buf->fault_lock);
	if (!buf->fenced)
		ret = edudma_buf_insert_pfns(vmf, buf, vma->vm_pgoff - buf->pgoff);
	mutex_unlock(&buf->fault_lock);
	return ret;
}

static const struct vm_operations_struct edudma_vm_ops = {
	.open	= edudma_vm_open,
	.close	= edudma_vm_close,
	.fault	= edudma_vm_fault,
};

/* The buffer of this file whose cookie range holds 'pgoff', referenced. */
static struct edudma_buf *edudma_buf_by_pgoff(struct edudma_file *ef,
					      unsigned long pgoff)
{
	struct edudma_buf *found = NULL;
	struct edudma_mem *mem;
	unsigned long index;

	mutex_lock(&ef->lock);
	xa_for_each(&ef->handles, index, mem) {
		struct edudma_buf *buf;

		if (mem->kind != EDUDMA_MEM_COHERENT)
			continue;
		buf = to_buf(mem);
		if (pgoff >= buf->pgoff &&
		    pgoff - buf->pgoff < (buf->alloc_size >> PAGE_SHIFT)) {
			kref_get(&mem->ref);
			found = buf;
			break;
		}
	}
	mutex_unlock(&ef->lock);
	return found;
}

int edudma_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct edudma_file *ef = file->private_data;
	unsigned long off, pages = vma_pages(vma);
	struct edudma_buf *buf;
	int ret;

	/* A private mapping would copy on write: the device would not see it. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/*
	 * Memory a device writes is no place for code: PROT_EXEC is refused
	 * (EPERM, as for a noexec mount), and mprotect cannot add it later.
	 */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	buf = edudma_buf_by_pgoff(ef, vma->vm_pgoff);
	if (!buf)
		return -EINVAL;
	off = vma->vm_pgoff - buf->pgoff;
	if (pages > (buf->alloc_size >> PAGE_SHIFT) - off) {
		ret = -EINVAL;
		goto err_put;
	}

	/*
	 * Page frames without struct page refcounting (VM_PFNMAP; VM_IO keeps
	 * GUP away, so nobody can pin them), fixed size (no mremap growth),
	 * not in core dumps. Nothing is mapped yet: edudma_vm_fault fills it.
	 * vm_pgoff keeps the cookie, so the fault finds the buffer's page from
	 * it and unmap_mapping_range() sees the true file offsets.
	 *
	 * The protection is the vma's own: right for cache-coherent DMA (x86,
	 * and coherent devices elsewhere). A non-coherent platform would need
	 * the DMA layer's uncached protection, which only dma_mmap_coherent()
	 * applies (docs/driver-lifetime.md).
	 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_mod(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP,
		     VM_MAYEXEC);
#else
	vma->vm_flags |= VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_flags &= ~VM_MAYEXEC;
#endif
	vma->vm_private_data = buf;
	vma->vm_ops = &edudma_vm_ops;
	return 0;

err_put:
	edudma_mem_put(&buf->mem);
	return ret;
}
