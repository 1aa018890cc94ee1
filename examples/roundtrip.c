// SPDX-License-Identifier: MIT
/*
 * roundtrip - DMA a buffer to the device and back, and check it survived.
 *
 *   roundtrip [DEVICE [BYTES]]     DEVICE: "0", "/dev/edudma0", "0000:00:04.0"
 *
 * The device holds one window of data (edu: 4095 bytes on QEMU 7.2;
 * edu-sg: its on-card RAM), so one round trip moves at most that much, and
 * at most one coherent buffer (libdma_info.max_alloc): memory -> device at
 * offset 0, then device -> another buffer. Larger data goes through
 * libdma_copy().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdma.h>

static void print_stats(const char *what, const struct libdma_stats *s)
{
	printf("%-12s %llu bytes, %llu command(s), wall %llu us, device %llu us\n",
	       what, (unsigned long long)s->bytes,
	       (unsigned long long)s->commands,
	       (unsigned long long)s->wall_ns / 1000,
	       (unsigned long long)s->device_ns / 1000);
}

int main(int argc, char **argv)
{
	const char *spec = argc > 1 ? argv[1] : "0";
	struct libdma_buffer *src = NULL, *dst = NULL;
	struct libdma_region from, to;
	struct libdma_stats stats;
	struct libdma_device *dev;
	struct libdma_info info;
	unsigned char *in, *out;
	size_t bytes, limit, i;
	int ret = EXIT_FAILURE;

	if (libdma_open(spec, &dev) < 0 || libdma_get_info(dev, &info) < 0) {
		fprintf(stderr, "roundtrip: %s\n", libdma_errmsg());
		return EXIT_FAILURE;
	}
	limit = info.window_size < info.max_alloc ? info.window_size : info.max_alloc;
	bytes = argc > 2 ? strtoul(argv[2], NULL, 0) : limit;
	if (bytes == 0 || bytes > limit) {
		fprintf(stderr, "roundtrip: BYTES must be 1..%zu (one window, one "
			"buffer); libdma_copy() moves more\n", limit);
		libdma_close(dev);
		return EXIT_FAILURE;
	}
	printf("%s: window %u bytes, round trip of %zu bytes\n",
	       info.node, info.window_size, bytes);

	/* Two coherent buffers: what we send, and where it comes back. */
	if (libdma_buffer_alloc(dev, bytes, &src) < 0 ||
	    libdma_buffer_alloc(dev, bytes, &dst) < 0)
		goto fail;
	in = libdma_buffer_ptr(src);
	out = libdma_buffer_ptr(dst);
	for (i = 0; i < bytes; i++)
		in[i] = (unsigned char)(i * 7 + 3);

	from = libdma_region_buffer(src, 0, bytes);
	if (libdma_transfer_to_device(dev, &from, 0, &stats) < 0)
		goto fail;
	print_stats("to device", &stats);
	to = libdma_region_buffer(dst, 0, bytes);
	if (libdma_transfer_from_device(dev, &to, 0, &stats) < 0)
		goto fail;
	print_stats("from device", &stats);

	if (memcmp(in, out, bytes)) {
		fprintf(stderr, "roundtrip: data differs after the round trip\n");
	} else {
		printf("verified: %zu bytes came back unchanged\n", bytes);
		ret = EXIT_SUCCESS;
	}
	goto release;
fail:
	fprintf(stderr, "roundtrip: %s\n", libdma_errmsg());
release:
	if (dst)
		libdma_buffer_free(dst);
	if (src)
		libdma_buffer_free(src);
	libdma_close(dev);
	return ret;
}
