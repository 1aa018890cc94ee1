// SPDX-License-Identifier: MIT
/*
 * dmactl dmabuf: share a buffer through dma-buf and move data across it,
 * checking every byte - libdma_buffer_export() and libdma_buffer_import()
 * (API 1.4) end to end. Two peers:
 *
 *   self  a coherent buffer exported, its dma-buf imported back into the
 *         device (a second name for the same memory), the device reading
 *         and writing it through that name; the bytes checked through the
 *         buffer's mapping and through the dma-buf's own mmap (bracketed
 *         by DMA_BUF_IOCTL_SYNC, as the dma-buf contract asks)
 *   vgem  another driver's memory: a vgem (DRM) dumb buffer exported with
 *         PRIME, imported, the device writing into it and reading it back;
 *         the bytes checked through vgem's own mapping
 *
 * The few DRM definitions used are stable uapi (include/uapi/drm/drm.h,
 * drm_mode.h); dmactl does not need libdrm.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "dmactl.h"

static const struct dmactl_cmd *const cmd = &dmactl_cmd_dmabuf;

/* ------------------------------------------------------------ vgem */

struct drm_mode_create_dumb {
	uint32_t height, width, bpp, flags;
	uint32_t handle, pitch;
	uint64_t size;
};
struct drm_mode_map_dumb {
	uint32_t handle, pad;
	uint64_t offset;
};
struct drm_prime_handle {
	uint32_t handle, flags;
	int32_t fd;
};
struct drm_gem_close {
	uint32_t handle, pad;
};
#define DRM_IOCTL_GEM_CLOSE		_IOW('d', 0x09, struct drm_gem_close)
#define DRM_IOCTL_PRIME_HANDLE_TO_FD	_IOWR('d', 0x2d, struct drm_prime_handle)
#define DRM_IOCTL_MODE_CREATE_DUMB	_IOWR('d', 0xB2, struct drm_mode_create_dumb)
#define DRM_IOCTL_MODE_MAP_DUMB		_IOWR('d', 0xB3, struct drm_mode_map_dumb)

struct vgem {
	int card;
	uint32_t handle;
	uint64_t size;
	uint8_t *map;
	int prime;		/* the PRIME dma-buf fd */
	char node[32];
};

/* vgem's card: /sys/class/drm/cardN/device is its platform device "vgem". */
static int vgem_find(char *node, size_t len)
{
	char link[64], target[256];
	int i;

	for (i = 0; i < 16; i++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/sys/class/drm/card%d/device", i);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "vgem")) {
			snprintf(node, len, "/dev/dri/card%d", i);
			return 0;
		}
	}
	return -1;
}

/* A dumb buffer of at least 'size' bytes, mapped, exported. An exit status. */
static int vgem_create(struct vgem *v, size_t size)
{
	struct drm_mode_create_dumb c;
	struct drm_mode_map_dumb m;
	struct drm_prime_handle p;

	memset(v, 0, sizeof(*v));
	v->card = -1;
	v->prime = -1;
	if (vgem_find(v->node, sizeof(v->node))) {
		fprintf(stderr, "dmactl dmabuf: no vgem device (no "
			"/sys/class/drm/card*/device leading to vgem): load it "
			"with 'modprobe vgem'\n");
		return DM_EXIT_FAILED;
	}
	v->card = open(v->node, O_RDWR | O_CLOEXEC);
	if (v->card < 0) {
		fprintf(stderr, "dmactl dmabuf: cannot open %s: %s\n", v->node,
			strerror(errno));
		return DM_EXIT_FAILED;
	}
	/* 32-bit pixels, 1024 a row: 4 KiB a row */
	memset(&c, 0, sizeof(c));
	c.width = 1024;
	c.height = (uint32_t)((size + 4095) / 4096);
	c.bpp = 32;
	if (ioctl(v->card, DRM_IOCTL_MODE_CREATE_DUMB, &c)) {
		fprintf(stderr, "dmactl dmabuf: vgem: a %zu-byte dumb buffer: "
			"%s\n", size, strerror(errno));
		return DM_EXIT_FAILED;
	}
	v->handle = c.handle;
	v->size = c.size;
	memset(&m, 0, sizeof(m));
	m.handle = c.handle;
	if (ioctl(v->card, DRM_IOCTL_MODE_MAP_DUMB, &m)) {
		fprintf(stderr, "dmactl dmabuf: vgem MAP_DUMB: %s\n",
			strerror(errno));
		return DM_EXIT_FAILED;
	}
	v->map = mmap(NULL, v->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->card, (off_t)m.offset);
	if (v->map == MAP_FAILED) {
		v->map = NULL;
		fprintf(stderr, "dmactl dmabuf: mmap of the vgem buffer: %s\n",
			strerror(errno));
		return DM_EXIT_FAILED;
	}
	memset(&p, 0, sizeof(p));
	p.handle = c.handle;
	p.flags = O_RDWR | O_CLOEXEC;
	if (ioctl(v->card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p)) {
		fprintf(stderr, "dmactl dmabuf: vgem PRIME_HANDLE_TO_FD: %s\n",
			strerror(errno));
		return DM_EXIT_FAILED;
	}
	v->prime = p.fd;
	return DM_EXIT_OK;
}

