// SPDX-License-Identifier: MIT
/*
 * The kernel-driver backend: /dev/edudma<N> and the ioctls of
 * include/uapi/edudma.h. The only file of the library that knows that ABI.
 * Every ioctl goes through edudma_ioctl(); every ABI structure is zeroed
 * before it is filled, so reserved fields and padding are always 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uapi/edudma.h>

#include "backend.h"

/* The public constants are the ABI's: translation is a plain copy. */
_Static_assert(LIBDMA_FEAT_IRQ_TEST == EDUDMA_FEAT_IRQ_TEST, "feature bits");
_Static_assert(LIBDMA_FEAT_FACTORIAL == EDUDMA_FEAT_FACTORIAL, "feature bits");
_Static_assert(LIBDMA_FEAT_COHERENT == EDUDMA_FEAT_COHERENT, "feature bits");
_Static_assert(LIBDMA_FEAT_TRANSFER == EDUDMA_FEAT_TRANSFER, "feature bits");
_Static_assert(LIBDMA_FEAT_COPY == EDUDMA_FEAT_COPY, "feature bits");
_Static_assert(LIBDMA_FEAT_PIN == EDUDMA_FEAT_PIN, "feature bits");
_Static_assert(LIBDMA_FEAT_USER_REGION == EDUDMA_FEAT_USER_REGION, "feature bits");
_Static_assert(LIBDMA_IRQ_NONE == EDUDMA_IRQ_NONE, "irq modes");
_Static_assert(LIBDMA_IRQ_INTX == EDUDMA_IRQ_INTX, "irq modes");
_Static_assert(LIBDMA_IRQ_MSI == EDUDMA_IRQ_MSI, "irq modes");
_Static_assert(LIBDMA_ACCESS_DEV_READ == EDUDMA_ACCESS_DEV_READ, "access bits");
_Static_assert(LIBDMA_ACCESS_DEV_WRITE == EDUDMA_ACCESS_DEV_WRITE, "access bits");
_Static_assert(LIBDMA_IRQ_TEST_DEFAULT == EDUDMA_IRQ_TEST_DEFAULT, "self-test bits");
_Static_assert(LIBDMA_FACT_POLL == EDUDMA_FACT_POLL, "factorial flags");
_Static_assert(LIBDMA_FEAT_LAB == EDUDMA_FEAT_LAB, "feature bits");
_Static_assert(LIBDMA_FEAT_ENGINE_INFO == EDUDMA_FEAT_ENGINE_INFO, "feature bits");
_Static_assert(LIBDMA_FEAT_ASYNC == EDUDMA_FEAT_ASYNC, "feature bits");
_Static_assert(LIBDMA_LAB_MAX_ITERATIONS == EDUDMA_LAB_MAX_ITERATIONS, "lab limits");
_Static_assert(LIBDMA_FEAT_DMABUF == EDUDMA_FEAT_DMABUF, "feature bits");
_Static_assert(LIBDMA_EXPORT_WRITE == EDUDMA_EXPORT_WRITE, "export flags");

struct kernel_device {
	int fd;
};

static int device_fd(const struct libdma_device *dev)
{
	return ((const struct kernel_device *)dev->backend)->fd;
}

/*
 * Whether an ioctl interrupted by a signal may simply be issued again.
 * Yes for calls that either happened completely or not at all (INFO, ALLOC,
 * FREE, PIN, UNPIN, EXPORT, IMPORT). No for TRANSFER and COPY: they may have moved part of
 * the data, so the caller gets -EINTR and the stats. No for IRQ_TEST and
 * FACTORIAL either: they wait on the device for a while, and a caller
 * whose signal handler wants the wait to end must get control back.
 */
enum eintr_policy {
	EINTR_RETRY,
	EINTR_RETURN,
};

/* The one place the library calls ioctl(). 0 or -errno. */
static int edudma_ioctl(int fd, unsigned long request, void *arg,
			enum eintr_policy policy)
{
	for (;;) {
		if (ioctl(fd, request, arg) >= 0)
			return 0;
		if (errno != EINTR || policy == EINTR_RETURN)
			return -errno;
	}
}

