/* SPDX-License-Identifier: MIT */
#include "guest_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
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

/* Which engine, if any, edudma drives a PCI device with: 0 when none. */
static int pci_engine(const char *name)
{
	char path[300], ven[32], dev[32], sven[32], sdev[32];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", name);
	if (gu_read_file(path, ven, sizeof(ven)))
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", name);
	if (gu_read_file(path, dev, sizeof(dev)))
		return 0;
	if (!strcmp(ven, "0x1234") && !strcmp(dev, "0x11e8"))
		return EDUDMA_ENGINE_EDU;
	if (strcmp(ven, "0x1af4") || strcmp(dev, "0x10f5"))
		return 0;
	/* edu-sg: 1af4:10f5 is an experimental ID; the subsystem names it */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/subsystem_vendor", name);
	if (gu_read_file(path, sven, sizeof(sven)))
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/subsystem_device", name);
	if (gu_read_file(path, sdev, sizeof(sdev)))
		return 0;
	return !strcmp(sven, "0x1af4") && !strcmp(sdev, "0x5347") ? EDUDMA_ENGINE_EDUSG : 0;
}

static int list_pci(char addrs[][32], int max, int engine)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		int kind;

		if (e->d_name[0] == '.')
			continue;
		kind = pci_engine(e->d_name);
		if (!kind || (engine && kind != engine))
			continue;
		if (n < max)
			snprintf(addrs[n], 32, "%.31s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

int gu_list_dev_pci(char addrs[][32], int max)
{
	return list_pci(addrs, max, 0);
}

int gu_list_engine_pci(int engine, char addrs[][32], int max)
{
	return list_pci(addrs, max, engine);
}

int gu_pci_engine(const char *addr)
{
	return pci_engine(addr);
}

int gu_info(int index, struct edudma_info *info)
{
	int fd = gu_open(index), ret = 0;

	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (ioctl(fd, EDUDMA_IOC_INFO, info))
		ret = -errno;
	close(fd);
	return ret;
}

int gu_engine(int index)
{
	struct edudma_info info;

	if (gu_info(index, &info))
		return 0;
	/* a driver without ENGINE_INFO knows only edu */
	return info.features & EDUDMA_FEAT_ENGINE_INFO ? (int)info.engine : EDUDMA_ENGINE_EDU;
}

int gu_is_edusg(int index)
{
	return gu_engine(index) == EDUDMA_ENGINE_EDUSG;
}

uint64_t gu_edusg_copy_cmds(uint64_t len, uint32_t max_cmd_length)
{
	return (len + max_cmd_length - 1) / max_cmd_length;
}

uint64_t gu_edusg_transfer_cmds(uint64_t len, uint64_t dev_offset,
				uint64_t card_size, uint32_t max_cmd_length)
{
	uint64_t space = card_size - dev_offset, done = 0, n = 0;

	/* one contiguous segment: per chunk of the card space, per max length */
	while (done < len) {
		uint64_t chunk = len - done < space ? len - done : space;

		n += (chunk + max_cmd_length - 1) / max_cmd_length;
		done += chunk;
	}
	return n;
}

int gu_edusg_reg32(int index, unsigned int reg, uint32_t *val)
{
	char path[128], pci[32];
	volatile uint32_t *bar;
	int fd;

	if (gu_pci_of(index, pci, sizeof(pci)))
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", pci);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	bar = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED)
		return -errno;
	*val = bar[reg / 4];
	munmap((void *)bar, 4096);
	return 0;
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

int gu_alloc(int fd, uint64_t size, struct gu_buf *b)
{
	struct edudma_alloc a;
	void *p;

	memset(&a, 0, sizeof(a));
	memset(b, 0, sizeof(*b));
	a.size = size;
	if (ioctl(fd, EDUDMA_IOC_ALLOC, &a))
		return -errno;
	b->handle = a.handle;
	b->mmap_offset = a.mmap_offset;
	b->size = a.alloc_size;
	p = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)a.mmap_offset);
	if (p == MAP_FAILED) {
		int err = -errno;

		gu_free_handle(fd, a.handle);
		return err;
	}
	b->map = p;
	return 0;
}

int gu_free_handle(int fd, uint32_t handle)
{
	struct edudma_handle h = { .handle = handle };

	return ioctl(fd, EDUDMA_IOC_FREE, &h) ? -errno : 0;
}

int gu_free(int fd, struct gu_buf *b)
{
	if (b->map)
		munmap(b->map, b->size);
	b->map = NULL;
	return gu_free_handle(fd, b->handle);
}

int gu_transfer(int fd, uint32_t handle, uint64_t offset, uint64_t len,
		uint32_t dir, uint32_t dev_offset, struct edudma_stats *st)
{
	struct edudma_transfer t;
	int ret;

	memset(&t, 0, sizeof(t));
	t.mem.handle = handle;
	t.mem.offset = offset;
	t.length = len;
	t.direction = dir;
	t.dev_offset = dev_offset;
	ret = ioctl(fd, EDUDMA_IOC_TRANSFER, &t) ? -errno : 0;
	if (st)
		*st = t.stats;
	return ret;
}

