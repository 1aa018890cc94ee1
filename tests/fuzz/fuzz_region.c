// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: region validation (libdma/region.c) and the public
 * calls that rely on it - transfers, copies and registering memory -
 * against a fake backend (the same ops table the kernel backend fills).
 * Offsets, lengths, addresses and access bits come from the fuzzer; the
 * fake backend aborts if anything reaches it that the checks should have
 * stopped (outside its buffer, wrapping around, overlapping copy, wrong
 * access, a dead or foreign buffer), and the harness compares every
 * answer of libdma__region_check() with a model of the rules.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdma.h>

#include "backend.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "broken: %s\n", #cond); abort(); } } while (0)

static struct libdma_device *dev, *other;
static struct libdma_buffer *bufs[6];	/* on dev: 3 allocated, 2 registered; 1 on other */
static struct libdma_buffer dead = { .magic = LIBDMA_OBJECT_DEAD };
static uint8_t arena[64 * 1024];

static int fake_open(struct libdma_device *d, const struct libdma_spec *spec)
{
	snprintf(d->info.node, sizeof(d->info.node), "/dev/fake%u", spec->index);
	d->info.abi_version = 1;
	d->info.window_size = 4095;
	d->info.max_alloc = 1 << 20;
	d->info.features = ~0ull;
	return 0;
}

static void fake_release(struct libdma_device *d)
{
	(void)d;
}

static int fake_query_info(struct libdma_device *d, struct libdma_info *info)
{
	*info = d->info;
	return 0;
}

static int fake_alloc(struct libdma_device *d, size_t size, struct libdma_buffer *buf)
{
	(void)d;
	buf->size = (size + 4095) / 4096 * 4096;
	buf->ptr = calloc(1, buf->size);
	return buf->ptr ? 0 : -ENOMEM;
}

static int fake_free(struct libdma_device *d, struct libdma_buffer *buf)
{
	(void)d;
	free(buf->ptr);
	return 0;
}

static int fake_pin(struct libdma_device *d, struct libdma_buffer *buf,
		    struct libdma_pin_stats *st)
{
	(void)d;
	CHECK(buf->ptr != NULL && buf->size > 0);
	CHECK((uintptr_t)buf->ptr <= UINTPTR_MAX - buf->size);
	CHECK(buf->access && !(buf->access & ~LIBDMA_ACCESS_RW));
	st->pages = 1;
	return 0;
}

static int fake_unpin(struct libdma_device *d, struct libdma_buffer *buf)
{
	(void)d;
	(void)buf;
	return 0;
}

/* What must hold for every region that reaches a backend. */
static void region_ok(const struct libdma_device *d, const struct libdma_region *r,
		      unsigned int need)
{
	CHECK(r->length > 0);
	if (r->buf) {
		CHECK(r->buf->magic == LIBDMA_BUFFER_LIVE);
		CHECK(r->buf->dev == d);
		CHECK(r->addr == NULL);
		CHECK(r->offset <= r->buf->size && r->length <= r->buf->size - r->offset);
		CHECK((r->buf->access & need) == need);
	} else {
		CHECK(r->addr != NULL && r->offset == 0);
		CHECK((uintptr_t)r->addr <= UINTPTR_MAX - r->length);
	}
}

static int fake_transfer(struct libdma_device *d, enum libdma_direction dir,
			 const struct libdma_region *mem, size_t dev_offset,
			 struct libdma_stats *st)
{
	CHECK(d == dev || d == other);
	CHECK(dev_offset < d->info.window_size);
	region_ok(d, mem, dir == LIBDMA_TO_DEVICE ? LIBDMA_ACCESS_DEV_READ : LIBDMA_ACCESS_DEV_WRITE);
	st->bytes = mem->length;
	return 0;
}

static uintptr_t start_of(const struct libdma_region *r)
{
	return r->buf ? (uintptr_t)r->buf->ptr + r->offset : (uintptr_t)r->addr;
}

static int fake_copy(struct libdma_device *d, const struct libdma_region *dst,
		     const struct libdma_region *src, struct libdma_stats *st)
{
	uintptr_t s, t;

	CHECK(d == dev || d == other);
	region_ok(d, src, LIBDMA_ACCESS_DEV_READ);
	region_ok(d, dst, LIBDMA_ACCESS_DEV_WRITE);
	CHECK(src->length == dst->length);
	s = start_of(src);
	t = start_of(dst);
	CHECK(s + src->length <= t || t + dst->length <= s);	/* no overlap */
	st->bytes = src->length;
	return 0;
}

static const struct libdma_backend_ops fake_ops = {
	.name = "fake", .open = fake_open, .release = fake_release,
	.query_info = fake_query_info, .alloc = fake_alloc, .free = fake_free,
	.pin = fake_pin, .unpin = fake_unpin, .transfer = fake_transfer,
	.copy = fake_copy,
};