static void vgem_destroy(struct vgem *v)
{
	struct drm_gem_close g;

	if (v->map)
		munmap(v->map, v->size);
	if (v->prime >= 0)
		close(v->prime);
	if (v->card >= 0) {
		memset(&g, 0, sizeof(g));
		g.handle = v->handle;
		ioctl(v->card, DRM_IOCTL_GEM_CLOSE, &g);
		close(v->card);
	}
}

/* ---------------------------------------------------------- common */

static int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s;

	memset(&s, 0, sizeof(s));
	s.flags = flags;
	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

/* Check 'len' bytes of 'what' against the pattern; an exit status. */
static int verify(const char *what, const uint8_t *p, size_t len, uint32_t seed)
{
	size_t nbad, first = dm_check(p, len, seed, &nbad);

	if (first == (size_t)-1) {
		printf("  verified: %zu bytes through %s\n", len, what);
		return DM_EXIT_OK;
	}
	fprintf(stderr, "dmactl dmabuf: MISMATCH through %s: %zu of %zu bytes "
		"differ, the first at offset %zu (expected 0x%02x, got 0x%02x)\n",
		what, nbad, len, first, dm_pattern_at(first, seed), p[first]);
	return DM_EXIT_VERIFY;
}

/* The device copies src -> dst (whole regions); prints it; an exit status. */
static int device_copy(struct libdma_device *dev, const char *label,
		       struct libdma_buffer *dst, size_t dst_off,
		       struct libdma_buffer *src, size_t src_off, size_t len)
{
	struct libdma_region d = libdma_region_buffer(dst, dst_off, len);
	struct libdma_region s = libdma_region_buffer(src, src_off, len);
	struct libdma_stats st;
	char b1[32];
	int err = libdma_copy(dev, &d, &s, &st);

	if (err)
		return dm_failed(cmd, err);
	printf("  device copy %s: %llu bytes, %llu commands, %u DMA segments, "
	       "wall %s\n", label, (unsigned long long)st.bytes,
	       (unsigned long long)st.commands, st.dma_segments,
	       dm_fmt_ns(st.wall_ns, b1));
	return DM_EXIT_OK;
}

static int import(struct libdma_device *dev, int fd, const char *what,
		  struct libdma_buffer **bufp)
{
	struct libdma_pin_stats ps;
	int err = libdma_buffer_import(dev, fd, LIBDMA_ACCESS_RW, bufp, &ps);

	if (err)
		return dm_failed(cmd, err);
	printf("  imported %s: %zu bytes, %u DMA segment%s in the device's "
	       "mapping\n", what, libdma_buffer_size(*bufp), ps.dma_segments,
	       ps.dma_segments == 1 ? "" : "s");
	return DM_EXIT_OK;
}

/* ------------------------------------------------------------ self */

