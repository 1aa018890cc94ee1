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

unsigned long edudma_grace_jiffies(void)
{
	u64 ms = max_t(u64, 5ULL * edudma_timeout_ms, EDUDMA_GRACE_MIN_MS);

	return msecs_to_jiffies(min_t(u64, ms, UINT_MAX));
}

/*
 * The job is finished: nothing of it is in flight any more. Its owner is
 * told - the sleeping submitter, or its completion callback (async
 * requests). Engines call this with irq_lock held; once only.
 */
void edudma_job_finish(struct edudma_dev *edev, struct edudma_job *job)
{
	if (job->finished)
		return;
	job->finished = true;
	if (job->complete)
		job->complete(job);
	else
		wake_up_all(&edev->irq_wq);
}

/* Finish the job by hand: its completion is not coming. */
static void edudma_engine_abandon(struct edudma_dev *edev, struct edudma_job *job)
{
	spin_lock_irq(&edev->irq_lock);
	edudma_job_finish(edev, job);
	spin_unlock_irq(&edev->irq_lock);
}

/* Before a job is started: checked, ready to be queued. */
int edudma_engine_prepare(struct edudma_dev *edev, struct edudma_job *job)
{
	INIT_LIST_HEAD(&job->node);
	if (!job->ncmds)
		return -EINVAL;
	return edev->ops->validate(edev, job);
}

/* Hand a prepared job to the engine; it runs while the caller goes on. */
int edudma_engine_start(struct edudma_dev *edev, struct edudma_job *job)
{
	int ret = edudma_engine_prepare(edev, job);

	if (ret)
		return ret;
	spin_lock_irq(&edev->irq_lock);
	ret = edev->ops->submit(edev, job);
	spin_unlock_irq(&edev->irq_lock);
	return ret;
}

/*
 * Stop a started job and make sure nothing of it is in flight before its
 * memory may go: what is in flight is allowed to land, for the module's
 * grace period; after that the device is declared wedged (its memory is
 * kept: job->wedged). Returns 0 or -EIO (wedged).
 */
int edudma_engine_stop(struct edudma_dev *edev, struct edudma_job *job)
{
	int ret = 0;

	spin_lock_irq(&edev->irq_lock);
	if (!job->finished) {
		job->stop = true;
		edev->ops->stop_job(edev, job);
	}
	spin_unlock_irq(&edev->irq_lock);
	/*
	 * The caller's timeout may be shorter than one command: the grace
	 * period is the module's own, generously. (An async job's owner is
	 * told by its callback; finished is what we wait for either way.)
	 */
	if (!wait_event_timeout(edev->irq_wq, READ_ONCE(job->finished),
				edudma_grace_jiffies())) {
		if (!edev->gone && edev->ops->busy(edev)) {
			dev_err(&edev->dev, "DMA command did not finish; device wedged, DMA disabled until reload\n");
			spin_lock_irq(&edev->irq_lock);
			edev->engine_wedged = true;
			spin_unlock_irq(&edev->irq_lock);
			job->wedged = true;
			ret = -EIO;
		} else if (!edev->gone) {
			dev_err(&edev->dev, "DMA completion interrupt lost\n");
		}
		edudma_engine_abandon(edev, job);
	}
	return ret;
}

/* What became of a finished job: 0, or why not all of it ran. */
int edudma_job_result(struct edudma_dev *edev, const struct edudma_job *job)
{
	if (job->error)
		return job->error;	/* the device failed a command */
	if (job->done < job->ncmds)	/* stopped by remove(), or cancelled */
		return READ_ONCE(edev->dying) ? -ENODEV : -ECANCELED;
	return 0;
}

/*
 * Run 'job' to completion. Returns 0, -EINTR (a signal stopped it after the
 * commands in flight), -ETIMEDOUT (the engine made no progress within the
 * timeout), -EIO (the device failed a command, or is wedged), -ENODEV (the
 * device is being removed). job->credit and job->device_ns tell how far it
 * got in every case.
 */
int edudma_engine_run(struct edudma_dev *edev, struct edudma_job *job,
		      u32 timeout_ms)
{
	unsigned long timeout = edudma_timeout_jiffies(timeout_ms);
	s64 seen;
	int ret;

	if (!job->ncmds)
		return 0;
	ret = edudma_engine_start(edev, job);
	if (ret)
		return ret;

	/*
	 * Sleep until the job finishes. The timeout bounds the wait for the
	 * engine's next completion - anyone's: a job queued behind others
	 * waits its turn, and only an engine making no progress is stuck.
	 */
	do {
		long left;

		seen = atomic64_read(&edev->completed);
		left = wait_event_interruptible_timeout(edev->irq_wq,
				READ_ONCE(job->finished), timeout);
		if (left < 0)
			ret = -EINTR;
		else if (left == 0 && atomic64_read(&edev->completed) == seen)
			ret = -ETIMEDOUT;
	} while (!ret && !READ_ONCE(job->finished));

	if (!READ_ONCE(job->finished) && edudma_engine_stop(edev, job))
		ret = -EIO;
	/* A stop of our own (signal, timeout) keeps its errno. */
	if (!ret)
		ret = edudma_job_result(edev, job);
	edev->ops->retire(edev, job);
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
