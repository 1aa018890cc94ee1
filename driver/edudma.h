/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edudma - internal interfaces between the driver's files.
 *
 *   edudma_main.c   module parameters, PCI probe/remove, device lifetime
 *   edudma_hw.c     register access: the only file that touches BAR0
 *   edudma_irq.c    interrupt setup (MSI or INTx), handler, IRQ self-test
 *   edudma_fact.c   the factorial unit
 *   edudma_cdev.c   the char device: open/release/ioctl dispatch
 *   edudma_sysfs.c  attributes of /sys/class/edudma/edudma<N>
 */
#ifndef EDUDMA_H
#define EDUDMA_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <uapi/edudma.h>

#define EDUDMA_MAX_DEVICES	32

/* Module parameters (edudma_main.c). */
extern bool edudma_force_intx;
extern unsigned int edudma_window;
extern unsigned int edudma_dma_bits;
extern unsigned int edudma_timeout_ms;
extern unsigned long edudma_max_alloc;

/* One bound edu device. Lives until the last open file lets go of it. */
struct edudma_dev {
	struct device dev;		/* the class device, refcounts us */
	struct cdev cdev;
	struct pci_dev *pdev;
	void __iomem *bar;
	int minor_index;

	u32 ident;
	int irq;			/* Linux IRQ number */
	int irq_mode;			/* EDUDMA_IRQ_* */

	/*
	 * Readers: every file operation that touches the hardware.
	 * Writer: remove, which sets 'gone' so later calls see -ENODEV.
	 */
	struct rw_semaphore lifetime;
	bool gone;

	/* IRQ self-test: bits the handler saw, under irq_lock. */
	spinlock_t irq_lock;
	wait_queue_head_t irq_wq;
	u32 irq_test_seen;
	u64 irq_test_seen_ns;
	struct mutex irq_test_mutex;	/* one self-test at a time */
	atomic64_t irq_count;

	/* Factorial unit. */
	struct mutex fact_mutex;
	bool fact_done;			/* set by the handler, under irq_lock */
};

static inline struct edudma_dev *to_edudma_dev(struct device *dev)
{
	return container_of(dev, struct edudma_dev, dev);
}

/* edudma_hw.c */
int edudma_hw_check(struct edudma_dev *edev);
u32 edudma_hw_irq_status(struct edudma_dev *edev);
void edudma_hw_irq_ack(struct edudma_dev *edev, u32 bits);
void edudma_hw_irq_raise(struct edudma_dev *edev, u32 bits);
bool edudma_hw_fact_busy(struct edudma_dev *edev);
void edudma_hw_fact_start(struct edudma_dev *edev, u32 n, bool irq);
u32 edudma_hw_fact_result(struct edudma_dev *edev);

/* edudma_irq.c */
int edudma_irq_setup(struct edudma_dev *edev);
void edudma_irq_teardown(struct edudma_dev *edev);
long edudma_ioctl_irq_test(struct edudma_dev *edev, void __user *uarg);

/* edudma_fact.c */
void edudma_fact_irq(struct edudma_dev *edev);
long edudma_ioctl_factorial(struct edudma_dev *edev, void __user *uarg);

/* edudma_cdev.c */
int edudma_cdev_init(void);
void edudma_cdev_exit(void);
void edudma_dev_init(struct edudma_dev *edev, struct device *parent);
int edudma_cdev_add(struct edudma_dev *edev);
void edudma_cdev_del(struct edudma_dev *edev);

/* edudma_sysfs.c */
extern const struct attribute_group *edudma_dev_groups[];
const char *edudma_irq_mode_name(int mode);

/* Timeouts given by userspace: 0 means the module default. */
static inline unsigned long edudma_timeout_jiffies(u32 timeout_ms)
{
	return msecs_to_jiffies(timeout_ms ? timeout_ms : edudma_timeout_ms);
}

#endif /* EDUDMA_H */
