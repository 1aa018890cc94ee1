// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf (Documentation/driver-api/dma-buf.rst; docs/dma-buf.md).
 *
 * EXPORT: a coherent buffer becomes a dma-buf. Each attachment gets a
 * scatterlist of the buffer's pages of its own, mapped for the importing
 * device by map_dma_buf - with that device's DMA ops, so it is right behind
 * an IOMMU and under bounce buffering; begin/end_cpu_access
 * (DMA_BUF_IOCTL_SYNC) sync those mappings. mmap of the dma-buf fd is filled
 * at fault time like our own mappings; vmap hands out the buffer's kernel
 * address. Every dma-buf holds a reference on the buffer and a module
 * reference (DMA_BUF_EXPORT_INFO's owner), so the memory lives until the
 * last of its handle, its mappings and its dma-bufs. On removal a buffer
 * with live dma-bufs keeps its memory (importers' mappings and vmaps cannot
 * be revoked); it is freed when the last dma-buf goes. New attachments of
 * such an orphan are refused (ENODEV).
 *
 * IMPORT: any dma-buf becomes a memory object TRANSFER and COPY accept:
 * attached to our device and mapped once, for the directions asked. Each
 * request syncs exactly the bytes it touches on that mapping (as for pinned
 * memory), so it is right under bounce buffering whatever the exporter's
 * map did. Removal unmaps and detaches; the dma-buf reference goes with the
 * object.
 *
 * Locking. Exporter callbacks may be called with the dma-buf's reservation
 * lock held (map/unmap through the _unlocked helpers, mmap, vmap) and
 * mmap under mmap_lock: they take nothing but the export's own 'lock'
 * (attachments) and never mmap_lock, 'lifetime' or objects_lock. The
 * importer calls into the exporter under 'lifetime' (read) from the ioctl,
 * and under objects_lock from removal (unmap, detach): nothing of ours is
 * ever taken inside the reservation lock, so neither order can close a
 * cycle. The dma-buf reference itself is dropped outside every lock
 * (release), and fput defers the file's release anyway.
 */
#include <linux/dma-buf.h>
#include <linux/dma-map-ops.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "edudma.h"

MODULE_IMPORT_NS(DMA_BUF);

/* One dma-buf of a buffer. */
struct edudma_export_priv {
	struct edudma_buf *buf;		/* referenced */
	bool writable;			/* EDUDMA_EXPORT_WRITE */
	struct mutex lock;		/* attachments */
	struct list_head attachments;
};

/* One importing device's view: its own table, mapped by map_dma_buf. */
struct edudma_attach_priv {
	struct sg_table sgt;		/* ours: mapped, synced, unmapped */
	struct sg_table out;		/* a copy for the importer (map_dma_buf) */
	struct device *dev;
	struct list_head node;
	enum dma_data_direction dir;
	bool mapped;
};

static int edudma_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct edudma_export_priv *exp = dmabuf->priv;
	struct edudma_buf *buf = exp->buf;
	unsigned long i, npages = buf->alloc_size >> PAGE_SHIFT;
	struct edudma_attach_priv *a;
	struct page **pages;
	int ret;

	/* The exporting device is gone: no new users of the orphan. */
	if (READ_ONCE(buf->mem.edev->gone))
		return -ENODEV;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!a || !pages) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < npages; i++)
		pages[i] = pfn_to_page(buf->pfns[i]);
	/* Segments the importer's DMA layer can map in one piece. */
	ret = sg_alloc_table_from_pages_segment(&a->sgt, pages, npages, 0,
						buf->alloc_size,
						edudma_max_segment(attach->dev),
						GFP_KERNEL);
	if (ret)
		goto err;
	kvfree(pages);
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&exp->lock);
	list_add(&a->node, &exp->attachments);
	mutex_unlock(&exp->lock);
	return 0;
err:
	kvfree(pages);
	kfree(a);
	return ret;
}

