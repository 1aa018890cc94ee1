// SPDX-License-Identifier: GPL-2.0
/*
 * The edu engine: QEMU's edu device (PCI 1234:11e8) behind
 * struct edudma_engine_ops.
 *
 * The device does one command at a time through a 4 KiB buffer (the
 * "window"); the planner (edu/edu_plan.h, shared with libdma's VFIO
 * backend) cuts every request into window-sized commands. Jobs never
 * interleave - the window is one shared buffer - so they wait in a queue
 * and run back to back: the completion interrupt starts a job's next
 * command, or the next job's first, so the device never idles waiting for
 * a round trip through a sleeping task.
 */
#include <linux/dma-mapping.h>
#include <linux/ktime.h>

#include <edu/edu_plan.h>

#include "edudma.h"

/* Jobs waiting for the device, and the one it runs. Under irq_lock. */
struct edu_state {
	struct edudma_job *cur;
	struct list_head queue;
};

static struct edu_state *edu_state(struct edudma_dev *edev)
{
	return edev->engine_priv;
}

static int edu_identify(struct edudma_dev *edev)
{
	struct edu_state *es;
	int ret = edudma_hw_check(edev);

	if (ret)
		return ret;
	es = kzalloc(sizeof(*es), GFP_KERNEL);
	if (!es)
		return -ENOMEM;
	INIT_LIST_HEAD(&es->queue);
	edev->engine_priv = es;
	edev->version = EDU_IDENT_MAJOR(edev->ident) << 16 |
			EDU_IDENT_MINOR(edev->ident);
	edev->window = edudma_window;
	edev->dev_buffer_addr = EDU_DEV_BUF_ADDR;
	/*
	 * The device ANDs RAM addresses with its mask and silently writes to
	 * the wrong place beyond it: only the user knows how QEMU was told
	 * (-device edu,dma_mask=...), through dma_bits.
	 */
	edev->dma_bits = edudma_dma_bits;
	edev->max_cmd_len = edudma_window;
	edev->ring_size = 0;
	edev->max_in_flight = 1;
	return 0;
}

static int edu_start(struct edudma_dev *edev)
{
	return 0;
}

/* Called with irq_lock held. */
static void edu_issue(struct edudma_dev *edev, struct edudma_job *job)
{
	const struct edu_cmd *cmd = (const struct edu_cmd *)job->cmds + job->next++;

	job->cmd_start_ns = ktime_get_ns();
	atomic64_inc(&edev->commands);
	edudma_hw_dma_start(edev, cmd);
}

/*
 * The device is free: start the next queued job - or, when the device is
 * wedged, fail every queued job (nothing of theirs ever ran).
 * Called with irq_lock held.
 */
static void edu_kick(struct edudma_dev *edev)
{
	struct edu_state *es = edu_state(edev);
	struct edudma_job *job;

	while (!es->cur && !list_empty(&es->queue)) {
		job = list_first_entry(&es->queue, struct edudma_job, node);
		list_del_init(&job->node);
		if (edev->engine_wedged || job->stop) {
			if (!job->error && edev->engine_wedged)
				job->error = -EIO;
			edudma_job_finish(edev, job);
			continue;
		}
		es->cur = job;
		edu_issue(edev, job);
	}
}

/* DMA-done interrupt: account for the command and start the next one. */
void edudma_edu_dma_irq(struct edudma_dev *edev)
{
	struct edu_state *es = edu_state(edev);
	struct edudma_job *job;

	spin_lock(&edev->irq_lock);
	job = es->cur;
	if (job && !job->finished && job->next > job->done) {
		const struct edu_cmd *cmds = job->cmds;

		job->device_ns += ktime_get_ns() - job->cmd_start_ns;
		job->credit += cmds[job->done].credit;
		job->done++;
		atomic64_inc(&edev->completed);
		if (job->next < job->ncmds && !job->stop) {
			edu_issue(edev, job);
		} else {
			es->cur = NULL;
			edudma_job_finish(edev, job);
			edu_kick(edev);
		}
	}
	spin_unlock(&edev->irq_lock);
}

static irqreturn_t edu_irq(struct edudma_dev *edev)
{
	u32 status = edudma_hw_irq_status(edev);

	/*
	 * 0: not ours (INTx may be shared). All ones: the device is gone from
	 * the bus (surprise removal) only if its ident register reads all
	 * ones as well; otherwise it is a real status (edu_regs.h) and must be
	 * acknowledged, or INTx storms and a completion is lost.
	 */
	if (!edu_irq_status_valid(status, status == ~0u ?
				  edudma_hw_ident(edev) : 0))
		return IRQ_NONE;
	edudma_hw_irq_ack(edev, status);
	atomic64_inc(&edev->irq_count);

	if (status & EDU_IRQ_DMA)
		edudma_edu_dma_irq(edev);
	if (status & EDU_IRQ_FACT)
		edudma_fact_irq(edev);
	if (status & ~EDU_IRQ_DRIVER_BITS)
		edudma_irq_test_note(edev, status & ~EDU_IRQ_DRIVER_BITS);
	return IRQ_HANDLED;
}

