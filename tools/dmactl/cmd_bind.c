// SPDX-License-Identifier: MIT
/*
 * dmactl bind: move an edu or edu-sg device between the edudma driver and
 * vfio-pci, the way the kernel documents it
 * (Documentation/ABI/testing/sysfs-bus-pci: driver_override, then unbind
 * and drivers_probe). This is the one command
 * that writes to sysfs; it needs root.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmactl.h"
/*
 * What sysfs says about drivers, IOMMU groups and who holds a file: the
 * VFIO backend's own reading of it, in the static libdma dmactl links
 * (private to libdma and dmactl, not exported by libdma.so).
 */
#include "../../libdma/pci_sysfs.h"
/* Which devices are ours (edu, edu-sg): the VFIO backend's own answer. */
#include "../../libdma/vfio/vfio_internal.h"

#define PCI_DEVICES	LIBDMA_SYSFS_PCI_DEVICES
#define PCI_DRIVERS	"/sys/bus/pci/drivers"
#define IOMMU_GROUPS	LIBDMA_SYSFS_IOMMU_GROUPS
#define VFIO_DRIVER	"vfio-pci"
#define EDU_DRIVER	"edudma"

void dm_print_pci_binding(const char *addr)
{
	char drv[64], members[512];
	int group = libdma__pci_iommu_group(addr);

	libdma__pci_driver(addr, drv, sizeof(drv));
	printf("sysfs %s/%s/\n", PCI_DEVICES, addr);
	printf("  %-16s %s\n", "driver", *drv ? drv : "(none)");
	if (group < 0) {
		printf("  %-16s none (no IOMMU)\n", "iommu group");
		return;
	}
	libdma__iommu_group_members(group, addr, 0, members, sizeof(members));
	printf("  %-16s %d (/dev/vfio/%d), %s%s\n", "iommu group", group, group,
	       *members ? "shared with " : "no other device in it", members);
}

/* "00:04.0" -> "0000:00:04.0"; the rest is checked against sysfs. */
static void normalize(const char *in, char *out, size_t len)
{
	const char *c = strchr(in, ':');

	if (c && !strchr(c + 1, ':'))
		snprintf(out, len, "0000:%s", in);
	else
		snprintf(out, len, "%s", in);
}

/* Write 's' to a sysfs file; 0 or -errno. */
static int write_sysfs(const char *path, const char *s)
{
	FILE *f = fopen(path, "we");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(s, f) == EOF)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int write_failed(const char *path, const char *what, int err)
{
	fprintf(stderr, "dmactl bind: %s (%s) failed: %s%s\n", what, path,
		strerror(-err), err == -EACCES || err == -EPERM ?
		": binding drivers needs root" : "");
	return DM_EXIT_FAILED;
}

/* The edudma node the device got, or "" (class directory under the device). */
static void edudma_node(const char *addr, char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	*out = '\0';
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/" EDU_DRIVER, addr);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(out, len, "/dev/%s", e->d_name);
	if (d)
		closedir(d);
}

/* Preconditions for vfio-pci: an IOMMU group, the driver loaded. */
static int check_vfio(const char *addr, int group)
{
	if (group < 0) {
		if (!libdma__iommu_present())
			fprintf(stderr, "dmactl bind: no IOMMU: %s is empty, so "
				"vfio-pci cannot take %s (VFIO hands devices to "
				"userspace only behind an IOMMU). Enable VT-d / "
				"AMD-Vi in the firmware and boot with "
				"intel_iommu=on or amd_iommu=on (QEMU: -M q35 "
				"-device intel-iommu, before the devices)\n",
				IOMMU_GROUPS, addr);
		else
			fprintf(stderr, "dmactl bind: %s is in no IOMMU group "
				"(the IOMMU does not cover it): vfio-pci cannot "
				"take it\n", addr);
		return DM_EXIT_UNSUPPORTED;
	}
	if (access(PCI_DRIVERS "/" VFIO_DRIVER, F_OK)) {
		fprintf(stderr, "dmactl bind: driver vfio-pci not loaded (%s "
			"absent): load it with 'modprobe vfio-pci' (and "
			"'modprobe vfio_iommu_type1' for libdma to map memory)\n",
			PCI_DRIVERS "/" VFIO_DRIVER);
		return DM_EXIT_UNSUPPORTED;
	}
	return -1;
}

