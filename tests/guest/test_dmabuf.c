/* SPDX-License-Identifier: MIT */
/*
 * dma-buf (docs/dma-buf.md) against real second drivers of the guest kernel:
 *  - export: vivid (V4L2, V4L2_MEMORY_DMABUF) captures frames into edudma
 *    buffers - once with its vmalloc allocator (vmap), once with
 *    dma-contig (its own device mapping: map_dma_buf) - compared byte by
 *    byte with frames captured into vivid's own buffers, then DMA'd through
 *    our device;
 *  - import: vgem (DRM) dumb buffers exported with PRIME, DMA'd into and
 *    out of by our device, checked through vgem's own mapping; our own
 *    exports imported back;
 *  - lifetime: close in every order, SIGKILL mid-transfer into an import,
 *    unplug with exports alive (and vivid holding one);
 *  - abuse: not a dma-buf, a closed fd, an orphaned dma-buf, a pinned range,
 *    a direction the exporter refuses;
 *  - suite lib_dmabuf: the same through libdma (libdma_buffer_export(),
 *    libdma_buffer_import()) - vgem import, own export imported back, vivid
 *    capturing into a libdma export, the library's refusals and messages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

/*
 * The few DRM uapi definitions used here (include/uapi/drm/drm.h and
 * drm_mode.h - stable ABI; the build host has no libdrm headers).
 */
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
#define DRM_RDWR			O_RDWR

#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)

static int fd = -1;
static int base_buffers;
static int have_dmabuf;

#define NEED_DMABUF() do { if (!have_dmabuf) EDUTEST_SKIP("no EDUDMA_FEAT_DMABUF (kernel without dma-buf)"); } while (0)

static int run_cmd(const char *cmd)
{
	int rc = system(cmd);

	printf("    %s: %d\n", cmd, rc);
	return rc;
}

static int suite_init(void)
{
	struct edudma_info info;

	fd = gu_open(0);
	base_buffers = gu_attr_int(0, "nr_buffers");
	if (fd < 0 || ioctl(fd, EDUDMA_IOC_INFO, &info))
		return 1;
	/* a kernel without dma-buf (the debug kernel's tinyconfig) */
	have_dmabuf = !!(info.features & EDUDMA_FEAT_DMABUF);
	if (!have_dmabuf)
		return 0;
	/* Both drivers are part of Debian's kernel; the initramfs carries them. */
	run_cmd("modprobe vgem");
	run_cmd("modprobe vivid n_devs=2 node_types=0x1,0x1 allocators=0,1");
	return fd < 0;
}

static int suite_cleanup(void)
{
	close(fd);
	if (!have_dmabuf)
		return 0;
	run_cmd("rmmod vivid");
	run_cmd("rmmod vgem");
	return 0;
}

/* Raw ABI. */
static int export_buf(int f, uint32_t handle, uint32_t flags, int *out)
{
	struct edudma_export e;

	*out = -1;
	memset(&e, 0, sizeof(e));
	e.handle = handle;
	e.flags = flags;
	if (ioctl(f, EDUDMA_IOC_EXPORT, &e))
		return -errno;
	*out = e.fd;
	return 0;
}

static int import_buf(int f, int dbuf, uint32_t access, struct edudma_import *out)
{
	struct edudma_import i;

	memset(&i, 0, sizeof(i));
	i.fd = dbuf;
	i.access = access;
	if (ioctl(f, EDUDMA_IOC_IMPORT, &i))
		return -errno;
	if (out)
		*out = i;
	else
		gu_free_handle(f, i.handle);
	return 0;
}