static long edu_plan(struct edudma_dev *edev, const struct edudma_plan *p,
		     void *out, unsigned long max)
{
	if (p->copy)
		return edu_plan_copy(out, max, p->src, p->dst, p->length,
				     edudma_window);
	if (p->dev_offset >= edudma_window)
		return -1;
	return edu_plan_transfer(out, max, p->src, p->length, p->to_dev,
				 (u32)p->dev_offset, edudma_window);
}

/*
 * Last line of defence before the registers: every command must stay in
 * the window (QEMU 7.2 aborts the VM otherwise) and its memory side must be
 * reachable by the device (beyond the mask the device silently writes
 * elsewhere). The planner guarantees both; a failure here is a driver bug.
 */
static int edu_validate(struct edudma_dev *edev, const struct edudma_job *job)
{
	u64 mask = dma_get_mask(&edev->pdev->dev);
	const struct edu_cmd *cmds = job->cmds;
	unsigned long i;

	for (i = 0; i < job->ncmds; i++) {
		const struct edu_cmd *c = &cmds[i];

		/* edu_cmd_ok(): the same rule the VFIO backend applies */
		if (WARN_ONCE(!edu_cmd_ok(c, edudma_window, mask),
			      "edudma: refusing command %lu: src %llx dst %llx count %u\n",
			      i, c->src, c->dst, c->count))
			return -EIO;
	}
	return 0;
}

/* irq_lock held: queue the job; it starts at once if the device is free. */
static int edu_submit(struct edudma_dev *edev, struct edudma_job *job)
{
	if (edev->dying)
		return -ENODEV;
	if (edev->engine_wedged)
		return -EIO;
	list_add_tail(&job->node, &edu_state(edev)->queue);
	edu_kick(edev);
	return 0;
}

/*
 * irq_lock held, job->stop set. A queued job is done at once; the running
 * one has a command in flight, whose interrupt finishes it.
 */
static void edu_stop_job(struct edudma_dev *edev, struct edudma_job *job)
{
	if (edu_state(edev)->cur != job) {
		list_del_init(&job->node);
		edudma_job_finish(edev, job);
	}
}

/*
 * The job is over. Abandoned while running (wedged, or its interrupt lost):
 * the device is free for the next - edu_kick() fails the queue instead if
 * the device is wedged.
 */
static void edu_retire(struct edudma_dev *edev, struct edudma_job *job)
{
	struct edu_state *es = edu_state(edev);

	spin_lock_irq(&edev->irq_lock);
	list_del_init(&job->node);
	if (es->cur == job) {
		es->cur = NULL;
		edu_kick(edev);
	}
	spin_unlock_irq(&edev->irq_lock);
}

/* irq_lock held, remove() begins: the running job stops after its command. */
static void edu_shutdown(struct edudma_dev *edev)
{
	struct edu_state *es = edu_state(edev);
	struct edudma_job *job, *tmp;

	if (es->cur)
		es->cur->stop = true;
	list_for_each_entry_safe(job, tmp, &es->queue, node) {
		job->stop = true;
		list_del_init(&job->node);
		edudma_job_finish(edev, job);
	}
}

const struct edudma_engine_ops edudma_edu_ops = {
	.name		= "edu",
	.kind		= EDUDMA_ENGINE_EDU,
	.regs_bar	= EDU_BAR,
	.features	= EDUDMA_FEAT_FACTORIAL,
	.cmd_size	= sizeof(struct edu_cmd),
	.irq_test_bits	= ~EDU_IRQ_DRIVER_BITS,
	.identify	= edu_identify,
	.start		= edu_start,
	.irq		= edu_irq,
	.irq_ack	= edudma_hw_irq_ack,
	.irq_raise	= edudma_hw_irq_raise,
	.plan		= edu_plan,
	.validate	= edu_validate,
	.submit		= edu_submit,
	.stop_job	= edu_stop_job,
	.retire		= edu_retire,
	.busy		= edudma_hw_dma_busy,
	.shutdown	= edu_shutdown,
	/*
	 * A factorial still running cannot be stopped but must not raise an
	 * interrupt; DMA is stopped by bus mastering.
	 */
	.quiesce	= edudma_hw_quiesce,
	.stop		= NULL,
};