static int run_self(struct libdma_device *dev, size_t size)
{
	struct libdma_buffer *a = NULL, *b = NULL, *imp = NULL;
	uint8_t *m = MAP_FAILED;
	int err, ret, dbuf = -1;
	size_t alloc;

	err = libdma_buffer_alloc(dev, size, &a);
	if (!err)
		err = libdma_buffer_alloc(dev, size, &b);
	if (err) {
		ret = dm_failed(cmd, err);
		goto out;
	}
	alloc = libdma_buffer_size(a);
	dm_fill(libdma_buffer_ptr(a), size, 0xd0a1);
	err = libdma_buffer_export(a, LIBDMA_EXPORT_WRITE, &dbuf);
	if (err) {
		ret = dm_failed(cmd, err);
		goto out;
	}
	printf("  exported buffer A (%zu bytes): dma-buf fd %d\n", alloc, dbuf);
	ret = import(dev, dbuf, "A's dma-buf as buffer I", &imp);
	if (ret)
		goto out;

	/* 1. the device reads A through its dma-buf name */
	ret = device_copy(dev, "I -> B", b, 0, imp, 0, size);
	if (!ret)
		ret = verify("B's mapping", libdma_buffer_ptr(b), size, 0xd0a1);
	if (ret)
		goto out;
	/* 2. the device writes A through it; A and the dma-buf's mmap see it */
	dm_fill(libdma_buffer_ptr(b), size, 0xd0a2);
	ret = device_copy(dev, "B -> I", imp, 0, b, 0, size);
	if (ret)
		goto out;
	ret = verify("A's mapping", libdma_buffer_ptr(a), size, 0xd0a2);
	if (ret)
		goto out;
	m = mmap(NULL, alloc, PROT_READ, MAP_SHARED, dbuf, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "dmactl dmabuf: mmap of the dma-buf: %s\n",
			strerror(errno));
		ret = DM_EXIT_FAILED;
		goto out;
	}
	if (dmabuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ)) {
		fprintf(stderr, "dmactl dmabuf: DMA_BUF_IOCTL_SYNC: %s\n",
			strerror(errno));
		ret = DM_EXIT_FAILED;
		goto out;
	}
	ret = verify("the dma-buf's mmap", m, size, 0xd0a2);
	dmabuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	if (ret)
		goto out;
	/* 3. A freed first: the dma-buf keeps the memory */
	err = libdma_buffer_free(a);
	a = NULL;
	if (err) {
		ret = dm_failed(cmd, err);
		goto out;
	}
	ret = device_copy(dev, "I -> B after freeing A", b, 0, imp, 0, size);
	if (!ret)
		ret = verify("B's mapping", libdma_buffer_ptr(b), size, 0xd0a2);
	if (!ret)
		printf("  (the dma-buf kept A's memory alive after "
		       "libdma_buffer_free(A))\n");
out:
	if (m != MAP_FAILED)
		munmap(m, alloc);
	if (imp)
		libdma_buffer_free(imp);
	if (dbuf >= 0)
		close(dbuf);
	if (a)
		libdma_buffer_free(a);
	if (b)
		libdma_buffer_free(b);
	return ret;
}

/* ------------------------------------------------------------ vgem */

static int run_vgem(struct libdma_device *dev, size_t size)
{
	struct libdma_buffer *a = NULL, *imp = NULL;
	struct vgem v;
	size_t off;
	int err, ret;

	ret = vgem_create(&v, size);
	if (ret)
		goto out;
	printf("  vgem (%s): a %llu-byte dumb buffer, PRIME dma-buf fd %d\n",
	       v.node, (unsigned long long)v.size, v.prime);
	ret = import(dev, v.prime, "vgem's dma-buf as buffer V", &imp);
	if (ret)
		goto out;
	/* the import holds the dma-buf: the PRIME fd can go now */
	close(v.prime);
	v.prime = -1;
	err = libdma_buffer_alloc(dev, size, &a);
	if (err) {
		ret = dm_failed(cmd, err);
		goto out;
	}
	/* 1. the device writes vgem's memory; vgem's mapping shows it */
	off = (size_t)v.size > size ? (size_t)v.size - size : 0;
	dm_fill(libdma_buffer_ptr(a), size, 0xd0a3);
	memset(v.map, 0, v.size);
	ret = device_copy(dev, "A -> V", imp, off, a, 0, size);
	if (!ret)
		ret = verify("vgem's mapping", v.map + off, size, 0xd0a3);
	if (ret)
		goto out;
	/* 2. vgem's memory written by the CPU, read by the device */
	dm_fill(v.map, size, 0xd0a4);
	ret = device_copy(dev, "V -> A", a, 0, imp, 0, size);
	if (!ret)
		ret = verify("A's mapping", libdma_buffer_ptr(a), size, 0xd0a4);
out:
	if (imp)
		libdma_buffer_free(imp);
	if (a)
		libdma_buffer_free(a);
	vgem_destroy(&v);
	return ret;
}

