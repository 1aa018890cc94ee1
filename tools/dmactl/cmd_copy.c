// SPDX-License-Identifier: MIT
/*
 * dmactl copy: move a test pattern from one memory area through the device
 * into another (libdma_copy), check every byte, print what it took.
 * The memory is coherent buffers from the driver, the process's own memory
 * registered (pinned) once, or its own memory pinned for the one call.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmactl.h"

enum copy_mode {
	MODE_COHERENT,
	MODE_PINNED,
	MODE_ONESHOT,
};

static const char *const mode_names[] = {
	[MODE_COHERENT] = "coherent",
	[MODE_PINNED] = "pinned",
	[MODE_ONESHOT] = "oneshot",
};

/* One side of the copy. */
struct side {
	struct libdma_buffer *buf;	/* coherent or registered */
	unsigned char *heap;		/* pinned, oneshot: our own memory */
	unsigned char *ptr;		/* where the bytes are */
	struct libdma_region region;
};

static const struct dmactl_cmd *const cmd = &dmactl_cmd_copy;

static void print_pin_stats(const char *what, const struct libdma_pin_stats *ps)
{
	char b1[32], b2[32];

	printf("registered %s: %u pages in %u physically contiguous runs, %u DMA "
	       "segments; pin %s, map %s\n", what, ps->pages, ps->cpu_segments,
	       ps->dma_segments, dm_fmt_ns(ps->pin_ns, b1),
	       dm_fmt_ns(ps->map_ns, b2));
}

/*
 * Get 'size' bytes of memory for one side: 0, -errno from libdma (see
 * libdma_errmsg()), or 1 when malloc failed (reported here).
 */
static int side_setup(struct libdma_device *dev, enum copy_mode mode,
		      size_t size, unsigned int access, const char *what,
		      struct side *s)
{
	struct libdma_pin_stats ps;
	int err;

	memset(s, 0, sizeof(*s));
	if (mode == MODE_COHERENT) {
		err = libdma_buffer_alloc(dev, size, &s->buf);
		if (err)
			return err;
		s->ptr = libdma_buffer_ptr(s->buf);
		s->region = libdma_region_buffer(s->buf, 0, size);
		return 0;
	}
	/* Plain heap memory: nothing DMA-specific about it. */
	s->heap = malloc(size);
	if (!s->heap) {
		fprintf(stderr, "dmactl copy: cannot allocate %zu bytes\n", size);
		return 1;
	}
	s->ptr = s->heap;
	if (mode == MODE_ONESHOT) {
		s->region = libdma_region_user(s->heap, size);
		return 0;
	}
	err = libdma_buffer_register(dev, s->heap, size, access, &s->buf, &ps);
	if (err)
		return err;
	print_pin_stats(what, &ps);
	s->region = libdma_region_buffer(s->buf, 0, size);
	return 0;
}

static void side_release(enum copy_mode mode, struct side *s)
{
	if (s->buf && mode == MODE_COHERENT)
		libdma_buffer_free(s->buf);
	else if (s->buf)
		libdma_buffer_unregister(s->buf);
	free(s->heap);
	memset(s, 0, sizeof(*s));
}

static void print_stats(const char *label, const struct libdma_stats *st,
			enum copy_mode mode)
{
	char b1[32], b2[32], b3[32], b4[32];

	printf("%s: %llu bytes, %llu commands, device %s, host %s, wall %s, "
	       "%u DMA segments", label, (unsigned long long)st->bytes,
	       (unsigned long long)st->commands, dm_fmt_ns(st->device_ns, b1),
	       dm_fmt_ns(st->host_ns, b2), dm_fmt_ns(st->wall_ns, b3),
	       st->dma_segments);
	if (mode == MODE_ONESHOT)
		printf(", %u pages pinned in %s", st->pages,
		       dm_fmt_ns(st->setup_ns, b4));
	printf("\n");
}

static void add_stats(struct libdma_stats *sum, const struct libdma_stats *st)
{
	sum->bytes += st->bytes;
	sum->commands += st->commands;
	sum->wall_ns += st->wall_ns;
	sum->device_ns += st->device_ns;
	sum->host_ns += st->host_ns;
	sum->setup_ns += st->setup_ns;
	sum->pages += st->pages;
	sum->dma_segments += st->dma_segments;
}

