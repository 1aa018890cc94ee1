/* SPDX-License-Identifier: MIT */
/*
 * libdma - private pieces of the VFIO backend, shared by
 *
 *   backend_vfio.c  the backend: container, group, device, BAR0, MSI
 *                   through an eventfd, DMA mappings, the command engine
 *   vfio_iova.c     the IOVA allocator (pure: host-tested)
 *   vfio_sysfs.c    what sysfs says about a PCI device and its IOMMU
 *                   group: discovery of edu devices bound to vfio-pci and
 *                   the reasons a device cannot be opened
 *
 * and by the tests (tests/host/test_libdma_vfio.c; tests/guest/test_vfio.c
 * uses the two libdma__vfio_*() test hooks at the end).
 */
#ifndef LIBDMA_VFIO_INTERNAL_H
#define LIBDMA_VFIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "libdma_internal.h"

/* The driver a device must be bound to for this backend. */
#define LIBDMA_VFIO_DRIVER	"vfio-pci"

/* -------------------------------------------------------- vfio_iova.c */

/* A range of IO virtual addresses, [start, start + len). */
struct libdma__iova_range {
	uint64_t start;
	uint64_t len;
};

/*
 * The IOVAs a device may be given: first fit over a sorted list of free
 * ranges, every range aligned to 'align' (the IOMMU page). Not locked: the
 * backend serialises calls.
 */
struct libdma__iova_space {
	struct libdma__iova_range *free;	/* sorted, disjoint, never adjacent */
	size_t nfree;
	size_t cap;
	uint64_t align;
	uint64_t lo, hi;	/* everything handed out lies in [lo, hi) */
	uint64_t total;		/* bytes the space started with */
	uint64_t used;		/* bytes handed out now */
	uint64_t nr_used;	/* ranges handed out now */
};

/*
 * Start a space with the parts of 'usable' (the IOMMU's valid ranges, in
 * any order, may overlap) that lie inside [lo, hi), shrunk to 'align'
 * (a power of two). 0, -EINVAL (bad alignment), -ENOSPC (nothing usable
 * is left) or -ENOMEM.
 */
int libdma__iova_init(struct libdma__iova_space *s,
		      const struct libdma__iova_range *usable, size_t n,
		      uint64_t lo, uint64_t hi, uint64_t align);
void libdma__iova_fini(struct libdma__iova_space *s);

/*
 * Take 'len' bytes (rounded up to the alignment) at the lowest free IOVA.
 * 0 and *iova, -EINVAL for 0, -ENOSPC when no free range is large enough.
 */
int libdma__iova_alloc(struct libdma__iova_space *s, uint64_t len,
		       uint64_t *iova);

/*
 * Give back what libdma__iova_alloc() handed out (the same iova and len).
 * 0, -EINVAL when the range is not wholly handed out (a double free, a
 * range never allocated), -ENOMEM (the free list could not grow; the
 * range is then lost, never handed out twice).
 */
int libdma__iova_free(struct libdma__iova_space *s, uint64_t iova,
		      uint64_t len);

/* Largest free range, in bytes. */
uint64_t libdma__iova_largest(const struct libdma__iova_space *s);

/* ------------------------------------------------------- vfio_sysfs.c */

/*
 * Append every edu device bound to vfio-pci to a malloc'd array: node
 * "vfio:<address>" (what libdma_open() takes), index LIBDMA_INDEX_NONE,
 * the PCI address and NUMA node; the rest stays unknown until opened.
 * Sorted by address. 0 or -ENOMEM (message set).
 */
int libdma__vfio_list(struct libdma_device_desc **descs, size_t *count);

/* The driver bound to PCI device 'addr' into 'out' ("" when none). */
void libdma__pci_driver(const char *addr, char *out, size_t len);

/* Does this machine have an IOMMU with groups (/sys/kernel/iommu_groups)? */
int libdma__iommu_present(void);

/*
 * Check in sysfs that 'addr' can be opened through VFIO: a PCI device,
 * an edu, bound to vfio-pci, in an IOMMU group. Fills *group. 0, or
 * -ENODEV with a message that says which of these fails and what to do.
 */
int libdma__vfio_sysfs_check(const char *addr, int *group);

/*
 * The devices of IOMMU group 'group' other than 'self' that keep the group
 * from being viable (bound to a driver other than vfio-pci or pci-stub),
 * as "0000:01:02.0 (bound to edudma), ..." into 'out'; "" if none.
 * Returns how many.
 */
int libdma__vfio_group_blockers(int group, const char *self, char *out,
				size_t len);

/* Processes that hold 'path' open, as "123 (name), ..." into 'out'. */
void libdma__vfio_path_users(const char *path, char *out, size_t len);

/* --------------------------------------------------- test hooks (guest) */

/*
 * For tests/guest/test_vfio.c, which links the static library: how many
 * DMA mappings this handle's container holds (the library's count), and
 * how many more the kernel would accept (VFIO_IOMMU_GET_INFO's
 * dma_avail, the kernel's count of what is still free). -errno if the
 * handle is not a VFIO one or the kernel does not say.
 */
long libdma__vfio_nr_mappings(struct libdma_device *dev);
long libdma__vfio_dma_avail(struct libdma_device *dev);

#endif /* LIBDMA_VFIO_INTERNAL_H */
