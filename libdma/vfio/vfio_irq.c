// SPDX-License-Identifier: MIT
/*
 * Interrupts, the VFIO twin of driver/edudma_irq.c: the device's MSI
 * arrives on an eventfd (VFIO_DEVICE_SET_IRQS), and a thread that waits
 * for it reads the interrupt status and acknowledges exactly what it
 * read, as the driver's handler does - at the engine's register offsets
 * (edu's or edu-sg's). Apart from the engine because the
 * self-tests wait here too; apart from the registers because waiting
 * also means signals. Calls only vfio_regs.c.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_internal.h"

/*
 * Signals during an operation that waits on the device. The kernel driver
 * sleeps interruptibly from the ioctl to the last completion, so any
 * signal in that time stops the request. Here the thread also runs
 * between waits (starting the next command), and a signal handled then
 * would be forgotten by the next poll(). So catchable signals are blocked
 * for the whole operation and unblocked only inside ppoll() - the pselect
 * pattern: one that arrives meanwhile stays pending, and the next
 * interruptible wait returns -EINTR (its handler runs there). Faults
 * (SIGSEGV, SIGBUS...) are never blocked: the kernel would kill instead.
 */
void libdma__vfio_sig_block(struct vfio_sigwin *w)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
				      SIGSYS };
	sigset_t set;
	size_t i;

	sigfillset(&set);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(&set, faults[i]);
	pthread_sigmask(SIG_BLOCK, &set, &w->old);
}

bool libdma__vfio_sig_arrived(const struct vfio_sigwin *w)
{
	struct timespec zero = { 0, 0 };

	return ppoll(NULL, 0, &zero, &w->old) < 0 && errno == EINTR;
}

/* Pending signals are delivered here, after the operation. */
void libdma__vfio_sig_restore(struct vfio_sigwin *w)
{
	pthread_sigmask(SIG_SETMASK, &w->old, NULL);
}

/*
 * Wait until done() says so. Each status read is acknowledged exactly
 * (the handler's rule: include/edu/edu_regs.h, docs/edu-sg.md) and added
 * to *seen; done() runs after each. The eventfd only wakes us; the status
 * register and done() say what happened. 0, -ETIMEDOUT, or -EINTR when
 * 'sig' (the operation's vfio_sigwin: interruptible) and a signal arrived.
 * Without 'sig' the signals stay blocked and pending.
 */
int libdma__vfio_wait_until(struct vfio_dev *vd,
			    bool (*done)(struct vfio_dev *vd, uint32_t seen,
					 void *arg), void *arg,
			    unsigned int timeout_ms,
			    const struct vfio_sigwin *sig, uint32_t *seen,
			    uint64_t *when)
{
	const struct vfio_engine *eng = vd->eng;
	uint64_t deadline = libdma__vfio_now_ns() +
			    (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		uint32_t status = libdma__vfio_rd32(vd, eng->reg_irq_status);
		struct pollfd pfd = { .fd = vd->irq_fd, .events = POLLIN };
		struct timespec ts;
		uint64_t now, count, left;
		int r;

		if (status && eng->irq_status_valid(vd, status)) {
			libdma__vfio_wr32(vd, eng->reg_irq_ack, status);
			*seen |= status;
		}
		if (done(vd, *seen, arg)) {
			if (when)
				*when = libdma__vfio_now_ns();
			return 0;
		}
		now = libdma__vfio_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		left = deadline - now;
		ts.tv_sec = (time_t)(left / 1000000000ull);
		ts.tv_nsec = (long)(left % 1000000000ull);
		r = ppoll(&pfd, 1, &ts, sig ? &sig->old : NULL);
		if (r < 0 && errno == EINTR && sig)
			return -EINTR;
		if (r > 0 && read(vd->irq_fd, &count, sizeof(count)) < 0 &&
		    errno != EAGAIN)
			return -EIO;
	}
}

static bool all_seen(struct vfio_dev *vd, uint32_t seen, void *arg)
{
	uint32_t want = *(const uint32_t *)arg;

	(void)vd;
	return (seen & want) == want;
}

/* Until the device has raised every bit of 'want' in its interrupt status. */
int libdma__vfio_wait_irq(struct vfio_dev *vd, uint32_t want,
			  unsigned int timeout_ms,
			  const struct vfio_sigwin *sig, uint32_t *seen,
			  uint64_t *when)
{
	return libdma__vfio_wait_until(vd, all_seen, &want, timeout_ms, sig,
				       seen, when);
}

