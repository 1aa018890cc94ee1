// SPDX-License-Identifier: MIT
/*
 * What a long-term pin of user memory costs on this CPU. io_uring's buffer
 * registration pins through pin_user_pages(FOLL_LONGTERM), the path the
 * edudma driver takes for EDUDMA_IOC_PIN (driver/edudma_pin.c), and any
 * process may call it - no device needed. mlock() is the weaker promise
 * (resident, but movable), for comparison. Raw system calls: no liburing
 * needed to build. Both are charged to RLIMIT_MEMLOCK unless the process
 * has CAP_IPC_LOCK, and io_uring may be switched off by the administrator
 * (kernel.io_uring_disabled): then the cell says so, and how much limit
 * the size needs.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "native_lab.h"

/* io_uring refuses a registered buffer over 1 GiB: larger ones are split */
#define MAX_IOV_LEN	(1ull << 30)
#define MAX_IOVS	64

const char *nl_io_uring_disabled_text(int v)
{
	switch (v) {
	case 1:
		return "kernel.io_uring_disabled is 1: only CAP_SYS_ADMIN and "
		       "the group kernel.io_uring_group may create rings";
	case 2:
		return "kernel.io_uring_disabled is 2: io_uring is off for "
		       "every process (sysctl kernel.io_uring_disabled=0)";
	default:
		return NULL;
	}
}

static int ring_open(void)
{
	struct io_uring_params prm;

	memset(&prm, 0, sizeof(prm));
	return (int)syscall(__NR_io_uring_setup, 1, &prm);
}

/* The memlock limit against 'size', unless CAP_IPC_LOCK lifts it. */
static int over_limit(const struct nl_host *h, uint64_t size, const char *what,
		      char *note)
{
	if (h->ipc_lock || h->memlock_limit == UINT64_MAX ||
	    h->memlock_limit >= size)
		return 0;
	snprintf(note, NL_NOTE, "RLIMIT_MEMLOCK is %llu KiB; %s %llu KiB needs "
		 "%llu KiB (ulimit -l %llu, or CAP_IPC_LOCK)",
		 (unsigned long long)(h->memlock_limit >> 10), what,
		 (unsigned long long)(size >> 10), (unsigned long long)(size >> 10),
		 (unsigned long long)(size >> 10));
	return 1;
}

int nl_pin_unavailable(const struct nl_host *h, uint64_t size, char *note)
{
	const char *why = nl_io_uring_disabled_text(h->io_uring_disabled);
	int fd;

	if (why && !(h->io_uring_disabled == 1 && h->root)) {
		snprintf(note, NL_NOTE, "%s", why);
		return 1;
	}
	if (size > MAX_IOV_LEN * MAX_IOVS) {
		snprintf(note, NL_NOTE, "larger than %d registered buffers of 1 GiB",
			 MAX_IOVS);
		return 1;
	}
	fd = ring_open();
	if (fd < 0) {
		snprintf(note, NL_NOTE, "io_uring_setup: %s%s", strerror(errno),
			 errno == ENOSYS ? " (a kernel without io_uring)" :
			 errno == EPERM ? " (io_uring_disabled, or a seccomp filter)" :
			 "");
		return 1;
	}
	close(fd);
	return over_limit(h, size, "registering", note);
}

int nl_mlock_unavailable(const struct nl_host *h, uint64_t size, char *note)
{
	return over_limit(h, size, "locking", note);
}

int nl_pin_once(const struct nl_buf *b, double *pin_ns, double *unpin_ns,
		char *note)
{
	struct iovec iov[MAX_IOVS];
	unsigned int n = 0;
	uint64_t off, t0, t1, t2;
	int fd = ring_open(), err = 0;

	if (fd < 0) {
		snprintf(note, NL_NOTE, "io_uring_setup: %s", strerror(errno));
		return -errno;
	}
	for (off = 0; off < b->size && n < MAX_IOVS; off += MAX_IOV_LEN, n++) {
		iov[n].iov_base = b->p + off;
		iov[n].iov_len = b->size - off < MAX_IOV_LEN ? b->size - off :
				 MAX_IOV_LEN;
	}
	t0 = nl_now();
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, iov, n)) {
		err = -errno;
		snprintf(note, NL_NOTE, "IORING_REGISTER_BUFFERS: %s", strerror(errno));
		goto out;
	}
	t1 = nl_now();
	if (syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_BUFFERS, NULL, 0)) {
		err = -errno;
		snprintf(note, NL_NOTE, "IORING_UNREGISTER_BUFFERS: %s",
			 strerror(errno));
		goto out;
	}
	t2 = nl_now();
	*pin_ns = (double)(t1 - t0);
	*unpin_ns = (double)(t2 - t1);
out:
	close(fd);
	return err;
}

int nl_mlock_once(const struct nl_buf *b, double *lock_ns, double *unlock_ns,
		  char *note)
{
	uint64_t t0 = nl_now(), t1, t2;

	if (mlock(b->p, b->size)) {
		snprintf(note, NL_NOTE, "mlock: %s", strerror(errno));
		return -errno;
	}
	t1 = nl_now();
	if (munlock(b->p, b->size)) {
		snprintf(note, NL_NOTE, "munlock: %s", strerror(errno));
		return -errno;
	}
	t2 = nl_now();
	*lock_ns = (double)(t1 - t0);
	*unlock_ns = (double)(t2 - t1);
	return 0;
}
