// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous requests: SUBMIT queues a TRANSFER or COPY and returns,
 * REAP collects finished ones with their results and stats, CANCEL stops
 * them, poll() says when one is ready; both engines serve them (edu back
 * to back, edu-sg many in flight).
 *
 * A request's life, and who can reach it at each step:
 *   SUBMIT    prepared like a synchronous call (memory referenced, plan
 *             made), put on edev->rq_active *before* the engine sees it -
 *             so a completion can never find it missing - then started.
 *   finish    the engine (irq_lock held, often in the interrupt handler)
 *             calls edudma_async_complete(): onto edev->rq_finished, and
 *             rq_work is queued - letting go of memory may sleep.
 *   rq_work   result, retire, sync for the CPU, memory released; onto its
 *             file's rq_done; pollers and reapers woken.
 *   REAP      off rq_done, copied out, freed.
 * close() cancels the file's requests and waits until none is in flight
 * (after the module's grace period the device is declared wedged and
 * their memory kept); remove() drains every file's, then abandons what
 * is left once bus mastering is off. Requests never hold the file: a
 * file's last close must be able to cancel them.
 */
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "edudma.h"

unsigned int edudma_max_requests = 64;
module_param_named(max_requests, edudma_max_requests, uint, 0644);
MODULE_PARM_DESC(max_requests, "Asynchronous requests one open file may have submitted and not reaped "
		 "(default 64; SUBMIT fails with EAGAIN beyond); writable at run time");

/* The engine finished the job: irq_lock held, maybe hard-IRQ context. */
static void edudma_async_complete(struct edudma_job *job)
{
	struct edudma_request *rq = container_of(job, struct edudma_request, job);
	struct edudma_dev *edev = rq->ef->edev;

	list_move_tail(&rq->node, &edev->rq_finished);
	queue_work(system_wq, &edev->rq_work);
}

/* Finished requests -> results, memory let go, onto their files' rq_done. */
static void edudma_async_work(struct work_struct *work)
{
	struct edudma_dev *edev = container_of(work, struct edudma_dev, rq_work);

	for (;;) {
		struct edudma_request *rq;
		struct edudma_file *ef;

		spin_lock_irq(&edev->irq_lock);
		rq = list_first_entry_or_null(&edev->rq_finished,
					      struct edudma_request, node);
		if (rq)
			list_del_init(&rq->node);
		spin_unlock_irq(&edev->irq_lock);
		if (!rq)
			break;

		rq->result = edudma_job_result(edev, &rq->job);
		edev->ops->retire(edev, &rq->job);
		edudma_request_done(rq);

		ef = rq->ef;
		spin_lock_irq(&edev->irq_lock);
		list_add_tail(&rq->node, &ef->rq_done);
		ef->nr_pending--;
		atomic_dec(&edev->nr_async);
		/* under the lock: close() may free ef as soon as it sees 0 */
		wake_up_all(&ef->rq_wq);
		spin_unlock_irq(&edev->irq_lock);
		wake_up_all(&edev->irq_wq);	/* remove()'s drain */
	}
}

void edudma_async_dev_init(struct edudma_dev *edev)
{
	INIT_LIST_HEAD(&edev->rq_active);
	INIT_LIST_HEAD(&edev->rq_finished);
	INIT_WORK(&edev->rq_work, edudma_async_work);
	atomic_set(&edev->nr_async, 0);
}

void edudma_async_file_init(struct edudma_file *ef)
{
	INIT_LIST_HEAD(&ef->rq_done);
	init_waitqueue_head(&ef->rq_wq);
}

/* Stop the matching running requests of 'ef' (all if id == 0). irq_lock held. */
static unsigned int edudma_async_stop(struct edudma_file *ef, u64 id)
{
	struct edudma_dev *edev = ef->edev;
	struct edudma_request *rq, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(rq, tmp, &edev->rq_active, node) {
		if (rq->ef != ef || (id && rq->id != id) || rq->job.stop)
			continue;
		rq->job.stop = true;
		edev->ops->stop_job(edev, &rq->job);	/* may finish it: moves rq */
		n++;
	}
	return n;
}

/* The file's first running request, or NULL. irq_lock held. */
static struct edudma_request *edudma_async_first(struct edudma_file *ef)
{
	struct edudma_request *rq;

	list_for_each_entry(rq, &ef->edev->rq_active, node)
		if (rq->ef == ef)
			return rq;
	return NULL;
}

/*
 * close(): cancel everything of the file, wait until nothing of it is in
 * flight (a device that never completes is declared wedged request by
 * request, their memory kept), then free what was never reaped.
 */