int gu_copy(int fd, uint32_t src_handle, uint64_t src_off, uint32_t dst_handle,
	    uint64_t dst_off, uint64_t len, struct edudma_stats *st)
{
	struct edudma_copy c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.src.handle = src_handle;
	c.src.offset = src_off;
	c.dst.handle = dst_handle;
	c.dst.offset = dst_off;
	c.length = len;
	ret = ioctl(fd, EDUDMA_IOC_COPY, &c) ? -errno : 0;
	if (st)
		*st = c.stats;
	return ret;
}

uint64_t gu_commands(int index)
{
	uint64_t v = 0;

	gu_attr_u64(index, "commands", &v);
	return v;
}

int gu_attr_int(int index, const char *attr)
{
	uint64_t v;

	return gu_attr_u64(index, attr, &v) ? -1 : (int)v;
}

int64_t gu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int gu_pin(int fd, const void *addr, uint64_t len, uint32_t access,
	   struct edudma_pin *req)
{
	memset(req, 0, sizeof(*req));
	req->addr = (uintptr_t)addr;
	req->length = len;
	req->access = access;
	return ioctl(fd, EDUDMA_IOC_PIN, req) ? -errno : 0;
}

int gu_unpin(int fd, uint32_t handle)
{
	struct edudma_handle h = { .handle = handle };

	return ioctl(fd, EDUDMA_IOC_UNPIN, &h) ? -errno : 0;
}

int gu_copy_regions(int fd, const struct edudma_region *src,
		    const struct edudma_region *dst, uint64_t len,
		    struct edudma_stats *st)
{
	struct edudma_copy c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.src = *src;
	c.dst = *dst;
	c.length = len;
	ret = ioctl(fd, EDUDMA_IOC_COPY, &c) ? -errno : 0;
	if (st)
		*st = c.stats;
	return ret;
}

struct edudma_region gu_user_region(const void *addr)
{
	struct edudma_region r = { .flags = EDUDMA_REGION_USER,
				   .offset = (uintptr_t)addr };
	return r;
}

struct edudma_region gu_handle_region(uint32_t handle, uint64_t offset)
{
	struct edudma_region r = { .handle = handle, .offset = offset };
	return r;
}

static long long gu_keyed_value(const char *path, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && (line[klen] == ' ' || line[klen] == ':' ||
						  line[klen] == '\t')) {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

long long gu_vmstat(const char *key)
{
	return gu_keyed_value("/proc/vmstat", key);
}

long long gu_status_kb(const char *key)
{
	return gu_keyed_value("/proc/self/status", key);
}

unsigned long gu_modparam(const char *name, unsigned long def)
{
	const char *p = getenv("EDUDMA_MODPARAMS");
	size_t n = strlen(name);

	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!strncmp(p, name, n) && p[n] == '=')
			return strtoul(p + n + 1, NULL, 0);
		p = strpbrk(p, " ,");
	}
	return def;
}

int gu_have_iommu(void)
{
	DIR *d = opendir("/sys/class/iommu");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			found = 1;
	closedir(d);
	return found;
}

void gu_vmstat_refresh(void)
{
	int f = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	if (f >= 0) {
		if (write(f, "1", 1) < 0)
			perror("stat_refresh");
		close(f);
	}
}

/* ------------------------------------------------------------------
 * Helpers of the abuse, soak and fuzz suites.
 */
#include <linux/capability.h>
#include <sys/wait.h>

static const char *const gu_problem_words[] = {
	"BUG:", "WARNING:", "Oops:", "Call Trace", "general protection fault",
	"Kernel panic", "hung_task", "blocked for more than", "DMAR: DRHD",
	"fault addr",
	"invoked oom-killer", "Out of memory", "page allocation failure",
	"vmalloc error", "refcount_t:", "list_del corruption",
	"list_add corruption", "bad page", "Bad page", "UBSAN", "KASAN",
	"DMA-API", "edudma: refusing command", "device wedged",
	"interrupt lost", NULL,
};