static int run_bind(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char addr[64], ids[96], path[PATH_MAX], cur[64], now[64], who[512];
	char members[512], node[300];
	const char *target;
	int opt, ret, group, to_vfio, engine;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1)
		return dm_common_option(&dmactl_cmd_bind, opt);
	if (argc - optind != 2)
		return dm_usage(&dmactl_cmd_bind, argc - optind < 2 ?
				"give the driver (vfio or edudma) and the PCI address" :
				"too many arguments");
	if (!strcmp(argv[optind], "vfio") || !strcmp(argv[optind], VFIO_DRIVER))
		to_vfio = 1;
	else if (!strcmp(argv[optind], EDU_DRIVER))
		to_vfio = 0;
	else
		return dm_usage(&dmactl_cmd_bind, "unknown driver '%s': give "
				"vfio or edudma", argv[optind]);
	target = to_vfio ? VFIO_DRIVER : EDU_DRIVER;
	normalize(argv[optind + 1], addr, sizeof(addr));

	/* An edu, or an edu-sg by its IDs and subsystem IDs (vfio_sysfs.c). */
	engine = libdma__vfio_pci_engine(addr, ids, sizeof(ids));
	if (engine < 0) {
		fprintf(stderr, "dmactl bind: no PCI device at '%s' (lspci -d "
			"1234:11e8 lists the edu devices, lspci -d 1af4:10f5 the "
			"edu-sg ones; 'dmactl list' those bound to edudma or "
			"vfio-pci)\n", argv[optind + 1]);
		return DM_EXIT_NODEV;
	}
	if (!engine) {
		fprintf(stderr, "dmactl bind: %s is a %s device, not an edu "
			"(1234:11e8) or an edu-sg (1af4:10f5, subsystem "
			"1af4:5347); dmactl moves only those\n", addr, ids);
		return DM_EXIT_NODEV;
	}
	libdma__pci_driver(addr, cur, sizeof(cur));
	group = libdma__pci_iommu_group(addr);
	if (!strcmp(cur, target)) {
		printf("%s: already bound to %s\n", addr, target);
		return DM_EXIT_OK;
	}
	if (to_vfio) {
		ret = check_vfio(addr, group);
		if (ret >= 0)
			return ret;
	} else if (access(PCI_DRIVERS "/" EDU_DRIVER, F_OK)) {
		fprintf(stderr, "dmactl bind: module edudma not loaded (%s "
			"absent): load it with 'modprobe edudma'\n",
			PCI_DRIVERS "/" EDU_DRIVER);
		return DM_EXIT_NODEV;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "dmactl bind: moving %s from %s to %s writes to "
			"%s/%s/driver_override and %s: run it as root "
			"(sudo dmactl bind ...)\n", addr, *cur ? cur : "no driver",
			target, PCI_DEVICES, addr, "/sys/bus/pci/drivers_probe");
		return DM_EXIT_FAILED;
	}
	/* vfio-pci's remove waits for the device's user: do not hang there. */
	if (!strcmp(cur, VFIO_DRIVER) && group >= 0) {
		snprintf(path, sizeof(path), "/dev/vfio/%d", group);
		libdma__path_users(path, who, sizeof(who));
		if (*who) {
			fprintf(stderr, "dmactl bind: %s is in use through VFIO "
				"by %s (%s open): unbinding would wait until "
				"it lets go; close it first\n", addr, who, path);
			return DM_EXIT_FAILED;
		}
	}

	/* driver_override: only 'target' may take the device (edudma: clear it). */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", addr);
	ret = write_sysfs(path, to_vfio ? VFIO_DRIVER "\n" : "\n");
	if (ret)
		return write_failed(path, "setting driver_override", ret);
	if (*cur) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", addr);
		ret = write_sysfs(path, addr);
		if (ret)
			return write_failed(path, "unbinding", ret);
	}
	ret = write_sysfs("/sys/bus/pci/drivers_probe", addr);
	libdma__pci_driver(addr, now, sizeof(now));
	if (strcmp(now, target)) {
		fprintf(stderr, "dmactl bind: %s did not take %s (drivers_probe: "
			"%s; see dmesg)%s\n", target, addr,
			ret ? strerror(-ret) : "no error", *cur ?
			"; giving it back to its driver" : "");
		if (*cur) {
			snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override",
				 addr);
			write_sysfs(path, !strcmp(cur, VFIO_DRIVER) ?
				    VFIO_DRIVER "\n" : "\n");
			write_sysfs("/sys/bus/pci/drivers_probe", addr);
		}
		return DM_EXIT_FAILED;
	}
	if (to_vfio) {
		printf("%s: %s -> %s, IOMMU group %d (/dev/vfio/%d); open it as "
		       "vfio:%s\n", addr, *cur ? cur : "no driver", target, group,
		       group, addr);
		if (libdma__iommu_group_members(group, addr, 1, members, sizeof(members)))
			fprintf(stderr, "dmactl bind: note: IOMMU group %d also "
				"holds %s: VFIO refuses the group until every "
				"device in it is bound to vfio-pci (or to none)\n",
				group, members);
	} else {
		edudma_node(addr, node, sizeof(node));
		printf("%s: %s -> %s%s%s\n", addr, *cur ? cur : "no driver",
		       target, *node ? ", " : "", node);
	}
	return DM_EXIT_OK;
}

const struct dmactl_cmd dmactl_cmd_bind = {
	.name = "bind",
	.summary = "move an edu or edu-sg between edudma and vfio-pci (root)",
	.help =
"Usage: dmactl bind vfio|edudma ADDRESS\n"
"\n"
"Moves the edu or edu-sg device at PCI ADDRESS (0000:00:04.0, or 00:04.0)\n"
"to the driver named: vfio (vfio-pci: libdma then drives it from\n"
"userspace as \"vfio:ADDRESS\", through the IOMMU) or edudma (back to the\n"
"kernel "
"driver: /dev/edudma<N>). It writes the driver's name to the device's\n"
"driver_override (cleared again for edudma), unbinds the current driver\n"
"and asks the kernel to probe the device (drivers_probe), then checks\n"
"that the driver took it. Needs root.\n"
"\n"
"vfio needs an IOMMU (intel_iommu=on / amd_iommu=on; QEMU: -M q35\n"
"-device intel-iommu) and the vfio-pci module ('modprobe vfio-pci';\n"
"libdma also needs vfio_iommu_type1). VFIO hands out a whole IOMMU group:\n"
"a note says when the device shares its group with devices bound to other\n"
"drivers. A device in use through VFIO is not moved (unbinding would wait\n"
"for its user).\n"
"\n"
"Exit status 3 when ADDRESS is no edu or edu-sg or edudma is not loaded, 4\n"
"when there is no IOMMU or vfio-pci is not loaded, 5 when not root or the\n"
"driver did not take the device.\n"
"\n"
"Examples:\n"
"  dmactl bind vfio 0000:00:04.0     then: dmactl info vfio:0000:00:04.0\n"
"  dmactl bind edudma 0000:00:04.0\n",
	.run = run_bind,
};
