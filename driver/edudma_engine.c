// SPDX-License-Identifier: GPL-2.0
/*
 * Running a job - a planned list of device commands - on the device's
 * engine (struct edudma_engine_ops), for every kind of device: submit it,
 * sleep until it is finished (never a busy poll), stop it safely.
 *
 * How commands reach the hardware is the engine's business: edu starts one
 * command at a time and the completion interrupt starts the next, jobs one
 * after another; edu-sg posts descriptors to a ring shared by many jobs.
 *
 * A job stops early on a signal or a timeout; what is in flight is always
 * allowed to finish first, because the device would otherwise write into
 * memory its owner is about to release. If it never finishes the device is
 * declared wedged: the job's memory is kept (job->wedged tells the caller
 * not to release it) and all later DMA is refused with -EIO.
 */
#include <linux/dma-mapping.h>
#include <linux/ktime.h>

#include "edudma.h"

/*
 * How long a stopped job waits for its commands in flight before the
 * device is declared wedged. It does not shrink with the caller's (or the
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

/* Mark the job finished by hand: its completion is not coming. */
static void edudma_engine_abandon(struct edudma_dev *edev, struct edudma_job *job)
{
	spin_lock_irq(&edev->irq_lock);
	job->finished = true;
	spin_unlock_irq(&edev->irq_lock);
}

/*
 * Run 'job' to completion. Returns 0, -EINTR (a signal stopped it after the
 * commands in flight), -ETIMEDOUT (no command completed within the
 * timeout), -EIO (the device failed a command, or is wedged), -ENODEV (the
 * device is being removed), or -EINTR if the engine could not even be
 * claimed. job->credit and job->device_ns tell how far it got in every case.
 */
int edudma_engine_run(struct edudma_dev *edev, struct edudma_job *job,
		      u32 timeout_ms)
{
	const struct edudma_engine_ops *ops = edev->ops;
	unsigned long timeout = edudma_timeout_jiffies(timeout_ms);
	unsigned long seen;
	int ret;

	if (!job->ncmds)
		return 0;
	INIT_LIST_HEAD(&job->node);
	ret = ops->validate(edev, job);
	if (ret)
		return ret;
	ret = ops->submit(edev, job);
	if (ret)
		return ret;

	/*
	 * Sleep until the job finishes. The timeout bounds the wait for one
	 * command: waking without news of progress means the device is stuck.
	 */
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
		ops->stop_job(edev, job);
		spin_unlock_irq(&edev->irq_lock);
		/*
		 * Let what is in flight land before anyone frees its memory.
		 * The caller's timeout may be shorter than one command: the
		 * grace period is the module's own, generously.
		 */
		if (!wait_event_timeout(edev->irq_wq, READ_ONCE(job->finished),
					edudma_grace_jiffies())) {
			if (ops->busy(edev)) {
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

	/* The device failed a command: the rest of the job did not run. */
	if (!ret && job->error)
		ret = job->error;
	/* Stopped by remove(): the rest of the job will never run. */
	if (!ret && job->done < job->ncmds)
		ret = -ENODEV;

	ops->retire(edev, job);
	return ret;
}

/* remove() begins: stop every job after its commands in flight. */
void edudma_engine_shutdown(struct edudma_dev *edev)
{
	spin_lock_irq(&edev->irq_lock);
	edev->dying = true;
	edev->ops->shutdown(edev);
	spin_unlock_irq(&edev->irq_lock);
	wake_up_all(&edev->irq_wq);
}
