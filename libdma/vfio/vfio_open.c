// SPDX-License-Identifier: MIT
/*
 * The VFIO backend: the edu device - or edu-sg, this project's
 * scatter-gather device (docs/edu-sg.md) - driven from userspace through
 * vfio-pci and an IOMMU, as DPDK and SPDK drive theirs. "vfio:<pci
 * address>" opens it; the library's calls do what they do on
 * /dev/edudma<N>. The device's PCI identity picks the engine (struct
 * vfio_engine: edu's in vfio_engine.c, edu-sg's in vfio_edusg.c);
 * everything else is shared.
 *
 *   open        container (/dev/vfio/vfio) + group (/dev/vfio/<N>) + device,
 *               BAR0 mapped, memory decoding on (vfio_container.c), the
 *               engine's probe (edu: ident, liveness, a command an earlier
 *               owner left running waited out, stale interrupt bits
 *               acknowledged, vfio_regs.c; edu-sg: ident, version,
 *               liveness, reset, its limits), the IOVA space below the DMA
 *               mask, MSI delivered through an eventfd (VFIO_DEVICE_SET_IRQS,
 *               vfio_irq.c), bus mastering on, and the engine started
 *               (edu-sg: its ring and completion record mapped, enabled)
 *   memory      every buffer, registration and one-shot region is mapped
 *               with VFIO_IOMMU_MAP_DMA at an IOVA this library allocates
 *               (vfio_iova.c) below the device's DMA mask: scattered pages,
 *               one device-visible segment (vfio_dma.c)
 *   transfers   edu: planned by include/edu/edu_plan.h over those IOVA
 *               ranges, started through its register writes, checked by
 *               edu_cmd_ok() - the driver's own code, not a copy - and
 *               completed by the MSI: ppoll() on the eventfd, read the
 *               interrupt status, acknowledge exactly what was read
 *               (vfio_xfer.c, vfio_engine.c). edu-sg: planned by
 *               include/edu/edusg_plan.h (one IOVA range: one descriptor
 *               per 16 MiB), posted in batches ending with EOR|IRQ, reaped
 *               from the completion record (vfio_edusg.c)
 *
 * The kernel driver's rules hold here too (driver/edudma_engine.c): one
 * request at a time per device (a mutex, since a VFIO device belongs to
 * one process), a signal stops a request after what is in flight has
 * landed (-EINTR, never restarted), each command waits at most timeout_ms,
 * a command that never finishes wedges the device and keeps its memory
 * mapped (edu-sg: the engine is reset instead, which stops its DMA).
 *
 * A device can be opened by one process at a time (VFIO hands a group to
 * one process); within it, every handle on the same device shares one
 * container, like files of one /dev/edudma<N>. After fork() a child must
 * not use its parent's handle: it opens the device itself once the parent
 * has closed it.
 *
 * Tunables (environment, read at open; the driver's module parameters):
 *   LIBDMA_VFIO_WINDOW      edu: bytes per command, 1..4096 (default 4095)
 *   LIBDMA_VFIO_DMA_BITS    edu: its DMA address width (default 28); edu-sg
 *                           reports its own (DMA_MASK)
 *   LIBDMA_VFIO_TIMEOUT_MS  wait for one command or batch (default 1000)
 *
 * This file, the twin of driver/edudma_main.c (probe, remove) and of the
 * open/release side of driver/edudma_cdev.c, is the top of the backend:
 * it brings a device up step by step and down again, keeps the registry
 * of devices this process has open, and holds the ops table - and the
 * test hooks, which know a VFIO handle by that table. It calls the other
 * files; none calls it (vfio_internal.h lists who provides what).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <edu/edu_regs.h>

#include "vfio_internal.h"

#define DEFAULT_TIMEOUT_MS	1000u

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vfio_dev *registry;

/* ---------------------------------------------------------- up and down */

static int env_u32(const char *name, uint32_t def, uint32_t lo, uint32_t hi,
		   uint32_t *out)
{
	const char *s = secure_getenv(name);
	unsigned long v;
	char *end;

	*out = def;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || *s == '-' || v < lo || v > hi)
		return libdma__fail(-EINVAL, "%s=%s: give a number from %u to %u",
				    name, s, lo, hi);
	*out = (uint32_t)v;
	return 0;
}

