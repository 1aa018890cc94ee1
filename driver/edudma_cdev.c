// SPDX-License-Identifier: GPL-2.0
/*
 * The char device /dev/edudma<N>: one per bound device, dynamic major, a
 * class so udev creates the node. An open file holds a reference to the
 * device structure, so the structure outlives remove() while files are
 * open; every call checks 'gone' under the lifetime lock and answers
 * -ENODEV once the hardware has left.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include <edu/edu_regs.h>

#include "edudma.h"

static dev_t edudma_devt;
static struct class *edudma_class;

static int edudma_open(struct inode *inode, struct file *file)
{
	struct edudma_dev *edev = container_of(inode->i_cdev,
					       struct edudma_dev, cdev);
	struct edudma_file *ef;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;
	get_device(&edev->dev);
	ef->edev = edev;
	ef->file = file;
	mutex_init(&ef->lock);
	xa_init_flags(&ef->handles, XA_FLAGS_ALLOC1);
	ef->next_pgoff = EDUDMA_PGOFF_BASE;
	edudma_async_file_init(ef);
	file->private_data = ef;
	mutex_lock(&edev->objects_lock);
	list_add(&ef->node, &edev->files);
	mutex_unlock(&edev->objects_lock);
	return 0;
}

static int edudma_release(struct inode *inode, struct file *file)
{
	struct edudma_file *ef = file->private_data;

	/*
	 * Requests in flight name the file's memory: cancelled, and waited
	 * for, before anything is released. Under 'lifetime' so remove()
	 * cannot take the registers away meanwhile.
	 */
	down_read(&ef->edev->lifetime);
	edudma_async_release(ef);
	up_read(&ef->edev->lifetime);

	mutex_lock(&ef->edev->objects_lock);
	list_del(&ef->node);
	mutex_unlock(&ef->edev->objects_lock);
	edudma_handles_release(ef);
	put_device(&ef->edev->dev);
	kfree(ef);
	return 0;
}

