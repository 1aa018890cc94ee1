// SPDX-License-Identifier: MIT
/*
 * pin - DMA between two ordinary arrays: register them with the device
 * (the driver pins their pages) and copy one into the other through it.
 *
 *   pin [DEVICE [BYTES]]     default: device "0", 65536 bytes
 *
 * Registering once pays for pinning once; for memory used in one call only,
 * libdma_region_user() pins it for just that call instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdma.h>

static int register_array(struct libdma_device *dev, void *mem, size_t len,
			  unsigned int access, struct libdma_buffer **buf)
{
	struct libdma_pin_stats ps;

	if (libdma_buffer_register(dev, mem, len, access, buf, &ps) < 0)
		return -1;
	printf("registered %zu bytes at %p: %u pages, %u cpu / %u dma segments, "
	       "pin %llu us, map %llu us\n", len, mem, ps.pages, ps.cpu_segments,
	       ps.dma_segments, (unsigned long long)ps.pin_ns / 1000,
	       (unsigned long long)ps.map_ns / 1000);
	return 0;
}

int main(int argc, char **argv)
{
	const char *spec = argc > 1 ? argv[1] : "0";
	size_t bytes = argc > 2 ? strtoul(argv[2], NULL, 0) : 65536;
	struct libdma_buffer *src_buf = NULL, *dst_buf = NULL;
	struct libdma_region src, dst;
	struct libdma_stats stats;
	struct libdma_device *dev;
	unsigned char *in, *out;
	int ret = EXIT_FAILURE;
	size_t i;

	/* Plain heap memory: nothing DMA-specific about it. */
	in = malloc(bytes);
	out = calloc(1, bytes);
	if (!in || !out || bytes == 0) {
		fprintf(stderr, "pin: cannot allocate %zu bytes\n", bytes);
		return EXIT_FAILURE;
	}
	for (i = 0; i < bytes; i++)
		in[i] = (unsigned char)(i ^ (i >> 8));

	if (libdma_open(spec, &dev) < 0) {
		fprintf(stderr, "pin: %s\n", libdma_errmsg());
		goto free_arrays;
	}
	/* The device only reads 'in' and only writes 'out'. */
	if (register_array(dev, in, bytes, LIBDMA_ACCESS_DEV_READ, &src_buf) < 0 ||
	    register_array(dev, out, bytes, LIBDMA_ACCESS_DEV_WRITE, &dst_buf) < 0)
		goto report;

	src = libdma_region_buffer(src_buf, 0, bytes);
	dst = libdma_region_buffer(dst_buf, 0, bytes);
	if (libdma_copy(dev, &dst, &src, &stats) < 0)
		goto report;
	printf("copied %llu bytes in %llu device commands over %u dma segments, "
	       "wall %llu us\n", (unsigned long long)stats.bytes,
	       (unsigned long long)stats.commands, stats.dma_segments,
	       (unsigned long long)stats.wall_ns / 1000);

	if (memcmp(in, out, bytes)) {
		fprintf(stderr, "pin: copy differs from the original\n");
		goto unregister;
	}
	printf("verified: the copy matches\n");
	ret = EXIT_SUCCESS;
	goto unregister;
report:
	fprintf(stderr, "pin: %s\n", libdma_errmsg());
unregister:
	if (dst_buf)
		libdma_buffer_unregister(dst_buf);
	if (src_buf)
		libdma_buffer_unregister(src_buf);
	libdma_close(dev);
free_arrays:
	free(in);
	free(out);
	return ret;
}
