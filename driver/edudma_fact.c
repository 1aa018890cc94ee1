// SPDX-License-Identifier: GPL-2.0
/*
 * The factorial unit: write n, the device computes n! (mod 2^32) in the
 * background and, if asked, raises EDU_IRQ_FACT when done. It is the
 * device's second interrupt source, so it doubles as a test of the IRQ
 * dispatch alongside DMA completions.
 */
#include <linux/delay.h>
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
 * Sleep-poll the busy bit until it clears. Used for EDUDMA_FACT_POLL and to
 * wait out a computation a timed-out caller left behind (writes to the unit
 * are ignored while it computes).
 */
static int edudma_fact_wait_idle(struct edudma_dev *edev, unsigned long timeout)
{
	unsigned long deadline = jiffies + timeout;

	while (edudma_hw_fact_busy(edev)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		if (signal_pending(current))
			return -EINTR;
		usleep_range(50, 200);
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
	if ((f.flags & ~EDUDMA_FACT_FLAGS) || f.result || f.elapsed_ns ||
	    f.irq_seen || f.reserved0 || f.reserved[0] || f.reserved[1])
		return -EINVAL;
	use_irq = !(f.flags & EDUDMA_FACT_POLL);
	timeout = edudma_timeout_jiffies(f.timeout_ms);

	if (mutex_lock_interruptible(&edev->fact_mutex))
		return -EINTR;
	ret = edudma_fact_wait_idle(edev, timeout);
	if (ret)
		goto out_unlock;

	spin_lock_irqsave(&edev->irq_lock, flags);
	edev->fact_done = false;
	spin_unlock_irqrestore(&edev->irq_lock, flags);

	start = ktime_get_ns();
	edudma_hw_fact_start(edev, f.n, use_irq);
	if (use_irq) {
		ret = wait_event_interruptible_timeout(edev->irq_wq,
				READ_ONCE(edev->fact_done), timeout);
		if (ret == 0)
			ret = -ETIMEDOUT;
		else if (ret > 0)
			ret = 0;
		else
			ret = -EINTR;
	} else {
		ret = edudma_fact_wait_idle(edev, timeout);
	}
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