/* Set the message for a failed ioctl and return 'err'. */
static int ioctl_failed(const struct libdma_device *dev, const char *what,
			int err)
{
	const char *why;

	switch (-err) {
	case ENODEV:
		why = "device gone (unbound or removed)";
		break;
	case ENOTTY:
		why = "the driver does not know this ioctl (driver too old?)";
		break;
	case EINVAL:
		why = "the driver refused the arguments";
		break;
	case ENOENT:
		why = "the driver does not know this handle (freed behind "
		      "the library's back?)";
		break;
	case EACCES:
		why = "the driver refused: memory registered without the "
		      "access this direction needs";
		break;
	case EINTR:
		why = "interrupted by a signal (not restarted)";
		break;
	case ERANGE:
		why = "some of the memory lies beyond the device's DMA mask and "
		      "the system can neither remap it nor bounce it through a "
		      "pool the device reaches (the kernel log says which)";
		break;
	case ENOBUFS:
		why = "the bounce buffer pool (swiotlb) is full: other mappings "
		      "hold it";
		break;
	case ENOMEM:
		why = "out of memory, or past RLIMIT_MEMLOCK (pins and coherent "
		      "buffers are charged alike) or the device's max_coherent "
		      "(the kernel log says which)";
		break;
	default:
		why = libdma_strerror(err);
		break;
	}
	return libdma__fail(err, "%s on %s: %s", what, dev->info.node, why);
}

/* The ABI's view of the device into the library's, keeping what sysfs said. */
static void info_from_abi(const struct edudma_info *abi, struct libdma_info *info)
{
	info->abi_version = abi->abi_version;
	info->dev_ident = abi->dev_ident;
	if (abi->features & EDUDMA_FEAT_ENGINE_INFO) {
		info->version_major = abi->engine_version >> 16;
		info->version_minor = abi->engine_version & 0xffff;
		info->engine = abi->engine;
		info->max_cmd_length = abi->max_cmd_length;
		info->ring_size = abi->ring_size;
		info->max_in_flight = abi->max_in_flight;
		info->max_requests = abi->max_requests;
	} else {
		/* an older driver: edu, its version in the ident register */
		info->version_major = (abi->dev_ident >> 24) & 0xff;
		info->version_minor = (abi->dev_ident >> 16) & 0xff;
		info->engine = LIBDMA_ENGINE_EDU;
		info->max_cmd_length = abi->window_size;
		info->ring_size = 0;
		info->max_in_flight = 1;
	}
	info->features = abi->features;
	info->irq_mode = (int)abi->irq_mode;
	info->dma_mask_bits = abi->dma_mask_bits;
	info->window_size = abi->window_size;
	info->dev_buffer_size = abi->dev_buffer_size;
	info->dev_buffer_addr = abi->dev_buffer_addr;
	info->max_alloc = abi->max_alloc;
	info->index = abi->minor_index;
	info->timeout_ms = abi->timeout_ms;
}

static void info_from_desc(const struct libdma_device_desc *desc,
			   struct libdma_info *info)
{
	snprintf(info->node, sizeof(info->node), "%s", desc->node);
	snprintf(info->pci_address, sizeof(info->pci_address), "%s",
		 desc->pci_address);
	info->numa_node = desc->numa_node;
}

/* Is the open file an edudma device whose ABI we speak? Fills 'abi'. */
static int check_device(int fd, const char *path, struct edudma_info *abi)
{
	struct stat st;
	int err;

	if (fstat(fd, &st))
		return libdma__fail(-errno, "cannot stat %s", path);
	if (!S_ISCHR(st.st_mode))
		return libdma__fail(-ENOTTY, "%s is not a character device, "
				    "not an edudma device", path);
	memset(abi, 0, sizeof(*abi));
	err = edudma_ioctl(fd, EDUDMA_IOC_INFO, abi, EINTR_RETRY);
	if (err == -ENOTTY || err == -EINVAL)
		return libdma__fail(-ENOTTY, "%s is not an edudma device "
				    "(it does not answer EDUDMA_IOC_INFO)", path);
	if (err)
		return libdma__fail(err, "EDUDMA_IOC_INFO on %s: %s", path,
				    libdma_strerror(err));
	if (abi->abi_version != EDUDMA_ABI_VERSION)
		return libdma__fail(-EPROTO, "%s: driver ABI version %u, this "
				    "libdma speaks version %u", path,
				    abi->abi_version, EDUDMA_ABI_VERSION);
	return 0;
}

