// SPDX-License-Identifier: MIT
/*
 * The host the native lab runs on, beyond what libdma's env says (env.c:
 * platform, CPU, kernel, THP): page sizes, the last-level cache (a cold
 * copy must exceed or flush it), the limits that decide whether pinning
 * can run (io_uring_disabled, RLIMIT_MEMLOCK, CAP_IPC_LOCK), the load
 * average (the machine may be shared: a figure's noise has a cause), and
 * the hugetlb pool, which root may fill for the run and must empty again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "native_lab.h"
#include "../../libdma/measure/measure_internal.h"

#define POOL_DIR "/sys/kernel/mm/hugepages/hugepages-2048kB/"

void nl_loadavg(char *buf, size_t len)
{
	char line[128];
	double a[3];

	/* the three averages, not the task counts that follow them */
	if (libdma__read_line("/proc/loadavg", line, sizeof(line)) < 0 ||
	    sscanf(line, "%lf %lf %lf", &a[0], &a[1], &a[2]) != 3)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%.2f %.2f %.2f", a[0], a[1], a[2]);
}

/* The cache of the highest level cpu0 has: "L3", bytes. */
static void llc(struct nl_host *h)
{
	char path[96], v[32];
	int i, best = 0;

	for (i = 0; i < 8; i++) {
		int level;
		char *end;
		uint64_t n;

		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		if (libdma__read_line(path, v, sizeof(v)) < 0)
			break;
		level = atoi(v);
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (libdma__read_line(path, v, sizeof(v)) < 0 ||
		    !strcmp(v, "Instruction") || level < best)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if (libdma__read_line(path, v, sizeof(v)) < 0)
			continue;
		n = strtoull(v, &end, 10);
		n <<= *end == 'K' ? 10 : *end == 'M' ? 20 : 0;
		best = level;
		h->llc_bytes = n;
		snprintf(h->llc_name, sizeof(h->llc_name), "L%d", level);
	}
}

/*
 * The hypervisor's CPUID signature (leaf 0x40000000: "KVMKVMKVM",
 * "Microsoft Hv", "VMwareVMware"...) when the CPU says it runs under one:
 * a guest's TLB misses walk two levels of page tables, which changes what
 * 4 KiB pages cost.
 */
static void hypervisor(struct nl_host *h)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(h->hypervisor, &b, 4);
	memcpy(h->hypervisor + 4, &c, 4);
	memcpy(h->hypervisor + 8, &d, 4);
	h->hypervisor[12] = '\0';
	if (!h->hypervisor[0])
		snprintf(h->hypervisor, sizeof(h->hypervisor), "unnamed");
#else
	(void)h;
#endif
}

static uint64_t read_u64(const char *path, uint64_t dflt)
{
	char v[64];

	return libdma__read_line(path, v, sizeof(v)) < 0 ? dflt :
	       strtoull(v, NULL, 10);
}

void nl_host_get(const char *label, struct nl_host *h)
{
	char v[128], *meminfo, *status, *cap;
	struct rlimit rl;

	memset(h, 0, sizeof(*h));
	libdma__env_host_get(label, &h->env);
	if (libdma__read_line("/sys/kernel/mm/transparent_hugepage/defrag", v,
			      sizeof(v)) == 0) {
		char *o = strchr(v, '['), *c = o ? strchr(o, ']') : NULL;

		snprintf(h->thp_defrag, sizeof(h->thp_defrag), "%.*s",
			 o && c ? (int)(c - o - 1) : 31, o && c ? o + 1 : v);
	}
	h->thp_size = read_u64("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", 0);
	llc(h);
	hypervisor(h);
	meminfo = nl_read_file("/proc/meminfo");
	if (meminfo) {
		nl_meminfo_value(meminfo, "MemAvailable", &h->mem_available);
		nl_meminfo_value(meminfo, "Hugepagesize", &h->pool.page_size);
		free(meminfo);
	}
	h->root = geteuid() == 0;
	h->io_uring_disabled = (int)read_u64("/proc/sys/kernel/io_uring_disabled",
					     (uint64_t)-1);
	h->memlock_limit = getrlimit(RLIMIT_MEMLOCK, &rl) ? 0 :
			   rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur;
	/* CAP_IPC_LOCK (14): pins and mlock are not charged to the limit */
	status = nl_read_file("/proc/self/status");
	cap = status ? strstr(status, "\nCapEff:") : NULL;
	if (cap)
		h->ipc_lock = (strtoull(cap + 8, NULL, 16) >> 14) & 1;
	free(status);
	nl_loadavg(h->loadavg_start, sizeof(h->loadavg_start));
	h->pool.total_before = read_u64(POOL_DIR "nr_hugepages", 0);
	h->pool.free_before = read_u64(POOL_DIR "free_hugepages", 0);
	h->pool.free = h->pool.free_before;
}

/* ------------------------------------------------------------ the pool */

/*
 * What to write back when the run ends or is interrupted. A signal
 * handler may only use async-signal-safe calls: open, write, close.
 */
static char restore_text[32];
static volatile sig_atomic_t restore_armed;

static int write_pool(const char *text)
{
	int fd = open(POOL_DIR "nr_hugepages", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

static void on_signal(int sig)
{
	if (restore_armed)
		write_pool(restore_text);
	signal(sig, SIG_DFL);
	raise(sig);
}

void nl_pool_prepare(struct nl_host *h, uint64_t pages, int reserve)
{
	struct nl_pool *p = &h->pool;
	char text[32];
	uint64_t want;

	if (access(POOL_DIR, F_OK)) {
		snprintf(p->note, NL_NOTE, "no 2 MiB hugetlb pages in this kernel "
			 "(%s missing)", POOL_DIR);
		return;
	}
	if (p->free_before >= pages || !pages)
		return;
	if (!reserve || !h->root) {
		snprintf(p->note, NL_NOTE, "the hugetlb pool has %llu free 2 MiB "
			 "pages, %llu needed: as root the lab reserves them for the "
			 "run, or echo %llu > %snr_hugepages",
			 (unsigned long long)p->free_before,
			 (unsigned long long)pages,
			 (unsigned long long)(p->total_before + pages - p->free_before),
			 POOL_DIR);
		return;
	}
	want = p->total_before + pages - p->free_before;
	snprintf(restore_text, sizeof(restore_text), "%llu\n",
		 (unsigned long long)p->total_before);
	restore_armed = 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)want);
	if (write_pool(text)) {
		snprintf(p->note, NL_NOTE, "reserving %llu hugetlb pages failed: %s",
			 (unsigned long long)pages, strerror(errno));
		restore_armed = 0;
		return;
	}
	/* the kernel gives what it can find: fewer when memory is fragmented */
	p->free = read_u64(POOL_DIR "free_hugepages", 0);
	p->reserved = read_u64(POOL_DIR "nr_hugepages", 0) - p->total_before;
	if (p->free < pages)
		snprintf(p->note, NL_NOTE, "asked the kernel for %llu more hugetlb "
			 "pages, got %llu (memory fragmented)",
			 (unsigned long long)pages, (unsigned long long)p->reserved);
}

void nl_pool_release(struct nl_host *h)
{
	if (!restore_armed)
		return;
	if (write_pool(restore_text) == 0)
		h->pool.given_back = 1;
	restore_armed = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}
