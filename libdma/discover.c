// SPDX-License-Identifier: MIT
/*
 * Discovery of edudma devices through libudev: the class devices under
 * /sys/class/edudma, their attributes (dev_version, window_size, irq_mode)
 * and their PCI parents (address, numa_node). libudev reads sysfs directly,
 * so this works without a udev daemon (as in the test initramfs).
 *
 * When there is no device, the message says which of the usual reasons
 * holds, because "No such device" alone sends people looking in the wrong
 * place.
 */
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "libdma_internal.h"
#include "pci_sysfs.h"
#include "vfio/vfio_internal.h"

#define CLASS_NAME	"edudma"
#define SYSFS_CLASS	"/sys/class/" CLASS_NAME
#define SYSFS_MODULE	"/sys/module/" CLASS_NAME

/* All devices found, sorted by index. */
struct device_list {
	struct libdma_device_desc *descs;
	size_t count;
};

static bool parse_uint(const char *s, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	*out = strtoul(s, &end, 10);
	return *end == '\0' || *end == '\n';
}

static int irq_mode_from_name(const char *name)
{
	if (!name)
		return LIBDMA_IRQ_UNKNOWN;
	if (!strcmp(name, "msi"))
		return LIBDMA_IRQ_MSI;
	if (!strcmp(name, "intx"))
		return LIBDMA_IRQ_INTX;
	if (!strcmp(name, "none"))
		return LIBDMA_IRQ_NONE;
	return LIBDMA_IRQ_UNKNOWN;
}

/* Copy 's' into a fixed field, truncating; NULL becomes "". */
static void copy_field(char *field, size_t size, const char *s)
{
	snprintf(field, size, "%s", s ? s : "");
}

/*
 * Describe one class device. Missing attributes leave their fields at
 * "unknown" rather than failing: an older driver still lists.
 */
static bool describe(struct udev_device *d, struct libdma_device_desc *desc)
{
	const char *sysname = udev_device_get_sysname(d);
	const char *node = udev_device_get_devnode(d);
	struct udev_device *pci;
	unsigned long value;
	unsigned int major, minor;
	const char *attr;

	memset(desc, 0, sizeof(*desc));
	if (!sysname || strncmp(sysname, CLASS_NAME, strlen(CLASS_NAME)) ||
	    !parse_uint(sysname + strlen(CLASS_NAME), &value))
		return false;
	desc->index = (unsigned int)value;
	if (node)
		copy_field(desc->node, sizeof(desc->node), node);
	else
		snprintf(desc->node, sizeof(desc->node), "/dev/%s", sysname);

	attr = udev_device_get_sysattr_value(d, "dev_version");
	if (attr && sscanf(attr, "%u.%u", &major, &minor) == 2) {
		desc->version_major = major;
		desc->version_minor = minor;
	}
	if (parse_uint(udev_device_get_sysattr_value(d, "window_size"), &value))
		desc->window_size = (uint32_t)value;
	desc->irq_mode = irq_mode_from_name(udev_device_get_sysattr_value(d, "irq_mode"));
	/* no "engine" attribute: a driver from before edu-sg, so edu */
	attr = udev_device_get_sysattr_value(d, "engine");
	desc->engine = !attr || !strcmp(attr, "edu") ? LIBDMA_ENGINE_EDU :
		       !strcmp(attr, "edu-sg") ? LIBDMA_ENGINE_EDUSG :
		       LIBDMA_ENGINE_UNKNOWN;

	desc->numa_node = -1;
	/* The parent belongs to 'd': no unref. */
	pci = udev_device_get_parent_with_subsystem_devtype(d, "pci", NULL);
	if (pci) {
		copy_field(desc->pci_address, sizeof(desc->pci_address),
			   udev_device_get_sysname(pci));
		attr = udev_device_get_sysattr_value(pci, "numa_node");
		if (attr)
			desc->numa_node = atoi(attr);
	}
	return true;
}

static int by_index(const void *a, const void *b)
{
	const struct libdma_device_desc *da = a, *db = b;

	return (da->index > db->index) - (da->index < db->index);
}

static int scan(struct udev *udev, struct device_list *list)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	struct udev_list_entry *entry;
	int err = 0, r;

	if (!e)
		return libdma__fail(-ENOMEM, "udev_enumerate_new failed");
	/* Keep libudev's errno (EMFILE when out of descriptors, say). */
	if ((r = udev_enumerate_add_match_subsystem(e, CLASS_NAME)) < 0 ||
	    (r = udev_enumerate_scan_devices(e)) < 0) {
		err = libdma__fail(r, "cannot scan sysfs for %s devices: %s",
				   CLASS_NAME, strerror(-r));
		goto out;
	}
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		const char *path = udev_list_entry_get_name(entry);
		struct udev_device *d = udev_device_new_from_syspath(udev, path);
		struct libdma_device_desc *grown;

		if (!d)
			continue;	/* vanished between scan and look-up */
		grown = realloc(list->descs, (list->count + 1) * sizeof(*grown));
		if (!grown) {
			udev_device_unref(d);
			err = libdma__fail(-ENOMEM, "out of memory listing devices");
			goto out;
		}
		list->descs = grown;
		if (describe(d, &list->descs[list->count]))
			list->count++;
		udev_device_unref(d);
	}
	if (list->count > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(list->descs, list->count, sizeof(*list->descs), by_index);
out:
	udev_enumerate_unref(e);
	return err;
}