/* Name, PCI address and NUMA node of the node we opened, from sysfs. */
static void describe_opened(int fd, const char *path, unsigned int index,
			    struct libdma_device_desc *desc)
{
	struct stat st;

	if (fstat(fd, &st) == 0 &&
	    libdma__discover_devnum((unsigned long long)st.st_rdev, desc) == 0)
		return;
	/* No sysfs (or an unusual setup): what the driver said is enough. */
	memset(desc, 0, sizeof(*desc));
	desc->index = index;
	desc->numa_node = -1;
	snprintf(desc->node, sizeof(desc->node), "%s", path);
}

static int kernel_open(struct libdma_device *dev, const struct libdma_spec *spec)
{
	struct libdma_device_desc desc;
	struct kernel_device *kdev;
	struct edudma_info abi;
	const char *path;
	int fd, err;

	if (spec->kind == LIBDMA_SPEC_NODE) {
		path = spec->text;
	} else {
		err = libdma__discover_find(spec, &desc);
		if (err)
			return err;
		path = desc.node;
	}
	fd = libdma__node_open(path);
	if (fd < 0)
		return fd;
	err = check_device(fd, path, &abi);
	if (err)
		goto err_close;
	if (spec->kind == LIBDMA_SPEC_NODE) {
		describe_opened(fd, path, abi.minor_index, &desc);
		/* Keep the user's spelling of the path. */
		snprintf(desc.node, sizeof(desc.node), "%s", path);
	}
	kdev = calloc(1, sizeof(*kdev));
	if (!kdev) {
		err = libdma__fail(-ENOMEM, "out of memory opening %s", path);
		goto err_close;
	}
	kdev->fd = fd;
	dev->backend = kdev;
	info_from_abi(&abi, &dev->info);
	info_from_desc(&desc, &dev->info);
	return 0;

err_close:
	close(fd);
	return err;
}

static void kernel_release(struct libdma_device *dev)
{
	struct kernel_device *kdev = dev->backend;

	close(kdev->fd);
	free(kdev);
	dev->backend = NULL;
}

static int kernel_query_info(struct libdma_device *dev, struct libdma_info *info)
{
	struct edudma_info abi;
	int err;

	memset(&abi, 0, sizeof(abi));
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_INFO, &abi, EINTR_RETRY);
	if (err)
		return ioctl_failed(dev, "EDUDMA_IOC_INFO", err);
	/* Node, PCI address and NUMA node do not change: keep them. */
	*info = dev->info;
	info_from_abi(&abi, info);
	return 0;
}

static int free_handle(int fd, uint32_t handle, unsigned long request)
{
	struct edudma_handle h;

	memset(&h, 0, sizeof(h));
	h.handle = handle;
	return edudma_ioctl(fd, request, &h, EINTR_RETRY);
}

static int kernel_alloc(struct libdma_device *dev, size_t size,
			struct libdma_buffer *buf)
{
	int fd = device_fd(dev);
	struct edudma_alloc a;
	void *ptr;
	int err;

	memset(&a, 0, sizeof(a));
	a.size = size;
	err = edudma_ioctl(fd, EDUDMA_IOC_ALLOC, &a, EINTR_RETRY);
	if (err == -EINVAL && size > dev->info.max_alloc)
		return libdma__fail(err, "buffer of %zu bytes refused: larger "
				    "than max_alloc (%llu bytes) of %s", size,
				    (unsigned long long)dev->info.max_alloc,
				    dev->info.node);
	if (err)
		return ioctl_failed(dev, "EDUDMA_IOC_ALLOC", err);
	if (a.alloc_size < size || a.alloc_size > SIZE_MAX ||
	    a.mmap_offset > (uint64_t)INT64_MAX) {
		err = libdma__fail(-EPROTO, "EDUDMA_IOC_ALLOC on %s answered "
				   "size %llu, offset 0x%llx for %zu bytes",
				   dev->info.node,
				   (unsigned long long)a.alloc_size,
				   (unsigned long long)a.mmap_offset, size);
		goto err_free;
	}
	ptr = mmap(NULL, (size_t)a.alloc_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, (off_t)a.mmap_offset);
	if (ptr == MAP_FAILED) {
		err = -errno;
		libdma__fail(err, "mmap of a %llu-byte buffer of %s failed: %s",
			     (unsigned long long)a.alloc_size, dev->info.node,
			     libdma_strerror(err));
		goto err_free;
	}
	buf->ptr = ptr;
	buf->size = (size_t)a.alloc_size;
	buf->cookie = a.handle;
	return 0;

err_free:
	free_handle(fd, a.handle, EDUDMA_IOC_FREE);
	return err;
}

