// SPDX-License-Identifier: GPL-2.0
/*
 * The factorial unit: write n, the device computes n! (mod 2^32) in the
 * background and, if asked, raises EDU_IRQ_FACT when done. It is the
 * device's second interrupt source, so it doubles as a test of the IRQ
 * dispatch alongside DMA completions.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>

#include "edudma.h"

void edudma_fact_irq(struct edudma_dev *edev)
{
	spin_lock(&edev->irq_lock);
	edev->fact_done = true;
	spin_unlock(&edev->irq_lock);
	wake_up(&edev->irq_wq);
}

/*
 * The unit computes outside the guest's notion of time: in QEMU a host
 * thread does the work, and under -icount sleep=off guest time jumps ahead
 * whenever the guest idles, so a plain timeout can expire before that
 * thread has even run. Time is therefore counted in one-jiffy slices, and
 * only slices in which the unit was idle without having signalled
 * completion count against the caller's timeout. Slices in which it still
 * computes are capped separately: a large n legitimately takes long, a
 * wedged unit must not hold the caller forever.
 */
#define EDUDMA_FACT_BUSY_SLICES	(60 * HZ)

/*
 * Done means the unit is idle - with an interrupt, also that one came. The
 * interrupt alone does not prove it: a computation a signalled caller left
 * behind raises its interrupt after the unit reports idle (QEMU clears
 * "computing" first), so it can land after the next caller has cleared
 * fact_done and started its own computation. Reading the result then would
 * return the input. The unit's own busy bit decides; fact_done only wakes
 * us early.
 */
static bool edudma_fact_finished(struct edudma_dev *edev, bool use_irq)
{
	if (use_irq && !READ_ONCE(edev->fact_done))
		return false;
	return !edudma_hw_fact_busy(edev);
}

/*
 * 0 when finished, -ETIMEDOUT, -EINTR on a signal, -ENODEV when remove()
 * has begun: nobody may hold the device's lifetime lock for the unit's
 * whole busy allowance while an unbind waits for it.
 */
static int edudma_fact_wait(struct edudma_dev *edev, bool use_irq,
			    unsigned long timeout)
{
	unsigned long idle = 0, busy = 0;

	while (!edudma_fact_finished(edev, use_irq)) {
		if (READ_ONCE(edev->dying))
			return -ENODEV;
		if (edudma_hw_fact_busy(edev)) {
			if (++busy > EDUDMA_FACT_BUSY_SLICES)
				return -ETIMEDOUT;
		} else if (++idle > timeout) {
			return -ETIMEDOUT;
		}
		if (wait_event_interruptible_timeout(edev->irq_wq,
				edudma_fact_finished(edev, use_irq) ||
				READ_ONCE(edev->dying), 1) < 0)
			return -EINTR;
	}
	return 0;
}

long edudma_ioctl_factorial(struct edudma_dev *edev, void __user *uarg)
{
	struct edudma_factorial f;
	unsigned long timeout, flags;
	bool use_irq;
	u64 start;
	long ret;

	if (copy_from_user(&f, uarg, sizeof(f)))
		return -EFAULT;
	if ((f.flags & ~EDUDMA_FACT_FLAGS) || f.reserved0 || f.reserved[0] ||
	    f.reserved[1])
		return -EINVAL;
	use_irq = !(f.flags & EDUDMA_FACT_POLL);
	timeout = edudma_timeout_jiffies(f.timeout_ms);

	if (mutex_lock_interruptible(&edev->fact_mutex))
		return -EINTR;
	/* A computation a timed-out caller left behind: writes are ignored until it ends. */
	ret = edudma_fact_wait(edev, false, timeout);
	if (ret)
		goto out_unlock;

	spin_lock_irqsave(&edev->irq_lock, flags);
	edev->fact_done = false;
	spin_unlock_irqrestore(&edev->irq_lock, flags);

	start = ktime_get_ns();
	edudma_hw_fact_start(edev, f.n, use_irq);
	ret = edudma_fact_wait(edev, use_irq, timeout);
	f.elapsed_ns = ktime_get_ns() - start;
	f.irq_seen = READ_ONCE(edev->fact_done);
	if (!ret)
		f.result = edudma_hw_fact_result(edev);
out_unlock:
	mutex_unlock(&edev->fact_mutex);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &f, sizeof(f)))
		return -EFAULT;
	return 0;
}
