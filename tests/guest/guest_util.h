/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the guest test programs: they run as root inside the QEMU
 * guest, next to the real edu device(s) and the edudma module.
 */
#ifndef GUEST_UTIL_H
#define GUEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/edudma.h>

/* Open /dev/edudma<index> read-write; -1 (errno set) on failure. */
int gu_open(int index);

/* Read a sysfs file into buf (trailing newline stripped). 0 or -errno. */
int gu_read_file(const char *path, char *buf, size_t len);
/* Same, for /sys/class/edudma/edudma<index>/<attr>. */
int gu_read_attr(int index, const char *attr, char *buf, size_t len);
/* Parse an attribute as an unsigned number (any base strtoull accepts). */
int gu_attr_u64(int index, const char *attr, uint64_t *val);

/* PCI addresses (0000:00:04.0) of every edu device (1234:11e8) in the machine. */
int gu_list_edu_pci(char addrs[][32], int max);
/*
 * Every device edudma drives: edu (1234:11e8) and edu-sg (1af4:10f5,
 * subsystem 1af4:5347); the count is returned, at most 'max' filled.
 */
int gu_list_dev_pci(char addrs[][32], int max);
/* Only those of one engine (EDUDMA_ENGINE_EDU / EDUDMA_ENGINE_EDUSG). */
int gu_list_engine_pci(int engine, char addrs[][32], int max);
/* The engine edudma drives PCI device 'addr' with, 0 if none. */
int gu_pci_engine(const char *addr);
/* EDUDMA_IOC_INFO of /dev/edudma<index>: 0 or -errno. */
int gu_info(int index, struct edudma_info *info);
/* The engine behind /dev/edudma<index> (INFO), 0 if it cannot be asked. */
int gu_engine(int index);
int gu_is_edusg(int index);
/*
 * edu-sg's command (descriptor) counts for memory that is one contiguous
 * DMA segment (a coherent buffer): a copy is one descriptor per
 * max_cmd_length bytes; a transfer streams through the card space from
 * dev_offset to card_size chunk by chunk, each chunk in descriptors of at
 * most max_cmd_length.
 */
/* A 32-bit register of the edu-sg behind /dev/edudma<index> (sysfs resource0). */
int gu_edusg_reg32(int index, unsigned int reg, uint32_t *val);
uint64_t gu_edusg_copy_cmds(uint64_t len, uint32_t max_cmd_length);
uint64_t gu_edusg_transfer_cmds(uint64_t len, uint64_t dev_offset,
				uint64_t card_size, uint32_t max_cmd_length);
/* Number of /dev/edudma* nodes. */
int gu_count_nodes(void);

/* The kernel log, whole, into a malloc'd NUL-terminated buffer. */
char *gu_dmesg(void);
/* Kernel log size now; pass it to gu_dmesg_since() to read what came later. */
size_t gu_dmesg_mark(void);
int gu_dmesg_since_contains(size_t mark, const char *needle);

/* Load the module from $EDUDMA_KO with $EDUDMA_MODPARAMS (or 'params' if non-NULL). */
int gu_module_load(const char *params);
int gu_module_unload(void);
int gu_module_loaded(void);

/* Does the current config (EDUTEST_CONFIG) equal 'name'? */
int gu_config_is(const char *name);

/* Fill / check a buffer with a pattern derived from 'seed'. */
void gu_fill(void *buf, size_t len, uint32_t seed);
/* Returns the offset of the first wrong byte, or (size_t)-1 if all match. */
size_t gu_check(const void *buf, size_t len, uint32_t seed);

#endif /* GUEST_UTIL_H */

/* Raw-ABI helpers: return 0 or -errno. */
struct gu_buf {
	uint32_t handle;
	uint64_t mmap_offset;
	uint64_t size;		/* alloc_size */
	uint8_t *map;		/* MAP_SHARED of the whole buffer, or NULL */
};
int gu_alloc(int fd, uint64_t size, struct gu_buf *b);	/* allocates and maps */
int gu_free(int fd, struct gu_buf *b);			/* unmaps and frees */
int gu_free_handle(int fd, uint32_t handle);
int gu_transfer(int fd, uint32_t handle, uint64_t offset, uint64_t len,
		uint32_t dir, uint32_t dev_offset, struct edudma_stats *st);
int gu_copy(int fd, uint32_t src_handle, uint64_t src_off, uint32_t dst_handle,
	    uint64_t dst_off, uint64_t len, struct edudma_stats *st);
