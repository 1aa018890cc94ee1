// SPDX-License-Identifier: GPL-2.0
/*
 * The contiguity lab (EDUDMA_IOC_LAB, dmactl lab): measurements that can
 * only be taken inside the kernel, to answer the usual questions with
 * figures instead of folklore:
 *
 *  - what allocation costs per size with kmalloc, alloc_pages,
 *    dma_alloc_coherent and vmalloc;
 *  - whether CPU access is faster through the linear map (large pages)
 *    than through a vmap of the very same physical pages (4 KiB PTEs) -
 *    the only difference being the mapping and its TLB footprint;
 *  - how many DMA segments each kind of buffer becomes.
 *
 * Root only (CAP_SYS_ADMIN) and off unless the module parameter lab=1: it
 * allocates large amounts of memory on request and disables preemption
 * while it times a pass.
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "edudma.h"

bool edudma_lab_enabled;
module_param_named(lab, edudma_lab_enabled, bool, 0644);
MODULE_PARM_DESC(lab, "Allow the contiguity lab ioctl (root only; default off)");

#define LAB_GFP		(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)
#define LAB_MAX_ORDER	(MAX_ORDER - 1)

static int lab_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void lab_summarise(u64 *t, u32 n, struct edudma_lab *r)
{
	sort(t, n, sizeof(*t), lab_cmp_u64, NULL);
	r->ns_min = t[0];
	r->ns_median = t[n / 2];
	r->ns_max = t[n - 1];
}

/* The largest size each allocator can give in one piece. */
static u64 lab_alloc_limit(u32 allocator)
{
	switch (allocator) {
	case EDUDMA_LAB_KMALLOC:
		return KMALLOC_MAX_SIZE;
	case EDUDMA_LAB_ALLOC_PAGES:
	case EDUDMA_LAB_DMA_COHERENT:
		return PAGE_SIZE << LAB_MAX_ORDER;
	case EDUDMA_LAB_VMALLOC:
		return EDUDMA_LAB_MAX_SIZE;
	default:
		return 0;
	}
}