static void setup(void)
{
	struct libdma_spec spec = { .kind = LIBDMA_SPEC_INDEX, .index = 0 };

	CHECK(libdma__device_open_with(&fake_ops, &spec, &dev) == 0);
	spec.index = 1;
	CHECK(libdma__device_open_with(&fake_ops, &spec, &other) == 0);
	CHECK(libdma_buffer_alloc(dev, 1, &bufs[0]) == 0);
	CHECK(libdma_buffer_alloc(dev, 4097, &bufs[1]) == 0);
	CHECK(libdma_buffer_alloc(dev, 65536, &bufs[2]) == 0);
	CHECK(libdma_buffer_register(dev, arena, 4096, LIBDMA_ACCESS_DEV_READ, &bufs[3], NULL) == 0);
	CHECK(libdma_buffer_register(dev, arena + 8192, 100, LIBDMA_ACCESS_DEV_WRITE, &bufs[4],
				     NULL) == 0);
	CHECK(libdma_buffer_alloc(other, 4096, &bufs[5]) == 0);
}

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes-- && in->left) {
		v = v << 8 | *in->p++;
		in->left--;
	}
	return v;
}

/* A value that is often near an edge of the buffers, sometimes anything. */
static uint64_t value(struct input *in)
{
	uint8_t how = (uint8_t)take(in, 1);
	uint64_t v = take(in, how & 0x80 ? 8 : 2);

	switch (how & 7) {
	case 0:
		return UINT64_MAX - v;
	case 1:
		return 4096 + (int16_t)v;
	case 2:
		return 65536 + (int16_t)v;
	default:
		return v;
	}
}

static struct libdma_region region(struct input *in)
{
	uint8_t which = (uint8_t)take(in, 1);
	struct libdma_region r;

	memset(&r, 0, sizeof(r));
	switch (which % 9) {
	case 6:
		r.buf = &dead;
		break;
	case 7:		/* plain user memory */
		r.addr = (void *)(uintptr_t)value(in);
		break;
	case 8:		/* nothing at all */
		break;
	default:
		r.buf = bufs[which % 9];
	}
	if (which & 0x10)
		r.addr = (void *)(uintptr_t)value(in);
	r.offset = (size_t)value(in);
	r.length = (size_t)value(in);
	return r;
}

/* The rules of libdma.h, written out independently. */
static int model(const struct libdma_region *r, unsigned int need)
{
	if (r->length == 0)
		return -EINVAL;
	if (r->buf) {
		if (r->buf->magic != LIBDMA_BUFFER_LIVE)
			return -EBADF;
		if (r->addr || r->buf->dev != dev)
			return -EINVAL;
		if (r->offset > r->buf->size || r->length > r->buf->size - r->offset)
			return -EINVAL;
		if ((r->buf->access & need) != need)
			return -EACCES;
		return 0;
	}
	if (!r->addr || r->offset || (uintptr_t)r->addr > UINTPTR_MAX - r->length)
		return -EINVAL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct libdma_region a, b;
	struct libdma_stats st;
	struct libdma_buffer *reg;
	size_t dev_offset;
	int err, want;

	if (!dev)
		setup();
	a = region(&in);
	b = region(&in);
	dev_offset = (size_t)value(&in) % 8192;

	want = model(&a, LIBDMA_ACCESS_DEV_READ);
	err = libdma__region_check(dev, &a, LIBDMA_DEVICE_READS, "source");
	if (err != want)
		fprintf(stderr, "region_check %d, model %d\n", err, want);
	CHECK(err == want);
	CHECK(err == 0 || libdma_errmsg()[0]);

	err = libdma_transfer_to_device(dev, &a, dev_offset, &st);
	CHECK(err == 0 ? st.bytes == a.length : st.bytes == 0);
	err = libdma_transfer_from_device(dev, &b, dev_offset, NULL);
	CHECK(err <= 0);
	err = libdma_copy(dev, &b, &a, &st);
	CHECK(err <= 0);
	err = libdma_copy(other, &b, &a, NULL);	/* the backend checks the owner */
	CHECK(err <= 0);

	/* Registering arbitrary (never touched) memory with arbitrary access. */
	err = libdma_buffer_register(dev, a.addr, a.length, (unsigned int)b.offset, &reg, NULL);
	if (err == 0) {
		CHECK(libdma_buffer_ptr(reg) == a.addr && libdma_buffer_size(reg) == a.length);
		CHECK(libdma_buffer_unregister(reg) == 0);
	} else {
		CHECK(reg == NULL);
	}
	return 0;
}
