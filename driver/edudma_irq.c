// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts: one vector, MSI when the platform allows it and the user did
 * not force INTx. Both devices OR event bits into an interrupt status
 * register; INTx stays asserted until every bit is acknowledged, MSI fires
 * once per raise. The engine's handler (ops->irq) reads the status,
 * acknowledges exactly what it read, and dispatches each bit to its owner;
 * bits raised by the IRQ self-test come back here.
 */
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>

#include "edudma.h"

/* The engine's handler decides whether the interrupt is ours and what it was. */
static irqreturn_t edudma_irq_handler(int irq, void *data)
{
	struct edudma_dev *edev = data;

	return edev->ops->irq(edev);
}

/* The engine saw IRQ_TEST bits: hand them to the waiting self-test. */
void edudma_irq_test_note(struct edudma_dev *edev, u32 bits)
{
	spin_lock(&edev->irq_lock);
	edev->irq_test_seen |= bits;
	edev->irq_test_seen_ns = ktime_get_ns();
	spin_unlock(&edev->irq_lock);
	wake_up(&edev->irq_wq);
}

int edudma_irq_setup(struct edudma_dev *edev)
{
	struct pci_dev *pdev = edev->pdev;
	unsigned int types = PCI_IRQ_LEGACY;
	int ret;

	if (!edudma_force_intx)
		types |= PCI_IRQ_MSI;
	ret = pci_alloc_irq_vectors(pdev, 1, 1, types);
	if (ret < 0) {
		dev_err(&pdev->dev, "no interrupt vector (%s): %d\n",
			edudma_force_intx ? "INTx forced" : "MSI or INTx", ret);
		return ret;
	}
	edev->irq_mode = pdev->msi_enabled ? EDUDMA_IRQ_MSI : EDUDMA_IRQ_INTX;
	edev->irq = pci_irq_vector(pdev, 0);

	/* Stale bits from a previous owner would look like events. */
	edev->ops->irq_ack(edev, ~0u);

	ret = request_irq(edev->irq, edudma_irq_handler,
			  edev->irq_mode == EDUDMA_IRQ_INTX ? IRQF_SHARED : 0,
			  dev_name(&edev->dev), edev);
	if (ret) {
		dev_err(&pdev->dev, "request_irq(%d) failed: %d\n", edev->irq, ret);
		pci_free_irq_vectors(pdev);
		edev->irq_mode = EDUDMA_IRQ_NONE;
		return ret;
	}
	return 0;
}

/*
 * Free the vector and leave the device unable to interrupt anyone: a
 * completion still in flight would otherwise fall back to INTx once MSI is
 * off (the edu raises INTx whenever MSI is disabled), asserting a line
 * nobody handles. Disabling MSI re-enables INTx in the command register,
 * so INTx is disabled after, then every pending bit acknowledged.
 */
void edudma_irq_teardown(struct edudma_dev *edev)
{
	if (edev->irq_mode == EDUDMA_IRQ_NONE)
		return;
	free_irq(edev->irq, edev);
	pci_free_irq_vectors(edev->pdev);
	pci_intx(edev->pdev, 0);
	edev->ops->irq_ack(edev, ~0u);
	edev->irq_mode = EDUDMA_IRQ_NONE;
}

/*
 * EDUDMA_IOC_IRQ_TEST: raise 'value' in the device and sleep until the
 * handler has seen all of it. Self-tests are serialised so one caller never
 * consumes another's bits.
 */
long edudma_ioctl_irq_test(struct edudma_dev *edev, void __user *uarg)
{
	struct edudma_irq_test t;
	unsigned long flags;
	u64 start;
	long left;
	u32 seen;

	if (copy_from_user(&t, uarg, sizeof(t)))
		return -EFAULT;
	if (t.flags || t.reserved[0] || t.reserved[1])
		return -EINVAL;
	if (!t.value)
		t.value = EDUDMA_IRQ_TEST_DEFAULT;
	if (t.value & ~edev->ops->irq_test_bits)
		return -EINVAL;

	if (mutex_lock_interruptible(&edev->irq_test_mutex))
		return -EINTR;
	spin_lock_irqsave(&edev->irq_lock, flags);
	edev->irq_test_seen = 0;
	spin_unlock_irqrestore(&edev->irq_lock, flags);

	start = ktime_get_ns();
	edev->ops->irq_raise(edev, t.value);
	left = wait_event_interruptible_timeout(edev->irq_wq,
			(READ_ONCE(edev->irq_test_seen) & t.value) == t.value ||
			READ_ONCE(edev->dying),
			edudma_timeout_jiffies(t.timeout_ms));

	spin_lock_irqsave(&edev->irq_lock, flags);
	seen = edev->irq_test_seen;
	t.latency_ns = edev->irq_test_seen_ns - start;
	edev->irq_test_seen = 0;
	spin_unlock_irqrestore(&edev->irq_lock, flags);
	mutex_unlock(&edev->irq_test_mutex);

	t.seen = seen;
	if (left > 0 && (seen & t.value) != t.value)
		return -ENODEV;		/* woken by remove() */
	if (left == 0) {
		/* Leave nothing asserted behind us: INTx would storm. */
		edev->ops->irq_ack(edev, t.value);
		dev_warn(&edev->dev, "IRQ self-test: raised 0x%x, handler saw 0x%x\n",
			 t.value, seen);
		t.latency_ns = 0;
	}
	if (copy_to_user(uarg, &t, sizeof(t)))
		return -EFAULT;
	if (left < 0)
		return -EINTR;
	return left ? 0 : -ETIMEDOUT;
}