static void vfio_dev_close(struct vfio_dev *vd)
{
	/* A child after fork() shares these files: it must not touch the device. */
	bool own = vd->pid == getpid();

	/* The engine first: no DMA after this (a child only lets go). */
	if (vd->eng && vd->eng->stop)
		vd->eng->stop(vd);
	if (own && vd->irq_on)
		libdma__vfio_irq_teardown(vd);
	/* No DMA after us (vfio-pci does it too when the device is released). */
	if (own && vd->have_config)
		libdma__vfio_pci_command(vd, 0, PCI_COMMAND_MASTER);
	if (vd->bar)
		munmap((void *)vd->bar, vd->bar_len);
	if (vd->device >= 0)
		close(vd->device);
	/* Closing the group detaches it: every mapping of the container goes. */
	if (vd->group >= 0)
		close(vd->group);
	if (vd->container >= 0)
		close(vd->container);
	if (vd->irq_fd >= 0)
		close(vd->irq_fd);
	if (vd->pagemap >= 0)
		close(vd->pagemap);
	libdma__iova_fini(&vd->iova);
	pthread_mutex_destroy(&vd->lock);
	pthread_mutex_destroy(&vd->map_lock);
	free(vd);
}

static int vfio_dev_open(const char *addr, struct vfio_dev **out)
{
	struct vfio_dev *vd = calloc(1, sizeof(*vd));
	long page = sysconf(_SC_PAGESIZE);
	uint32_t engine = 0;
	char numa[128];
	FILE *f;
	int err;

	if (!vd)
		return libdma__fail(-ENOMEM, "out of memory opening vfio:%s", addr);
	vd->pid = getpid();
	vd->container = vd->group = vd->device = vd->irq_fd = -1;
	vd->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	vd->cpu_page = page > 0 ? (uint64_t)page : 4096;
	vd->numa_node = -1;
	pthread_mutex_init(&vd->lock, NULL);
	pthread_mutex_init(&vd->map_lock, NULL);
	snprintf(vd->addr, sizeof(vd->addr), "%.31s", addr);
	snprintf(vd->node, sizeof(vd->node), "vfio:%.31s", addr);

	err = env_u32("LIBDMA_VFIO_WINDOW", EDU_WINDOW_SAFE, 1, EDU_DEV_BUF_SIZE,
		      &vd->window);
	if (!err)
		err = env_u32("LIBDMA_VFIO_DMA_BITS", EDU_DMA_BITS_DEFAULT, 16, 64,
			      &vd->dma_bits);
	if (!err)
		err = env_u32("LIBDMA_VFIO_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 1,
			      600000, &vd->timeout_ms);
	if (err)
		goto fail;
	vd->dma_mask = vd->dma_bits >= 64 ? UINT64_MAX :
		       (1ull << vd->dma_bits) - 1;

	err = libdma__vfio_sysfs_check(addr, &vd->group_id, &engine);
	if (err)
		goto fail;
	vd->eng = engine == LIBDMA_ENGINE_EDUSG ? &libdma__vfio_edusg_engine :
						  &libdma__vfio_edu_engine;
	err = libdma__vfio_open_container(vd);
	if (!err)
		err = libdma__vfio_open_group(vd);
	if (!err)
		err = libdma__vfio_attach(vd);
	if (!err)
		err = libdma__vfio_open_device(vd);
	/* The engine's probe: edu-sg's DMA mask comes from the device. */
	if (!err)
		err = vd->eng->check_hw(vd);
	if (!err)
		err = libdma__vfio_setup_iova(vd);
	if (!err)
		err = libdma__vfio_irq_setup(vd);
	if (!err && libdma__vfio_pci_command(vd, PCI_COMMAND_MASTER, 0))
		err = libdma__vfio_fail(vd, -EIO, "enabling bus mastering",
					EIO);
	if (!err && vd->eng->start)
		err = vd->eng->start(vd);
	if (err)
		goto fail;

	snprintf(numa, sizeof(numa), "/sys/bus/pci/devices/%.31s/numa_node", addr);
	f = fopen(numa, "re");
	if (f) {
		if (fscanf(f, "%d", &vd->numa_node) != 1)
			vd->numa_node = -1;
		fclose(f);
	}
	*out = vd;
	return 0;

fail:
	vfio_dev_close(vd);
	return err;
}

/* -------------------------------------------------------------- handles */

static void fill_info(const struct vfio_dev *vd, struct libdma_info *info)
{
	snprintf(info->node, sizeof(info->node), "%s", vd->node);
	snprintf(info->pci_address, sizeof(info->pci_address), "%s", vd->addr);
	info->index = LIBDMA_INDEX_NONE;
	info->numa_node = vd->numa_node;
	info->abi_version = 0;		/* no edudma driver: no driver ABI */
	info->dev_ident = vd->ident;
	info->version_major = vd->version >> 16;
	info->version_minor = vd->version & 0xffff;
	info->irq_mode = LIBDMA_IRQ_MSI;
	info->dma_mask_bits = vd->dma_bits;
	/* Any anonymous memory will do: the limit is the IO address space. */
	info->max_alloc = vd->iova.total;
	info->timeout_ms = vd->timeout_ms;
	info->engine = vd->eng->kind;
	info->max_cmd_length = vd->max_cmd_len;
	info->ring_size = vd->ring_size;
	/* features, window, device buffer, commands in flight: the engine's */
	vd->eng->fill_info(vd, info);
}