/* Fill 'list' (free list->descs afterwards, also on error). */
static int list_devices(struct device_list *list)
{
	struct udev *udev = udev_new();
	int err;

	list->descs = NULL;
	list->count = 0;
	if (!udev)
		return libdma__fail(-ENOMEM, "udev_new failed");
	err = scan(udev, list);
	udev_unref(udev);
	return err;
}

int libdma__discover_explain_absence(void)
{
	struct device_list list;
	int err;

	if (access(SYSFS_MODULE, F_OK) || access(SYSFS_CLASS, F_OK))
		return libdma__fail(-ENODEV, "module edudma not loaded (%s "
				    "absent): load it with 'modprobe edudma'",
				    access(SYSFS_MODULE, F_OK) ? SYSFS_MODULE :
				    SYSFS_CLASS);
	err = list_devices(&list);
	free(list.descs);
	if (err)
		return err;
	if (list.count == 0)
		return libdma__fail(-ENODEV, "no edu device bound to edudma "
				    "(is QEMU run with -device edu? see "
				    "'lspci -d 1234:11e8' and dmesg)");
	return 0;
}

static int explain_not_found(const struct libdma_spec *spec,
			     const struct device_list *list)
{
	char names[256] = "", driver[256];
	size_t i, used = 0;

	for (i = 0; i < list->count && used < sizeof(names); i++)
		used += snprintf(names + used, sizeof(names) - used, "%s%s",
				 i ? ", " : "", spec->kind == LIBDMA_SPEC_PCI ?
				 list->descs[i].pci_address : list->descs[i].node);
	if (spec->kind == LIBDMA_SPEC_INDEX)
		return libdma__fail(-ENODEV, "no edudma device with index %u "
				    "(there are: %s)", spec->index, names);
	libdma__pci_driver(spec->text, driver, sizeof(driver));
	if (!strcmp(driver, LIBDMA_VFIO_DRIVER))
		return libdma__fail(-ENODEV, "PCI device %s is bound to %s, not "
				    "edudma: open it as \"vfio:%s\", or move it "
				    "back with 'dmactl bind edudma %s' "
				    "(edudma devices: %s)", spec->text, driver,
				    spec->text, spec->text, names);
	if (*driver)
		return libdma__fail(-ENODEV, "PCI device %s is bound to %s, not "
				    "edudma (edudma devices: %s)", spec->text,
				    driver, names);
	return libdma__fail(-ENODEV, "no edudma device at PCI address %s "
			    "(edudma devices: %s)", spec->text, names);
}

int libdma__discover_find(const struct libdma_spec *spec,
			  struct libdma_device_desc *desc)
{
	struct device_list list;
	size_t i;
	int err;

	err = list_devices(&list);
	if (err)
		goto out;
	for (i = 0; i < list.count; i++) {
		const struct libdma_device_desc *d = &list.descs[i];

		if ((spec->kind == LIBDMA_SPEC_INDEX && d->index == spec->index) ||
		    (spec->kind == LIBDMA_SPEC_PCI &&
		     !strcmp(d->pci_address, spec->text))) {
			*desc = *d;
			goto out;
		}
	}
	err = libdma__discover_explain_absence();
	if (!err)
		err = explain_not_found(spec, &list);
out:
	free(list.descs);
	return err;
}

int libdma__discover_devnum(unsigned long long devnum,
			    struct libdma_device_desc *desc)
{
	struct udev *udev = udev_new();
	struct udev_device *d;
	const char *subsystem;
	bool ok = false;

	if (!udev)
		return -ENOMEM;
	d = udev_device_new_from_devnum(udev, 'c', (dev_t)devnum);
	if (d) {
		subsystem = udev_device_get_subsystem(d);
		ok = subsystem && !strcmp(subsystem, CLASS_NAME) &&
		     describe(d, desc);
		udev_device_unref(d);
	}
	udev_unref(udev);
	return ok ? 0 : -ENODEV;
}

static int list_public(struct libdma_device_desc *descs, size_t max)
{
	struct device_list list;
	size_t i;
	int err;

	if (!descs && max)
		return libdma__fail(-EINVAL, "descs is NULL but max is %zu", max);
	err = list_devices(&list);
	if (!err)	/* after the edudma ones: edu devices bound to vfio-pci */
		err = libdma__vfio_list(&list.descs, &list.count);
	if (err)
		goto out;
	for (i = 0; i < list.count && i < max; i++)
		descs[i] = list.descs[i];
	if (list.count == 0)
		libdma__discover_explain_absence();	/* sets the message */
	err = list.count > 0x7fffffff ? 0x7fffffff : (int)list.count;
out:
	free(list.descs);
	return err;
}

LIBDMA_EXPORT int libdma_list(struct libdma_device_desc *descs, size_t max)
{
	return LIBDMA_KEEP_ERRNO(list_public(descs, max));
}
