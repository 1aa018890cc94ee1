// SPDX-License-Identifier: MIT
/*
 * Opening a device node, with the message a user needs when it fails:
 * for EACCES the node's group and how to join it (or why joining is not
 * the fix), for ENOENT whether the module is missing or only the node.
 */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libdma_internal.h"

static void group_name(gid_t gid, char *name, size_t size)
{
	struct group grp, *found = NULL;
	char buf[4096];

	if (getgrgid_r(gid, &grp, buf, sizeof(buf), &found) == 0 && found)
		snprintf(name, size, "%s", found->gr_name);
	else
		snprintf(name, size, "%u", (unsigned int)gid);
}

/* Does this process carry 'gid' (effective or supplementary)? */
static bool process_in_group(gid_t gid)
{
	gid_t groups[256];
	int i, n;

	if (getegid() == gid)
		return true;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * Does the group database list 'user' in 'gid' (as a member, or as the
 * primary group)? Then the process lacks the group only because it
 * started before the user was added: the session needs a new login.
 */
static bool user_listed_in_group(const char *user, gid_t user_gid, gid_t gid)
{
	struct group grp, *found = NULL;
	char buf[4096];
	char **m;

	if (user_gid == gid)
		return true;
	if (getgrgid_r(gid, &grp, buf, sizeof(buf), &found) || !found)
		return false;
	for (m = found->gr_mem; *m; m++)
		if (!strcmp(*m, user))
			return true;
	return false;
}

/*
 * EACCES: say which of the usual reasons holds. The udev rule
 * (udev/60-edudma.rules) gives the node to group "edudma", mode 0660.
 */
static int explain_eacces(const char *path)
{
	struct passwd pw, *me = NULL;
	char group[64], user[64], pwbuf[4096];
	gid_t user_gid = (gid_t)-1;
	unsigned int mode;
	struct stat st;

	if (stat(path, &st))
		return libdma__fail(-EACCES, "permission denied opening %s", path);
	mode = (unsigned int)(st.st_mode & 07777);
	group_name(st.st_gid, group, sizeof(group));
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &me) == 0 && me) {
		snprintf(user, sizeof(user), "%s", me->pw_name);
		user_gid = me->pw_gid;
	} else {
		snprintf(user, sizeof(user), "%u", (unsigned int)geteuid());
	}

	if (st.st_gid == 0 ||
	    (st.st_mode & (S_IRGRP | S_IWGRP)) != (S_IRGRP | S_IWGRP))
		return libdma__fail(-EACCES, "permission denied opening %s "
				    "(mode %04o, group %s): the edudma udev "
				    "rule has not given it to group 'edudma'; "
				    "install it ('make install' creates the "
				    "group and reloads udev), or run as root",
				    path, mode, group);
	if (process_in_group(st.st_gid))
		return libdma__fail(-EACCES, "permission denied opening %s "
				    "(mode %04o, group %s) although this "
				    "process is in group '%s': a security "
				    "module (SELinux, AppArmor) or a device "
				    "cgroup refuses it", path, mode, group,
				    group);
	if (user_listed_in_group(user, user_gid, st.st_gid))
		return libdma__fail(-EACCES, "permission denied opening %s "
				    "(mode %04o, group %s): user %s was added "
				    "to group '%s' after this session started; "
				    "log out and back in (or run 'newgrp %s')",
				    path, mode, group, user, group, group);
	return libdma__fail(-EACCES, "permission denied opening %s (mode %04o, "
			    "group %s): user %s is not in group '%s'; add it "
			    "with 'sudo usermod -aG %s %s', then log out and "
			    "back in", path, mode, group, user, group, group,
			    user);
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
