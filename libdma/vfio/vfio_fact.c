// SPDX-License-Identifier: MIT
/*
 * The factorial unit, the VFIO twin of driver/edudma_fact.c: write n, the
 * device computes n! (mod 2^32) in the background and, if asked, raises
 * EDU_IRQ_FACT when done - the device's second interrupt source, so a
 * test of interrupt delivery beside DMA completions. A unit of its own on
 * the device, so a file of its own here. Calls vfio_irq.c and
 * vfio_regs.c.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include <edu/edu_regs.h>

#include "vfio_internal.h"

/* The factorial unit may legitimately compute this long (driver's cap). */
#define FACT_BUSY_MS		60000u

/*
 * The factorial unit computes in a QEMU thread, outside the guest's sense
 * of time: as in the driver, only 10 ms slices in which the unit was idle
 * without signalling count against the timeout; busy ones are capped apart.
 */
static int fact_wait(struct vfio_dev *vd, bool use_irq, uint32_t *seen,
		     const struct vfio_sigwin *sig)
{
	unsigned int idle = 0, busy = 0;

	for (;;) {
		bool computing = libdma__vfio_rd32(vd, EDU_REG_STATUS) &
				 EDU_STATUS_COMPUTING;
		int err;

		if (!use_irq && !computing)
			return 0;
		if (use_irq) {
			err = libdma__vfio_wait_irq(vd, EDU_IRQ_FACT, 10, sig,
						    seen, NULL);
			if (err != -ETIMEDOUT)
				return err;
		} else {
			struct timespec ts = { 0, 10 * 1000000 };

			if (ppoll(NULL, 0, &ts, &sig->old) < 0 && errno == EINTR)
				return -EINTR;
		}
		if (computing ? (busy += 10) > FACT_BUSY_MS :
				(idle += 10) > vd->timeout_ms)
			return -ETIMEDOUT;
	}
}

int libdma__vfio_factorial(struct libdma_device *dev, uint32_t n,
			   unsigned int flags,
			   struct libdma_factorial_result *result)
{
	bool use_irq = !(flags & LIBDMA_FACT_POLL);
	struct vfio_dev *vd;
	struct vfio_sigwin sig;
	uint32_t seen = 0;
	uint64_t start;
	int err = libdma__vfio_own(dev, &vd);

	if (err)
		return err;
	/* (info's features say so already: the last line of defence) */
	if (vd->eng->kind != LIBDMA_ENGINE_EDU)
		return libdma__fail(-EOPNOTSUPP, "%s is an %s: the factorial unit "
				    "is edu's, %s has none", vd->node,
				    vd->eng->name, vd->eng->name);
	pthread_mutex_lock(&vd->lock);
	libdma__vfio_sig_block(&sig);
	/* A computation a timed-out caller left behind: writes are ignored. */
	err = fact_wait(vd, false, &seen, &sig);
	if (!err) {
		libdma__vfio_drain_irq(vd);
		start = libdma__vfio_now_ns();
		/* The status write first: it decides whether completion interrupts. */
		libdma__vfio_wr32(vd, EDU_REG_STATUS,
				  use_irq ? EDU_STATUS_FACT_IRQ : 0);
		libdma__vfio_wr32(vd, EDU_REG_FACT, n);
		err = fact_wait(vd, use_irq, &seen, &sig);
		result->elapsed_ns = libdma__vfio_now_ns() - start;
		result->by_irq = !!(seen & EDU_IRQ_FACT);
		if (!err)
			result->value = libdma__vfio_rd32(vd, EDU_REG_FACT);
		libdma__vfio_wr32(vd, EDU_REG_STATUS, 0);
	}
	libdma__vfio_sig_restore(&sig);
	pthread_mutex_unlock(&vd->lock);
	if (err == -EINTR)
		return libdma__fail(err, "factorial of %u on %s interrupted by a "
				    "signal", n, vd->node);
	if (err)
		return libdma__fail(err, "factorial of %u on %s: the unit did not "
				    "finish in time (%s)", n, vd->node, use_irq ?
				    "no completion interrupt?" : "polling");
	return 0;
}