char *gu_dmesg_problem_since(size_t mark)
{
	char *log = gu_dmesg(), *line, *found = NULL, *save = NULL;
	size_t len = log ? strlen(log) : 0;

	if (!log || len <= mark) {
		free(log);
		return NULL;
	}
	for (line = strtok_r(log + mark, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *const *w;

		for (w = gu_problem_words; *w; w++)
			if (strstr(line, *w)) {
				found = strdup(line);
				break;
			}
	}
	free(log);
	return found;
}

int gu_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

long long gu_meminfo_kb(const char *key)
{
	return gu_keyed_value("/proc/meminfo", key);
}

int gu_drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

int gu_wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int gu_write_file(const char *path, const char *s)
{
	int f = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (f < 0)
		return -errno;
	if (write(f, s, strlen(s)) != (ssize_t)strlen(s))
		ret = errno ? -errno : -EIO;
	close(f);
	return ret;
}

uint64_t gu_rand64(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

int gu_device_works(int index)
{
	struct gu_buf a, b;
	int f = gu_open(index), ok = 0;

	if (f < 0)
		return 0;
	if (!gu_alloc(f, 5000, &a)) {
		if (!gu_alloc(f, 5000, &b)) {
			gu_fill(a.map, 5000, 0xc0ffee + (uint32_t)index);
			ok = !gu_copy(f, a.handle, 0, b.handle, 0, 5000, NULL) &&
			     gu_check(b.map, 5000, 0xc0ffee + (uint32_t)index) == (size_t)-1;
			gu_free(f, &b);
		}
		gu_free(f, &a);
	}
	close(f);
	return ok;
}

int gu_nr_devices(void)
{
	char path[64];
	struct stat st;
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/dev/edudma%d", n);
		if (stat(path, &st))
			return n;
		n++;
	}
}

/* ------------------------------------------------------------------
 * The device the library suites run against (test_lib_dma,
 * test_lib_threads): the same test bodies on either backend.
 */
#include <libdma.h>

const char *gu_test_device(void)
{
	static char spec[160];
	const char *env = getenv("LIBDMA_TEST_DEVICE");
	struct libdma_device_desc descs[16];
	int n, i;

	if (!env || !*env)
		return "0";
	if (strcmp(env, "vfio"))
		return env;
	/* "vfio": the first edu or edu-sg bound to vfio-pci (libdma_list). */
	n = libdma_list(descs, 16);
	for (i = 0; i < n && i < 16; i++)
		if (!strncmp(descs[i].node, "vfio:", 5)) {
			snprintf(spec, sizeof(spec), "%s", descs[i].node);
			return spec;
		}
	printf("LIBDMA_TEST_DEVICE=vfio: no edu or edu-sg device is bound to vfio-pci\n");
	return NULL;
}

int gu_test_device_is_vfio(void)
{
	const char *spec = gu_test_device();

	return spec && !strncmp(spec, "vfio:", 5);
}

/* ------------------------------------------------------------------
 * Running a program and capturing what it says (test_vfio*).
 */
#include <grp.h>
#include <sys/wait.h>

static void gu_read_back(int fd, char *buf, size_t len)
{
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void gu_echo_indented(const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		int len = nl ? (int)(nl - text) : (int)strlen(text);

		printf("    | %.*s\n", len, text);
		text += len + (nl != NULL);
	}
}

int gu_run(struct gu_run_result *r, int uid, const char *const argv[])
{
	char outname[] = "/tmp/gu-run-out-XXXXXX", errname[] = "/tmp/gu-run-err-XXXXXX";
	int status, outfd, errfd, i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	printf("\n    %s", uid >= 0 ? "(uid " : "$");
	if (uid >= 0)
		printf("%d) $", uid);
	for (i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);
	outfd = mkstemp(outname);
	errfd = mkstemp(errname);
	if (outfd < 0 || errfd < 0)
		return -1;
	unlink(outname);
	unlink(errname);
	pid = fork();
	if (pid == 0) {
		dup2(outfd, 1);
		dup2(errfd, 2);
		if (uid >= 0 && (setgroups(0, NULL) || setgid((gid_t)uid) ||
				 setuid((uid_t)uid)))
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	gu_read_back(outfd, r->out, sizeof(r->out));
	gu_read_back(errfd, r->err, sizeof(r->err));
	gu_echo_indented(r->out);
	if (r->err[0]) {
		printf("    (stderr)\n");
		gu_echo_indented(r->err);
	}
	printf("    (exit %d)\n", r->status);
	return r->status;
}

void gu_pci_driver(const char *addr, char *out, size_t len)
{
	char path[300], target[300];
	ssize_t n;
	const char *slash;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(out, len, "%s", "");
		return;
	}
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(out, len, "%s", slash ? slash + 1 : target);
}

int gu_pci_of(int index, char *addr, size_t len)
{
	char link[128], target[256];
	const char *slash;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/class/edudma/edudma%d/device", index);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(addr, len, "%s", slash ? slash + 1 : target);
	return 0;
}

uint8_t *gu_scattered_pages(size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *spacer = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || spacer == MAP_FAILED) {
		if (p != MAP_FAILED)
			munmap(p, len);
		if (spacer != MAP_FAILED)
			munmap(spacer, len);
		return NULL;
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	madvise(spacer, len, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < len; off += 4096) {
		p[off] = 0;
		spacer[off] = 0;
	}
	munmap(spacer, len);
	return p;
}