static void edudma_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct edudma_export_priv *exp = dmabuf->priv;
	struct edudma_attach_priv *a = attach->priv;

	mutex_lock(&exp->lock);
	list_del(&a->node);
	mutex_unlock(&exp->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

/* Can 'dev' reach every page of the table (directly, by IOMMU or bounce)? */
static bool edudma_sgt_reachable(struct device *dev, struct sg_table *sgt)
{
	struct sg_page_iter piter;

	if (edudma_dev_reaches_all(dev))
		return true;
	for_each_sgtable_page(sgt, &piter, 0) {
		struct page *page = sg_page_iter_page(&piter);

		if (!edudma_pages_reachable(dev, &page, 1))
			return false;
	}
	return true;
}

/*
 * The importer gets a copy of the mapped table, not ours: with
 * CONFIG_DMABUF_DEBUG the dma-buf core scrambles the page links of what
 * map_dma_buf returns until unmap (mangle_sg_table()), and our syncs at
 * begin/end_cpu_access need them (dma_sync_sgtable_*() - by DMA segment
 * instead, DMA-API debug cannot tell the mapping from our coherent
 * allocation at the same address: both found by the debug kernel).
 */
static int edudma_sgt_clone(struct sg_table *out, struct sg_table *in)
{
	struct scatterlist *s, *d;
	int i, ret;

	ret = sg_alloc_table(out, in->orig_nents, GFP_KERNEL);
	if (ret)
		return ret;
	d = out->sgl;
	for_each_sgtable_sg(in, s, i) {
		sg_set_page(d, sg_page(s), s->length, s->offset);
		sg_dma_address(d) = sg_dma_address(s);
		sg_dma_len(d) = sg_dma_len(s);
		d = sg_next(d);
	}
	out->nents = in->nents;
	return 0;
}

static struct sg_table *edudma_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct edudma_export_priv *exp = attach->dmabuf->priv;
	struct edudma_attach_priv *a = attach->priv;
	int ret;

	/* A read-only export: importing devices may only read. */
	if (!exp->writable && dir != DMA_TO_DEVICE)
		return ERR_PTR(-EACCES);
	if (!edudma_sgt_reachable(attach->dev, &a->sgt))
		return ERR_PTR(-ERANGE);
	mutex_lock(&exp->lock);
	if (a->mapped) {
		mutex_unlock(&exp->lock);
		return ERR_PTR(-EBUSY);
	}
	/*
	 * From here to unmap the importing device owns the memory (under
	 * bounce buffering its writes land in our pages at unmap or at
	 * begin_cpu_access, not before). The CPU sync is explicit, as in
	 * vb2-dma-contig: the pages are also our coherent allocation, and a
	 * mapping with implied syncs over it is an "overlapping mapping" to
	 * DMA-API debug (cacheline tracking EEXIST; found by the debug kernel).
	 */
	ret = dma_map_sgtable(attach->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (!ret) {
		ret = edudma_sgt_clone(&a->out, &a->sgt);
		if (ret)
			dma_unmap_sgtable(attach->dev, &a->sgt, dir,
					  DMA_ATTR_SKIP_CPU_SYNC);
	}
	if (!ret) {
		dma_sync_sgtable_for_device(attach->dev, &a->sgt, dir);
		a->mapped = true;
		a->dir = dir;
	}
	mutex_unlock(&exp->lock);
	return ret ? ERR_PTR(ret) : &a->out;
}

/* 'sgt' is a->out, handed back unscrambled; ours is a->sgt. */
static void edudma_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct edudma_export_priv *exp = attach->dmabuf->priv;
	struct edudma_attach_priv *a = attach->priv;

	mutex_lock(&exp->lock);
	dma_sync_sgtable_for_cpu(attach->dev, &a->sgt, dir);
	dma_unmap_sgtable(attach->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(&a->out);
	a->mapped = false;
	mutex_unlock(&exp->lock);
}

/*
 * DMA_BUF_IOCTL_SYNC: coherent memory needs nothing for our own device;
 * the importers' streaming mappings (bounced, or on a non-coherent
 * platform) are handed to the CPU and back.
 */
static int edudma_dmabuf_begin_cpu(struct dma_buf *dmabuf,
				   enum dma_data_direction dir)
{
	struct edudma_export_priv *exp = dmabuf->priv;
	struct edudma_attach_priv *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_cpu(a->dev, &a->sgt, a->dir);
	mutex_unlock(&exp->lock);
	return 0;
}

static int edudma_dmabuf_end_cpu(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	struct edudma_export_priv *exp = dmabuf->priv;
	struct edudma_attach_priv *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_device(a->dev, &a->sgt, a->dir);
	mutex_unlock(&exp->lock);
	return 0;
}

/*
 * mmap of the dma-buf fd. The vma's file is the dma-buf's, which holds the
 * buffer - and the buffer's memory is never revoked while a dma-buf lives
 * - so unlike our own mappings these need no fence: they stay valid even
 * after the device is removed.
 */
static vm_fault_t edudma_dmabuf_fault(struct vm_fault *vmf)
{
	struct edudma_buf *buf = vmf->vma->vm_private_data;

	return edudma_buf_insert_pfns(vmf, buf, vmf->vma->vm_pgoff);
}

static const struct vm_operations_struct edudma_dmabuf_vm_ops = {
	.fault	= edudma_dmabuf_fault,
};

static int edudma_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct edudma_export_priv *exp = dmabuf->priv;

	/*
	 * MAP_SHARED of a read-only export has VM_MAYSHARE only (the kernel
	 * drops VM_SHARED when the file is not writable); a private mapping
	 * would copy on write.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_mod(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP,
		     VM_MAYEXEC);
#else
	vma->vm_flags |= VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_flags &= ~VM_MAYEXEC;
#endif
	vma->vm_private_data = exp->buf;
	vma->vm_ops = &edudma_dmabuf_vm_ops;
	return 0;
}

/*
 * A kernel mapping of our own, not the allocation's: behind an IOMMU that
 * one is a remap the allocator takes away when the device goes, while
 * the pages stay for the dma-bufs (pages_held). The dma-buf core counts
 * vmap users and calls us once.
 */
static int edudma_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct edudma_export_priv *exp = dmabuf->priv;
	unsigned long i, npages = exp->buf->alloc_size >> PAGE_SHIFT;
	struct page **pages;
	void *vaddr;

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++)
		pages[i] = pfn_to_page(exp->buf->pfns[i]);
	vaddr = vmap(pages, npages, VM_MAP, PAGE_KERNEL);
	kvfree(pages);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void edudma_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	vunmap(map->vaddr);
}