static int kernel_free(struct libdma_device *dev, struct libdma_buffer *buf)
{
	int unmap_err = 0, err;

	/*
	 * Unmap first: a live mapping keeps the memory allocated. Drop the
	 * handle even if that failed, since the object goes away anyway.
	 */
	if (munmap(buf->ptr, buf->size))
		unmap_err = -errno;
	err = free_handle(device_fd(dev), (uint32_t)buf->cookie, EDUDMA_IOC_FREE);
	if (err)
		return ioctl_failed(dev, "EDUDMA_IOC_FREE", err);
	if (unmap_err)
		return libdma__fail(unmap_err, "munmap of a buffer of %s failed: %s",
				    dev->info.node, libdma_strerror(unmap_err));
	return 0;
}

static int kernel_pin(struct libdma_device *dev, struct libdma_buffer *buf,
		      struct libdma_pin_stats *stats)
{
	struct edudma_pin p;
	int err;

	memset(&p, 0, sizeof(p));
	p.addr = (uintptr_t)buf->ptr;
	p.length = buf->size;
	p.access = buf->access;
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_PIN, &p, EINTR_RETRY);
	if (err == -ENOMEM)
		return libdma__fail(err, "EDUDMA_IOC_PIN of %zu bytes on %s: out "
				    "of memory, or RLIMIT_MEMLOCK reached "
				    "(ulimit -l; pinned memory and coherent "
				    "buffers count alike)", buf->size,
				    dev->info.node);
	if (err == -EOPNOTSUPP)
		return libdma__fail(err, "EDUDMA_IOC_PIN on %s: the driver does "
				    "not let the device write file-backed "
				    "(page cache) memory; use anonymous memory, "
				    "memfd or hugetlbfs", dev->info.node);
	if (err == -EFAULT)
		return libdma__fail(err, "EDUDMA_IOC_PIN of %zu bytes at %p on "
				    "%s: not all of it is mapped%s", buf->size,
				    buf->ptr, dev->info.node,
				    buf->access & LIBDMA_ACCESS_DEV_WRITE ?
				    " and writable" : "");
	if (err)
		return ioctl_failed(dev, "EDUDMA_IOC_PIN", err);
	buf->cookie = p.handle;
	stats->pages = p.nr_pages;
	stats->cpu_segments = p.nr_cpu_segments;
	stats->dma_segments = p.nr_dma_segments;
	stats->pin_ns = p.pin_ns;
	stats->map_ns = p.map_ns;
	return 0;
}

static int kernel_unpin(struct libdma_device *dev, struct libdma_buffer *buf)
{
	int err = free_handle(device_fd(dev), (uint32_t)buf->cookie,
			      EDUDMA_IOC_UNPIN);

	return err ? ioctl_failed(dev, "EDUDMA_IOC_UNPIN", err) : 0;
}

/* ------------------------------------------------------------ dma-buf */

static int kernel_export(struct libdma_device *dev, struct libdma_buffer *buf,
			 unsigned int flags, int *fdp)
{
	struct edudma_export e;
	int err;

	memset(&e, 0, sizeof(e));
	e.handle = (uint32_t)buf->cookie;
	e.flags = flags & LIBDMA_EXPORT_WRITE ? EDUDMA_EXPORT_WRITE : 0;
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_EXPORT, &e, EINTR_RETRY);
	if (err == -EMFILE || err == -ENFILE)
		return libdma__fail(err, "EDUDMA_IOC_EXPORT on %s: no file "
				    "descriptor left for the dma-buf (%s)",
				    dev->info.node, libdma_strerror(err));
	if (err == -ENOTTY)
		return libdma__fail(-EOPNOTSUPP, "EDUDMA_IOC_EXPORT on %s: the "
				    "driver has no dma-buf export (built "
				    "without CONFIG_DMA_SHARED_BUFFER?)",
				    dev->info.node);
	if (err)
		return ioctl_failed(dev, "EDUDMA_IOC_EXPORT", err);
	*fdp = e.fd;
	return 0;
}

