// SPDX-License-Identifier: MIT
/*
 * What sysfs and /proc say about PCI devices, their drivers and IOMMU
 * groups, and about who holds a file open: the facts behind the VFIO
 * backend's messages (libdma/vfio/vfio_sysfs.c) and behind `dmactl bind`
 * and `dmactl info` (tools/dmactl/cmd_bind.c), written once for both.
 * Reads only; never touches a device.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pci_sysfs.h"

int libdma__read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ok;

	buf[0] = '\0';
	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok) {
		buf[0] = '\0';
		return -1;
	}
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int libdma__pci_attr(const char *addr, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), LIBDMA_SYSFS_PCI_DEVICES "/%s/%s", addr, attr);
	return libdma__read_line(path, buf, len);
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

	snprintf(path, sizeof(path), LIBDMA_SYSFS_PCI_DEVICES "/%s/driver", addr);
	if (link_name(path, out, len))
		*out = '\0';
}

int libdma__pci_iommu_group(const char *addr)
{
	char path[PATH_MAX], name[64], *end;
	long g;

	snprintf(path, sizeof(path), LIBDMA_SYSFS_PCI_DEVICES "/%s/iommu_group", addr);
	if (link_name(path, name, sizeof(name)))
		return -1;
	g = strtol(name, &end, 10);
	return *end || g < 0 || g > INT_MAX ? -1 : (int)g;
}

int libdma__iommu_present(void)
{
	DIR *d = opendir(LIBDMA_SYSFS_IOMMU_GROUPS);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

int libdma__iommu_group_members(int group, const char *self, int blockers_only,
				char *out, size_t len)
{
	char path[PATH_MAX], driver[64];
	size_t used = 0;
	struct dirent *e;
	int n = 0;
	DIR *d;

	*out = '\0';
	snprintf(path, sizeof(path), LIBDMA_SYSFS_IOMMU_GROUPS "/%d/devices", group);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, self))
			continue;
		libdma__pci_driver(e->d_name, driver, sizeof(driver));
		/* Unbound, vfio-pci and pci-stub leave the group viable. */
		if (blockers_only && (!*driver || !strcmp(driver, "vfio-pci") ||
				      !strcmp(driver, "pci-stub")))
			continue;
		n++;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used,
						 "%s%s (%s%s)", used ? ", " : "",
						 e->d_name, *driver ? "bound to " : "",
						 *driver ? driver : "no driver");
	}
	closedir(d);
	return n;
}

void libdma__path_users(const char *path, char *out, size_t len)
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
			if (libdma__read_line(link, comm, sizeof(comm)))
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