static void edudma_dmabuf_release(struct dma_buf *dmabuf)
{
	struct edudma_export_priv *exp = dmabuf->priv;
	struct edudma_dev *edev = exp->buf->mem.edev;

	atomic_dec(&exp->buf->nr_exports);
	atomic_dec(&edev->nr_exported);
	edudma_mem_put(&exp->buf->mem);	/* may free the memory (revoke) */
	mutex_destroy(&exp->lock);
	kfree(exp);
}

static const struct dma_buf_ops edudma_dmabuf_ops = {
	.attach			= edudma_dmabuf_attach,
	.detach			= edudma_dmabuf_detach,
	.map_dma_buf		= edudma_dmabuf_map,
	.unmap_dma_buf		= edudma_dmabuf_unmap,
	.begin_cpu_access	= edudma_dmabuf_begin_cpu,
	.end_cpu_access		= edudma_dmabuf_end_cpu,
	.mmap			= edudma_dmabuf_mmap,
	.vmap			= edudma_dmabuf_vmap,
	.vunmap			= edudma_dmabuf_vunmap,
	.release		= edudma_dmabuf_release,
};

long edudma_ioctl_export(struct edudma_file *ef, void __user *uarg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct edudma_export_priv *exp;
	struct edudma_export req;
	struct edudma_mem *mem;
	struct dma_buf *dmabuf;
	int fd, ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~EDUDMA_EXPORT_FLAGS) || req.reserved0 ||
	    req.reserved[0] || req.reserved[1])
		return -EINVAL;
	mem = edudma_handle_get(ef, req.handle);
	if (IS_ERR(mem))
		return PTR_ERR(mem);
	/* Pinned ranges are the process's own memory: udmabuf shares those. */
	if (mem->kind != EDUDMA_MEM_COHERENT) {
		ret = -EINVAL;
		goto err_put;
	}
	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp) {
		ret = -ENOMEM;
		goto err_put;
	}
	exp->buf = to_edudma_buf(mem);
	exp->writable = req.flags & EDUDMA_EXPORT_WRITE;
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->attachments);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_free;
	}
	info.ops = &edudma_dmabuf_ops;
	info.size = exp->buf->alloc_size;
	info.flags = (exp->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	info.priv = exp;
	/* Before the dma-buf exists: removal must not free the memory now. */
	atomic_inc(&exp->buf->nr_exports);
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		atomic_dec(&exp->buf->nr_exports);
		put_unused_fd(fd);
		ret = PTR_ERR(dmabuf);
		goto err_free;
	}
	/* The dma-buf owns 'exp' and our buffer reference from here on. */
	atomic_inc(&ef->edev->nr_exported);
	req.fd = fd;
	req.size = exp->buf->alloc_size;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;

err_free:
	mutex_destroy(&exp->lock);
	kfree(exp);
err_put:
	edudma_mem_put(mem);
	return ret;
}

/* ------------------------------------------------------------------ IMPORT */

