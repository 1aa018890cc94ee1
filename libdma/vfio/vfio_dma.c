// SPDX-License-Identifier: MIT
/*
 * DMA mappings, the VFIO twin of driver/edudma_mem.c, edudma_buf.c and
 * edudma_pin.c: every buffer, registration and one-shot region is mapped
 * with VFIO_IOMMU_MAP_DMA at an IOVA this library allocates (vfio_iova.c)
 * below the device's DMA mask - scattered pages, one device-visible
 * segment. The memory side of the backend, apart from the register side:
 * it calls only vfio_iova.c and vfio_regs.c (own).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_internal.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

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
	t0 = libdma__vfio_now_ns();
	if (ioctl(vd->container, VFIO_IOMMU_MAP_DMA, &m)) {
		err = errno;
		pthread_mutex_lock(&vd->map_lock);
		libdma__iova_free(&vd->iova, *iova, len);
		pthread_mutex_unlock(&vd->map_lock);
		return map_failed(vd, err, addr, len, access, what);
	}
	*ns = libdma__vfio_now_ns() - t0;
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

/* The library's own memory for the device (edu-sg's ring and record). */
int libdma__vfio_map(struct vfio_dev *vd, void *addr, uint64_t len,
		     uint64_t *iova, const char *what)
{
	uint64_t ns;

	return dma_map(vd, addr, len, LIBDMA_ACCESS_RW, iova, &ns, what);
}

int libdma__vfio_unmap(struct vfio_dev *vd, uint64_t iova, uint64_t len)
{
	return dma_unmap(vd, iova, len);
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

/* ---------------------------------------------------- regions as spans */

int libdma__vfio_span_get(struct vfio_dev *vd, const struct libdma_region *r,
			  unsigned int access, struct vfio_span *sp,
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

void libdma__vfio_span_put(struct vfio_dev *vd, struct vfio_span *sp)
{
	/* A wedged device may still write into it: never unmap it then. */
	if (sp->mapped && !vd->wedged)
		dma_unmap(vd, sp->map_iova, sp->map_len);
}

/* --------------------------------------------------------------- memory */

int libdma__vfio_alloc(struct libdma_device *dev, size_t size,
		       struct libdma_buffer *buf)
{
	struct vfio_dev *vd;
	uint64_t len, iova, ns;
	void *p;
	int err = libdma__vfio_own(dev, &vd);

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

int libdma__vfio_free(struct libdma_device *dev, struct libdma_buffer *buf)
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

int libdma__vfio_pin(struct libdma_device *dev, struct libdma_buffer *buf,
		     struct libdma_pin_stats *stats)
{
	struct vfio_dev *vd;
	uintptr_t start;
	uint64_t len, iova, ns;
	int err = libdma__vfio_own(dev, &vd);

	if (err)
		return err;
	page_span(vd, buf->ptr, buf->size, &start, &len);
	/*
	 * A mapping the device only reads pins without FOLL_WRITE, and a
	 * read-only pin of never-written anonymous memory would pin the
	 * shared zero page: the process's later writes would land where
	 * the device never looks (Linux 6.1; driver/edudma_pin.c explains
	 * it). Fault the pages in writable first, without touching their
	 * contents; read-only memory just fails here.
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

int libdma__vfio_unpin(struct libdma_device *dev, struct libdma_buffer *buf)
{
	struct vfio_dev *vd = dev->backend;
	uintptr_t start;
	uint64_t len;

	if (vd->pid != getpid())
		return 0;
	page_span(vd, buf->ptr, buf->size, &start, &len);
	return dma_unmap(vd, buf->cookie - ((uintptr_t)buf->ptr - start), len);
}
