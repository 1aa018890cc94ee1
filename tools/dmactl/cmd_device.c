// SPDX-License-Identifier: MIT
/*
 * dmactl list / info / version: what is there and what it can do.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dmactl.h"

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Commands without options of their own: handle --help, leave optind at
 * the first positional. -1 to go on, else an exit status.
 */
static int no_options(const struct dmactl_cmd *cmd, int argc, char **argv)
{
	int opt = getopt_long(argc, argv, "h", help_only, NULL);

	return opt == -1 ? -1 : dm_common_option(cmd, opt);
}

/* ------------------------------------------------------------------ list */

static int run_list(int argc, char **argv)
{
	struct libdma_device_desc *descs;
	int ret, n, i, width = 14;

	ret = no_options(&dmactl_cmd_list, argc, argv);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return dm_usage(&dmactl_cmd_list, "takes no arguments");

	n = libdma_list(NULL, 0);
	if (n < 0)
		return dm_failed(&dmactl_cmd_list, n);
	if (n == 0) {
		/* libdma_list() explains an empty result. */
		fprintf(stderr, "dmactl list: no edudma devices: %s\n",
			libdma_errmsg());
		return DM_EXIT_NODEV;
	}
	descs = calloc((size_t)n, sizeof(*descs));
	if (!descs) {
		fprintf(stderr, "dmactl list: out of memory\n");
		return DM_EXIT_FAILED;
	}
	/* A device may come or go in between: show what the second look saw. */
	ret = libdma_list(descs, (size_t)n);
	if (ret < 0) {
		free(descs);
		return dm_failed(&dmactl_cmd_list, ret);
	}
	n = ret < n ? ret : n;
	/* Nodes of devices bound to vfio-pci ("vfio:0000:00:04.0") are wider. */
	for (i = 0; i < n; i++)
		if ((int)strlen(descs[i].node) > width)
			width = (int)strlen(descs[i].node);

	printf("%-*s %-13s %-7s %6s  %-4s  %s\n", width, "NODE", "PCI ADDRESS",
	       "VERSION", "WINDOW", "IRQ", "NUMA");
	for (i = 0; i < n; i++) {
		const struct libdma_device_desc *d = &descs[i];
		char version[16], numa[16], window[16];

		if (d->version_major || d->version_minor)
			snprintf(version, sizeof(version), "%u.%u",
				 d->version_major, d->version_minor);
		else
			snprintf(version, sizeof(version), "?");
		if (d->numa_node >= 0)
			snprintf(numa, sizeof(numa), "%d", d->numa_node);
		else
			snprintf(numa, sizeof(numa), "-");
		/* (unknown until opened for a device bound to vfio-pci) */
		if (d->window_size)
			snprintf(window, sizeof(window), "%u", d->window_size);
		else
			snprintf(window, sizeof(window), "?");
		printf("%-*s %-13s %-7s %6s  %-4s  %s\n", width, d->node,
		       d->pci_address[0] ? d->pci_address : "?", version,
		       window, dm_irq_mode_name(d->irq_mode), numa);
	}
	free(descs);
	return DM_EXIT_OK;
}

const struct dmactl_cmd dmactl_cmd_list = {
	.name = "list",
	.summary = "table of the edudma devices of this machine",
	.help =
"Usage: dmactl list\n"
"\n"
"One line per device bound to the edudma driver, then per edu device bound\n"
"to vfio-pci (NODE \"vfio:<address>\", what other commands take; VERSION,\n"
"WINDOW and IRQ are known once opened), from sysfs (no device is\n"
"opened, so no permission is needed):\n"
"  NODE         the device node; give it (or its index) to other commands\n"
"  PCI ADDRESS  where the device sits on the PCI bus (lspci -s ADDRESS)\n"
"  VERSION      the edu device's version, from its identification register\n"
"  WINDOW       bytes of the device's buffer one DMA command may use\n"
"  IRQ          how the device interrupts: msi, or intx (the legacy line)\n"
"  NUMA         the NUMA node the device is attached to, - when none\n"
"\n"
"With no device, says why (module not loaded, or no edu device bound)\n"
"and exits with status 3.\n"
"\n"
"Example:\n"
"  $ dmactl list\n"
"  NODE           PCI ADDRESS   VERSION WINDOW  IRQ   NUMA\n"
"  /dev/edudma0   0000:00:04.0  1.0       4095  msi   -\n",
	.run = run_list,
};

/* ------------------------------------------------------------------ info */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every readable attribute of the device's sysfs directory, sorted. */
static void print_sysfs(unsigned int index)
{
	char dir[64], path[512], value[256];
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/class/edudma/edudma%u", index);
	d = opendir(dir);
	if (!d) {
		printf("sysfs %s: not readable\n", dir);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		char **grown;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		/* Attributes are regular files; skip the event and dev_t files. */
		if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & S_IRUSR) || !strcmp(e->d_name, "uevent") ||
		    !strcmp(e->d_name, "dev"))
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);

	printf("sysfs %s/\n", dir);
	for (i = 0; i < n; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "r");
		if (f && fgets(value, sizeof(value), f)) {
			value[strcspn(value, "\n")] = '\0';
			printf("  %-16s %s\n", names[i], value);
		}
		if (f)
			fclose(f);
		free(names[i]);
	}
	free(names);
}

