/* SPDX-License-Identifier: MIT */
#include "guest_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int gu_open(int index)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/edudma%d", index);
	return open(path, O_RDWR | O_CLOEXEC);
}

int gu_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int gu_read_attr(int index, const char *attr, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/edudma/edudma%d/%s", index, attr);
	return gu_read_file(path, buf, len);
}

int gu_attr_u64(int index, const char *attr, uint64_t *val)
{
	char buf[64], *end;
	int ret = gu_read_attr(index, attr, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	return (errno || end == buf) ? -EINVAL : 0;
}

int gu_list_edu_pci(char addrs[][32], int max)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[300], ven[32], dev[32];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (gu_read_file(path, ven, sizeof(ven)))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (gu_read_file(path, dev, sizeof(dev)))
			continue;
		if (strcmp(ven, "0x1234") || strcmp(dev, "0x11e8"))
			continue;
		if (n < max)
			snprintf(addrs[n], 32, "%.31s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

int gu_count_nodes(void)
{
	DIR *d = opendir("/dev");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "edudma", 6) && e->d_name[6] >= '0' &&
		    e->d_name[6] <= '9')
			n++;
	closedir(d);
	return n;
}

char *gu_dmesg(void)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;
	int n;

	if (size <= 0)
		size = 1 << 20;
	buf = malloc((size_t)size + 1);
	if (!buf)
		return NULL;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return buf;
}

size_t gu_dmesg_mark(void)
{
	char *log = gu_dmesg();
	size_t n = log ? strlen(log) : 0;

	free(log);
	return n;
}

/*
 * The ring buffer only grows during a test run (it is far from full), so
 * what was logged after 'mark' is the tail beyond it.
 */
int gu_dmesg_since_contains(size_t mark, const char *needle)
{
	char *log = gu_dmesg();
	int found = 0;

	if (log && strlen(log) >= mark)
		found = strstr(log + mark, needle) != NULL;
	free(log);
	return found;
}

int gu_module_load(const char *params)
{
	const char *ko = getenv("EDUDMA_KO");
	int fd, ret;

	if (!params)
		params = getenv("EDUDMA_MODPARAMS");
	if (!params)
		params = "";
	fd = open(ko ? ko : "/lib/edudma/edudma.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = (int)syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int gu_module_unload(void)
{
	return syscall(SYS_delete_module, "edudma", O_NONBLOCK) ? -errno : 0;
}

int gu_module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/edudma", &st) == 0;
}

int gu_config_is(const char *name)
{
	const char *cfg = getenv("EDUTEST_CONFIG");

	return cfg && !strcmp(cfg, name);
}

/* xorshift32: cheap, and a shifted or stale buffer never matches by chance. */
static uint32_t gu_next(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

void gu_fill(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	uint32_t s = seed | 1;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)gu_next(&s);
}

size_t gu_check(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf;
	uint32_t s = seed | 1;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)gu_next(&s))
			return i;
	return (size_t)-1;
}