static int dmabuf_sync(int dbuf, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(dbuf, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

static int counters_at_base(void)
{
	return gu_attr_int(0, "nr_buffers") == base_buffers &&
	       gu_attr_int(0, "nr_exported") == 0 &&
	       gu_attr_int(0, "nr_imported") == 0;
}

/* ------------------------------------------------------------- vgem */

struct vgem_bo {
	int card;
	uint32_t handle;
	uint64_t size;
	uint8_t *map;
	int prime;
};

/* vgem's card: its device is the platform device "vgem" (no driver bound). */
static int vgem_open(void)
{
	char path[64], dev[256], link[300];
	int i;

	for (i = 0; i < 8; i++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/sys/class/drm/card%d/device", i);
		n = readlink(link, dev, sizeof(dev) - 1);
		if (n < 0)
			continue;
		dev[n] = 0;
		if (!strstr(dev, "vgem"))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		return open(path, O_RDWR | O_CLOEXEC);
	}
	printf("    no vgem card in /sys/class/drm\n");
	return -1;
}

static int vgem_create(struct vgem_bo *bo, uint32_t width, uint32_t height)
{
	struct drm_mode_create_dumb c = { .width = width, .height = height, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	struct drm_prime_handle p = { 0 };

	memset(bo, 0, sizeof(*bo));
	bo->prime = -1;
	bo->card = vgem_open();
	if (bo->card < 0)
		return -1;
	if (ioctl(bo->card, DRM_IOCTL_MODE_CREATE_DUMB, &c)) {
		printf("    vgem CREATE_DUMB: %s\n", strerror(errno));
		return -1;
	}
	bo->handle = c.handle;
	bo->size = c.size;
	m.handle = c.handle;
	if (ioctl(bo->card, DRM_IOCTL_MODE_MAP_DUMB, &m))
		return -1;
	bo->map = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bo->card, (off_t)m.offset);
	if (bo->map == MAP_FAILED) {
		bo->map = NULL;
		return -1;
	}
	p.handle = c.handle;
	p.flags = DRM_RDWR | O_CLOEXEC;
	if (ioctl(bo->card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p)) {
		printf("    vgem PRIME_HANDLE_TO_FD: %s\n", strerror(errno));
		return -1;
	}
	bo->prime = p.fd;
	return 0;
}

static void vgem_destroy(struct vgem_bo *bo)
{
	struct drm_gem_close g = { .handle = bo->handle };

	if (bo->map)
		munmap(bo->map, bo->size);
	if (bo->prime >= 0)
		close(bo->prime);
	if (bo->card >= 0) {
		ioctl(bo->card, DRM_IOCTL_GEM_CLOSE, &g);
		close(bo->card);
	}
	memset(bo, 0, sizeof(*bo));
}

/*
 * A vgem dumb buffer imported into edudma: the device writes a pattern
 * into it (COPY from a coherent buffer), vgem's mapping must show it; vgem's
 * mapping writes another, the device reads it out into a coherent buffer.
 */
static void test_vgem_import(void)
{
	struct edudma_import im;
	struct vgem_bo bo;
	struct gu_buf src, dst;
	const uint64_t len = 64 * 1024 + 123;

	NEED_DMABUF();

	CU_ASSERT_EQUAL_FATAL(vgem_create(&bo, 1024, 128), 0);	/* 512 KiB */
	CU_ASSERT_EQUAL_FATAL(import_buf(fd, bo.prime, RW, &im), 0);
	CU_ASSERT_EQUAL(im.size, bo.size);
	CU_ASSERT_TRUE(im.nr_dma_segments >= 1);
	printf("    vgem bo %llu bytes: %u DMA segments\n",
	       (unsigned long long)bo.size, im.nr_dma_segments);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_imported"), 1);
	/* the prime fd can go at once: the import holds the dma-buf */
	close(bo.prime);
	bo.prime = -1;

	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, len, &src), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, len, &dst), 0);
	gu_fill(src.map, len, 0x1234);
	memset(bo.map, 0xee, bo.size);
	/* device -> vgem, at an odd offset */
	CU_ASSERT_EQUAL(gu_copy(fd, src.handle, 0, im.handle, 4093, len, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(bo.map + 4093, len, 0x1234), (size_t)-1);
	CU_ASSERT_EQUAL(bo.map[4092], 0xee);
	CU_ASSERT_EQUAL(bo.map[4093 + len], 0xee);
	/* vgem -> device */
	gu_fill(bo.map + 100000, len, 0x5678);
	CU_ASSERT_EQUAL(gu_copy(fd, im.handle, 100000, dst.handle, 0, len, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(dst.map, len, 0x5678), (size_t)-1);
	/* TRANSFER both ways through the window */
	gu_fill(bo.map, 4000, 77);
	CU_ASSERT_EQUAL(gu_transfer(fd, im.handle, 0, 4000, EDUDMA_DIR_TO_DEVICE, 0, NULL), 0);
	CU_ASSERT_EQUAL(gu_transfer(fd, im.handle, 8192, 4000, EDUDMA_DIR_FROM_DEVICE, 0, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(bo.map + 8192, 4000, 77), (size_t)-1);
	/* out of range */
	CU_ASSERT_EQUAL(gu_transfer(fd, im.handle, bo.size - 10, 11, EDUDMA_DIR_TO_DEVICE, 0, NULL), -EINVAL);

	CU_ASSERT_EQUAL(gu_free_handle(fd, im.handle), 0);
	CU_ASSERT_EQUAL(gu_free_handle(fd, im.handle), -ENOENT);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_imported"), 0);
	gu_free(fd, &src);
	gu_free(fd, &dst);
	vgem_destroy(&bo);
	CU_ASSERT_TRUE(counters_at_base());
}

/* Access the import was made for is enforced like a pin's (EACCES). */
static void test_import_access(void)
{
	struct edudma_import im;
	struct vgem_bo bo;
	struct gu_buf b;

	NEED_DMABUF();

	CU_ASSERT_EQUAL_FATAL(vgem_create(&bo, 64, 64), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 4096, &b), 0);
	CU_ASSERT_EQUAL_FATAL(import_buf(fd, bo.prime, EDUDMA_ACCESS_DEV_READ, &im), 0);
	CU_ASSERT_EQUAL(gu_copy(fd, b.handle, 0, im.handle, 0, 100, NULL), -EACCES);
	CU_ASSERT_EQUAL(gu_copy(fd, im.handle, 0, b.handle, 0, 100, NULL), 0);
	CU_ASSERT_EQUAL(gu_free_handle(fd, im.handle), 0);
	CU_ASSERT_EQUAL_FATAL(import_buf(fd, bo.prime, EDUDMA_ACCESS_DEV_WRITE, &im), 0);
	CU_ASSERT_EQUAL(gu_copy(fd, im.handle, 0, b.handle, 0, 100, NULL), -EACCES);
	/* UNPIN is not the way to drop it: wrong kind */
	CU_ASSERT_EQUAL(gu_unpin(fd, im.handle), -EINVAL);
	CU_ASSERT_EQUAL(gu_free_handle(fd, im.handle), 0);
	gu_free(fd, &b);
	vgem_destroy(&bo);
	CU_ASSERT_TRUE(counters_at_base());
}

/*
 * Our own export imported back - into the same file and into another file
 * - and the dma-buf's mmap and SYNC: every view shows the same bytes.
 */
static void test_export_import_self(void)
{
	struct gu_buf a, b;
	struct edudma_import im;
	int dbuf, fd2;
	uint8_t *m;

	NEED_DMABUF();

	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 3 * 4096, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 3 * 4096, &b), 0);
	CU_ASSERT_EQUAL_FATAL(export_buf(fd, a.handle, EDUDMA_EXPORT_WRITE, &dbuf), 0);
	CU_ASSERT_EQUAL(fcntl(dbuf, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CU_ASSERT_EQUAL(fcntl(dbuf, F_GETFL) & O_ACCMODE, O_RDWR);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_exported"), 1);
	CU_ASSERT_EQUAL(lseek(dbuf, 0, SEEK_END), (off_t)a.size);

	m = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, dbuf, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(m, MAP_FAILED);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
	gu_fill(m, a.size, 42);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
	CU_ASSERT_EQUAL(gu_check(a.map, a.size, 42), (size_t)-1);
	/* private and executable mappings are refused, like our own */
	CU_ASSERT_EQUAL(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, dbuf, 0), MAP_FAILED);
	CU_ASSERT_EQUAL(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, dbuf, 0), MAP_FAILED);
	/* past the end */
	CU_ASSERT_EQUAL(mmap(NULL, 4096, PROT_READ, MAP_SHARED, dbuf, (off_t)a.size), MAP_FAILED);

	/* import into the same file: the device reads and writes it */
	CU_ASSERT_EQUAL_FATAL(import_buf(fd, dbuf, RW, &im), 0);
	CU_ASSERT_EQUAL(im.size, a.size);
	CU_ASSERT_EQUAL(gu_copy(fd, im.handle, 0, b.handle, 0, a.size, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(b.map, b.size, 42), (size_t)-1);
	gu_fill(b.map, b.size, 43);
	CU_ASSERT_EQUAL(gu_copy(fd, b.handle, 0, im.handle, 0, b.size, NULL), 0);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	CU_ASSERT_EQUAL(gu_check(m, a.size, 43), (size_t)-1);
	CU_ASSERT_EQUAL(gu_check(a.map, a.size, 43), (size_t)-1);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	CU_ASSERT_EQUAL(gu_free_handle(fd, im.handle), 0);

	/* and into another file */
	fd2 = gu_open(0);
	CU_ASSERT_EQUAL_FATAL(import_buf(fd2, dbuf, EDUDMA_ACCESS_DEV_READ, &im), 0);
	CU_ASSERT_EQUAL(gu_transfer(fd2, im.handle, 0, 4000, EDUDMA_DIR_TO_DEVICE, 0, NULL), 0);
	close(fd2);	/* drops the import */
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_imported"), 0);

	munmap(m, a.size);
	close(dbuf);
	gu_free(fd, &a);
	gu_free(fd, &b);
	CU_ASSERT_TRUE(counters_at_base());
}

