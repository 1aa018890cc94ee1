// SPDX-License-Identifier: MIT
/*
 * Opening a device node, with the message a user needs when it fails:
 * for EACCES the node's group and how to join it, for ENOENT whether the
 * module is missing or only the node.
 */
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libdma_internal.h"

static void group_name(gid_t gid, char *name, size_t size)
{
	struct group grp, *found = NULL;
	char buf[1024];

	if (getgrgid_r(gid, &grp, buf, sizeof(buf), &found) == 0 && found)
		snprintf(name, size, "%s", found->gr_name);
	else
		snprintf(name, size, "%u", (unsigned int)gid);
}

static int explain_eacces(const char *path)
{
	struct stat st;
	char group[64];

	if (stat(path, &st))
		return libdma__fail(-EACCES, "permission denied opening %s", path);
	group_name(st.st_gid, group, sizeof(group));
	if ((st.st_mode & (S_IRGRP | S_IWGRP)) != (S_IRGRP | S_IWGRP))
		return libdma__fail(-EACCES, "permission denied opening %s "
				    "(mode %04o, group %s): the group may not "
				    "read and write it; install the edudma udev "
				    "rule, or run as root", path,
				    (unsigned int)(st.st_mode & 07777), group);
	return libdma__fail(-EACCES, "permission denied opening %s (mode %04o, "
			    "group %s): add your user to group '%s' "
			    "(usermod -aG %s $USER) and log in again", path,
			    (unsigned int)(st.st_mode & 07777), group, group,
			    group);
}

static int explain_enoent(const char *path)
{
	char why[384];
	int err = libdma__discover_explain_absence();

	if (err) {
		snprintf(why, sizeof(why), "%s", libdma_errmsg());
		return libdma__fail(-ENOENT, "%s does not exist: %s", path, why);
	}
	return libdma__fail(-ENOENT, "%s does not exist, although edudma "
			    "devices are bound (see libdma_list()); is "
			    "devtmpfs mounted / udev running?", path);
}

int libdma__node_open(const char *path)
{
	int fd, err;

	do
		fd = open(path, O_RDWR | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0)
		return fd;
	err = errno;
	switch (err) {
	case EACCES:
		return explain_eacces(path);
	case ENOENT:
		return explain_enoent(path);
	case ENODEV:
	case ENXIO:
		return libdma__fail(-ENODEV, "%s: device gone or not present "
				    "(no driver behind the node)", path);
	default:
		return libdma__fail(-err, "cannot open %s: %s", path,
				    libdma_strerror(err));
	}
}