/* One allocate + free pair; its time in *ns. */
static int lab_alloc_pair(struct device *dev, u32 allocator, size_t size, u64 *ns)
{
	u64 t0 = ktime_get_ns();
	dma_addr_t dma;
	struct page *pg;
	void *p;

	switch (allocator) {
	case EDUDMA_LAB_KMALLOC:
		p = kmalloc(size, LAB_GFP);
		if (!p)
			return -ENOMEM;
		kfree(p);
		break;
	case EDUDMA_LAB_ALLOC_PAGES:
		pg = alloc_pages(LAB_GFP, get_order(size));
		if (!pg)
			return -ENOMEM;
		__free_pages(pg, get_order(size));
		break;
	case EDUDMA_LAB_DMA_COHERENT:
		p = dma_alloc_coherent(dev, size, &dma, LAB_GFP);
		if (!p)
			return -ENOMEM;
		dma_free_coherent(dev, size, p, dma);
		break;
	default:
		p = __vmalloc(size, LAB_GFP);
		if (!p)
			return -ENOMEM;
		vfree(p);
		break;
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

static int lab_alloc(struct edudma_dev *edev, struct edudma_lab *r, u64 *t)
{
	u32 i;
	int ret;

	for (i = 0; i < r->iterations; i++) {
		ret = lab_alloc_pair(&edev->pdev->dev, r->allocator, r->size, &t[i]);
		if (ret)
			return ret;
		cond_resched();
	}
	lab_summarise(t, r->iterations, r);
	return 0;
}

/* Count physically contiguous runs in a page array. */
static u32 lab_phys_runs(struct page **pages, unsigned long n)
{
	unsigned long i;
	u32 runs = n ? 1 : 0;

	for (i = 1; i < n; i++)
		if (page_to_pfn(pages[i]) != page_to_pfn(pages[i - 1]) + 1)
			runs++;
	return runs;
}

/*
 * Memory for ACCESS: high-order chunks (so the linear map covers them with
 * large pages), every 4 KiB page of them listed, and one vmap over the list.
 */
struct lab_mem {
	struct page **chunks;
	unsigned int nchunks, order;
	struct page **pages;
	unsigned long npages;
	u32 *perm;		/* random page order */
	void *vmap;
};

static void lab_mem_free(struct lab_mem *m)
{
	unsigned int i;

	if (m->vmap)
		vunmap(m->vmap);
	for (i = 0; m->chunks && i < m->nchunks; i++)
		if (m->chunks[i])
			__free_pages(m->chunks[i], m->order);
	kvfree(m->chunks);
	kvfree(m->pages);
	kvfree(m->perm);
}

static u64 lab_word(unsigned long i)
{
	return i * 0x9e3779b97f4a7c15ULL;
}

static int lab_mem_alloc(struct lab_mem *m, u64 size)
{
	unsigned long chunk_pages, i, k = 0;
	struct rnd_state rnd;
	unsigned int c;

	memset(m, 0, sizeof(*m));
	m->order = min_t(unsigned int, get_order(size), LAB_MAX_ORDER);
	chunk_pages = 1UL << m->order;
	m->nchunks = DIV_ROUND_UP(size >> PAGE_SHIFT, chunk_pages);
	m->npages = (unsigned long)m->nchunks * chunk_pages;
	m->chunks = kvcalloc(m->nchunks, sizeof(*m->chunks), GFP_KERNEL);
	m->pages = kvmalloc_array(m->npages, sizeof(*m->pages), GFP_KERNEL);
	m->perm = kvmalloc_array(m->npages, sizeof(*m->perm), GFP_KERNEL);
	if (!m->chunks || !m->pages || !m->perm)
		goto nomem;
	for (c = 0; c < m->nchunks; c++) {
		m->chunks[c] = alloc_pages(LAB_GFP, m->order);
		if (!m->chunks[c])
			goto nomem;
		for (i = 0; i < chunk_pages; i++)
			m->pages[k++] = nth_page(m->chunks[c], i);
		cond_resched();
	}
	m->vmap = vmap(m->pages, m->npages, VM_MAP, PAGE_KERNEL);
	if (!m->vmap)
		goto nomem;
	/* Deterministic contents and page order, so runs can be compared. */
	for (i = 0; i < m->npages; i++) {
		u64 *w = page_address(m->pages[i]);
		unsigned int j;

		for (j = 0; j < PAGE_SIZE / sizeof(u64); j++)
			w[j] = lab_word(i * (PAGE_SIZE / sizeof(u64)) + j);
		m->perm[i] = i;
	}
	/*
	 * Fisher-Yates. The index is drawn once, before swap(): the macro
	 * evaluates its arguments twice, and two draws would duplicate some
	 * pages and lose others (random-read's checksum shows it).
	 */
	prandom_seed_state(&rnd, 42);
	for (i = m->npages - 1; i > 0; i--) {
		unsigned long j = prandom_u32_state(&rnd) % (i + 1);

		swap(m->perm[i], m->perm[j]);
	}
	return 0;
nomem:
	lab_mem_free(m);
	return -ENOMEM;
}

/* The address of page i through the chosen mapping. */
static u64 *lab_page(struct lab_mem *m, u32 mapping, unsigned long i)
{
	if (mapping == EDUDMA_LAB_VMAP)
		return m->vmap + i * PAGE_SIZE;
	return page_address(m->pages[i]);
}

/*
 * One pass. The linear map is walked chunk by chunk (each chunk is
 * contiguous there), the vmap as one range: both as plain sequential loops.
 */
static u64 lab_pass(struct lab_mem *m, u32 mapping, u32 pattern)
{
	unsigned long words_per_chunk = (PAGE_SIZE << m->order) / sizeof(u64);
	unsigned long c, i;
	u64 sum = 0;

	if (pattern == EDUDMA_LAB_RANDOM_READ) {
		for (i = 0; i < m->npages; i++)
			sum += READ_ONCE(*lab_page(m, mapping, m->perm[i]));
		return sum;
	}
	for (c = 0; c < m->nchunks; c++) {
		u64 *w = mapping == EDUDMA_LAB_VMAP ?
			 (u64 *)m->vmap + c * words_per_chunk :
			 (u64 *)page_address(m->chunks[c]);
		unsigned long base = c * words_per_chunk;

		if (pattern == EDUDMA_LAB_SEQ_READ) {
			for (i = 0; i < words_per_chunk; i++)
				sum += READ_ONCE(w[i]);
		} else {
			for (i = 0; i < words_per_chunk; i++)
				WRITE_ONCE(w[i], lab_word(base + i));
		}
	}
	return sum;
}

static int lab_access(struct edudma_lab *r, u64 *t)
{
	struct lab_mem m;
	u32 i;
	int ret;

	if (r->mapping != EDUDMA_LAB_LINEAR_MAP && r->mapping != EDUDMA_LAB_VMAP)
		return -EINVAL;
	if (r->pattern < EDUDMA_LAB_SEQ_READ || r->pattern > EDUDMA_LAB_RANDOM_READ)
		return -EINVAL;
	if (r->size < PAGE_SIZE || r->size > EDUDMA_LAB_MAX_SIZE)
		return -E2BIG;
	ret = lab_mem_alloc(&m, r->size);
	if (ret)
		return ret;
	r->nr_pages = m.npages;
	r->nr_cpu_segments = lab_phys_runs(m.pages, m.npages);
	lab_pass(&m, r->mapping, r->pattern);	/* warm up: caches, TLB */
	for (i = 0; i < r->iterations; i++) {
		u64 t0;

		preempt_disable();
		t0 = ktime_get_ns();
		r->checksum = lab_pass(&m, r->mapping, r->pattern);
		t[i] = ktime_get_ns() - t0;
		preempt_enable();
		cond_resched();
	}
	lab_summarise(t, r->iterations, r);
	lab_mem_free(&m);
	return 0;
}

/* Map an sg table for the device and count its segments; unmap again. */
static int lab_count_dma(struct device *dev, struct sg_table *sgt,
			 struct page **pages, unsigned long npages,
			 struct edudma_lab *r)
{
	int ret;

	r->nr_cpu_segments = sgt->orig_nents;
	if (pages && !edudma_pages_reachable(dev, pages, npages))
		return -ERANGE;
	/*
	 * Only the segment count is wanted: nothing is transferred, so no
	 * byte may move either way. Under bounce buffering a sync would copy
	 * the bounce slot over the buffer - and over whatever shares its pages
	 * (a kmalloc object's neighbours).
	 */
	ret = dma_map_sgtable(dev, sgt, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		return ret;
	r->nr_dma_segments = sgt->nents;
	dma_unmap_sgtable(dev, sgt, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	return 0;
}

/*
 * The bytes [offset, offset + size) of 'pages' as the driver's PIN would see
 * them: table, map, count.
 */
static int lab_map_pages(struct device *dev, struct page **pages,
			 unsigned long npages, unsigned long offset,
			 struct edudma_lab *r)
{
	struct sg_table sgt;
	int ret;

	ret = sg_alloc_table_from_pages_segment(&sgt, pages, npages, offset, r->size,
						edudma_max_segment(dev),
						GFP_KERNEL);
	if (ret)
		return ret;
	ret = lab_count_dma(dev, &sgt, pages, npages, r);
	sg_free_table(&sgt);
	return ret;
}

static int lab_segments(struct edudma_dev *edev, struct edudma_lab *r)
{
	struct device *dev = &edev->pdev->dev;
	unsigned long npages = DIV_ROUND_UP(r->size, PAGE_SIZE), i, offset;
	struct page **pages = NULL;
	struct sg_table sgt;
	dma_addr_t dma;
	void *v = NULL;
	int ret;

	r->nr_pages = npages;
	/* +1: a kmalloc object need not start on a page boundary */
	pages = kvmalloc_array(npages + 1, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	switch (r->allocator) {
	case EDUDMA_LAB_KMALLOC:
	case EDUDMA_LAB_ALLOC_PAGES:
		if (r->allocator == EDUDMA_LAB_KMALLOC)
			v = kmalloc(r->size, LAB_GFP);
		else
			v = alloc_pages_exact(r->size, LAB_GFP);
		ret = -ENOMEM;
		if (!v)
			break;
		/*
		 * The object's own bytes: from its offset in its first page,
		 * over every page it touches (kmalloc objects of odd sizes
		 * start anywhere).
		 */
		offset = offset_in_page(v);
		r->nr_pages = DIV_ROUND_UP(offset + r->size, PAGE_SIZE);
		for (i = 0; i < r->nr_pages; i++)
			pages[i] = virt_to_page(v - offset + i * PAGE_SIZE);
		ret = lab_map_pages(dev, pages, r->nr_pages, offset, r);
		if (r->allocator == EDUDMA_LAB_KMALLOC)
			kfree(v);
		else
			free_pages_exact(v, r->size);
		break;
	case EDUDMA_LAB_DMA_COHERENT:
		/* One allocation, one DMA address: contiguous for the device by contract. */
		v = dma_alloc_coherent(dev, r->size, &dma, LAB_GFP);
		ret = -ENOMEM;
		if (!v)
			break;
		ret = dma_get_sgtable(dev, &sgt, v, dma, r->size);
		if (!ret) {
			r->nr_cpu_segments = sgt.orig_nents;
			r->nr_dma_segments = 1;
			sg_free_table(&sgt);
		}
		dma_free_coherent(dev, r->size, v, dma);
		break;
	default:
		v = __vmalloc(r->size, LAB_GFP);
		ret = -ENOMEM;
		if (!v)
			break;
		for (i = 0; i < npages; i++)
			pages[i] = vmalloc_to_page(v + i * PAGE_SIZE);
		ret = lab_map_pages(dev, pages, npages, 0, r);
		vfree(v);
		break;
	}
	kvfree(pages);
	return ret;
}

long edudma_ioctl_lab(struct edudma_dev *edev, void __user *uarg)
{
	struct edudma_lab r;
	u64 *t;
	int ret;

	if (!capable(CAP_SYS_ADMIN) || !READ_ONCE(edudma_lab_enabled))
		return -EPERM;
	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (r.flags || r.reserved0 || memchr_inv(r.reserved, 0, sizeof(r.reserved)))
		return -EINVAL;
	if (r.iterations < 1 || r.iterations > EDUDMA_LAB_MAX_ITERATIONS || !r.size)
		return -EINVAL;
	if (r.experiment != EDUDMA_LAB_ACCESS) {
		u64 limit = lab_alloc_limit(r.allocator);

		if (!limit)
			return -EINVAL;
		if (r.size > limit)
			return -E2BIG;
	}
	r.ns_min = r.ns_median = r.ns_max = r.checksum = 0;
	r.nr_pages = r.nr_cpu_segments = r.nr_dma_segments = 0;

	t = kcalloc(r.iterations, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	switch (r.experiment) {
	case EDUDMA_LAB_ALLOC:
		ret = lab_alloc(edev, &r, t);
		break;
	case EDUDMA_LAB_ACCESS:
		ret = lab_access(&r, t);
		break;
	case EDUDMA_LAB_SEGMENTS:
		ret = lab_segments(edev, &r);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	kfree(t);
	if (!ret && copy_to_user(uarg, &r, sizeof(r)))
		ret = -EFAULT;
	return ret;
}