/* Handle, dma-buf fd, dma-buf mapping, node mapping, import: every order. */
static void test_close_orders(void)
{
	static const char *names[] = { "free", "close", "munmap-dbuf", "munmap-node", "unimport" };
	int perm[5] = { 0, 1, 2, 3, 4 }, n = 0, bad = 0;
	uint64_t coherent0 = 0, coherent = 0;

	NEED_DMABUF();

	CU_ASSERT_EQUAL(gu_attr_u64(0, "coherent_bytes", &coherent0), 0);
	/* all 120 orders of the five */
	for (;;) {
		struct gu_buf a;
		struct edudma_import im;
		int dbuf, i, j, k, l;
		uint8_t *m;

		if (gu_alloc(fd, 8192, &a) || export_buf(fd, a.handle, EDUDMA_EXPORT_WRITE, &dbuf) ||
		    import_buf(fd, dbuf, RW, &im)) {
			bad++;
			break;
		}
		m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, dbuf, 0);
		if (m == MAP_FAILED) {
			bad++;
			break;
		}
		m[0] = 1;
		for (i = 0; i < 5; i++) {
			switch (perm[i]) {
			case 0: bad += gu_free_handle(fd, a.handle) != 0; break;
			case 1: bad += close(dbuf) != 0; break;
			case 2: m[8191] = 2; bad += munmap(m, 8192) != 0; break;
			case 3: a.map[4096] = 3; bad += munmap(a.map, 8192) != 0; break;
			case 4: bad += gu_free_handle(fd, im.handle) != 0; break;
			}
			/* while anything holds it, the memory is there and charged */
			if (i < 4 && gu_attr_int(0, "nr_buffers") != base_buffers + 1) {
				printf("    order %s..: buffer gone after %s\n", names[perm[0]], names[perm[i]]);
				bad++;
			}
		}
		n++;
		if (!counters_at_base()) {
			printf("    order %d %d %d %d %d leaves counters\n",
			       perm[0], perm[1], perm[2], perm[3], perm[4]);
			bad++;
		}
		/* next permutation */
		for (k = 3; k >= 0 && perm[k] > perm[k + 1]; k--)
			;
		if (k < 0)
			break;
		for (l = 4; perm[l] < perm[k]; l--)
			;
		j = perm[k]; perm[k] = perm[l]; perm[l] = j;
		for (i = k + 1, j = 4; i < j; i++, j--) {
			l = perm[i]; perm[i] = perm[j]; perm[j] = l;
		}
	}
	printf("    %d close orders, %d bad\n", n, bad);
	CU_ASSERT_EQUAL(n, 120);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(gu_attr_u64(0, "coherent_bytes", &coherent), 0);
	CU_ASSERT_EQUAL(coherent, coherent0);
}

/* A child copying into a vgem import is SIGKILLed mid-transfer. */
static void test_sigkill_mid_transfer(void)
{
	size_t mark = gu_dmesg_mark();
	int pipefd[2], status;
	char *problem;
	pid_t pid;

	NEED_DMABUF();

	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		struct edudma_import im;
		struct vgem_bo bo;
		struct gu_buf src;
		int f = gu_open(0);

		if (f < 0 || vgem_create(&bo, 512, 512) || import_buf(f, bo.prime, RW, &im) ||
		    gu_alloc(f, 1 << 20, &src))
			_exit(1);
		close(bo.prime);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		if (!gu_is_edusg(0)) {
			gu_copy(f, src.handle, 0, im.handle, 0, 1 << 20, NULL);	/* ~51 s */
			_exit(2);
		}
		/*
		 * edu-sg copies 1 MiB in microseconds: the device writes the
		 * import one byte per descriptor from the card's last byte
		 * (2^19 descriptors, about a second), again and again.
		 */
		for (;;) {
			struct edudma_info info;

			if (ioctl(f, EDUDMA_IOC_INFO, &info) ||
			    gu_transfer(f, im.handle, 0, 1 << 19, EDUDMA_DIR_FROM_DEVICE,
					info.window_size - 1, NULL) == -EINVAL)
				_exit(3);
		}
	}
	close(pipefd[1]);
	CU_ASSERT_EQUAL(read(pipefd[0], &status, 1), 1);
	close(pipefd[0]);
	usleep(300 * 1000);
	kill(pid, SIGKILL);
	CU_ASSERT_EQUAL(gu_wait_child(pid), 128 + SIGKILL);
	CU_ASSERT_TRUE(counters_at_base());
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_imported"), 0);
	CU_ASSERT_TRUE(gu_device_works(0));
	problem = gu_dmesg_problem_since(mark);
	if (problem)
		printf("    kernel: %s\n", problem);
	CU_ASSERT_PTR_NULL(problem);
	free(problem);
}

/* ------------------------------------------------------------- abuse */