/* Why a mode is unavailable, after libdma said -EOPNOTSUPP. */
static void unsupported_hint(enum copy_mode mode)
{
	if (mode == MODE_PINNED)
		fprintf(stderr, "This driver cannot register (pin) user memory "
			"yet (feature \"pin\"); --mode coherent works without "
			"it. 'dmactl info' lists the features.\n");
	else if (mode == MODE_ONESHOT)
		fprintf(stderr, "This driver cannot pin user memory for one "
			"call yet (feature \"user-region\"); --mode coherent "
			"works without it. 'dmactl info' lists the features.\n");
}

/* One run: fill, copy, check. An exit status. */
static int copy_once(struct libdma_device *dev, enum copy_mode mode,
		     size_t size, struct side *src, struct side *dst,
		     uint32_t seed, unsigned int run, struct libdma_stats *st)
{
	size_t first, nbad;
	char label[32];
	int err;

	dm_fill(src->ptr, size, seed);
	/* Another pattern in the destination: a copy that never happened shows. */
	dm_fill(dst->ptr, size, ~seed);
	err = libdma_copy(dev, &dst->region, &src->region, st);
	snprintf(label, sizeof(label), "run %u", run);
	if (err) {
		if (st->bytes)
			print_stats(label, st, mode);
		fprintf(stderr, "dmactl copy: run %u: %s\n", run, libdma_errmsg());
		if (err == -EOPNOTSUPP) {
			unsupported_hint(mode);
			return DM_EXIT_UNSUPPORTED;
		}
		return DM_EXIT_FAILED;
	}
	print_stats(label, st, mode);
	first = dm_check(dst->ptr, size, seed, &nbad);
	if (first != (size_t)-1) {
		fprintf(stderr, "dmactl copy: run %u: MISMATCH: %zu of %zu bytes "
			"differ, the first at offset %zu (expected 0x%02x, got "
			"0x%02x)\n", run, nbad, size, first,
			dm_pattern_at(first, seed), dst->ptr[first]);
		return DM_EXIT_VERIFY;
	}
	return DM_EXIT_OK;
}

