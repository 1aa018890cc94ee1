// SPDX-License-Identifier: MIT
/*
 * The host tests' fake device (fake_backend.h): what a driver would do,
 * done in this process - buffers from calloc(), copies by memcpy(), the
 * factorial computed, the lab's figures made up from the cell's size -
 * and what reached it recorded, so that a test sees both the library's
 * checks and what it passes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_backend.h"
#include "../../libdma/measure/measure_internal.h"

struct fake_backend fake;

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.name = "fake";
	fake.features = FAKE_ALL_FEATURES;
	fake.max_alloc = FAKE_MAX_ALLOC;
}

static int fake_dev_open(struct libdma_device *dev,
			 const struct libdma_spec *spec)
{
	snprintf(dev->info.node, sizeof(dev->info.node), "/dev/%s%u",
		 fake.name ? fake.name : "fake", spec->index);
	if (fake.pci_address)
		snprintf(dev->info.pci_address, sizeof(dev->info.pci_address),
			 "%s", fake.pci_address);
	dev->info.index = spec->index;
	dev->info.abi_version = 1;
	dev->info.window_size = FAKE_WINDOW;
	dev->info.dma_mask_bits = fake.dma_mask_bits;
	dev->info.max_alloc = fake.max_alloc;
	dev->info.features = fake.features;
	return 0;
}

static void fake_release(struct libdma_device *dev)
{
	(void)dev;
	fake.releases++;
}

static int fake_query_info(struct libdma_device *dev, struct libdma_info *info)
{
	*info = dev->info;
	return 0;
}

/* ------------------------------------------------------------- memory */

static int fake_alloc(struct libdma_device *dev, size_t size,
		      struct libdma_buffer *buf)
{
	size_t rounded = (size + FAKE_PAGE - 1) / FAKE_PAGE * FAKE_PAGE;

	(void)dev;
	buf->ptr = calloc(1, rounded);
	if (!buf->ptr)
		return -ENOMEM;
	buf->size = rounded;
	buf->cookie = ++fake.next_cookie;
	return 0;
}

static int fake_free(struct libdma_device *dev, struct libdma_buffer *buf)
{
	(void)dev;
	free(buf->ptr);
	return 0;
}

static uint32_t pages_spanned(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;

	return (uint32_t)(((a + len + FAKE_PAGE - 1) / FAKE_PAGE) - a / FAKE_PAGE);
}

/* Registered memory: every page its own segment (the worst case). */
static int fake_pin(struct libdma_device *dev, struct libdma_buffer *buf,
		    struct libdma_pin_stats *stats)
{
	(void)dev;
	buf->cookie = ++fake.next_cookie;
	stats->pages = pages_spanned(buf->ptr, buf->size);
	stats->cpu_segments = stats->pages;
	stats->dma_segments = stats->pages;
	stats->pin_ns = 1000;
	stats->map_ns = 500;
	return 0;
}

static int fake_unpin(struct libdma_device *dev, struct libdma_buffer *buf)
{
	(void)dev;
	(void)buf;
	return 0;
}

/* ------------------------------------------------------------ dma-buf */

/* An export is a real fd (of /dev/null) the test closes. */
static int fake_export(struct libdma_device *dev, struct libdma_buffer *buf,
		       unsigned int flags, int *fdp)
{
	(void)dev;
	fake.calls++;
	fake.export_flags = flags;
	fake.exported = *buf;
	if (fake.answer)
		return libdma__fail(fake.answer, "fake export refused");
	*fdp = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return *fdp < 0 ? -errno : 0;
}

/* Imports are FAKE_IMPORT_SIZE bytes, in 3 segments, not mapped here. */
static int fake_import(struct libdma_device *dev, int fd,
		       struct libdma_buffer *buf, struct libdma_pin_stats *stats)
{
	(void)dev;
	fake.calls++;
	fake.import_fd = fd;
	fake.import_access = buf->access;
	if (fake.answer)
		return libdma__fail(fake.answer, "fake import refused");
	buf->ptr = NULL;
	buf->size = FAKE_IMPORT_SIZE;
	buf->cookie = ++fake.next_cookie;
	stats->dma_segments = 3;
	return 0;
}