static void test_abuse(void)
{
	struct gu_buf a;
	struct edudma_pin pin;
	struct edudma_export e;
	struct edudma_import im;
	int dbuf, nullfd;
	void *mem;

	NEED_DMABUF();

	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 4096, &a), 0);
	/* not a dma-buf; a closed fd; a negative one */
	nullfd = open("/dev/null", O_RDWR);
	CU_ASSERT_EQUAL(import_buf(fd, nullfd, RW, NULL), -EINVAL);
	CU_ASSERT_EQUAL(import_buf(fd, fd, RW, NULL), -EINVAL);
	close(nullfd);
	CU_ASSERT_EQUAL(import_buf(fd, nullfd, RW, NULL), -EBADF);
	CU_ASSERT_EQUAL(import_buf(fd, -1, RW, NULL), -EBADF);
	/* import flags, access, reserved */
	CU_ASSERT_EQUAL_FATAL(export_buf(fd, a.handle, EDUDMA_EXPORT_WRITE, &dbuf), 0);
	CU_ASSERT_EQUAL(import_buf(fd, dbuf, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(import_buf(fd, dbuf, 4, NULL), -EINVAL);
	memset(&im, 0, sizeof(im));
	im.fd = dbuf; im.access = RW; im.flags = 1;
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_IMPORT, &im) ? errno : 0, EINVAL);
	im.flags = 0; im.reserved[1] = 1;
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_IMPORT, &im) ? errno : 0, EINVAL);
	close(dbuf);
	/* export: unknown handle, flags, reserved, a pinned range (refused) */
	CU_ASSERT_EQUAL(export_buf(fd, 0x7777, 0, &dbuf), -ENOENT);
	CU_ASSERT_EQUAL(export_buf(fd, a.handle, 2, &dbuf), -EINVAL);
	memset(&e, 0, sizeof(e));
	e.handle = a.handle; e.reserved0 = 1;
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_EXPORT, &e) ? errno : 0, EINVAL);
	mem = aligned_alloc(4096, 8192);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, 8192, RW, &pin), 0);
	CU_ASSERT_EQUAL(export_buf(fd, pin.handle, 0, &dbuf), -EINVAL);
	CU_ASSERT_EQUAL(gu_unpin(fd, pin.handle), 0);
	free(mem);
	/* the exporter refuses a direction: a read-only export */
	CU_ASSERT_EQUAL_FATAL(export_buf(fd, a.handle, 0, &dbuf), 0);
	CU_ASSERT_EQUAL(fcntl(dbuf, F_GETFL) & O_ACCMODE, O_RDONLY);
	CU_ASSERT_EQUAL(import_buf(fd, dbuf, EDUDMA_ACCESS_DEV_WRITE, NULL), -EACCES);
	CU_ASSERT_EQUAL(import_buf(fd, dbuf, RW, NULL), -EACCES);
	CU_ASSERT_EQUAL(import_buf(fd, dbuf, EDUDMA_ACCESS_DEV_READ, NULL), 0);
	CU_ASSERT_EQUAL(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dbuf, 0), MAP_FAILED);
	CU_ASSERT_EQUAL(errno, EACCES);
	mem = mmap(NULL, 4096, PROT_READ, MAP_SHARED, dbuf, 0);
	CU_ASSERT_NOT_EQUAL(mem, MAP_FAILED);
	if (mem != MAP_FAILED)
		munmap(mem, 4096);
	close(dbuf);
	gu_free(fd, &a);
	CU_ASSERT_TRUE(counters_at_base());
}

/* ------------------------------------------------------------- vivid */

static int vivid_open(int allocator)
{
	char path[64];
	int i, found = 0;

	/* n_devs=2, one capture node each, in instance order */
	for (i = 0; i < 16; i++) {
		struct v4l2_capability cap;
		int v;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		v = open(path, O_RDWR | O_CLOEXEC);
		if (v < 0)
			continue;
		if (!ioctl(v, VIDIOC_QUERYCAP, &cap) && !strcmp((char *)cap.driver, "vivid") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) && found++ == allocator)
			return v;
		close(v);
	}
	return -1;
}