/* Empty the eventfd: stale wake-ups would only cost a loop, but be tidy. */
void libdma__vfio_drain_irq(struct vfio_dev *vd)
{
	uint64_t count;

	while (read(vd->irq_fd, &count, sizeof(count)) == sizeof(count))
		;
}

/* ---------------------------------------------------- setup and teardown */

int libdma__vfio_irq_setup(struct vfio_dev *vd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	struct vfio_irq_info ii;
	int32_t fd;

	memset(&ii, 0, sizeof(ii));
	ii.argsz = sizeof(ii);
	ii.index = VFIO_PCI_MSI_IRQ_INDEX;
	if (ioctl(vd->device, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		return libdma__vfio_fail(vd, -errno, "VFIO_DEVICE_GET_IRQ_INFO "
					 "(MSI)", errno);
	if (ii.count < 1 || !(ii.flags & VFIO_IRQ_INFO_EVENTFD))
		return libdma__fail(-EOPNOTSUPP, "cannot use %s through VFIO: "
				    "vfio-pci offers no MSI vector with an "
				    "eventfd (count %u, flags 0x%x); this "
				    "backend completes commands by MSI",
				    vd->addr, ii.count, ii.flags);
	vd->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vd->irq_fd < 0)
		return libdma__vfio_fail(vd, -errno, "eventfd", errno);
	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	fd = vd->irq_fd;
	memcpy(set->data, &fd, sizeof(fd));
	if (ioctl(vd->device, VFIO_DEVICE_SET_IRQS, set))
		return libdma__vfio_fail(vd, -errno, "VFIO_DEVICE_SET_IRQS (MSI "
					 "to an eventfd)", errno);
	vd->irq_on = true;
	return 0;
}

/* MSI off again (the eventfd itself is closed with the other files). */
void libdma__vfio_irq_teardown(struct vfio_dev *vd)
{
	struct vfio_irq_set set;

	memset(&set, 0, sizeof(set));
	set.argsz = sizeof(set);
	set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.index = VFIO_PCI_MSI_IRQ_INDEX;
	ioctl(vd->device, VFIO_DEVICE_SET_IRQS, &set);
}

/* ------------------------------------------------------------ self-test */

int libdma__vfio_irq_test(struct libdma_device *dev, uint32_t value,
			  struct libdma_irq_test_result *result)
{
	struct vfio_dev *vd;
	struct vfio_sigwin sig;
	uint32_t seen = 0;
	uint64_t start, when = 0;
	int err = libdma__vfio_own(dev, &vd);

	if (err)
		return err;
	/* The bits the engine raises itself are not the test's to fake. */
	if (value & ~vd->eng->irq_test_bits)
		return libdma__fail(-EINVAL, "interrupt self-test value 0x%08x "
				    "on %s: %s raises only 0x%08x on demand "
				    "(the rest are its engine's events)", value,
				    vd->node, vd->eng->name,
				    vd->eng->irq_test_bits);
	pthread_mutex_lock(&vd->lock);
	libdma__vfio_sig_block(&sig);
	libdma__vfio_drain_irq(vd);
	start = libdma__vfio_now_ns();
	libdma__vfio_wr32(vd, vd->eng->reg_irq_raise, value);
	err = libdma__vfio_wait_irq(vd, value, vd->timeout_ms, &sig, &seen,
				    &when);
	if (err)	/* leave nothing raised behind us */
		libdma__vfio_wr32(vd, vd->eng->reg_irq_ack, value);
	libdma__vfio_sig_restore(&sig);
	pthread_mutex_unlock(&vd->lock);
	result->seen = seen;
	result->latency_ns = err ? 0 : when - start;
	if (err == -EINTR)
		return libdma__fail(err, "interrupt self-test on %s interrupted "
				    "by a signal", vd->node);
	if (err)
		return libdma__fail(err, "interrupt self-test on %s: raised "
				    "0x%08x, the eventfd saw 0x%08x within %u ms "
				    "(MSI not delivered? see /proc/interrupts, "
				    "vfio-msi)", vd->node, value, seen,
				    vd->timeout_ms);
	return 0;
}
