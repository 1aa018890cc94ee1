// SPDX-License-Identifier: MIT
/*
 * The command engine, the VFIO twin of driver/edudma_engine.c: runs a
 * planned list of commands on the device, one at a time, each started
 * when the one before has raised its completion interrupt. Where the
 * driver starts the next command from its interrupt handler, this thread
 * does it after the eventfd wakes it. A command in flight always lands
 * before its memory may go; one that never lands wedges the device.
 * Apart from transfers (vfio_xfer.c), which plan what this runs. Calls
 * vfio_irq.c and vfio_regs.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>

#include <edu/edu_plan.h>

#include "vfio_internal.h"

/*
 * Run 'n' planned commands one after another, each started when the one
 * before has raised its completion interrupt. Called with vd->lock held.
 */
static int run_locked(struct vfio_dev *vd, const struct edu_cmd *cmds,
		      unsigned long n, struct vfio_run *run,
		      const struct vfio_sigwin *sig)
{
	unsigned long i;

	if (vd->wedged)
		return libdma__fail(-EIO, "%s is wedged (a DMA command never "
				    "finished): DMA refused until it is "
				    "closed and opened again", vd->node);
	libdma__vfio_drain_irq(vd);
	for (i = 0; i < n; i++) {
		struct edu_reg_write w[EDU_CMD_WRITES];
		uint32_t seen = 0;
		uint64_t start, end;
		unsigned int j;
		int err, late;

		edu_cmd_regs(&cmds[i], w);
		/* The CPU's writes to the memory reach it before the device reads. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		start = libdma__vfio_now_ns();
		for (j = 0; j < EDU_CMD_WRITES; j++)
			libdma__vfio_wr64(vd, w[j].reg, w[j].val);
		err = libdma__vfio_wait_irq(vd, EDU_IRQ_DMA, vd->timeout_ms, sig,
					    &seen, &end);
		if (err) {
			/*
			 * Stopped (signal) or slow: the command in flight still
			 * lands before anyone may free its memory.
			 */
			late = libdma__vfio_wait_irq(vd, EDU_IRQ_DMA,
						     LIBDMA_VFIO_GRACE_FACTOR *
						     vd->timeout_ms, NULL,
						     &seen, &end);
			if (late && libdma__vfio_dma_busy(vd)) {
				vd->wedged = true;
				return libdma__fail(-EIO, "DMA on %s: command %lu "
						    "of %lu never finished; the "
						    "device is wedged, its memory "
						    "stays mapped and DMA is "
						    "refused until it is reopened",
						    vd->node, i + 1, n);
			}
			if (!late) {
				run->device_ns += end - start;
				run->credit += cmds[i].credit;
				run->done++;
			}
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (err == -EINTR)
				return libdma__fail(-EINTR, "DMA on %s interrupted "
						    "by a signal after %lu of %lu "
						    "commands (not restarted)",
						    vd->node, run->done, n);
			return libdma__fail(-ETIMEDOUT, "DMA on %s: command %lu "
					    "of %lu did not complete within %u ms%s",
					    vd->node, i + 1, n, vd->timeout_ms,
					    late ? " (its completion interrupt "
					    "was lost)" : "");
		}
		run->device_ns += end - start;
		run->credit += cmds[i].credit;
		run->done++;
	}
	/* The device's writes are visible before the caller reads memory. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

int libdma__vfio_run_cmds(struct vfio_dev *vd, const struct edu_cmd *cmds,
			  unsigned long n, struct vfio_run *run)
{
	struct vfio_sigwin sig;
	unsigned long i;
	int err;

	/* The last line of defence, the driver's own rule (edu_cmd_ok). */
	for (i = 0; i < n; i++)
		if (!edu_cmd_ok(&cmds[i], vd->window, vd->dma_mask))
			return libdma__fail(-EIO, "libdma bug: refusing command "
					    "%lu for %s (src 0x%" PRIx64 " dst 0x%"
					    PRIx64 " count %u): outside the "
					    "window or the DMA mask", i,
					    vd->node, cmds[i].src, cmds[i].dst,
					    cmds[i].count);
	pthread_mutex_lock(&vd->lock);
	libdma__vfio_sig_block(&sig);
	err = run_locked(vd, cmds, n, run, &sig);
	libdma__vfio_sig_restore(&sig);
	pthread_mutex_unlock(&vd->lock);
	return err;
}