static int run_info(int argc, char **argv)
{
	struct libdma_device *dev;
	struct libdma_info info;
	char b1[32], b2[32];
	const char *spec;
	int ret, rest, err;

	ret = no_options(&dmactl_cmd_info, argc, argv);
	if (ret >= 0)
		return ret;
	ret = dm_positionals(&dmactl_cmd_info, argc, argv, optind, 0, &spec, &rest);
	if (ret >= 0)
		return ret;
	ret = dm_open(&dmactl_cmd_info, spec, &dev);
	if (ret)
		return ret;
	err = libdma_get_info(dev, &info);
	if (err) {
		ret = dm_failed(&dmactl_cmd_info, err);
		libdma_close(dev);
		return ret;
	}

	printf("%s\n", info.node);
	printf("  %-16s %s\n", "backend", info.backend);
	printf("  %-16s %s\n", "pci address",
	       info.pci_address[0] ? info.pci_address : "?");
	if (info.numa_node >= 0)
		printf("  %-16s %d\n", "numa node", info.numa_node);
	else
		printf("  %-16s - (none)\n", "numa node");
	printf("  %-16s %s %u.%u (ident 0x%08x)\n", "device",
	       dm_engine_name(info.engine), info.version_major,
	       info.version_minor, info.dev_ident);
	printf("  %-16s %u\n", "driver abi", info.abi_version);
	printf("  %-16s %s\n", "interrupt", dm_irq_mode_name(info.irq_mode));
	if (info.dma_mask_bits < 64)
		printf("  %-16s %u bits: the device reaches addresses below %s\n",
		       "dma mask", info.dma_mask_bits,
		       dm_fmt_bytes(1ull << info.dma_mask_bits, b1));
	else
		printf("  %-16s %u bits\n", "dma mask", info.dma_mask_bits);
	printf("  %-16s %u bytes at device address 0x%llx\n", "device buffer",
	       info.dev_buffer_size, (unsigned long long)info.dev_buffer_addr);
	if (info.engine == LIBDMA_ENGINE_EDUSG) {
		printf("  %-16s %u bytes of on-card RAM (TRANSFER's device side)\n",
		       "window", info.window_size);
		printf("  %-16s descriptor ring of %u, %u in flight, up to %s per descriptor\n",
		       "engine", info.ring_size, info.max_in_flight,
		       dm_fmt_bytes(info.max_cmd_length, b1));
	} else {
		printf("  %-16s %u bytes per DMA command\n", "window", info.window_size);
	}
	if (info.max_requests)
		printf("  %-16s %u asynchronous requests per open file\n",
		       "max requests", info.max_requests);
	printf("  %-16s %s per coherent buffer (%llu bytes)\n", "max buffer",
	       dm_fmt_bytes(info.max_alloc, b2),
	       (unsigned long long)info.max_alloc);
	printf("  %-16s %u ms per command\n", "timeout", info.timeout_ms);
	printf("  %-16s ", "features");
	dm_print_features(info.features);
	libdma_close(dev);

	if (!strcmp(info.backend, "vfio"))
		dm_print_pci_binding(info.pci_address);
	else
		print_sysfs(info.index);
	return DM_EXIT_OK;
}

const struct dmactl_cmd dmactl_cmd_info = {
	.name = "info",
	.summary = "everything the driver and sysfs say about one device",
	.help =
"Usage: dmactl info [DEV]\n"
"\n"
"Opens DEV (default: device 0) and prints what the driver reports about\n"
"it (libdma_get_info): PCI address and NUMA node, the edu version, the\n"
"driver's ABI version, the interrupt mode, how far the device can reach\n"
"in memory (DMA mask), its internal buffer and the window of it that one\n"
"DMA command may use, the largest coherent buffer, the command timeout\n"
"and the features the driver offers (\"not:\" lists the ones it lacks).\n"
"Then every attribute of /sys/class/edudma/edudma<N>/, among them the\n"
"counters irq_count (interrupts handled), commands (DMA commands run),\n"
"nr_buffers and nr_pinned (live buffers and pinned ranges).\n"
"\n"
"Examples:\n"
"  dmactl info                  device 0\n"
"  dmactl info /dev/edudma1\n"
"  dmactl info 0000:00:05.0\n",
	.run = run_info,
};

/* --------------------------------------------------------------- version */

static int run_version(int argc, char **argv)
{
	struct libdma_device *dev;
	int ret, abi;

	ret = no_options(&dmactl_cmd_version, argc, argv);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return dm_usage(&dmactl_cmd_version, "takes no arguments");

	printf("dmactl %d.%d\n", LIBDMA_VERSION_MAJOR, LIBDMA_VERSION_MINOR);
	printf("libdma %s (built with libdma.h %d.%d)\n",
	       libdma_version_string(), LIBDMA_VERSION_MAJOR,
	       LIBDMA_VERSION_MINOR);
	/* The driver, if there is one: informative, never a failure here. */
	if (libdma_open(DM_DEFAULT_DEVICE, &dev) == 0) {
		struct libdma_info info;

		abi = libdma_driver_abi_version(dev);
		if (abi > 0 && libdma_get_info(dev, &info) == 0)
			printf("driver edudma ABI %d (%s)\n", abi, info.node);
		libdma_close(dev);
	} else {
		printf("driver: not available (%s)\n", libdma_errmsg());
	}
	return DM_EXIT_OK;
}

const struct dmactl_cmd dmactl_cmd_version = {
	.name = "version",
	.summary = "versions of dmactl, libdma and the driver",
	.help =
"Usage: dmactl version      (or: dmactl --version)\n"
"\n"
"Prints the version of dmactl, of the libdma it runs with (and of the\n"
"libdma.h it was built with), and the ABI version of the edudma driver as\n"
"device 0 reports it - or why there is no driver to ask. Include this in\n"
"bug reports.\n",
	.run = run_version,
};