/* A still picture: no OSD text (counters, time), no movement. */
static void vivid_still(int v)
{
	struct v4l2_queryctrl q;

	memset(&q, 0, sizeof(q));
	q.id = V4L2_CTRL_FLAG_NEXT_CTRL;
	while (!ioctl(v, VIDIOC_QUERYCTRL, &q)) {
		if (!strcmp((char *)q.name, "OSD Text Mode") && q.type == V4L2_CTRL_TYPE_MENU) {
			struct v4l2_querymenu m;
			struct v4l2_control c;

			for (m.index = q.minimum; (int)m.index <= q.maximum; m.index++) {
				m.id = q.id;
				if (!ioctl(v, VIDIOC_QUERYMENU, &m) && !strcmp((char *)m.name, "None")) {
					c.id = q.id;
					c.value = (int)m.index;
					ioctl(v, VIDIOC_S_CTRL, &c);
				}
			}
		}
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
}

/* One frame with 'memory' (MMAP: copied out to 'out'; DMABUF: into dbuf). */
static int vivid_capture(int v, uint32_t memory, int dbuf, uint8_t *out, uint32_t size)
{
	struct v4l2_requestbuffers rb;
	struct v4l2_buffer b;
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, ret = -1;
	void *m = MAP_FAILED;

	memset(&rb, 0, sizeof(rb));
	rb.count = 1;
	rb.type = type;
	rb.memory = memory;
	if (ioctl(v, VIDIOC_REQBUFS, &rb) || rb.count < 1)
		return -1;
	memset(&b, 0, sizeof(b));
	b.type = type;
	b.memory = memory;
	b.index = 0;
	if (memory == V4L2_MEMORY_MMAP) {
		if (ioctl(v, VIDIOC_QUERYBUF, &b))
			goto out;
		m = mmap(NULL, b.length, PROT_READ, MAP_SHARED, v, b.m.offset);
		if (m == MAP_FAILED)
			goto out;
	} else {
		b.m.fd = dbuf;
		b.length = size;
	}
	if (ioctl(v, VIDIOC_QBUF, &b) || ioctl(v, VIDIOC_STREAMON, &type))
		goto out;
	if (ioctl(v, VIDIOC_DQBUF, &b))
		goto off;
	if (b.bytesused < size || (b.flags & V4L2_BUF_FLAG_ERROR))
		goto off;
	if (m != MAP_FAILED)
		memcpy(out, m, size);
	ret = 0;
off:
	ioctl(v, VIDIOC_STREAMOFF, &type);
out:
	if (m != MAP_FAILED)
		munmap(m, b.length);
	rb.count = 0;
	ioctl(v, VIDIOC_REQBUFS, &rb);
	return ret;
}

static void vivid_export(int allocator)
{
	struct v4l2_format f;
	struct gu_buf a, c;
	uint8_t *ref, *ref2, *m;
	uint32_t size;
	int v, dbuf;

	v = vivid_open(allocator);
	if (v < 0)
		EDUTEST_SKIP("no vivid capture node");
	vivid_still(v);
	memset(&f, 0, sizeof(f));
	f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	CU_ASSERT_EQUAL_FATAL(ioctl(v, VIDIOC_G_FMT, &f), 0);
	size = f.fmt.pix.sizeimage;
	printf("    vivid (%s): %ux%u %.4s, %u bytes\n", allocator ? "dma-contig" : "vmalloc",
	       f.fmt.pix.width, f.fmt.pix.height, (char *)&f.fmt.pix.pixelformat, size);
	ref = malloc(size);
	ref2 = malloc(size);
	CU_ASSERT_EQUAL_FATAL(vivid_capture(v, V4L2_MEMORY_MMAP, -1, ref, size), 0);

	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, size, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, size, &c), 0);
	memset(a.map, 0xee, a.size);
	CU_ASSERT_EQUAL_FATAL(export_buf(fd, a.handle, EDUDMA_EXPORT_WRITE, &dbuf), 0);
	CU_ASSERT_EQUAL(vivid_capture(v, V4L2_MEMORY_DMABUF, dbuf, NULL, size), 0);
	CU_ASSERT_EQUAL(vivid_capture(v, V4L2_MEMORY_MMAP, -1, ref2, size), 0);
	CU_ASSERT_EQUAL(memcmp(ref, ref2, size), 0);	/* the picture is still */
	/* through our node's mapping */
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	CU_ASSERT_EQUAL(memcmp(a.map, ref, size), 0);
	/* through the dma-buf's */
	m = mmap(NULL, a.size, PROT_READ, MAP_SHARED, dbuf, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(m, MAP_FAILED);
	CU_ASSERT_EQUAL(memcmp(m, ref, size), 0);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	munmap(m, a.size);
	/* and through the device */
	CU_ASSERT_EQUAL(gu_copy(fd, a.handle, 0, c.handle, 0, size, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(c.map, ref, size), 0);
	/* vivid let go of it: closing everything gives the buffer back */
	close(dbuf);
	close(v);
	gu_free(fd, &a);
	gu_free(fd, &c);
	free(ref);
	free(ref2);
	CU_ASSERT_TRUE(counters_at_base());
}

static void test_vivid_vmalloc(void)
{
	NEED_DMABUF();
	vivid_export(0);
}

/*
 * vb2-dma-contig maps our dma-buf for vivid's device (map_dma_buf) and
 * wants it contiguous there. Under swiotlb=force every importer's mapping
 * is bounced piecewise: not contiguous, and vivid writes the frame with the
 * CPU through vmap while its device "owns" the bounced mapping, so unmap
 * would copy the stale bounce buffer back. Not a case a real device meets.
 */
static void test_vivid_dma_contig(void)
{
	NEED_DMABUF();
	if (gu_config_is("swiotlb"))
		EDUTEST_SKIP("vivid's dma-contig CPU-writes under a bounced device mapping");
	/*
	 * Behind an IOMMU our buffer is contiguous only in our device's
	 * address space: its pages are single pages, and vivid (no IOMMU)
	 * sees them as they are. vb2-dma-contig refuses it at QBUF.
	 */
	if (gu_have_iommu()) {
		struct gu_buf a;
		int v = vivid_open(1), dbuf;

		CU_ASSERT_TRUE_FATAL(v >= 0);
		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 460800, &a), 0);
		CU_ASSERT_EQUAL_FATAL(export_buf(fd, a.handle, EDUDMA_EXPORT_WRITE, &dbuf), 0);
		CU_ASSERT_NOT_EQUAL(vivid_capture(v, V4L2_MEMORY_DMABUF, dbuf, NULL, 460800), 0);
		close(dbuf);
		close(v);
		gu_free(fd, &a);
		CU_ASSERT_TRUE(counters_at_base());
		EDUTEST_SKIP("IOMMU: our buffer is not physically contiguous for vivid's dma-contig (refused, checked)");
	}
	vivid_export(1);
}

/* ------------------------------------------------------------- unplug */

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jmp, 1);
}

static int touch_gives_sigbus(volatile uint8_t *p)
{
	struct sigaction sa, old;
	int got = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1))
		got = 1;
	else
		(void)p[0];
	sigaction(SIGBUS, &old, NULL);
	return got;
}

/*
 * The device goes while one of its buffers is exported, mapped through the
 * dma-buf and imported by another file: the dma-buf's mapping keeps
 * working (the memory lives until the last dma-buf reference), our node's
 * mapping gives SIGBUS, the orphan can no longer be imported (ENODEV), and
 * everything closes cleanly.
 */