void edudma_async_release(struct edudma_file *ef)
{
	struct edudma_dev *edev = ef->edev;
	struct edudma_request *rq, *tmp;

	spin_lock_irq(&edev->irq_lock);
	edudma_async_stop(ef, 0);
	spin_unlock_irq(&edev->irq_lock);

	if (!wait_event_timeout(ef->rq_wq, READ_ONCE(ef->nr_pending) == 0,
				edudma_grace_jiffies())) {
		for (;;) {
			spin_lock_irq(&edev->irq_lock);
			rq = edudma_async_first(ef);
			spin_unlock_irq(&edev->irq_lock);
			if (!rq)
				break;
			/* declares the device wedged, or finds the interrupt lost */
			edudma_engine_stop(edev, &rq->job);
		}
	}
	wait_event(ef->rq_wq, READ_ONCE(ef->nr_pending) == 0);
	/* rq_work may still be inside its loop, past our last request */
	flush_work(&edev->rq_work);

	list_for_each_entry_safe(rq, tmp, &ef->rq_done, node) {
		list_del(&rq->node);
		kfree(rq);
	}
	ef->nr_requests = 0;
}

/*
 * remove(), after 'gone' is set and the engine shut down (nothing new is
 * started): let what is in flight land, for the grace period.
 */
void edudma_async_drain(struct edudma_dev *edev)
{
	if (!wait_event_timeout(edev->irq_wq, atomic_read(&edev->nr_async) == 0,
				edudma_grace_jiffies()))
		dev_err(&edev->dev, "%d asynchronous requests did not finish before removal\n",
			atomic_read(&edev->nr_async));
}

/*
 * remove(), once bus mastering is off and the interrupt freed: requests
 * still running can no longer be touched by the device nor completed by
 * it - finish them by hand, and let rq_work release their memory before
 * the device's memory is revoked.
 */
void edudma_async_abandon(struct edudma_dev *edev)
{
	struct edudma_request *rq, *tmp;
	struct edudma_file *ef;

	spin_lock_irq(&edev->irq_lock);
	list_for_each_entry_safe(rq, tmp, &edev->rq_active, node) {
		rq->job.stop = true;
		edudma_job_finish(edev, &rq->job);
	}
	spin_unlock_irq(&edev->irq_lock);
	flush_work(&edev->rq_work);

	/* pollers learn the device is gone (EPOLLHUP) */
	mutex_lock(&edev->objects_lock);
	list_for_each_entry(ef, &edev->files, node)
		wake_up_all(&ef->rq_wq);
	mutex_unlock(&edev->objects_lock);
}

long edudma_ioctl_submit(struct edudma_file *ef, void __user *uarg)
{
	struct edudma_submit __user *usub = uarg;
	struct edudma_dev *edev = ef->edev;
	struct edudma_request *rq;
	struct edudma_submit sub;
	int ret;

	if (copy_from_user(&sub, uarg, sizeof(sub)))
		return -EFAULT;
	if (sub.flags || sub.reserved[0] || sub.reserved[1])
		return -EINVAL;
	if (sub.op == EDUDMA_OP_COPY) {
		if (sub.direction || sub.dev_offset)
			return -EINVAL;
	} else if (sub.op == EDUDMA_OP_TRANSFER) {
		if (sub.dst.handle || sub.dst.flags || sub.dst.offset)
			return -EINVAL;
	} else {
		return -EINVAL;
	}

	/* a place in the file's quota first: nothing to undo if full */
	ret = 0;
	spin_lock_irq(&edev->irq_lock);
	if (ef->nr_requests >= READ_ONCE(edudma_max_requests))
		ret = -EAGAIN;
	else
		ef->nr_requests++;
	spin_unlock_irq(&edev->irq_lock);
	if (ret)
		return ret;

	rq = kzalloc(sizeof(*rq), GFP_KERNEL_ACCOUNT);
	if (!rq) {
		ret = -ENOMEM;
		goto out_unreserve;
	}
	rq->start_ns = ktime_get_ns();
	if (sub.op == EDUDMA_OP_COPY)
		ret = edudma_request_copy(ef, rq, &sub.src, &sub.dst, sub.length);
	else
		ret = edudma_request_transfer(ef, rq, &sub.src, sub.length,
					      sub.direction, sub.dev_offset);
	if (ret)
		goto out_free;

	rq->ef = ef;
	rq->user_data = sub.user_data;
	rq->job.complete = edudma_async_complete;
	spin_lock_irq(&edev->irq_lock);
	rq->id = ++ef->next_id;
	spin_unlock_irq(&edev->irq_lock);
	/* the id is the caller's before the request can finish */
	if (put_user(rq->id, &usub->id)) {
		ret = -EFAULT;
		goto out_done;
	}

	ret = edudma_engine_prepare(edev, &rq->job);
	if (ret)
		goto out_done;
	/*
	 * Visible to CANCEL and to its completion at the same instant as to
	 * the engine: one critical section, so neither can find it half
	 * started (a cancel before the engine knew it would finish a job the
	 * engine then queues).
	 */
	spin_lock_irq(&edev->irq_lock);
	ret = edev->ops->submit(edev, &rq->job);
	if (!ret) {
		list_add_tail(&rq->node, &edev->rq_active);
		ef->nr_pending++;
		atomic_inc(&edev->nr_async);
	}
	spin_unlock_irq(&edev->irq_lock);
	if (ret)
		goto out_done;	/* never started: the engine does not know it */
	return 0;

out_done:
	edudma_request_done(rq);
out_free:
	kfree(rq);
out_unreserve:
	spin_lock_irq(&edev->irq_lock);
	ef->nr_requests--;
	spin_unlock_irq(&edev->irq_lock);
	return ret;
}

