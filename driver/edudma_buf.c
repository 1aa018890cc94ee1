// SPDX-License-Identifier: GPL-2.0
/*
 * Coherent buffers: physically contiguous, device-coherent memory from
 * dma_alloc_coherent(), one device-visible segment each, mapped into
 * userspace with dma_mmap_coherent().
 *
 * mmap offsets are cookies handed out per file: each buffer owns the range
 * [pgoff, pgoff + pages) of the file's offset space, so a mapping may also
 * start in the middle of a buffer. Cookies are never reused within a file.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "edudma.h"

struct edudma_buf {
	struct edudma_mem mem;
	struct edu_seg seg;
	void *vaddr;
	dma_addr_t dma;
	size_t alloc_size;
	u64 pgoff;		/* mmap cookie, in pages */
};

static struct edudma_buf *to_buf(struct edudma_mem *mem)
{
	return container_of(mem, struct edudma_buf, mem);
}

/* Called once: on removal (mappings already zapped) or by the last put. */
static void edudma_buf_revoke(struct edudma_mem *mem)
{
	struct edudma_buf *buf = to_buf(mem);

	if (!buf->vaddr)
		return;
	dma_free_coherent(&mem->edev->pdev->dev, buf->alloc_size, buf->vaddr,
			  buf->dma);
	buf->vaddr = NULL;
	atomic_dec(&mem->edev->nr_buffers);
}

static void edudma_buf_release(struct edudma_mem *mem)
{
	edudma_buf_revoke(mem);
	kfree(to_buf(mem));
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
	/*
	 * Zeroed: the DMA API guarantees it for every allocation since 5.0.
	 * __GFP_NORETRY: when memory runs out the caller gets ENOMEM; the OOM
	 * killer is not sent after some innocent process on our behalf (with
	 * an IOMMU the buffer is built from single pages, which would).
	 */
	buf->vaddr = dma_alloc_coherent(&edev->pdev->dev, buf->alloc_size,
					&buf->dma,
					GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	if (!buf->vaddr) {
		kfree(buf);
		return -ENOMEM;
	}
	edudma_mem_init(&buf->mem, EDUDMA_MEM_COHERENT, edev, edudma_buf_release,
			edudma_buf_revoke);
	atomic_inc(&edev->nr_buffers);
	buf->seg.addr = buf->dma;
	buf->seg.len = buf->alloc_size;
	buf->mem.segs = &buf->seg;
	buf->mem.nsegs = 1;
	buf->mem.size = buf->alloc_size;
	buf->mem.access = EDUDMA_ACCESS_MASK;

	mutex_lock(&ef->lock);
	buf->pgoff = ef->next_pgoff;
	ef->next_pgoff += buf->alloc_size >> PAGE_SHIFT;
	ret = edudma_handle_add(ef, &buf->mem, &handle);
	mutex_unlock(&ef->lock);
	if (ret) {
		edudma_mem_put(&buf->mem);
		return ret;
	}

	req.handle = handle;
	req.mmap_offset = buf->pgoff << PAGE_SHIFT;
	req.alloc_size = buf->alloc_size;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		edudma_handle_revert(ef, handle, EDUDMA_MEM_COHERENT);
		return -EFAULT;
	}
	return 0;
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

static const struct vm_operations_struct edudma_vm_ops = {
	.open	= edudma_vm_open,
	.close	= edudma_vm_close,
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
	buf = edudma_buf_by_pgoff(ef, vma->vm_pgoff);
	if (!buf)
		return -EINVAL;
	off = vma->vm_pgoff - buf->pgoff;
	if (pages > (buf->alloc_size >> PAGE_SHIFT) - off) {
		ret = -EINVAL;
		goto err_put;
	}

	/* Fixed size (no mremap growth), not in core dumps. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	/* dma_mmap_coherent() reads the offset into the buffer from vm_pgoff. */
	vma->vm_pgoff = off;
	ret = dma_mmap_coherent(&ef->edev->pdev->dev, vma, buf->vaddr, buf->dma,
				buf->alloc_size);
	if (ret)
		goto err_put;
	vma->vm_private_data = buf;
	vma->vm_ops = &edudma_vm_ops;
	return 0;

err_put:
	edudma_mem_put(&buf->mem);
	return ret;
}