static int run_copy(int argc, char **argv)
{
	static const struct option options[] = {
		{ "size", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum copy_mode mode = MODE_COHERENT;
	uint64_t size = 0, repeat = 1, run;
	struct libdma_stats st, total;
	struct side src, dst;
	struct libdma_device *dev;
	struct libdma_info info;
	char b1[32], b2[32], b3[32], b4[32];
	const char *spec;
	int opt, ret, rest, err;
	size_t i;

	while ((opt = getopt_long(argc, argv, "s:m:r:h", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (dm_parse_size(optarg, &size) || size == 0 ||
			    size > SIZE_MAX / 2)
				return dm_usage(cmd, "--size wants a byte count "
						"such as 4096, 64K or 1M, not "
						"'%s'", optarg);
			break;
		case 'm':
			for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
				if (!strcmp(optarg, mode_names[i]))
					break;
			if (i == sizeof(mode_names) / sizeof(mode_names[0]))
				return dm_usage(cmd, "--mode is coherent, pinned "
						"or oneshot, not '%s'", optarg);
			mode = (enum copy_mode)i;
			break;
		case 'r':
			if (dm_parse_u64(optarg, &repeat) || repeat == 0 ||
			    repeat > 1000000)
				return dm_usage(cmd, "--repeat wants 1..1000000, "
						"not '%s'", optarg);
			break;
		default:
			return dm_common_option(cmd, opt);
		}
	}
	ret = dm_positionals(cmd, argc, argv, optind, 0, &spec, &rest);
	if (ret >= 0)
		return ret;
	if (!size)
		return dm_usage(cmd, "--size BYTES is required");

	ret = dm_open(cmd, spec, &dev);
	if (ret)
		return ret;
	err = libdma_get_info(dev, &info);
	if (err) {
		ret = dm_failed(cmd, err);
		goto close;
	}
	if (mode == MODE_COHERENT && size > info.max_alloc) {
		ret = dm_usage(cmd, "coherent buffers of %s are at most %s "
			       "(%llu bytes); --mode pinned or oneshot copies "
			       "more", info.node, dm_fmt_bytes(info.max_alloc, b1),
			       (unsigned long long)info.max_alloc);
		goto close;
	}

	printf("%s: copy %llu bytes, %s memory, through a %u-byte window "
	       "(%llu chunks, each memory -> device -> memory), %llu run%s\n",
	       info.node, (unsigned long long)size, mode_names[mode],
	       info.window_size,
	       (unsigned long long)((size + info.window_size - 1) / info.window_size),
	       (unsigned long long)repeat, repeat == 1 ? "" : "s");

	err = side_setup(dev, mode, size, LIBDMA_ACCESS_DEV_READ, "source", &src);
	if (!err) {
		err = side_setup(dev, mode, size, LIBDMA_ACCESS_DEV_WRITE,
				 "destination", &dst);
		if (err)
			side_release(mode, &src);
	}
	if (err) {
		if (err > 0)
			ret = DM_EXIT_FAILED;	/* malloc: already said */
		else
			ret = dm_failed(cmd, err);
		if (err == -EOPNOTSUPP)
			unsupported_hint(mode);
		goto close;
	}

	memset(&total, 0, sizeof(total));
	for (run = 1; run <= repeat; run++) {
		ret = copy_once(dev, mode, size, &src, &dst,
				0x5eed0000u + (uint32_t)run, (unsigned int)run, &st);
		if (ret)
			break;
		add_stats(&total, &st);
	}
	if (!ret && repeat > 1)
		printf("total: %llu bytes, %llu commands, device %s, host %s, "
		       "wall %s\n", (unsigned long long)total.bytes,
		       (unsigned long long)total.commands,
		       dm_fmt_ns(total.device_ns, b2),
		       dm_fmt_ns(total.host_ns, b3), dm_fmt_ns(total.wall_ns, b4));
	if (!ret)
		printf("verified: every byte of %llu run%s arrived intact\n",
		       (unsigned long long)repeat, repeat == 1 ? "" : "s");
	side_release(mode, &dst);
	side_release(mode, &src);
close:
	libdma_close(dev);
	return ret;
}

const struct dmactl_cmd dmactl_cmd_copy = {
	.name = "copy",
	.summary = "move a test pattern through the DMA engine and check it",
	.help =
"Usage: dmactl copy [DEV] --size BYTES [--mode coherent|pinned|oneshot]\n"
"                   [--repeat N]\n"
"\n"
"Fills a source area with a pseudo-random pattern and a destination area\n"
"with another, then has the device copy source to destination: the edu\n"
"device holds one window of data (4095 bytes on QEMU before 9.1), so the\n"
"driver moves each window-sized chunk memory -> device -> memory: two DMA\n"
"commands per chunk, more where a chunk spans pieces of memory that are\n"
"not physically contiguous. Then every byte of the destination is checked:\n"
"DMA failures on edu are silent, only the data tells. Prints, per run:\n"
"  bytes          moved to completion\n"
"  commands       DMA commands the device ran\n"
"  device         time the device spent on them (on QEMU: 100 ms each)\n"
"  host           the rest of the call: checks, pinning, interrupts, wakeups\n"
"  wall           the whole call, in the driver\n"
"  DMA segments   physically contiguous pieces of memory walked (both sides)\n"
"Exits 1 when a byte differs (and says where).\n"
"\n"
"Options:\n"
"  -s, --size BYTES  how much to copy; K, M and G suffixes are powers of 1024\n"
"  -m, --mode MODE   where the memory comes from:\n"
"                      coherent  two buffers the driver allocates\n"
"                                (physically contiguous, at most 'max buffer'\n"
"                                of 'dmactl info'); the default\n"
"                      pinned    two malloc'd areas, registered (pinned)\n"
"                                once; needs the driver's \"pin\" feature\n"
"                      oneshot   two malloc'd areas pinned by the driver\n"
"                                for each call only; needs \"user-region\"\n"
"                    A mode the driver lacks exits with status 4.\n"
"  -r, --repeat N    copy N times, with a new pattern each time (default 1)\n"
"\n"
"Examples:\n"
"  dmactl copy --size 64K\n"
"  dmactl copy 1 --size 1M --mode pinned --repeat 3\n",
	.run = run_copy,
};
