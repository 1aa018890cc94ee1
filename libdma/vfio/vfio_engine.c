// SPDX-License-Identifier: MIT
/*
 * edu's engine, the VFIO twin of driver/edudma_edu.c and
 * driver/edudma_engine.c: plans a transfer or copy with
 * include/edu/edu_plan.h (the driver's own planner and window rule) and
 * runs the commands on the device, one at a time, each started when the
 * one before has raised its completion interrupt. Where the driver starts
 * the next command from its interrupt handler, this thread does it after
 * the eventfd wakes it. A command in flight always lands before its
 * memory may go; one that never lands wedges the device. The engine
 * table at the end is what the rest of the backend knows of edu (edu-sg's
 * is vfio_edusg.c). Calls vfio_irq.c and vfio_regs.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <edu/edu_plan.h>
#include <edu/edu_regs.h>

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

/* ------------------------------------------------------- plans and info */

static struct edu_cmd *plan_alloc(long n)
{
	return n > 0 ? malloc((size_t)n * sizeof(struct edu_cmd)) : NULL;
}

static int edu_transfer(struct vfio_dev *vd, uint64_t iova, size_t len,
			bool to_dev, size_t dev_offset, struct vfio_run *run)
{
	struct edu_cursor cur;
	struct edu_cmd *cmds;
	struct edu_seg seg = { iova, len };
	long n;
	int err;

	edu_cursor_init(&cur, &seg, 1, 0);
	/* Count, then fill: the plan is pure and gives the same answer twice. */
	n = edu_plan_transfer(NULL, 0, cur, len, to_dev, (edu_u32)dev_offset,
			      vd->window);
	cmds = plan_alloc(n);
	if (!cmds)
		return libdma__fail(n > 0 ? -ENOMEM : -EINVAL, "transfer of %zu "
				    "bytes at device offset %zu on %s: %s", len,
				    dev_offset, vd->node, n > 0 ?
				    "out of memory for the plan" :
				    "breaks the window rules");
	edu_plan_transfer(cmds, (unsigned long)n, cur, len, to_dev,
			  (edu_u32)dev_offset, vd->window);
	err = libdma__vfio_run_cmds(vd, cmds, (unsigned long)n, run);
	free(cmds);
	return err;
}

static int edu_copy(struct vfio_dev *vd, uint64_t src, uint64_t dst,
		    size_t len, struct vfio_run *run)
{
	struct edu_seg ss = { src, len }, ds = { dst, len };
	struct edu_cursor cs, cd;
	struct edu_cmd *cmds;
	long n;
	int err;

	edu_cursor_init(&cs, &ss, 1, 0);
	edu_cursor_init(&cd, &ds, 1, 0);
	n = edu_plan_copy(NULL, 0, cs, cd, len, vd->window);
	cmds = plan_alloc(n);
	if (!cmds)
		return libdma__fail(n > 0 ? -ENOMEM : -EINVAL, "copy of %zu bytes "
				    "on %s: %s", len, vd->node, n > 0 ?
				    "out of memory for the plan" :
				    "cannot be planned");
	edu_plan_copy(cmds, (unsigned long)n, cs, cd, len, vd->window);
	err = libdma__vfio_run_cmds(vd, cmds, (unsigned long)n, run);
	free(cmds);
	return err;
}

static bool edu_status_valid(struct vfio_dev *vd, uint32_t status)
{
	return edu_irq_status_valid(status, status == 0xffffffffu ?
				    libdma__vfio_rd32(vd, EDU_REG_IDENT) : 0);
}

static int edu_check_hw(struct vfio_dev *vd)
{
	int err = libdma__vfio_check_hw(vd);

	if (!err) {
		vd->version = EDU_IDENT_MAJOR(vd->ident) << 16 |
			      EDU_IDENT_MINOR(vd->ident);
		vd->max_cmd_len = vd->window;
		vd->ring_size = 0;
	}
	return err;
}

static void edu_fill_info(const struct vfio_dev *vd, struct libdma_info *info)
{
	info->features = LIBDMA_FEAT_IRQ_TEST | LIBDMA_FEAT_FACTORIAL |
			 LIBDMA_FEAT_COHERENT | LIBDMA_FEAT_TRANSFER |
			 LIBDMA_FEAT_COPY | LIBDMA_FEAT_PIN |
			 LIBDMA_FEAT_USER_REGION;
	info->window_size = vd->window;
	info->dev_buffer_size = EDU_DEV_BUF_SIZE;
	info->dev_buffer_addr = EDU_DEV_BUF_ADDR;
	info->max_in_flight = 1;
}

const struct vfio_engine libdma__vfio_edu_engine = {
	.name			= "edu",
	.kind			= LIBDMA_ENGINE_EDU,
	.reg_ident		= EDU_REG_IDENT,
	.reg_irq_status		= EDU_REG_IRQ_STATUS,
	.reg_irq_ack		= EDU_REG_IRQ_ACK,
	.reg_irq_raise		= EDU_REG_IRQ_RAISE,
	.irq_test_bits		= ~EDU_IRQ_DRIVER_BITS,
	.irq_status_valid	= edu_status_valid,
	.check_hw		= edu_check_hw,
	.fill_info		= edu_fill_info,
	.transfer		= edu_transfer,
	.copy			= edu_copy,
};
