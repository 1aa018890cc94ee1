// SPDX-License-Identifier: MIT
/*
 * What sysfs says about a PCI device on the way to VFIO: is it an edu,
 * which driver has it, is there an IOMMU, which IOMMU group holds it and
 * who else is in that group. Discovery (libdma_list) of edu devices bound
 * to vfio-pci lives here too, and every message that explains why a
 * "vfio:<address>" cannot be opened - "No such device" alone sends people
 * looking in the wrong place. Apart from the backend proper because it
 * never touches a device: discovery (discover.c) uses it without opening
 * anything; it calls no other file here.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <edu/edu_regs.h>

#include "vfio_internal.h"

#define SYSFS_PCI_DEVICES	"/sys/bus/pci/devices"
#define SYSFS_VFIO_DRIVER	"/sys/bus/pci/drivers/" LIBDMA_VFIO_DRIVER
#define SYSFS_IOMMU_GROUPS	"/sys/kernel/iommu_groups"

/* First line of a sysfs file into buf, newline stripped; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_attr(const char *addr, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/%s", addr, attr);
	return read_line(path, buf, len);
}

/* The last component of the symlink 'path' points to; -1 if not a link. */
static int link_name(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	const char *slash;
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(out, len, "%s", slash ? slash + 1 : target);
	return 0;
}

void libdma__pci_driver(const char *addr, char *out, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/driver", addr);
	if (link_name(path, out, len))
		*out = '\0';
}

/* The IOMMU group of 'addr', or -1 when it has none. */
static int pci_group(const char *addr)
{
	char path[PATH_MAX], name[64], *end;
	long g;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/iommu_group", addr);
	if (link_name(path, name, sizeof(name)))
		return -1;
	g = strtol(name, &end, 10);
	return *end || g < 0 || g > INT_MAX ? -1 : (int)g;
}

/* Is 'addr' an edu device (vendor 1234, device 11e8)? -1 if no such device. */
static int is_edu(const char *addr, char *ids, size_t len)
{
	char ven[32], dev[32];

	if (read_attr(addr, "vendor", ven, sizeof(ven)) ||
	    read_attr(addr, "device", dev, sizeof(dev)))
		return -1;
	snprintf(ids, len, "%s:%s", ven + (strncmp(ven, "0x", 2) ? 0 : 2),
		 dev + (strncmp(dev, "0x", 2) ? 0 : 2));
	return strtoul(ven, NULL, 16) == EDU_PCI_VENDOR &&
	       strtoul(dev, NULL, 16) == EDU_PCI_DEVICE;
}