struct edudma_imported {
	struct edudma_mem mem;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

static struct edudma_imported *to_imported(struct edudma_mem *mem)
{
	return container_of(mem, struct edudma_imported, mem);
}

static void edudma_imported_sync(struct edudma_mem *mem, u64 offset, u64 length,
				 bool for_device, enum dma_data_direction dir)
{
	edudma_segs_sync(&mem->edev->pdev->dev, mem->segs, mem->nsegs, offset,
			 length, for_device, dir);
}

/* Removal (under objects_lock) or the last put: give the mapping back. */
static void edudma_imported_revoke(struct edudma_mem *mem)
{
	struct edudma_imported *im = to_imported(mem);

	if (im->sgt)
		dma_buf_unmap_attachment_unlocked(im->attach, im->sgt, im->dir);
	im->sgt = NULL;
	if (im->attach)
		dma_buf_detach(im->dmabuf, im->attach);
	im->attach = NULL;
}

static void edudma_imported_release(struct edudma_mem *mem)
{
	struct edudma_imported *im = to_imported(mem);

	edudma_imported_revoke(mem);
	dma_buf_put(im->dmabuf);
	kvfree(mem->segs);
	atomic_dec(&mem->edev->nr_imported);
	kfree(im);
}

static enum dma_data_direction edudma_access_dir(u32 access)
{
	switch (access & EDUDMA_ACCESS_MASK) {
	case EDUDMA_ACCESS_DEV_READ:
		return DMA_TO_DEVICE;
	case EDUDMA_ACCESS_DEV_WRITE:
		return DMA_FROM_DEVICE;
	default:
		return DMA_BIDIRECTIONAL;
	}
}

/*
 * The mapping as segments our plans walk; ERANGE if any lies beyond the
 * mask (an exporter that mapped it anyway), EINVAL if it is shorter than
 * the dma-buf.
 */
static int edudma_imported_segs(struct edudma_imported *im, struct device *dev)
{
	u64 mask = dma_get_mask(dev), total = 0;
	struct scatterlist *sg;
	unsigned int i, n = 0;

	im->mem.segs = kvmalloc_array(im->sgt->nents, sizeof(*im->mem.segs),
				      GFP_KERNEL);
	if (!im->mem.segs)
		return -ENOMEM;
	for_each_sgtable_dma_sg(im->sgt, sg, i) {
		dma_addr_t a = sg_dma_address(sg);
		unsigned int len = sg_dma_len(sg);

		if (!len)
			continue;
		if (a > mask || len - 1 > mask - a)
			return -ERANGE;
		im->mem.segs[n].addr = a;
		im->mem.segs[n].len = len;
		total += len;
		n++;
	}
	im->mem.nsegs = n;
	return total < im->dmabuf->size ? -EINVAL : 0;
}

long edudma_ioctl_import(struct edudma_file *ef, void __user *uarg)
{
	struct edudma_dev *edev = ef->edev;
	struct device *dev = &edev->pdev->dev;
	struct edudma_imported *im;
	struct edudma_import req;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	u32 handle;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved0 || req.reserved[0] || req.reserved[1] ||
	    !req.access || (req.access & ~EDUDMA_ACCESS_MASK))
		return -EINVAL;
	dmabuf = dma_buf_get(req.fd);	/* EBADF, or EINVAL: not a dma-buf */
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	/*
	 * Our own exports are coherent memory, always within reach. Anything
	 * else is seen only once mapped, and a mapping beyond the mask with
	 * nothing to bounce warns in the DMA layer: refused before.
	 */
	if (dmabuf->ops != &edudma_dmabuf_ops && !edudma_dev_reaches_all(dev)) {
		dev_notice_ratelimited(dev, "IMPORT: memory of a foreign dma-buf may lie beyond the device's %d-bit DMA mask, and no IOMMU or reachable bounce buffer pool could make up for it: ERANGE\n",
				       fls64(dma_get_mask(dev)));
		dma_buf_put(dmabuf);
		return -ERANGE;
	}
	im = kzalloc(sizeof(*im), GFP_KERNEL);
	if (!im) {
		dma_buf_put(dmabuf);
		return -ENOMEM;
	}
	im->dmabuf = dmabuf;
	im->dir = edudma_access_dir(req.access);
	im->attach = dma_buf_attach(dmabuf, dev);
	if (IS_ERR(im->attach)) {
		ret = PTR_ERR(im->attach);
		goto err_put;
	}
	sgt = dma_buf_map_attachment_unlocked(im->attach, im->dir);
	if (IS_ERR_OR_NULL(sgt)) {
		ret = sgt ? PTR_ERR(sgt) : -ENOMEM;
		goto err_detach;
	}
	im->sgt = sgt;

	edudma_mem_init(&im->mem, EDUDMA_MEM_IMPORTED, edev,
			edudma_imported_release, edudma_imported_revoke);
	im->mem.size = dmabuf->size;
	im->mem.access = req.access;
	im->mem.sync = edudma_imported_sync;
	atomic_inc(&edev->nr_imported);
	ret = edudma_imported_segs(im, dev);
	if (ret)
		goto out_put;

	req.size = dmabuf->size;
	req.nr_dma_segments = im->mem.nsegs;
	ret = edudma_handle_publish(ef, &im->mem, &handle);
	if (ret)
		goto out_put;
	req.handle = handle;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		edudma_handle_unpublish(ef, handle, &im->mem);
		ret = -EFAULT;
	}
out_put:
	edudma_mem_put(&im->mem);
	return ret;

err_detach:
	dma_buf_detach(dmabuf, im->attach);
err_put:
	dma_buf_put(dmabuf);
	kfree(im);
	return ret;
}