static int fake_unimport(struct libdma_device *dev, struct libdma_buffer *buf)
{
	(void)dev;
	(void)buf;
	fake.unimports++;
	return 0;
}

/* ------------------------------------------------------- data movement */

static int fake_transfer(struct libdma_device *dev, enum libdma_direction dir,
			 const struct libdma_region *mem, size_t dev_offset,
			 struct libdma_stats *stats)
{
	(void)dev;
	fake.calls++;
	fake.dir = dir;
	fake.mem = *mem;
	fake.dev_offset = dev_offset;
	stats->bytes = fake.answer ? mem->length / 2 : mem->length;
	stats->commands = 1;
	stats->device_ns = 1000;
	return fake.answer;
}

static void *region_ptr(const struct libdma_region *r)
{
	return r->buf ? (char *)r->buf->ptr + r->offset : r->addr;
}

static uint32_t region_segments(const struct libdma_region *r)
{
	if (r->buf && r->buf->kind == LIBDMA_BUFFER_ALLOCATED)
		return 1;
	return pages_spanned(region_ptr(r), r->length);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Moves the bytes for real. Commands: 2 per window-sized chunk, plus one
 * per segment boundary (the most a real plan can add). Device time: what
 * the memcpy took, so efficiency stays a sane fraction.
 */
static int fake_copy(struct libdma_device *dev, const struct libdma_region *dst,
		     const struct libdma_region *src, struct libdma_stats *stats)
{
	uint32_t ss = region_segments(src), ds = region_segments(dst);
	uint64_t t0 = now_ns();

	(void)dev;
	fake.calls++;
	fake.src = *src;
	fake.dst = *dst;
	if (fake.answer) {
		stats->bytes = src->length / 2;
		stats->commands = 2;
		return fake.answer;
	}
	/* (imported buffers have no memory here) */
	if (!fake.no_copy && (!dst->buf || dst->buf->ptr) &&
	    (!src->buf || src->buf->ptr))
		memcpy(region_ptr(dst), region_ptr(src), src->length);
	stats->bytes = src->length;
	stats->commands = 2 * ((src->length + FAKE_WINDOW - 1) / FAKE_WINDOW) +
			  (ss - 1) + (ds - 1);
	stats->device_ns = now_ns() - t0 + stats->commands;
	stats->wall_ns = stats->device_ns;
	stats->dma_segments = ss + ds;
	if (!src->buf) {
		stats->pages = ss + ds;
		stats->setup_ns = 2000;
	}
	return 0;
}

/* ---------------------------------------------------------- self-tests */

static uint32_t fact32(uint32_t n)
{
	uint32_t r = 1;

	while (n > 1)
		r *= n--;
	return r;
}

/* Like the driver: on failure the handler saw nothing, but says so. */
static int fake_irq_test(struct libdma_device *dev, uint32_t value,
			 struct libdma_irq_test_result *result)
{
	(void)dev;
	fake.calls++;
	fake.irq_value = value;
	result->seen = fake.answer ? 0 : value;
	result->latency_ns = 1234;
	return fake.answer;
}

static int fake_factorial(struct libdma_device *dev, uint32_t n,
			  unsigned int flags,
			  struct libdma_factorial_result *result)
{
	(void)dev;
	fake.calls++;
	fake.fact_n = n;
	fake.fact_flags = flags;
	if (fake.answer)
		return fake.answer;
	result->value = fact32(n);
	result->by_irq = !(flags & LIBDMA_FACT_POLL);
	result->elapsed_ns = 5678;
	return 0;
}

/* ----------------------------------------------------------------- lab */

static int fake_lab(struct libdma_device *dev, uint32_t iterations,
		    struct libdma_lab_cell *c)
{
	uint64_t pages = (c->size + 4095) / 4096;

	fake.calls++;
	fake.last_iterations = iterations;
	if (fake.answer == -EPERM)
		return libdma__fail(-EPERM, "the contiguity lab needs root and "
				    "the module parameter lab=1: echo 1 | sudo "
				    "tee /sys/module/edudma/parameters/lab");
	if (fake.answer)
		return libdma__fail(fake.answer, "fake failure");
	switch (c->experiment) {
	case LIBDMA_LAB_ALLOC:
		if (c->allocator != LIBDMA_LAB_VMALLOC && fake.kmalloc_max &&
		    c->size > fake.kmalloc_max)
			return -E2BIG;
		c->ns_median = 500 + pages * 100 * (c->allocator + 1);
		c->ns_min = c->ns_median - 10;
		c->ns_max = c->ns_median + 50;
		return 0;
	case LIBDMA_LAB_ACCESS:
		if (fake.nomem_from && c->size >= fake.nomem_from)
			return -ENOMEM;
		c->pages = pages;
		c->cpu_segments = 1;
		c->checksum = libdma__lab_expected_checksum(c->pattern, pages);
		if (c->size == fake.bad_vmap_size && c->mapping == LIBDMA_LAB_VMAP &&
		    c->pattern != LIBDMA_LAB_SEQ_WRITE)
			c->checksum ^= 1;
		if (c->size == fake.bad_both_size && c->pattern != LIBDMA_LAB_SEQ_WRITE)
			c->checksum += 8;
		c->ns_median = pages * (c->mapping == LIBDMA_LAB_VMAP ? 110 : 100);
		c->ns_min = c->ns_median;
		c->ns_max = c->ns_median + 1;
		return 0;
	default:
		if (fake.erange_from && c->size >= fake.erange_from)
			return libdma__fail(-ERANGE, "beyond the device's reach: "
					    "pages above its %u-bit DMA mask",
					    dev->info.dma_mask_bits);
		if (c->allocator == LIBDMA_LAB_KMALLOC && fake.kmalloc_max &&
		    c->size > fake.kmalloc_max)
			return -E2BIG;
		c->pages = pages;
		c->cpu_segments = c->allocator == LIBDMA_LAB_VMALLOC ? pages - 1 : 1;
		c->dma_segments = c->cpu_segments;
		return 0;
	}
}

/* -------------------------------------------------------------- tables */

/* What every backend has (API 1.0). */
#define FAKE_OPS_1_0					\
	.open = fake_dev_open,				\
	.release = fake_release,			\
	.query_info = fake_query_info,			\
	.alloc = fake_alloc,				\
	.free = fake_free,				\
	.pin = fake_pin,				\
	.unpin = fake_unpin,				\
	.transfer = fake_transfer,			\
	.copy = fake_copy

const struct libdma_backend_ops fake_ops = {
	.name = "fake",
	FAKE_OPS_1_0,
	.irq_test = fake_irq_test,
	.factorial = fake_factorial,
	.lab = fake_lab,
	.export_buf = fake_export,
	.import_buf = fake_import,
	.unimport = fake_unimport,
};

const struct libdma_backend_ops fake_ops_v10 = {
	.name = "fake-1.0",
	FAKE_OPS_1_0,
};

const struct libdma_backend_ops fake_ops_nolab = {
	.name = "fake-nolab",
	FAKE_OPS_1_0,
	.irq_test = fake_irq_test,
	.factorial = fake_factorial,
};

struct libdma_device *fake_open(const struct libdma_backend_ops *ops,
				unsigned int index)
{
	struct libdma_spec spec = { .kind = LIBDMA_SPEC_INDEX, .index = index };
	struct libdma_device *d = NULL;

	return libdma__device_open_with(ops, &spec, &d) ? NULL : d;
}

/* ------------------------------------------------------------- outputs */

FILE *fake_text_open(struct fake_text *t)
{
	t->text = NULL;
	t->len = 0;
	t->f = open_memstream(&t->text, &t->len);
	return t->f;
}

char *fake_text_close(struct fake_text *t, int err)
{
	fclose(t->f);
	t->f = NULL;
	if (err) {
		free(t->text);
		t->text = NULL;
	}
	return t->text;
}