static int run_dmabuf(int argc, char **argv)
{
	static const struct option options[] = {
		{ "size", required_argument, NULL, 's' },
		{ "peer", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t size = 64 * 1024;
	struct libdma_device *dev;
	struct libdma_info info;
	const char *spec, *peer = "self";
	int opt, ret, rest, err;

	while ((opt = getopt_long(argc, argv, "s:p:h", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (dm_parse_size(optarg, &size) || size == 0 ||
			    size > SIZE_MAX / 2)
				return dm_usage(cmd, "--size wants a byte count "
						"such as 4096, 64K or 1M, not "
						"'%s'", optarg);
			break;
		case 'p':
			if (strcmp(optarg, "self") && strcmp(optarg, "vgem"))
				return dm_usage(cmd, "--peer is self or vgem, "
						"not '%s'", optarg);
			peer = optarg;
			break;
		default:
			return dm_common_option(cmd, opt);
		}
	}
	ret = dm_positionals(cmd, argc, argv, optind, 0, &spec, &rest);
	if (ret >= 0)
		return ret;

	ret = dm_open(cmd, spec, &dev);
	if (ret)
		return ret;
	err = libdma_get_info(dev, &info);
	if (err) {
		ret = dm_failed(cmd, err);
		goto close;
	}
	if (size > info.max_alloc) {
		ret = dm_usage(cmd, "--size: coherent buffers of %s are at most "
			       "%llu bytes", info.node,
			       (unsigned long long)info.max_alloc);
		goto close;
	}
	printf("%s: dma-buf with peer %s, %llu bytes\n", info.node, peer,
	       (unsigned long long)size);
	if (!strcmp(peer, "self"))
		ret = run_self(dev, (size_t)size);
	else
		ret = run_vgem(dev, (size_t)size);
	if (!ret)
		printf("verified: every byte crossed the dma-buf intact\n");
close:
	libdma_close(dev);
	return ret;
}

const struct dmactl_cmd dmactl_cmd_dmabuf = {
	.name = "dmabuf",
	.summary = "share buffers through dma-buf and DMA across them",
	.help =
"Usage: dmactl dmabuf [DEV] [--peer self|vgem] [--size BYTES]\n"
"\n"
"Shows dma-buf, the kernel's way to share buffers between drivers, with\n"
"libdma_buffer_export() and libdma_buffer_import(): the device moves a test\n"
"pattern across a shared buffer and every byte is checked where the other\n"
"side sees it. Needs the driver's \"dmabuf\" feature (`dmactl info`); a\n"
"device driven through VFIO has none (exit status 4).\n"
"\n"
"With --peer self (the default), a coherent buffer A is exported as a\n"
"dma-buf and that dma-buf imported back as buffer I, a second name for the\n"
"same memory. The device copies I to a buffer B (it read A through the\n"
"dma-buf), then a new pattern from B into I: A's mapping and an mmap of\n"
"the dma-buf (between DMA_BUF_IOCTL_SYNC start and end) must show it. Then\n"
"A is freed and the device reads I again: the dma-buf keeps the memory.\n"
"\n"
"With --peer vgem, the memory is another driver's: a dumb buffer of vgem\n"
"(the virtual DRM driver; modprobe vgem), exported with PRIME, is imported\n"
"as buffer V. The device writes a pattern into V, checked through vgem's\n"
"own mapping, then reads what the CPU wrote there through vgem.\n"
"\n"
"Options:\n"
"  -p, --peer PEER   self or vgem, as above\n"
"  -s, --size BYTES  how much to move (default 64K); K, M and G suffixes\n"
"                    are powers of 1024; at most 'max buffer' of\n"
"                    'dmactl info'\n"
"\n"
"Examples:\n"
"  dmactl dmabuf\n"
"  dmactl dmabuf 0 --peer vgem --size 1M\n",
	.run = run_dmabuf,
};