static int kernel_import(struct libdma_device *dev, int fd,
			 struct libdma_buffer *buf,
			 struct libdma_pin_stats *stats)
{
	struct edudma_import im;
	int err;

	memset(&im, 0, sizeof(im));
	im.fd = fd;
	im.access = buf->access;
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_IMPORT, &im, EINTR_RETRY);
	switch (-err) {
	case 0:
		break;
	case EBADF:
		return libdma__fail(err, "EDUDMA_IOC_IMPORT on %s: fd %d is not "
				    "open", dev->info.node, fd);
	case EINVAL:
		return libdma__fail(err, "EDUDMA_IOC_IMPORT on %s: fd %d is not "
				    "a dma-buf (export one with PRIME, "
				    "VIDIOC_EXPBUF, udmabuf or "
				    "libdma_buffer_export())", dev->info.node, fd);
	case EACCES:
		return libdma__fail(err, "EDUDMA_IOC_IMPORT on %s: the exporter "
				    "of dma-buf fd %d refuses %s (a read-only "
				    "dma-buf? import it with "
				    "LIBDMA_ACCESS_DEV_READ only)", dev->info.node,
				    fd, buf->access & LIBDMA_ACCESS_DEV_WRITE ?
				    "device writes" : "this access");
	case ENODEV:
		return libdma__fail(err, "EDUDMA_IOC_IMPORT on %s: a device is "
				    "gone - this one, or the exporter of dma-buf "
				    "fd %d (its device was removed)",
				    dev->info.node, fd);
	case ERANGE:
		return libdma__fail(err, "EDUDMA_IOC_IMPORT on %s: the dma-buf's "
				    "memory may lie beyond the device's %u-bit "
				    "DMA mask and there is no IOMMU or bounce "
				    "pool it reaches (the kernel log says more)",
				    dev->info.node, dev->info.dma_mask_bits);
	case ENOTTY:
		return libdma__fail(-EOPNOTSUPP, "EDUDMA_IOC_IMPORT on %s: the "
				    "driver has no dma-buf import (built "
				    "without CONFIG_DMA_SHARED_BUFFER?)",
				    dev->info.node);
	default:
		return ioctl_failed(dev, "EDUDMA_IOC_IMPORT", err);
	}
	if (im.size == 0 || im.size > SIZE_MAX) {
		free_handle(device_fd(dev), im.handle, EDUDMA_IOC_FREE);
		return libdma__fail(-EPROTO, "EDUDMA_IOC_IMPORT on %s answered "
				    "size %llu", dev->info.node,
				    (unsigned long long)im.size);
	}
	buf->ptr = NULL;
	buf->size = (size_t)im.size;
	buf->cookie = im.handle;
	stats->dma_segments = im.nr_dma_segments;
	return 0;
}

static int kernel_unimport(struct libdma_device *dev, struct libdma_buffer *buf)
{
	int err = free_handle(device_fd(dev), (uint32_t)buf->cookie,
			      EDUDMA_IOC_FREE);

	return err ? ioctl_failed(dev, "EDUDMA_IOC_FREE", err) : 0;
}

static void region_to_abi(const struct libdma_region *r,
			  struct edudma_region *abi)
{
	memset(abi, 0, sizeof(*abi));
	if (r->buf) {
		abi->handle = (uint32_t)r->buf->cookie;
		abi->offset = r->offset;
	} else {
		abi->flags = EDUDMA_REGION_USER;
		abi->offset = (uintptr_t)r->addr;
	}
}

static void stats_from_abi(const struct edudma_stats *abi,
			   struct libdma_stats *stats)
{
	stats->bytes = abi->bytes;
	stats->commands = abi->commands;
	stats->wall_ns = abi->wall_ns;
	stats->device_ns = abi->device_ns;
	stats->host_ns = abi->host_ns;
	stats->setup_ns = abi->setup_ns;
	stats->pages = abi->nr_pages;
	stats->dma_segments = abi->nr_dma_segments;
}