static unsigned int edudma_async_ready(struct edudma_file *ef)
{
	return READ_ONCE(ef->nr_requests) - READ_ONCE(ef->nr_pending);
}

long edudma_ioctl_reap(struct edudma_file *ef, void __user *uarg)
{
	struct edudma_dev *edev = ef->edev;
	struct edudma_completion __user *out;
	struct edudma_reap rp;
	unsigned int n = 0;
	int ret = 0;

	if (copy_from_user(&rp, uarg, sizeof(rp)))
		return -EFAULT;
	if ((rp.flags & ~EDUDMA_REAP_FLAGS) || rp.reserved[0] || rp.reserved[1] ||
	    !rp.max || rp.min_complete > rp.max ||
	    (!(rp.flags & EDUDMA_REAP_WAIT) && (rp.min_complete || rp.timeout_ms)))
		return -EINVAL;
	out = u64_to_user_ptr(rp.completions);

	if (rp.flags & EDUDMA_REAP_WAIT) {
		unsigned int want = max(rp.min_complete, 1U);
		long left;

		/* Never wait for more than can come: ready + still running. */
		left = wait_event_interruptible_timeout(ef->rq_wq,
				edudma_async_ready(ef) >= want ||
				READ_ONCE(ef->nr_requests) < want,
				rp.timeout_ms ? msecs_to_jiffies(rp.timeout_ms) :
						MAX_SCHEDULE_TIMEOUT);
		if (left < 0)
			return -EINTR;
		if (left == 0 && edudma_async_ready(ef) < want)
			return -ETIMEDOUT;
	}

	while (n < rp.max) {
		struct edudma_completion c = { };
		struct edudma_request *rq;

		spin_lock_irq(&edev->irq_lock);
		rq = list_first_entry_or_null(&ef->rq_done, struct edudma_request,
					      node);
		if (rq)
			list_del_init(&rq->node);
		spin_unlock_irq(&edev->irq_lock);
		if (!rq)
			break;
		c.id = rq->id;
		c.user_data = rq->user_data;
		c.result = rq->result;
		c.stats = rq->stats;
		if (copy_to_user(&out[n], &c, sizeof(c))) {
			/* not lost: it stays first in line */
			spin_lock_irq(&edev->irq_lock);
			list_add(&rq->node, &ef->rq_done);
			spin_unlock_irq(&edev->irq_lock);
			ret = -EFAULT;
			break;
		}
		kfree(rq);
		spin_lock_irq(&edev->irq_lock);
		ef->nr_requests--;
		spin_unlock_irq(&edev->irq_lock);
		n++;
	}
	rp.count = n;
	rp.in_flight = READ_ONCE(ef->nr_pending);
	if (copy_to_user(uarg, &rp, sizeof(rp)))
		return -EFAULT;
	return n ? 0 : ret;
}

long edudma_ioctl_cancel(struct edudma_file *ef, void __user *uarg)
{
	struct edudma_dev *edev = ef->edev;
	struct edudma_cancel c;
	bool all;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	all = c.flags & EDUDMA_CANCEL_ALL;
	if ((c.flags & ~EDUDMA_CANCEL_ALL) || (all ? c.id != 0 : c.id == 0))
		return -EINVAL;
	spin_lock_irq(&edev->irq_lock);
	c.count = edudma_async_stop(ef, c.id);
	spin_unlock_irq(&edev->irq_lock);
	if (!all && !c.count)
		return -ENOENT;
	if (copy_to_user(uarg, &c, sizeof(c)))
		return -EFAULT;
	return 0;
}

__poll_t edudma_poll(struct file *file, struct poll_table_struct *wait)
{
	struct edudma_file *ef = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &ef->rq_wq, wait);
	if (edudma_async_ready(ef))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(ef->edev->gone))
		mask |= EPOLLHUP;
	return mask;
}
