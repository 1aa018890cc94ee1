// SPDX-License-Identifier: GPL-2.0
/*
 * edudma - a DMA driver for QEMU's edu device (PCI 1234:11e8) and edu-sg,
 * its descriptor-engine sibling (PCI 1af4:10f5, subsystem 1af4:5347).
 *
 * This file holds the module parameters and the PCI side: probe brings a
 * device up step by step and unwinds through labels named for what they
 * undo; remove undoes probe in reverse.
 */
#include <linux/debugfs.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include <edu/edu_regs.h>
#include <edu/edusg_regs.h>

#include "edudma.h"

bool edudma_force_intx;
module_param_named(force_intx, edudma_force_intx, bool, 0444);
MODULE_PARM_DESC(force_intx, "Use the legacy INTx interrupt even when MSI is available (default: off)");

unsigned int edudma_window = EDU_WINDOW_SAFE;
module_param_named(window, edudma_window, uint, 0444);
MODULE_PARM_DESC(window, "edu: bytes of the device buffer a DMA command may use, 1..4096 (default 4095: "
		 "QEMU before 9.1 aborts the VM on a command touching the buffer's last byte; "
		 "4096 is safe on QEMU 9.1 and later)");

unsigned int edudma_dma_bits = EDU_DMA_BITS_DEFAULT;
module_param_named(dma_bits, edudma_dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "edu: width of the device's DMA addresses, 28..64 (default 28, QEMU's edu default; "
		 "match -device edu,dma_mask=...)");

unsigned int edudma_timeout_ms = 1000;
module_param_named(timeout_ms, edudma_timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "Default time to wait for one device command or interrupt, ms, "
		 __stringify(EDUDMA_TIMEOUT_MIN_MS) ".." __stringify(EDUDMA_TIMEOUT_MAX_MS) " (default 1000)");

unsigned long edudma_max_alloc = 4UL << 20;
module_param_named(max_alloc, edudma_max_alloc, ulong, 0444);
MODULE_PARM_DESC(max_alloc, "Largest coherent buffer one ALLOC may ask for, bytes (default 4 MiB)");

unsigned long edudma_max_coherent = 256UL << 20;
module_param_named(max_coherent, edudma_max_coherent, ulong, 0644);
MODULE_PARM_DESC(max_coherent, "Coherent memory all users of one device may hold at once, bytes "
		 "(default 256 MiB; 0: no limit but RAM and RLIMIT_MEMLOCK); writable at run time");

static DEFINE_IDA(edudma_ida);

/*
 * Where coherent buffers are allocated. Behind an IOMMU (DMA ops): the PCI
 * device, whose domain maps them. With dma-direct: our class device, given
 * the PCI device's DMA configuration (mask, bus limit, address ranges,
 * node) - the same memory and the same bus addresses, since dma-direct
 * translates nothing per device beyond those. Why not the PCI device: an
 * exported buffer outlives the binding when importers still hold it after
 * removal (docs/dma-buf.md), and an allocation belongs on a device that
 * lives as long as the memory - the class device does (the last open file
 * or dma-buf lets it go), while DMA-API debug rightly reports a PCI driver
 * released with allocations pending. Mappings of user memory and of
 * imports stay on the PCI device, where DMA-API debug checks them.
 */
static void edudma_coherent_dev_setup(struct edudma_dev *edev)
{
	struct device *pci = &edev->pdev->dev;

	if (get_dma_ops(pci)) {
		edev->coherent_dev = pci;
		return;
	}
	edev->coherent_dev_mask = dma_get_mask(pci);
	edev->dev.dma_mask = &edev->coherent_dev_mask;
	edev->dev.coherent_dma_mask = pci->coherent_dma_mask;
	edev->dev.bus_dma_limit = pci->bus_dma_limit;
	edev->dev.dma_range_map = pci->dma_range_map;	/* pdev is held */
	set_dev_node(&edev->dev, dev_to_node(pci));
	edev->coherent_dev = &edev->dev;
}

struct dentry *edudma_debugfs_root;