uint64_t gu_commands(int index);	/* sysfs "commands" counter */
int gu_attr_int(int index, const char *attr);
int64_t gu_now_ns(void);		/* CLOCK_MONOTONIC */

/* PIN a user range; fills *req's outputs. 0 or -errno. */
int gu_pin(int fd, const void *addr, uint64_t len, uint32_t access,
	   struct edudma_pin *req);
int gu_unpin(int fd, uint32_t handle);
/* COPY between two arbitrary regions. */
int gu_copy_regions(int fd, const struct edudma_region *src,
		    const struct edudma_region *dst, uint64_t len,
		    struct edudma_stats *st);
/* A region naming plain user memory, pinned for one call. */
struct edudma_region gu_user_region(const void *addr);
struct edudma_region gu_handle_region(uint32_t handle, uint64_t offset);
/* A value from /proc/vmstat or /proc/self/status ("VmPin:" in kB), -1 if absent. */
long long gu_vmstat(const char *key);
long long gu_status_kb(const char *key);

/* A numeric module parameter from $EDUDMA_MODPARAMS, or 'def' if not given. */
unsigned long gu_modparam(const char *name, unsigned long def);
/* Does an IOMMU translate DMA addresses in this guest? */
int gu_have_iommu(void);
/* Fold the kernel's per-CPU vm counters so /proc/vmstat is exact. */
void gu_vmstat_refresh(void);

/* ------------------------------------------------------------------
 * Helpers of the abuse, soak and fuzz suites (test_abuse_*, test_soak,
 * test_fuzz).
 */
#include <sys/types.h>

/*
 * The first line the kernel logged after 'mark' that shows a kernel
 * problem (what collect.sh fails a boot on - BUG:, WARNING:, Oops:, Call
 * Trace, hung tasks, DMAR faults - plus OOM kills and failed allocations),
 * malloc'd; NULL when the log is clean.
 */
char *gu_dmesg_problem_since(size_t mark);
/* Open file descriptors of this process. */
int gu_count_fds(void);
/* A value from /proc/meminfo in kB ("SUnreclaim"), -1 if absent. */
long long gu_meminfo_kb(const char *key);
/* Give up CAP_IPC_LOCK (effective and permitted): RLIMIT_MEMLOCK applies. */
int gu_drop_cap_ipc_lock(void);
/* Reap a child: its exit status, 128 + signal if killed, -1 on error. */
int gu_wait_child(pid_t pid);
/* Write a string to a (proc/sys) file. 0 or -errno. */
int gu_write_file(const char *path, const char *s);
/*
 * 'len' bytes (a multiple of 4 KiB) of anonymous 4 KiB pages that are
 * rarely physical neighbours: each first touch alternates with one of a
 * spacer area, given back after, so the allocator's consecutive frames go
 * to both by turns. NULL on failure; munmap() when done.
 */
uint8_t *gu_scattered_pages(size_t len);
/* xorshift64*: a reproducible generator for the randomised suites. */
uint64_t gu_rand64(uint64_t *state);
/* Does the device <index> move data? One small verified copy. */
int gu_device_works(int index);
/* Number of /dev/edudma<N> nodes that exist, counted as 0..N-1 with no gaps. */
int gu_nr_devices(void);

/*
 * The spec the library suites open (test_lib_dma, test_lib_threads):
 * $LIBDMA_TEST_DEVICE, default "0"; "vfio" means the first edu or edu-sg
 * bound to vfio-pci ("vfio:0000:00:02.0"); NULL (and a line saying why)
 * when there is none. The vfio and sg-vfio boot configurations set it.
 */
const char *gu_test_device(void);
int gu_test_device_is_vfio(void);

/*
 * Run argv (argv[0] found in PATH) as user 'uid' (-1: as we are), stdout
 * and stderr captured into r; the command and its output are echoed to the
 * log. Returns the exit status (128 + signal if killed), -1 if it could
 * not run.
 */
struct gu_run_result {
	int status;
	char out[16384];
	char err[16384];
};
int gu_run(struct gu_run_result *r, int uid, const char *const argv[]);
/* The driver bound to PCI device 'addr' ("" when none). */
void gu_pci_driver(const char *addr, char *out, size_t len);
/* The PCI address (0000:00:03.0) behind /dev/edudma<index>. 0 or -1. */
int gu_pci_of(int index, char *addr, size_t len);