static int kernel_transfer(struct libdma_device *dev, enum libdma_direction dir,
			   const struct libdma_region *mem, size_t dev_offset,
			   struct libdma_stats *stats)
{
	struct edudma_transfer t;
	int err;

	memset(&t, 0, sizeof(t));
	region_to_abi(mem, &t.mem);
	t.length = mem->length;
	t.direction = dir == LIBDMA_TO_DEVICE ? EDUDMA_DIR_TO_DEVICE :
						EDUDMA_DIR_FROM_DEVICE;
	t.dev_offset = (uint32_t)dev_offset;
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_TRANSFER, &t, EINTR_RETURN);
	stats_from_abi(&t.stats, stats);
	return err ? ioctl_failed(dev, "EDUDMA_IOC_TRANSFER", err) : 0;
}

static int kernel_copy(struct libdma_device *dev, const struct libdma_region *dst,
		       const struct libdma_region *src, struct libdma_stats *stats)
{
	struct edudma_copy c;
	int err;

	memset(&c, 0, sizeof(c));
	region_to_abi(src, &c.src);
	region_to_abi(dst, &c.dst);
	c.length = src->length;
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_COPY, &c, EINTR_RETURN);
	stats_from_abi(&c.stats, stats);
	return err ? ioctl_failed(dev, "EDUDMA_IOC_COPY", err) : 0;
}

static int kernel_submit(struct libdma_device *dev, const struct libdma_region *dst,
			 const struct libdma_region *src, enum libdma_direction dir,
			 size_t dev_offset, uint64_t user_data, uint64_t *id)
{
	struct edudma_submit s;
	int err;

	memset(&s, 0, sizeof(s));
	s.user_data = user_data;
	s.length = src->length;
	region_to_abi(src, &s.src);
	if (dst) {
		s.op = EDUDMA_OP_COPY;
		region_to_abi(dst, &s.dst);
	} else {
		s.op = EDUDMA_OP_TRANSFER;
		s.direction = dir == LIBDMA_TO_DEVICE ? EDUDMA_DIR_TO_DEVICE :
							EDUDMA_DIR_FROM_DEVICE;
		s.dev_offset = (uint32_t)dev_offset;
	}
	/* nothing is queued when SUBMIT fails: retrying after EINTR is safe */
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_SUBMIT, &s, EINTR_RETRY);
	if (err == -EAGAIN)
		return libdma__fail(err, "EDUDMA_IOC_SUBMIT on %s: %u requests "
				    "submitted and not reaped, the driver's "
				    "max_requests: reap some first",
				    dev->info.node, dev->info.max_requests);
	if (err)
		return ioctl_failed(dev, "EDUDMA_IOC_SUBMIT", err);
	*id = s.id;
	return 0;
}

static int kernel_reap(struct libdma_device *dev, struct libdma_completion *c,
		       unsigned int max, unsigned int min_complete,
		       int timeout_ms, unsigned int *count)
{
	struct edudma_completion abi[64];
	unsigned int i, got = 0;
	int err = 0;

	/* in slices of the stack array; only the first waits */
	while (got < max) {
		struct edudma_reap r;
		unsigned int want = max - got < 64 ? max - got : 64;

		memset(&r, 0, sizeof(r));
		r.completions = (uintptr_t)abi;
		r.max = want;
		if (!got && min_complete) {
			r.flags = EDUDMA_REAP_WAIT;
			r.min_complete = min_complete < want ? min_complete : want;
			r.timeout_ms = timeout_ms < 0 ? 0 : timeout_ms ? (uint32_t)timeout_ms : 1;
		}
		err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_REAP, &r,
				   EINTR_RETURN);
		if (err)
			break;
		for (i = 0; i < r.count; i++) {
			c[got + i].id = abi[i].id;
			c[got + i].user_data = abi[i].user_data;
			c[got + i].result = abi[i].result;
			stats_from_abi(&abi[i].stats, &c[got + i].stats);
		}
		got += r.count;
		if (r.count < want)
			break;
	}
	*count = got;
	if (err && !got) {
		if (err == -ETIMEDOUT)
			return libdma__fail(err, "reap on %s: fewer than %u "
					    "requests finished within %d ms",
					    dev->info.node, min_complete, timeout_ms);
		return ioctl_failed(dev, "EDUDMA_IOC_REAP", err);
	}
	return 0;
}