static int edudma_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edudma_dev *edev;
	int ret;

	edev = kzalloc(sizeof(*edev), GFP_KERNEL);
	if (!edev)
		return -ENOMEM;
	edev->pdev = pci_dev_get(pdev);	/* DMA memory may outlive remove() */
	init_rwsem(&edev->lifetime);
	mutex_init(&edev->objects_lock);
	INIT_LIST_HEAD(&edev->files);
	INIT_LIST_HEAD(&edev->mems);
	spin_lock_init(&edev->irq_lock);
	init_waitqueue_head(&edev->irq_wq);
	mutex_init(&edev->irq_test_mutex);
	mutex_init(&edev->fact_mutex);
	atomic64_set(&edev->irq_count, 0);
	edudma_async_dev_init(edev);
	edev->irq_mode = EDUDMA_IRQ_NONE;

	ret = ida_alloc_max(&edudma_ida, EDUDMA_MAX_DEVICES - 1, GFP_KERNEL);
	if (ret < 0) {
		dev_err(&pdev->dev, "more than %d edu devices\n", EDUDMA_MAX_DEVICES);
		pci_dev_put(pdev);
		kfree(edev);
		return ret;
	}
	edev->minor_index = ret;
	/* From here on put_device() frees edev. */
	edudma_dev_init(edev, &pdev->dev);
	ret = dev_set_name(&edev->dev, EDUDMA_NAME "%d", edev->minor_index);
	if (ret)
		goto err_put;

	ret = pci_enable_device(pdev);
	if (ret) {
		dev_err(&pdev->dev, "cannot enable device: %d\n", ret);
		goto err_put;
	}
	ret = pci_request_regions(pdev, EDUDMA_NAME);
	if (ret) {
		dev_err(&pdev->dev, "BARs in use by someone else: %d\n", ret);
		goto err_disable;
	}
	/*
	 * 0: edu - also for IDs added at run time (new_id), whose identify()
	 * refuses anything that is not an edu.
	 */
	edev->ops = id->driver_data ?
		    (const struct edudma_engine_ops *)id->driver_data :
		    &edudma_edu_ops;
	edev->bar = pci_iomap(pdev, edev->ops->regs_bar, 0);
	if (!edev->bar) {
		dev_err(&pdev->dev, "cannot map BAR%d\n", edev->ops->regs_bar);
		ret = -ENOMEM;
		goto err_release_regions;
	}
	ret = edev->ops->identify(edev);
	if (ret)
		goto err_iounmap;

	/*
	 * A device that truncates addresses beyond its mask silently writes
	 * to the wrong place: the DMA layer must know the real width.
	 */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(edev->dma_bits));
	if (ret) {
		dev_err(&pdev->dev, "platform refuses a %u-bit DMA mask: %d\n",
			edev->dma_bits, ret);
		goto err_iounmap;
	}
	/*
	 * The engine takes segments as long as one command moves (the edu
	 * planner cuts longer ones anyway); the PCI default of 64 KiB would
	 * make every longer merged scatterlist segment a DMA-API violation.
	 */
	dma_set_max_seg_size(&pdev->dev, edev->ops->kind == EDUDMA_ENGINE_EDU ?
			     UINT_MAX : edev->max_cmd_len);
	edudma_coherent_dev_setup(edev);
	/* Without bus mastering every DMA silently does nothing. */
	pci_set_master(pdev);

	ret = edudma_irq_setup(edev);
	if (ret)
		goto err_clear_master;
	ret = edev->ops->start(edev);
	if (ret)
		goto err_irq_teardown;

	pci_set_drvdata(pdev, edev);
	ret = edudma_cdev_add(edev);
	if (ret)
		goto err_irq;

	dev_info(&edev->dev, "%s %u.%u at %s, %s interrupt, window %llu bytes, %u-bit DMA, %u in flight\n",
		 edev->ops->name, edev->version >> 16, edev->version & 0xffff,
		 pci_name(pdev), edudma_irq_mode_name(edev->irq_mode),
		 edev->window, edev->dma_bits, edev->max_in_flight);
	return 0;

err_irq:
	pci_set_drvdata(pdev, NULL);
	edev->ops->quiesce(edev);
err_irq_teardown:
	edudma_irq_teardown(edev);
	if (edev->ops->stop)
		edev->ops->stop(edev);
err_clear_master:
	pci_clear_master(pdev);
err_iounmap:
	pci_iounmap(pdev, edev->bar);
err_release_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_put:
	ida_free(&edudma_ida, edev->minor_index);
	put_device(&edev->dev);
	return ret;
}