static int vfio_open(struct libdma_device *dev, const struct libdma_spec *spec)
{
	struct vfio_dev *vd;
	pid_t pid = getpid();
	int err = 0;

	pthread_mutex_lock(&registry_lock);
	for (vd = registry; vd; vd = vd->next)
		if (vd->pid == pid && !strcmp(vd->addr, spec->text))
			break;
	if (vd) {
		vd->refs++;
	} else {
		err = vfio_dev_open(spec->text, &vd);
		if (!err) {
			vd->refs = 1;
			vd->next = registry;
			registry = vd;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	if (err)
		return err;
	dev->backend = vd;
	fill_info(vd, &dev->info);
	return 0;
}

static void vfio_release(struct libdma_device *dev)
{
	struct vfio_dev *vd = dev->backend, **p;
	bool last;

	pthread_mutex_lock(&registry_lock);
	last = --vd->refs == 0;
	if (last)
		for (p = &registry; *p; p = &(*p)->next)
			if (*p == vd) {
				*p = vd->next;
				break;
			}
	pthread_mutex_unlock(&registry_lock);
	if (last)
		vfio_dev_close(vd);
	dev->backend = NULL;
}

static int vfio_query_info(struct libdma_device *dev, struct libdma_info *info)
{
	struct vfio_dev *vd;
	int err = libdma__vfio_own(dev, &vd);

	if (err)
		return err;
	pthread_mutex_lock(&vd->lock);
	err = libdma__vfio_rd32(vd, vd->eng->reg_ident) == ~0u;
	pthread_mutex_unlock(&vd->lock);
	if (err)
		return libdma__fail(-ENODEV, "%s: the device no longer answers "
				    "(ident reads all ones): removed?", vd->node);
	fill_info(vd, info);
	return 0;
}

/* ----------------------------------------------------------- test hooks */

long libdma__vfio_nr_mappings(struct libdma_device *dev)
{
	struct vfio_dev *vd;
	long n;

	if (!dev || dev->ops != &libdma__vfio_backend)
		return -EINVAL;
	vd = dev->backend;
	pthread_mutex_lock(&vd->map_lock);
	n = vd->nr_mappings;
	pthread_mutex_unlock(&vd->map_lock);
	return n;
}

long libdma__vfio_dma_avail(struct libdma_device *dev)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_dev *vd;
	size_t argsz = 4096;
	long avail = -ENOENT;
	uint32_t off;

	if (!dev || dev->ops != &libdma__vfio_backend)
		return -EINVAL;
	vd = dev->backend;
	info = calloc(1, argsz);
	if (!info)
		return -ENOMEM;
	info->argsz = (uint32_t)argsz;
	if (ioctl(vd->container, VFIO_IOMMU_GET_INFO, info) ||
	    info->argsz > argsz || !(info->flags & VFIO_IOMMU_INFO_CAPS)) {
		free(info);
		return -EOPNOTSUPP;
	}
	for (off = info->cap_offset; off && off + 8 <= argsz;) {
		const struct vfio_info_cap_header *h =
			(const void *)((const char *)info + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			avail = ((const struct vfio_iommu_type1_info_dma_avail *)
				 (const void *)h)->avail;
			break;
		}
		if (h->next <= off)
			break;
		off = h->next;
	}
	free(info);
	return avail;
}

int libdma__vfio_inject_fault(struct libdma_device *dev, uint32_t n)
{
	struct vfio_dev *vd;

	if (!dev || dev->ops != &libdma__vfio_backend)
		return -EINVAL;
	vd = dev->backend;
	if (vd->eng->kind != LIBDMA_ENGINE_EDUSG)
		return -EINVAL;
	pthread_mutex_lock(&vd->lock);
	vd->inject_fault = n;
	pthread_mutex_unlock(&vd->lock);
	return 0;
}

/* ------------------------------------------------------------ ops table */

const struct libdma_backend_ops libdma__vfio_backend = {
	.name		= "vfio",
	.open		= vfio_open,
	.release	= vfio_release,
	.query_info	= vfio_query_info,
	.alloc		= libdma__vfio_alloc,
	.free		= libdma__vfio_free,
	.pin		= libdma__vfio_pin,
	.unpin		= libdma__vfio_unpin,
	.transfer	= libdma__vfio_transfer,
	.copy		= libdma__vfio_copy,
	.irq_test	= libdma__vfio_irq_test,
	.factorial	= libdma__vfio_factorial,
	.lab		= libdma__vfio_lab,
};