static long edudma_ioctl_info(struct edudma_dev *edev, void __user *uarg)
{
	struct edudma_info info;

	memset(&info, 0, sizeof(info));
	info.abi_version = EDUDMA_ABI_VERSION;
	info.dev_ident = edev->ident;
	info.features = EDUDMA_FEAT_IRQ_TEST | EDUDMA_FEAT_COHERENT |
			EDUDMA_FEAT_TRANSFER | EDUDMA_FEAT_COPY |
			EDUDMA_FEAT_PIN | EDUDMA_FEAT_USER_REGION |
			EDUDMA_FEAT_ENGINE_INFO | EDUDMA_FEAT_ASYNC |
			edev->ops->features;
	if (EDUDMA_HAVE_DMABUF)
		info.features |= EDUDMA_FEAT_DMABUF;
	if (READ_ONCE(edudma_lab_enabled))
		info.features |= EDUDMA_FEAT_LAB;
	info.irq_mode = edev->irq_mode;
	info.dma_mask_bits = edev->dma_bits;
	info.window_size = (u32)edev->window;
	info.dev_buffer_size = edev->ops->kind == EDUDMA_ENGINE_EDU ?
			       EDU_DEV_BUF_SIZE : (u32)edev->window;
	info.dev_buffer_addr = edev->dev_buffer_addr;
	info.engine = edev->ops->kind;
	info.engine_version = edev->version;
	info.max_cmd_length = edev->max_cmd_len;
	info.ring_size = edev->ring_size;
	info.max_in_flight = edev->max_in_flight;
	info.max_requests = READ_ONCE(edudma_max_requests);
	info.max_alloc = edudma_max_alloc;
	info.minor_index = edev->minor_index;
	info.timeout_ms = edudma_timeout_ms;
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long edudma_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edudma_file *ef = file->private_data;
	struct edudma_dev *edev = ef->edev;
	void __user *uarg = (void __user *)arg;
	long ret;

	down_read(&edev->lifetime);
	/* Finished requests stay reapable after the device is gone. */
	if (cmd == EDUDMA_IOC_REAP) {
		ret = edudma_ioctl_reap(ef, uarg);
		goto out;
	}
	if (edev->gone) {
		ret = -ENODEV;
		goto out;
	}
	switch (cmd) {
	case EDUDMA_IOC_INFO:
		ret = edudma_ioctl_info(edev, uarg);
		break;
	case EDUDMA_IOC_IRQ_TEST:
		ret = edudma_ioctl_irq_test(edev, uarg);
		break;
	case EDUDMA_IOC_FACTORIAL:
		/* edu only: other devices have no such unit */
		if (edev->ops->features & EDUDMA_FEAT_FACTORIAL)
			ret = edudma_ioctl_factorial(edev, uarg);
		else
			ret = -ENOTTY;
		break;
	case EDUDMA_IOC_ALLOC:
		ret = edudma_ioctl_alloc(ef, uarg);
		break;
	case EDUDMA_IOC_FREE:
		ret = edudma_ioctl_drop(ef, uarg, EDUDMA_MEM_COHERENT);
		break;
	case EDUDMA_IOC_PIN:
		ret = edudma_ioctl_pin(ef, uarg);
		break;
	case EDUDMA_IOC_UNPIN:
		ret = edudma_ioctl_drop(ef, uarg, EDUDMA_MEM_PINNED);
		break;
	case EDUDMA_IOC_EXPORT:
		ret = edudma_ioctl_export(ef, uarg);
		break;
	case EDUDMA_IOC_IMPORT:
		ret = edudma_ioctl_import(ef, uarg);
		break;
	case EDUDMA_IOC_LAB:
		ret = edudma_ioctl_lab(edev, uarg);
		break;
	case EDUDMA_IOC_TRANSFER:
		ret = edudma_ioctl_transfer(ef, uarg);
		break;
	case EDUDMA_IOC_COPY:
		ret = edudma_ioctl_copy(ef, uarg);
		break;
	case EDUDMA_IOC_SUBMIT:
		ret = edudma_ioctl_submit(ef, uarg);
		break;
	case EDUDMA_IOC_CANCEL:
		ret = edudma_ioctl_cancel(ef, uarg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
out:
	up_read(&edev->lifetime);
	return ret;
}

/*
 * mmap runs under mmap_lock, and every ioctl takes mmap_lock (user copies,
 * pinning) inside 'lifetime': waiting for 'lifetime' here could deadlock
 * against remove() queued behind an ioctl that waits for our mmap_lock
 * (lockdep, make check-debug). Only remove() ever takes 'lifetime' for
 * writing, so a failed trylock means the device is going away.
 */
static int edudma_mmap_checked(struct file *file, struct vm_area_struct *vma)
{
	struct edudma_file *ef = file->private_data;
	int ret;

	if (!down_read_trylock(&ef->edev->lifetime))
		return -ENODEV;
	ret = ef->edev->gone ? -ENODEV : edudma_mmap(file, vma);
	up_read(&ef->edev->lifetime);
	return ret;
}

static const struct file_operations edudma_fops = {
	.owner		= THIS_MODULE,
	.open		= edudma_open,
	.release	= edudma_release,
	.unlocked_ioctl	= edudma_ioctl,
	.mmap		= edudma_mmap_checked,
	.poll		= edudma_poll,
	/* Every ABI struct has the same layout for 32- and 64-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static void edudma_dev_release(struct device *dev)
{
	struct edudma_dev *edev = to_edudma_dev(dev);

	pci_dev_put(edev->pdev);
	kfree(edev->engine_priv);
	kfree(edev);
}

/* Called from probe once the hardware is ready: the node appears last. */
int edudma_cdev_add(struct edudma_dev *edev)
{
	int ret;

	cdev_init(&edev->cdev, &edudma_fops);
	edev->cdev.owner = THIS_MODULE;
	edev->dev.devt = MKDEV(MAJOR(edudma_devt), edev->minor_index);
	ret = cdev_device_add(&edev->cdev, &edev->dev);
	if (ret)
		dev_err(&edev->pdev->dev, "cannot add %s: %d\n",
			dev_name(&edev->dev), ret);
	return ret;
}

void edudma_cdev_del(struct edudma_dev *edev)
{
	cdev_device_del(&edev->cdev, &edev->dev);
}

/*
 * Prepares edev->dev (class, groups, name, release) so that from here on
 * put_device() frees the structure.
 */
void edudma_dev_init(struct edudma_dev *edev, struct device *parent)
{
	device_initialize(&edev->dev);
	edev->dev.class = edudma_class;
	edev->dev.parent = parent;
	edev->dev.groups = edudma_dev_groups;
	edev->dev.release = edudma_dev_release;
}

int edudma_cdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&edudma_devt, 0, EDUDMA_MAX_DEVICES,
				  EDUDMA_NAME);
	if (ret)
		return ret;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	edudma_class = class_create(EDUDMA_NAME);
#else
	edudma_class = class_create(THIS_MODULE, EDUDMA_NAME);
#endif
	if (IS_ERR(edudma_class)) {
		unregister_chrdev_region(edudma_devt, EDUDMA_MAX_DEVICES);
		return PTR_ERR(edudma_class);
	}
	return 0;
}

void edudma_cdev_exit(void)
{
	class_destroy(edudma_class);
	unregister_chrdev_region(edudma_devt, EDUDMA_MAX_DEVICES);
}