static int kernel_cancel(struct libdma_device *dev, uint64_t id,
			 unsigned int *count)
{
	struct edudma_cancel c;
	int err;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.flags = id ? 0 : EDUDMA_CANCEL_ALL;
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_CANCEL, &c, EINTR_RETRY);
	if (err == -ENOENT)
		return libdma__fail(err, "cancel on %s: no request %llu in "
				    "flight (unknown, or finished)",
				    dev->info.node, (unsigned long long)id);
	if (err)
		return ioctl_failed(dev, "EDUDMA_IOC_CANCEL", err);
	*count = c.count;
	return 0;
}

static int kernel_pollfd(struct libdma_device *dev)
{
	return device_fd(dev);
}

static int kernel_irq_test(struct libdma_device *dev, uint32_t value,
			   struct libdma_irq_test_result *result)
{
	struct edudma_irq_test t;
	int err;

	memset(&t, 0, sizeof(t));
	t.value = value;
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_IRQ_TEST, &t,
			   EINTR_RETURN);
	/* On a timeout the driver still says which bits the handler saw. */
	result->seen = t.seen;
	result->latency_ns = t.latency_ns;
	if (err == -ETIMEDOUT)
		return libdma__fail(err, "interrupt self-test on %s: raised "
				    "0x%08x, the handler saw 0x%08x within %u "
				    "ms (interrupt not delivered? see "
				    "/proc/interrupts and dmesg)",
				    dev->info.node, value, t.seen,
				    dev->info.timeout_ms);
	return err ? ioctl_failed(dev, "EDUDMA_IOC_IRQ_TEST", err) : 0;
}

static int kernel_factorial(struct libdma_device *dev, uint32_t n,
			    unsigned int flags,
			    struct libdma_factorial_result *result)
{
	struct edudma_factorial f;
	int err;

	memset(&f, 0, sizeof(f));
	f.n = n;
	if (flags & LIBDMA_FACT_POLL)
		f.flags |= EDUDMA_FACT_POLL;
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_FACTORIAL, &f,
			   EINTR_RETURN);
	if (err == -ETIMEDOUT)
		return libdma__fail(err, "factorial of %u on %s: the unit did "
				    "not finish in time (%s)", n,
				    dev->info.node,
				    flags & LIBDMA_FACT_POLL ? "polling" :
				    "no completion interrupt?");
	if (err)
		return ioctl_failed(dev, "EDUDMA_IOC_FACTORIAL", err);
	result->value = f.result;
	result->by_irq = f.irq_seen;
	result->elapsed_ns = f.elapsed_ns;
	return 0;
}

/* ------------------------------------------------------------------ lab */

#define LAB_PARAM	"/sys/module/edudma/parameters/lab"
#define LAB_ENABLE	"echo 1 | sudo tee " LAB_PARAM

/* Does this process have CAP_SYS_ADMIN (bit 21 of CapEff)? -1: unknown. */
static int have_sys_admin(void)
{
	char line[256];
	unsigned long long caps;
	int ret = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			ret = (caps >> 21) & 1;
			break;
		}
	fclose(f);
	return ret;
}

/* EPERM from the lab: say which of its two conditions is missing. */
static int lab_refused(const struct libdma_device *dev)
{
	char v[16] = "";
	FILE *f = fopen(LAB_PARAM, "re");
	int admin = have_sys_admin();

	if (f) {
		if (!fgets(v, sizeof(v), f))
			v[0] = '\0';
		fclose(f);
	}
	if (v[0] == 'Y' || v[0] == '1')
		return libdma__fail(-EPERM, "the contiguity lab on %s needs root "
				    "(CAP_SYS_ADMIN): lab=1 is on, but this "
				    "process %s; run it as root", dev->info.node,
				    admin == 0 ? "lacks CAP_SYS_ADMIN" :
				    "was refused");
	return libdma__fail(-EPERM, "the contiguity lab on %s needs root and "
			    "the module parameter lab=1 (it is %s%s): %s, or "
			    "load the module with lab=1", dev->info.node,
			    v[0] ? "off" : "not readable",
			    admin == 0 ? ", and this process is not root" : "",
			    LAB_ENABLE);
}