int libdma__iommu_present(void)
{
	DIR *d = opendir(SYSFS_IOMMU_GROUPS);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

static int by_address(const void *a, const void *b)
{
	return strcmp(((const struct libdma_device_desc *)a)->pci_address,
		      ((const struct libdma_device_desc *)b)->pci_address);
}

int libdma__vfio_list(struct libdma_device_desc **descs, size_t *count)
{
	size_t first = *count;
	struct dirent *e;
	DIR *d = opendir(SYSFS_VFIO_DRIVER);

	if (!d)
		return 0;	/* vfio-pci not loaded: nothing bound to it */
	while ((e = readdir(d))) {
		struct libdma_device_desc *grown, *desc;
		char ids[64], numa[32];

		/* The driver's directory: device links, bind, unbind, ... */
		if (!strchr(e->d_name, ':') || is_edu(e->d_name, ids, sizeof(ids)) != 1)
			continue;
		grown = realloc(*descs, (*count + 1) * sizeof(*grown));
		if (!grown) {
			closedir(d);
			return libdma__fail(-ENOMEM, "out of memory listing devices");
		}
		*descs = grown;
		desc = &grown[(*count)++];
		memset(desc, 0, sizeof(*desc));
		desc->index = LIBDMA_INDEX_NONE;
		snprintf(desc->pci_address, sizeof(desc->pci_address), "%.31s",
			 e->d_name);
		snprintf(desc->node, sizeof(desc->node), "vfio:%.31s", e->d_name);
		desc->irq_mode = LIBDMA_IRQ_UNKNOWN;
		desc->numa_node = read_attr(e->d_name, "numa_node", numa,
					    sizeof(numa)) ? -1 : atoi(numa);
	}
	closedir(d);
	if (*count - first > 1)
		qsort(*descs + first, *count - first, sizeof(**descs), by_address);
	return 0;
}

/* Why nothing is bound to vfio-pci here, as the end of a sentence. */
static int fail_no_iommu(const char *addr)
{
	return libdma__fail(-ENODEV, "cannot use %s through VFIO: no IOMMU "
			    "(the device has no IOMMU group and %s is empty): "
			    "VFIO needs one - enable VT-d / AMD-Vi in the "
			    "firmware and boot with intel_iommu=on or "
			    "amd_iommu=on (QEMU: -M q35 -device intel-iommu, "
			    "before the devices)", addr, SYSFS_IOMMU_GROUPS);
}

int libdma__vfio_sysfs_check(const char *addr, int *group)
{
	char ids[64], driver[64];
	int edu = is_edu(addr, ids, sizeof(ids));

	if (edu < 0)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: no "
				    "PCI device at that address (lspci lists "
				    "them; edu devices: lspci -d 1234:11e8)",
				    addr);
	if (!edu)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: it "
				    "is a %s device, not an edu (1234:11e8)",
				    addr, ids);
	*group = pci_group(addr);
	libdma__pci_driver(addr, driver, sizeof(driver));
	if (strcmp(driver, LIBDMA_VFIO_DRIVER)) {
		if (*group < 0 && !libdma__iommu_present())
			return fail_no_iommu(addr);
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: it "
				    "is bound to %s%s, not %s; move it with "
				    "'dmactl bind vfio %s' (as root)", addr,
				    *driver ? "driver " : "",
				    *driver ? driver : "no driver",
				    LIBDMA_VFIO_DRIVER, addr);
	}
	if (*group < 0)
		return fail_no_iommu(addr);
	return 0;
}

int libdma__vfio_group_blockers(int group, const char *self, char *out,
				size_t len)
{
	char path[PATH_MAX], driver[64];
	size_t used = 0;
	struct dirent *e;
	int n = 0;
	DIR *d;

	*out = '\0';
	snprintf(path, sizeof(path), SYSFS_IOMMU_GROUPS "/%d/devices", group);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, self))
			continue;
		libdma__pci_driver(e->d_name, driver, sizeof(driver));
		/* Unbound, vfio-pci and pci-stub leave the group viable. */
		if (!*driver || !strcmp(driver, LIBDMA_VFIO_DRIVER) ||
		    !strcmp(driver, "pci-stub"))
			continue;
		n++;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used,
						 "%s%s (bound to %s)",
						 used ? ", " : "", e->d_name,
						 driver);
	}
	closedir(d);
	return n;
}

void libdma__vfio_path_users(const char *path, char *out, size_t len)
{
	size_t used = 0;
	struct dirent *p;
	DIR *proc = opendir("/proc");

	*out = '\0';
	if (!proc)
		return;
	while ((p = readdir(proc)) && used < len) {
		char dir[300], link[600], target[PATH_MAX], comm[64];
		struct dirent *f;
		DIR *fds;
		ssize_t n;

		if (p->d_name[0] < '1' || p->d_name[0] > '9' ||
		    atoi(p->d_name) == getpid())
			continue;
		snprintf(dir, sizeof(dir), "/proc/%s/fd", p->d_name);
		fds = opendir(dir);
		if (!fds)
			continue;	/* gone, or not ours to look at */
		while ((f = readdir(fds))) {
			snprintf(link, sizeof(link), "%s/%s", dir, f->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			if (strcmp(target, path))
				continue;
			snprintf(link, sizeof(link), "/proc/%s/comm", p->d_name);
			if (read_line(link, comm, sizeof(comm)))
				snprintf(comm, sizeof(comm), "?");
			used += (size_t)snprintf(out + used, len - used,
						 "%spid %s (%s)", used ? ", " : "",
						 p->d_name, comm);
			break;
		}
		closedir(fds);
	}
	closedir(proc);
}
