// SPDX-License-Identifier: MIT
/*
 * list - show the edudma devices of this machine and what each can do.
 *
 *   list
 *
 * Listing reads sysfs only and needs no permission; the details after it
 * come from opening each device, which may be refused (the message then
 * says which group to join).
 */
#include <stdio.h>
#include <stdlib.h>

#include <libdma.h>

static const char *irq_mode_name(int mode)
{
	switch (mode) {
	case LIBDMA_IRQ_MSI:
		return "msi";
	case LIBDMA_IRQ_INTX:
		return "intx";
	case LIBDMA_IRQ_NONE:
		return "none (polling)";
	default:
		return "unknown";
	}
}

/* The open-only details: driver ABI, features, limits. */
static void show_details(const struct libdma_device_desc *d)
{
	struct libdma_device *dev;
	struct libdma_info info;

	if (libdma_open(d->node, &dev) < 0 || libdma_get_info(dev, &info) < 0) {
		printf("  (cannot open: %s)\n", libdma_errmsg());
		return;
	}
	printf("  driver ABI %u, features 0x%llx, %u-bit DMA, max buffer %llu bytes\n",
	       info.abi_version, (unsigned long long)info.features,
	       info.dma_mask_bits, (unsigned long long)info.max_alloc);
	libdma_close(dev);
}

int main(void)
{
	struct libdma_device_desc descs[32];
	int n, i;

	printf("libdma %s\n", libdma_version_string());
	n = libdma_list(descs, 32);
	if (n < 0) {
		fprintf(stderr, "list: %s\n", libdma_errmsg());
		return EXIT_FAILURE;
	}
	if (n == 0) {
		/* libdma_list() explains an empty result. */
		printf("no devices: %s\n", libdma_errmsg());
		return EXIT_SUCCESS;
	}
	for (i = 0; i < n && i < 32; i++) {
		const struct libdma_device_desc *d = &descs[i];

		printf("%s: %s %u.%u at PCI %s, irq %s, window %u bytes, NUMA node %d\n",
		       d->node, d->engine == LIBDMA_ENGINE_EDUSG ? "edu-sg" : "edu",
		       d->version_major, d->version_minor,
		       d->pci_address[0] ? d->pci_address : "?",
		       irq_mode_name(d->irq_mode), d->window_size, d->numa_node);
		show_details(d);
	}
	return EXIT_SUCCESS;
}