static void test_unplug_with_exports(void)
{
	int nodes = gu_count_nodes(), dbuf, f2, i;
	size_t mark = gu_dmesg_mark();
	char pci[32], path[128], *problem;
	struct edudma_import im;
	struct gu_buf a;
	uint8_t *m;

	NEED_DMABUF();

	CU_ASSERT_EQUAL_FATAL(gu_pci_of(0, pci, sizeof(pci)), 0);
	f2 = gu_open(0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(f2, 16384, &a), 0);
	CU_ASSERT_EQUAL_FATAL(export_buf(f2, a.handle, EDUDMA_EXPORT_WRITE, &dbuf), 0);
	CU_ASSERT_EQUAL_FATAL(import_buf(f2, dbuf, RW, &im), 0);
	m = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, dbuf, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(m, MAP_FAILED);
	/*
	 * CPU writes bracketed by SYNC, as the dma-buf contract asks: the
	 * import holds a mapping, which under swiotlb is a bounce copy that
	 * its unmap (at removal) copies back - END refreshed it.
	 */
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
	gu_fill(m, a.size, 99);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
	/* our fd 'fd' goes stale too: close it first, reopen after */
	close(fd);
	fd = -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", pci);
	CU_ASSERT_EQUAL_FATAL(gu_write_file(path, "1"), 0);
	CU_ASSERT_EQUAL(gu_count_nodes(), nodes - 1);

	CU_ASSERT_EQUAL(gu_check(m, a.size, 99), (size_t)-1);
	gu_fill(m, a.size, 100);
	CU_ASSERT_EQUAL(gu_check(m, a.size, 100), (size_t)-1);
	CU_ASSERT_TRUE(touch_gives_sigbus(a.map));
	CU_ASSERT_EQUAL(gu_transfer(f2, im.handle, 0, 16, EDUDMA_DIR_TO_DEVICE, 0, NULL), -ENODEV);

	CU_ASSERT_EQUAL(gu_write_file("/sys/bus/pci/rescan", "1"), 0);
	for (i = 0; i < 100 && gu_count_nodes() < nodes; i++)
		usleep(100 * 1000);
	CU_ASSERT_EQUAL_FATAL(gu_count_nodes(), nodes);
	fd = gu_open(0);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	/* the orphan: its exporting device is gone */
	CU_ASSERT_EQUAL(import_buf(fd, dbuf, RW, NULL), -ENODEV);
	/* a new export of the new device works */
	CU_ASSERT_TRUE(gu_device_works(0));

	close(f2);
	CU_ASSERT_EQUAL(gu_check(m, a.size, 100), (size_t)-1);
	close(dbuf);
	CU_ASSERT_EQUAL(gu_check(m, a.size, 100), (size_t)-1);
	munmap(m, a.size);
	munmap(a.map, a.size);
	base_buffers = gu_attr_int(0, "nr_buffers");
	CU_ASSERT_TRUE(counters_at_base());
	problem = gu_dmesg_problem_since(mark);
	if (problem)
		printf("    kernel: %s\n", problem);
	CU_ASSERT_PTR_NULL(problem);
	free(problem);
}

/*
 * vivid streams into our exported buffer (its vmap) while our device is
 * removed: frames keep arriving in memory that stays valid (behind an
 * IOMMU: the pages, held past the allocation's free), the last one is
 * checked against a reference, and everything closes without a report.
 */
static void test_unplug_while_vivid_streams(void)
{
	int nodes = gu_count_nodes(), dbuf, v, i, type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	size_t mark = gu_dmesg_mark();
	char pci[32], path[128], *problem;
	struct v4l2_requestbuffers rb;
	struct v4l2_buffer b;
	struct v4l2_format f;
	struct gu_buf a;
	uint8_t *ref, *m;
	uint32_t size;

	NEED_DMABUF();

	v = vivid_open(0);
	if (v < 0)
		EDUTEST_SKIP("no vivid capture node");
	vivid_still(v);
	memset(&f, 0, sizeof(f));
	f.type = type;
	CU_ASSERT_EQUAL_FATAL(ioctl(v, VIDIOC_G_FMT, &f), 0);
	size = f.fmt.pix.sizeimage;
	ref = malloc(size);
	CU_ASSERT_EQUAL_FATAL(vivid_capture(v, V4L2_MEMORY_MMAP, -1, ref, size), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pci_of(0, pci, sizeof(pci)), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, size, &a), 0);
	CU_ASSERT_EQUAL_FATAL(export_buf(fd, a.handle, EDUDMA_EXPORT_WRITE, &dbuf), 0);
	memset(&rb, 0, sizeof(rb));
	rb.count = 1;
	rb.type = type;
	rb.memory = V4L2_MEMORY_DMABUF;
	CU_ASSERT_EQUAL_FATAL(ioctl(v, VIDIOC_REQBUFS, &rb), 0);
	memset(&b, 0, sizeof(b));
	b.type = type;
	b.memory = V4L2_MEMORY_DMABUF;
	b.m.fd = dbuf;
	b.length = size;
	CU_ASSERT_EQUAL_FATAL(ioctl(v, VIDIOC_QBUF, &b), 0);
	CU_ASSERT_EQUAL_FATAL(ioctl(v, VIDIOC_STREAMON, &type), 0);
	CU_ASSERT_EQUAL(ioctl(v, VIDIOC_DQBUF, &b), 0);
	/* our file and mapping go; vivid holds the dma-buf */
	munmap(a.map, a.size);
	close(fd);
	fd = -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", pci);
	CU_ASSERT_EQUAL_FATAL(gu_write_file(path, "1"), 0);
	/* frames keep arriving into the orphan */
	for (i = 0; i < 3; i++) {
		b.m.fd = dbuf;
		CU_ASSERT_EQUAL(ioctl(v, VIDIOC_QBUF, &b), 0);
		CU_ASSERT_EQUAL(ioctl(v, VIDIOC_DQBUF, &b), 0);
	}
	m = mmap(NULL, size, PROT_READ, MAP_SHARED, dbuf, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(m, MAP_FAILED);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	CU_ASSERT_EQUAL(memcmp(m, ref, size), 0);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	ioctl(v, VIDIOC_STREAMOFF, &type);
	rb.count = 0;
	ioctl(v, VIDIOC_REQBUFS, &rb);
	close(v);
	close(dbuf);
	munmap(m, size);	/* the last reference */
	free(ref);

	CU_ASSERT_EQUAL(gu_write_file("/sys/bus/pci/rescan", "1"), 0);
	for (i = 0; i < 100 && gu_count_nodes() < nodes; i++)
		usleep(100 * 1000);
	CU_ASSERT_EQUAL_FATAL(gu_count_nodes(), nodes);
	fd = gu_open(0);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	base_buffers = gu_attr_int(0, "nr_buffers");
	CU_ASSERT_TRUE(counters_at_base());
	CU_ASSERT_TRUE(gu_device_works(0));
	problem = gu_dmesg_problem_since(mark);
	if (problem)
		printf("    kernel: %s\n", problem);
	CU_ASSERT_PTR_NULL(problem);
	free(problem);
}

/* ------------------------------------------- the same through libdma */

/*
 * libdma_buffer_export() and libdma_buffer_import() (API 1.4) against the
 * same second drivers: what an application sees. Every byte is checked.
 */
static struct libdma_device *ldev;

#define LIB_OK(call) do {						\
	int err_ = (call);						\
	if (err_)							\
		printf("\n    %s = %d: %s\n", #call, err_, libdma_errmsg()); \
	CU_ASSERT_EQUAL_FATAL(err_, 0);					\
} while (0)

/* A refusal with 'err' and a message containing 'words'. */
#define LIB_REFUSED(call, err, words) do {				\
	int err_ = (call);						\
	printf("    %s: %d, \"%s\"\n", #call, err_, libdma_errmsg());	\
	CU_ASSERT_EQUAL(err_, (err));					\
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), (words)));	\
} while (0)

