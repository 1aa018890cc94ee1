// SPDX-License-Identifier: MIT
/*
 * The lab op, the VFIO twin of driver/edudma_lab.c, which can only say
 * why there is none: the lab measures the kernel's allocators and
 * mappings from inside the driver. A file of its own, like the driver's
 * lab, so that whoever looks for the lab under VFIO finds the reason
 * here. Calls nothing of the backend.
 */
#include <errno.h>

#include "vfio_internal.h"

/*
 * The contiguity lab measures the kernel's allocators and mappings from
 * inside the edudma driver; a device driven through VFIO has no driver to
 * ask. What an IOMMU changes shows in the benchmark's vfio mode instead.
 */
int libdma__vfio_lab(struct libdma_device *dev, uint32_t iterations,
		     struct libdma_lab_cell *cell)
{
	(void)iterations;
	(void)cell;
	return libdma__fail(-EOPNOTSUPP, "the contiguity lab runs inside the "
			    "edudma driver (EDUDMA_IOC_LAB); %s is driven "
			    "from this process through VFIO: bind it to "
			    "edudma ('dmactl bind edudma %s') and give its "
			    "/dev/edudma<N>, or see 'dmactl bench --vfio' for "
			    "what the IOMMU changes", dev->info.node,
			    dev->info.pci_address);
}