static int kernel_lab(struct libdma_device *dev, uint32_t iterations,
		      struct libdma_lab_cell *cell)
{
	static const uint32_t experiments[] = {
		[LIBDMA_LAB_ALLOC] = EDUDMA_LAB_ALLOC,
		[LIBDMA_LAB_ACCESS] = EDUDMA_LAB_ACCESS,
		[LIBDMA_LAB_SEGMENTS] = EDUDMA_LAB_SEGMENTS,
	};
	static const uint32_t allocators[] = {
		[LIBDMA_LAB_KMALLOC] = EDUDMA_LAB_KMALLOC,
		[LIBDMA_LAB_ALLOC_PAGES] = EDUDMA_LAB_ALLOC_PAGES,
		[LIBDMA_LAB_DMA_COHERENT] = EDUDMA_LAB_DMA_COHERENT,
		[LIBDMA_LAB_VMALLOC] = EDUDMA_LAB_VMALLOC,
	};
	static const uint32_t patterns[] = {
		[LIBDMA_LAB_SEQ_READ] = EDUDMA_LAB_SEQ_READ,
		[LIBDMA_LAB_SEQ_WRITE] = EDUDMA_LAB_SEQ_WRITE,
		[LIBDMA_LAB_RANDOM_READ] = EDUDMA_LAB_RANDOM_READ,
	};
	static const uint32_t mappings[] = {
		[LIBDMA_LAB_LINEAR_MAP] = EDUDMA_LAB_LINEAR_MAP,
		[LIBDMA_LAB_VMAP] = EDUDMA_LAB_VMAP,
	};
	struct edudma_lab r;
	int err;

	memset(&r, 0, sizeof(r));
	r.experiment = experiments[cell->experiment];
	r.size = cell->size;
	r.iterations = iterations;
	if (cell->experiment == LIBDMA_LAB_ACCESS) {
		r.pattern = patterns[cell->pattern];
		r.mapping = mappings[cell->mapping];
	} else {
		r.allocator = allocators[cell->allocator];
	}
	/* No side effect but time spent: safe to issue again. */
	err = edudma_ioctl(device_fd(dev), EDUDMA_IOC_LAB, &r, EINTR_RETRY);
	switch (-err) {
	case 0:
		break;
	case EPERM:
		return lab_refused(dev);
	case ENOTTY:
		return libdma__fail(-EOPNOTSUPP, "the driver of %s has no "
				    "contiguity lab (EDUDMA_IOC_LAB): it is "
				    "older than this libdma", dev->info.node);
	case E2BIG:
		return libdma__fail(err, "larger than the allocator gives in "
				    "one piece");
	case ENOMEM:
		return libdma__fail(err, "not enough free memory");
	case ERANGE:
		return libdma__fail(err, "beyond the device's reach: pages "
				    "above its %u-bit DMA mask, and no IOMMU or "
				    "bounce buffer pool it reaches",
				    dev->info.dma_mask_bits);
	default:
		return ioctl_failed(dev, "EDUDMA_IOC_LAB", err);
	}
	cell->ns_min = r.ns_min;
	cell->ns_median = r.ns_median;
	cell->ns_max = r.ns_max;
	cell->checksum = r.checksum;
	cell->pages = r.nr_pages;
	cell->cpu_segments = r.nr_cpu_segments;
	cell->dma_segments = r.nr_dma_segments;
	return 0;
}

const struct libdma_backend_ops libdma__kernel_backend = {
	.name		= "kernel",
	.open		= kernel_open,
	.release	= kernel_release,
	.query_info	= kernel_query_info,
	.alloc		= kernel_alloc,
	.free		= kernel_free,
	.pin		= kernel_pin,
	.unpin		= kernel_unpin,
	.export_buf	= kernel_export,
	.import_buf	= kernel_import,
	.unimport	= kernel_unimport,
	.transfer	= kernel_transfer,
	.copy		= kernel_copy,
	.submit		= kernel_submit,
	.reap		= kernel_reap,
	.cancel		= kernel_cancel,
	.pollfd		= kernel_pollfd,
	.irq_test	= kernel_irq_test,
	.factorial	= kernel_factorial,
	.lab		= kernel_lab,
};