static int lib_suite_init(void)
{
	struct libdma_info info;

	if (suite_init())
		return 1;
	if (libdma_open("0", &ldev) || libdma_get_info(ldev, &info)) {
		printf("libdma_open: %s\n", libdma_errmsg());
		return 1;
	}
	/* the library says what the driver says */
	if (!!(info.features & LIBDMA_FEAT_DMABUF) != have_dmabuf) {
		printf("LIBDMA_FEAT_DMABUF %d, EDUDMA_FEAT_DMABUF %d\n",
		       !!(info.features & LIBDMA_FEAT_DMABUF), have_dmabuf);
		return 1;
	}
	return 0;
}

static int lib_suite_cleanup(void)
{
	int err = libdma_close(ldev);

	return suite_cleanup() || err;
}

/* A vgem dumb buffer imported: the device writes it and reads it. */
static void test_lib_vgem_import(void)
{
	const size_t len = 64 * 1024 + 123;
	struct libdma_buffer *src, *dst, *imp;
	struct libdma_region r, v;
	struct libdma_pin_stats st;
	struct libdma_stats xs;
	struct vgem_bo bo;

	NEED_DMABUF();

	CU_ASSERT_EQUAL_FATAL(vgem_create(&bo, 1024, 128), 0);	/* 512 KiB */
	LIB_OK(libdma_buffer_import(ldev, bo.prime, LIBDMA_ACCESS_RW, &imp, &st));
	close(bo.prime);	/* the buffer holds the dma-buf */
	bo.prime = -1;
	CU_ASSERT_EQUAL(libdma_buffer_size(imp), bo.size);
	CU_ASSERT_PTR_NULL(libdma_buffer_ptr(imp));
	CU_ASSERT_TRUE(st.dma_segments >= 1);
	CU_ASSERT_EQUAL(st.pages, 0);
	printf("    vgem bo %llu bytes imported: %u DMA segments\n",
	       (unsigned long long)bo.size, st.dma_segments);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_imported"), 1);

	LIB_OK(libdma_buffer_alloc(ldev, len, &src));
	LIB_OK(libdma_buffer_alloc(ldev, len, &dst));
	gu_fill(libdma_buffer_ptr(src), len, 0xabc);
	memset(bo.map, 0xee, bo.size);
	/* device -> vgem at an odd offset; vgem's mapping shows it */
	r = libdma_region_buffer(src, 0, len);
	v = libdma_region_buffer(imp, 4093, len);
	LIB_OK(libdma_copy(ldev, &v, &r, &xs));
	CU_ASSERT_EQUAL(xs.bytes, len);
	CU_ASSERT_EQUAL(gu_check(bo.map + 4093, len, 0xabc), (size_t)-1);
	CU_ASSERT_EQUAL(bo.map[4092], 0xee);
	CU_ASSERT_EQUAL(bo.map[4093 + len], 0xee);
	/* vgem -> device */
	gu_fill(bo.map + 200000, len, 0xdef);
	v = libdma_region_buffer(imp, 200000, len);
	r = libdma_region_buffer(dst, 0, len);
	LIB_OK(libdma_copy(ldev, &r, &v, NULL));
	CU_ASSERT_EQUAL(gu_check(libdma_buffer_ptr(dst), len, 0xdef), (size_t)-1);
	/* through the window both ways, from one part of the import to another */
	gu_fill(bo.map, 3000, 99);
	v = libdma_region_buffer(imp, 0, 3000);
	LIB_OK(libdma_transfer_to_device(ldev, &v, 0, NULL));
	v = libdma_region_buffer(imp, 8192, 3000);
	LIB_OK(libdma_transfer_from_device(ldev, &v, 0, NULL));
	CU_ASSERT_EQUAL(gu_check(bo.map + 8192, 3000, 99), (size_t)-1);
	/* the library knows its size and refuses overlaps within it */
	v = libdma_region_buffer(imp, bo.size - 10, 11);
	LIB_REFUSED(libdma_transfer_to_device(ldev, &v, 0, NULL), -EINVAL, "outside");
	r = libdma_region_buffer(imp, 0, 4096);
	v = libdma_region_buffer(imp, 4095, 4096);
	LIB_REFUSED(libdma_copy(ldev, &v, &r, NULL), -EINVAL, "overlap");

	CU_ASSERT_EQUAL(libdma_buffer_unregister(imp), -EINVAL);
	CU_ASSERT_EQUAL(libdma_buffer_free(imp), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_imported"), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(src), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(dst), 0);
	vgem_destroy(&bo);
	CU_ASSERT_TRUE(counters_at_base());
}

/* Our export imported back through the library; the exporter's refusal. */
static void test_lib_export_import_self(void)
{
	struct libdma_buffer *a, *b, *imp, *none;
	struct libdma_region r, v;
	size_t size = 5 * 4096;
	int dbuf, ro;
	uint8_t *m;

	NEED_DMABUF();

	LIB_OK(libdma_buffer_alloc(ldev, size, &a));
	LIB_OK(libdma_buffer_alloc(ldev, size, &b));
	gu_fill(libdma_buffer_ptr(a), size, 7);
	LIB_OK(libdma_buffer_export(a, LIBDMA_EXPORT_WRITE, &dbuf));
	CU_ASSERT_EQUAL(fcntl(dbuf, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CU_ASSERT_EQUAL(fcntl(dbuf, F_GETFL) & O_ACCMODE, O_RDWR);
	CU_ASSERT_EQUAL(lseek(dbuf, 0, SEEK_END), (off_t)size);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_exported"), 1);
	LIB_OK(libdma_buffer_import(ldev, dbuf, LIBDMA_ACCESS_RW, &imp, NULL));
	CU_ASSERT_EQUAL(libdma_buffer_size(imp), size);
	/* import -> b, b -> import: a's mapping and the dma-buf's see it */
	r = libdma_region_buffer(b, 0, size);
	v = libdma_region_buffer(imp, 0, size);
	LIB_OK(libdma_copy(ldev, &r, &v, NULL));
	CU_ASSERT_EQUAL(gu_check(libdma_buffer_ptr(b), size, 7), (size_t)-1);
	gu_fill(libdma_buffer_ptr(b), size, 8);
	LIB_OK(libdma_copy(ldev, &v, &r, NULL));
	m = mmap(NULL, size, PROT_READ, MAP_SHARED, dbuf, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(m, MAP_FAILED);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	CU_ASSERT_EQUAL(gu_check(m, size, 8), (size_t)-1);
	CU_ASSERT_EQUAL(gu_check(libdma_buffer_ptr(a), size, 8), (size_t)-1);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	munmap(m, size);
	/* a read-only export: the exporter refuses device writes */
	LIB_OK(libdma_buffer_export(a, 0, &ro));
	CU_ASSERT_EQUAL(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	LIB_REFUSED(libdma_buffer_import(ldev, ro, LIBDMA_ACCESS_RW, &none, NULL), -EACCES,
		    "refuses");
	CU_ASSERT_PTR_NULL(none);
	CU_ASSERT_EQUAL(libdma_buffer_free(imp), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	LIB_OK(libdma_buffer_import(ldev, ro, LIBDMA_ACCESS_DEV_READ, &imp, NULL));
	close(ro);
	/* the buffer goes first: the dma-bufs keep the memory */
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers + 1);
	r = libdma_region_buffer(imp, 0, size);
	LIB_OK(libdma_transfer_to_device(ldev, &r, 0, NULL));
	CU_ASSERT_EQUAL(libdma_buffer_free(imp), 0);
	close(dbuf);
	CU_ASSERT_TRUE(counters_at_base());
}

/* vivid captures a frame into a buffer libdma exported. */
static void test_lib_vivid_export(void)
{
	struct libdma_buffer *a, *c;
	struct libdma_region r, w;
	struct v4l2_format f;
	uint8_t *ref;
	uint32_t size;
	int v, dbuf;

	NEED_DMABUF();

	v = vivid_open(0);
	if (v < 0)
		EDUTEST_SKIP("no vivid capture node");
	vivid_still(v);
	memset(&f, 0, sizeof(f));
	f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	CU_ASSERT_EQUAL_FATAL(ioctl(v, VIDIOC_G_FMT, &f), 0);
	size = f.fmt.pix.sizeimage;
	ref = malloc(size);
	CU_ASSERT_EQUAL_FATAL(vivid_capture(v, V4L2_MEMORY_MMAP, -1, ref, size), 0);

	LIB_OK(libdma_buffer_alloc(ldev, size, &a));
	LIB_OK(libdma_buffer_alloc(ldev, size, &c));
	memset(libdma_buffer_ptr(a), 0xee, size);
	LIB_OK(libdma_buffer_export(a, LIBDMA_EXPORT_WRITE, &dbuf));
	CU_ASSERT_EQUAL(vivid_capture(v, V4L2_MEMORY_DMABUF, dbuf, NULL, size), 0);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	CU_ASSERT_EQUAL(memcmp(libdma_buffer_ptr(a), ref, size), 0);
	CU_ASSERT_EQUAL(dmabuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	/* and on through the device */
	r = libdma_region_buffer(a, 0, size);
	w = libdma_region_buffer(c, 0, size);
	LIB_OK(libdma_copy(ldev, &w, &r, NULL));
	CU_ASSERT_EQUAL(memcmp(libdma_buffer_ptr(c), ref, size), 0);
	close(dbuf);
	close(v);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(c), 0);
	free(ref);
	CU_ASSERT_TRUE(counters_at_base());
}

/* What the library refuses, and what it passes on from the driver. */
static void test_lib_refusals(void)
{
	struct libdma_buffer *a, *reg, *imp = NULL;
	int nullfd, dbuf = 0;
	void *mem;

	NEED_DMABUF();

	LIB_OK(libdma_buffer_alloc(ldev, 4096, &a));
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	LIB_REFUSED(libdma_buffer_import(ldev, nullfd, LIBDMA_ACCESS_RW, &imp, NULL), -EINVAL,
		    "not a dma-buf");
	close(nullfd);
	LIB_REFUSED(libdma_buffer_import(ldev, nullfd, LIBDMA_ACCESS_RW, &imp, NULL), -EBADF,
		    "not open");
	LIB_REFUSED(libdma_buffer_import(ldev, -1, LIBDMA_ACCESS_RW, &imp, NULL), -EBADF,
		    "not a file descriptor");
	LIB_REFUSED(libdma_buffer_import(ldev, 0, 0, &imp, NULL), -EINVAL, "access");
	CU_ASSERT_PTR_NULL(imp);
	LIB_REFUSED(libdma_buffer_export(a, 0x10, &dbuf), -EINVAL, "LIBDMA_EXPORT_WRITE");
	CU_ASSERT_EQUAL(dbuf, -1);
	mem = aligned_alloc(4096, 8192);
	LIB_OK(libdma_buffer_register(ldev, mem, 8192, LIBDMA_ACCESS_RW, &reg, NULL));
	LIB_REFUSED(libdma_buffer_export(reg, 0, &dbuf), -EINVAL, "udmabuf");
	CU_ASSERT_EQUAL(libdma_buffer_unregister(reg), 0);
	free(mem);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	LIB_REFUSED(libdma_buffer_export(a, 0, &dbuf), -EBADF, "not a live");
	CU_ASSERT_TRUE(counters_at_base());
}

static const struct edutest_case lib_cases[] = {
	{ "lib_vgem_import", test_lib_vgem_import },
	{ "lib_export_import_self", test_lib_export_import_self },
	{ "lib_vivid_export", test_lib_vivid_export },
	{ "lib_refusals", test_lib_refusals },
	{ NULL, NULL }
};

static const struct edutest_case cases[] = {
	{ "vgem_import", test_vgem_import },
	{ "import_access", test_import_access },
	{ "export_import_self", test_export_import_self },
	{ "vivid_vmalloc", test_vivid_vmalloc },
	{ "vivid_dma_contig", test_vivid_dma_contig },
	{ "close_orders", test_close_orders },
	{ "sigkill_mid_transfer", test_sigkill_mid_transfer },
	{ "abuse", test_abuse },
	{ "unplug_with_exports", test_unplug_with_exports },
	{ "unplug_while_vivid_streams", test_unplug_while_vivid_streams },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "lib_dmabuf", lib_suite_init, lib_suite_cleanup, lib_cases },
	{ "dmabuf", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "dmabuf", suites);
}