static void edudma_remove(struct pci_dev *pdev)
{
	struct edudma_dev *edev = pci_get_drvdata(pdev);

	/*
	 * Stop the running DMA job after its command in flight and refuse new
	 * ones; wait for every call in progress; from then on every call sees
	 * -ENODEV. The node goes first so nobody new opens it.
	 */
	edudma_cdev_del(edev);
	edudma_engine_shutdown(edev);
	down_write(&edev->lifetime);
	edev->gone = true;
	up_write(&edev->lifetime);
	/* Asynchronous requests hold no lock: let what is in flight land. */
	edudma_async_drain(edev);

	/*
	 * Quiesce before any memory goes back: no interrupt source left
	 * armed, no DMA possible (a command of a wedged job included), then
	 * no vector. Only then is freeing what the device could reach safe.
	 */
	edev->ops->quiesce(edev);
	pci_clear_master(pdev);
	edudma_irq_teardown(edev);
	edudma_async_abandon(edev);
	if (edev->ops->stop)
		edev->ops->stop(edev);
	edudma_revoke_all(edev);
	edudma_release_wedged(edev);

	pci_iounmap(pdev, edev->bar);
	edev->bar = NULL;
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);
	ida_free(&edudma_ida, edev->minor_index);
	/* Open files may still hold the structure; the last one frees it. */
	put_device(&edev->dev);
}

/*
 * One line per device; driver_data names its engine, 0 meaning edu - the
 * value IDs added through new_id get (the PCI core accepts a new_id only
 * with a driver_data some entry here has). edu-sg's device ID lies in a
 * range left for experiments, so its subsystem IDs must match too (and
 * identify() checks its IDENT register).
 */
static const struct pci_device_id edudma_ids[] = {
	{ PCI_DEVICE(EDU_PCI_VENDOR, EDU_PCI_DEVICE), .driver_data = 0 },
	{ PCI_DEVICE_SUB(EDUSG_PCI_VENDOR, EDUSG_PCI_DEVICE,
			 EDUSG_PCI_SUBVENDOR, EDUSG_PCI_SUBDEVICE),
	  .driver_data = (kernel_ulong_t)&edudma_edusg_ops },
	{ }
};
MODULE_DEVICE_TABLE(pci, edudma_ids);

static struct pci_driver edudma_pci_driver = {
	.name		= EDUDMA_NAME,
	.id_table	= edudma_ids,
	.probe		= edudma_probe,
	.remove		= edudma_remove,
};

static int edudma_check_params(void)
{
	if (edudma_window < 1 || edudma_window > EDU_DEV_BUF_SIZE) {
		pr_err("edudma: window=%u out of range 1..%u\n",
		       edudma_window, EDU_DEV_BUF_SIZE);
		return -EINVAL;
	}
	if (edudma_dma_bits < EDU_DMA_BITS_DEFAULT || edudma_dma_bits > 64) {
		pr_err("edudma: dma_bits=%u out of range %u..64\n",
		       edudma_dma_bits, EDU_DMA_BITS_DEFAULT);
		return -EINVAL;
	}
	if (edudma_timeout_ms < EDUDMA_TIMEOUT_MIN_MS ||
	    edudma_timeout_ms > EDUDMA_TIMEOUT_MAX_MS) {
		pr_err("edudma: timeout_ms=%u out of range %u..%u (an edu command takes 100 ms)\n",
		       edudma_timeout_ms, EDUDMA_TIMEOUT_MIN_MS, EDUDMA_TIMEOUT_MAX_MS);
		return -EINVAL;
	}
	if (edudma_max_alloc < PAGE_SIZE) {
		pr_err("edudma: max_alloc=%lu below one page\n", edudma_max_alloc);
		return -EINVAL;
	}
	return 0;
}

static int __init edudma_init(void)
{
	int ret;

	ret = edudma_check_params();
	if (ret)
		return ret;
	ret = edudma_cdev_init();
	if (ret)
		return ret;
	/* tests only (fault injection); the driver works without it */
	edudma_debugfs_root = debugfs_create_dir(EDUDMA_NAME, NULL);
	if (IS_ERR(edudma_debugfs_root))
		edudma_debugfs_root = NULL;
	ret = pci_register_driver(&edudma_pci_driver);
	if (ret) {
		debugfs_remove_recursive(edudma_debugfs_root);
		edudma_cdev_exit();
	}
	return ret;
}

static void __exit edudma_exit(void)
{
	pci_unregister_driver(&edudma_pci_driver);
	debugfs_remove_recursive(edudma_debugfs_root);
	edudma_cdev_exit();
	ida_destroy(&edudma_ida);
}

module_init(edudma_init);
module_exit(edudma_exit);

MODULE_DESCRIPTION("DMA driver for QEMU's edu and edu-sg PCI devices: coherent buffers, pinned user memory, interrupts");
MODULE_AUTHOR("edudma developers");
MODULE_LICENSE("GPL");
