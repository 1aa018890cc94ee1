// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA engine: runs a job - a planned list of commands - on the device.
 *
 * The device does one command at a time. The first command is started
 * here; every further one is started by the completion interrupt, so the
 * device never idles waiting for a round trip through a sleeping task. The
 * caller sleeps until the whole job is done (never a busy poll).
 *
 * Jobs from different callers never interleave: the device buffer is one
 * shared window, so the engine belongs to one job at a time (engine_mutex).
 *
 * A job stops early on a signal or a timeout; the command in flight is
 * always allowed to finish first, because the device would otherwise write
 * into memory its owner is about to release. If it never finishes the
 * device is declared wedged: the job's memory is kept (job->wedged tells
 * the caller not to release it) and all later DMA is refused with -EIO.
 */
#include <linux/dma-mapping.h>
#include <linux/ktime.h>

#include "edudma.h"

/*
 * How long a stopped job waits for its command in flight before the device
 * is declared wedged. It does not shrink with the caller's (or the
 * module's) timeout: an edu command takes 100 ms, and a grace period
 * shorter than that would wedge a healthy device. Five module timeouts,
 * never less than 30 edu commands; 64-bit so no timeout_ms can wrap it.
 */
#define EDUDMA_GRACE_MIN_MS	3000ULL

static unsigned long edudma_grace_jiffies(void)
{
	u64 ms = max_t(u64, 5ULL * edudma_timeout_ms, EDUDMA_GRACE_MIN_MS);

	return msecs_to_jiffies(min_t(u64, ms, UINT_MAX));
}

/* Called with irq_lock held. */
static void edudma_engine_issue(struct edudma_dev *edev, struct edudma_job *job)
{
	const struct edu_cmd *cmd = &job->cmds[job->next++];

	job->cmd_start_ns = ktime_get_ns();
	atomic64_inc(&edev->commands);
	edudma_hw_dma_start(edev, cmd);
}

/* DMA-done interrupt: account for the command and start the next one. */
void edudma_engine_irq(struct edudma_dev *edev)
{
	struct edudma_job *job;
	bool wake = false;

	spin_lock(&edev->irq_lock);
	job = edev->job;
	if (job && !job->finished && job->next > job->done) {
		job->device_ns += ktime_get_ns() - job->cmd_start_ns;
		job->credit += job->cmds[job->done].credit;
		job->done++;
		if (job->next < job->ncmds && !job->stop) {
			edudma_engine_issue(edev, job);
		} else {
			job->finished = true;
			wake = true;
		}
	}
	spin_unlock(&edev->irq_lock);
	if (wake)
		wake_up(&edev->irq_wq);
}

/*
 * Last line of defence before the registers: every command must stay in
 * the window (QEMU 7.2 aborts the VM otherwise) and its memory side must be
 * reachable by the device (beyond the mask the device silently writes
 * elsewhere). The planner guarantees both; a failure here is a driver bug.
 */
static int edudma_engine_validate(struct edudma_dev *edev,
				  const struct edudma_job *job)
{
	u64 mask = dma_get_mask(&edev->pdev->dev);
	unsigned long i;

	for (i = 0; i < job->ncmds; i++) {
		const struct edu_cmd *c = &job->cmds[i];

		/* edu_cmd_ok(): the same rule the VFIO backend applies */
		if (WARN_ONCE(!edu_cmd_ok(c, edudma_window, mask),
			      "edudma: refusing command %lu: src %llx dst %llx count %u\n",
			      i, c->src, c->dst, c->count))
			return -EIO;
	}
	return 0;
}

/* Mark the job finished by hand: its interrupt is not coming. */
static void edudma_engine_abandon(struct edudma_dev *edev, struct edudma_job *job)
{
	spin_lock_irq(&edev->irq_lock);
	job->finished = true;
	spin_unlock_irq(&edev->irq_lock);
}

/*
 * Run 'job' to completion. Returns 0, -EINTR (a signal stopped it after the
 * command in flight), -ETIMEDOUT (no command completed within the timeout),
 * -EIO (device wedged), -ENODEV (the device is being removed), or -EINTR
 * if the engine could not even be claimed.
 * job->credit and job->device_ns tell how far it got in every case.
 */
int edudma_engine_run(struct edudma_dev *edev, struct edudma_job *job,
		      u32 timeout_ms)
{
	unsigned long timeout = edudma_timeout_jiffies(timeout_ms);
	unsigned long seen;
	int ret;

	if (!job->ncmds)
		return 0;
	ret = edudma_engine_validate(edev, job);
	if (ret)
		return ret;
	if (mutex_lock_interruptible(&edev->engine_mutex))
		return -EINTR;
	if (edev->engine_wedged) {
		ret = -EIO;
		goto out_unlock;
	}

	spin_lock_irq(&edev->irq_lock);
	if (edev->dying) {
		spin_unlock_irq(&edev->irq_lock);
		ret = -ENODEV;
		goto out_unlock;
	}
	edev->job = job;
	edudma_engine_issue(edev, job);
	spin_unlock_irq(&edev->irq_lock);

	/*
	 * Sleep until the job finishes. The timeout bounds the wait for one
	 * command: waking without news of progress means the device is stuck.
	 */
	ret = 0;
	do {
		long left;

		seen = READ_ONCE(job->done);
		left = wait_event_interruptible_timeout(edev->irq_wq,
				READ_ONCE(job->finished), timeout);
		if (left < 0)
			ret = -EINTR;
		else if (left == 0 && READ_ONCE(job->done) == seen)
			ret = -ETIMEDOUT;
	} while (!ret && !READ_ONCE(job->finished));

	if (!READ_ONCE(job->finished)) {
		spin_lock_irq(&edev->irq_lock);
		job->stop = true;
		spin_unlock_irq(&edev->irq_lock);
		/*
		 * Let the command in flight land before anyone frees its
		 * memory. The caller's timeout may be shorter than one
		 * command: the grace period is the module's own, generously.
		 */
		if (!wait_event_timeout(edev->irq_wq, READ_ONCE(job->finished),
					edudma_grace_jiffies())) {
			if (edudma_hw_dma_busy(edev)) {
				dev_err(&edev->dev, "DMA command did not finish; device wedged, DMA disabled until reload\n");
				edev->engine_wedged = true;
				job->wedged = true;
				ret = -EIO;
			} else {
				dev_err(&edev->dev, "DMA completion interrupt lost\n");
			}
			edudma_engine_abandon(edev, job);
		}
	}

	/* Stopped by remove(): the rest of the job will never run. */
	if (!ret && job->done < job->ncmds)
		ret = -ENODEV;

	spin_lock_irq(&edev->irq_lock);
	edev->job = NULL;
	spin_unlock_irq(&edev->irq_lock);
out_unlock:
	mutex_unlock(&edev->engine_mutex);
	return ret;
}

/* remove() begins: stop the running job after its command in flight. */
void edudma_engine_shutdown(struct edudma_dev *edev)
{
	spin_lock_irq(&edev->irq_lock);
	edev->dying = true;
	if (edev->job)
		edev->job->stop = true;
	spin_unlock_irq(&edev->irq_lock);
	wake_up_all(&edev->irq_wq);
}
