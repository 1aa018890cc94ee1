// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only attributes of /sys/class/edudma/edudma<N>. libdma's discovery
 * reads these through libudev, so their names and formats are ABI too.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "edudma.h"

const char *edudma_irq_mode_name(int mode)
{
	switch (mode) {
	case EDUDMA_IRQ_MSI:
		return "msi";
	case EDUDMA_IRQ_INTX:
		return "intx";
	default:
		return "none";
	}
}

static ssize_t dev_version_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	u32 v = to_edudma_dev(dev)->version;

	return sysfs_emit(buf, "%u.%u\n", v >> 16, v & 0xffff);
}
static DEVICE_ATTR_RO(dev_version);

/* Which engine drives the device: "edu" or "edu-sg". */
static ssize_t engine_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_edudma_dev(dev)->ops->name);
}
static DEVICE_ATTR_RO(engine);

static ssize_t ident_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", to_edudma_dev(dev)->ident);
}
static DEVICE_ATTR_RO(ident);

static ssize_t window_size_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_edudma_dev(dev)->window);
}
static DEVICE_ATTR_RO(window_size);

static ssize_t dma_mask_bits_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_edudma_dev(dev)->dma_bits);
}
static DEVICE_ATTR_RO(dma_mask_bits);

static ssize_t irq_mode_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  edudma_irq_mode_name(to_edudma_dev(dev)->irq_mode));
}
static DEVICE_ATTR_RO(irq_mode);

static ssize_t irq_count_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_edudma_dev(dev)->irq_count));
}
static DEVICE_ATTR_RO(irq_count);

static ssize_t commands_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_edudma_dev(dev)->commands));
}
static DEVICE_ATTR_RO(commands);

/* Live objects: the tests' leak checks compare these with a baseline. */
static ssize_t nr_buffers_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_edudma_dev(dev)->nr_buffers));
}
static DEVICE_ATTR_RO(nr_buffers);

static ssize_t nr_pinned_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_edudma_dev(dev)->nr_pinned));
}
static DEVICE_ATTR_RO(nr_pinned);

static ssize_t nr_exported_show(struct device *dev, struct device_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_edudma_dev(dev)->nr_exported));
}
static DEVICE_ATTR_RO(nr_exported);

static ssize_t nr_imported_show(struct device *dev, struct device_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_edudma_dev(dev)->nr_imported));
}
static DEVICE_ATTR_RO(nr_imported);

static ssize_t coherent_bytes_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_edudma_dev(dev)->coherent_bytes));
}
static DEVICE_ATTR_RO(coherent_bytes);

static struct attribute *edudma_dev_attrs[] = {
	&dev_attr_coherent_bytes.attr,
	&dev_attr_commands.attr,
	&dev_attr_nr_buffers.attr,
	&dev_attr_nr_pinned.attr,
	&dev_attr_nr_exported.attr,
	&dev_attr_nr_imported.attr,
	&dev_attr_dev_version.attr,
	&dev_attr_ident.attr,
	&dev_attr_engine.attr,
	&dev_attr_window_size.attr,
	&dev_attr_dma_mask_bits.attr,
	&dev_attr_irq_mode.attr,
	&dev_attr_irq_count.attr,
	NULL,
};

static const struct attribute_group edudma_dev_group = {
	.attrs = edudma_dev_attrs,
};

const struct attribute_group *edudma_dev_groups[] = {
	&edudma_dev_group,
	NULL,
};
