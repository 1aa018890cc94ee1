// SPDX-License-Identifier: MIT
/*
 * Device handles: opening through a backend, closing, information, and the
 * lifetime rules of libdma.h ("Lifetime"). A handle is reference counted:
 * the user's open handle is one reference, each buffer another, so a
 * buffer can be freed - and its mapping torn down through the device -
 * after the user closed the device. The magic field says whether the
 * user's handle is still open.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

int libdma__device_check(const struct libdma_device *dev)
{
	if (!dev)
		return libdma__fail(-EBADF, "device handle is NULL");
	switch (__atomic_load_n(&dev->magic, __ATOMIC_ACQUIRE)) {
	case LIBDMA_DEVICE_LIVE:
		return 0;
	case LIBDMA_DEVICE_CLOSED:
		return libdma__fail(-EBADF, "device handle %s was closed",
				    dev->info.node);
	default:
		return libdma__fail(-EBADF, "not an open libdma device handle "
				    "(closed and released, or never opened)");
	}
}

int libdma__device_require(const struct libdma_device *dev, uint64_t feature,
			   const char *what)
{
	if (dev->info.features & feature)
		return 0;
	return libdma__fail(-EOPNOTSUPP, "%s: %s not supported by this %s "
			    "(features 0x%llx lack 0x%llx)", dev->info.node,
			    what, dev->info.backend,
			    (unsigned long long)dev->info.features,
			    (unsigned long long)feature);
}

void libdma__device_get(struct libdma_device *dev)
{
	__atomic_add_fetch(&dev->refs, 1, __ATOMIC_RELAXED);
}

void libdma__device_put(struct libdma_device *dev)
{
	if (__atomic_sub_fetch(&dev->refs, 1, __ATOMIC_ACQ_REL))
		return;
	dev->ops->release(dev);
	__atomic_store_n(&dev->magic, LIBDMA_OBJECT_DEAD, __ATOMIC_RELEASE);
	free(dev);
}

int libdma__device_open_with(const struct libdma_backend_ops *ops,
			     const struct libdma_spec *spec,
			     struct libdma_device **devp)
{
	struct libdma_device *dev;
	int err;

	if (!devp)
		return libdma__fail(-EINVAL, "devp is NULL");
	*devp = NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return libdma__fail(-ENOMEM, "out of memory for a device handle");
	dev->ops = ops;
	dev->refs = 1;
	err = ops->open(dev, spec);
	if (err) {
		free(dev);
		return err;
	}
	strncpy(dev->info.backend, ops->name, sizeof(dev->info.backend) - 1);
	__atomic_store_n(&dev->magic, LIBDMA_DEVICE_LIVE, __ATOMIC_RELEASE);
	*devp = dev;
	return 0;
}

static int open_spec(const char *text, struct libdma_device **devp)
{
	struct libdma_spec spec;
	int err;

	if (devp)
		*devp = NULL;
	err = libdma__spec_parse(text, &spec);
	if (err)
		return err;
	return libdma__device_open_with(spec.kind == LIBDMA_SPEC_VFIO ?
					&libdma__vfio_backend :
					&libdma__kernel_backend, &spec, devp);
}

LIBDMA_EXPORT int libdma_open(const char *spec, struct libdma_device **devp)
{
	return LIBDMA_KEEP_ERRNO(open_spec(spec, devp));
}

static int open_index(unsigned int index, struct libdma_device **devp)
{
	struct libdma_spec spec = { .kind = LIBDMA_SPEC_INDEX, .index = index };

	return libdma__device_open_with(&libdma__kernel_backend, &spec, devp);
}

LIBDMA_EXPORT int libdma_open_index(unsigned int index,
				    struct libdma_device **devp)
{
	return LIBDMA_KEEP_ERRNO(open_index(index, devp));
}

static int open_node(const char *path, struct libdma_device **devp)
{
	struct libdma_spec spec = { .kind = LIBDMA_SPEC_NODE };

	if (devp)
		*devp = NULL;
	if (!path || !*path)
		return libdma__fail(-EINVAL, "device node path is NULL or empty");
	if (strlen(path) >= sizeof(spec.text))
		return libdma__fail(-EINVAL, "device node path too long (over %zu bytes)", sizeof(spec.text) - 1);
	strcpy(spec.text, path);
	return libdma__device_open_with(&libdma__kernel_backend, &spec, devp);
}

LIBDMA_EXPORT int libdma_open_node(const char *path, struct libdma_device **devp)
{
	return LIBDMA_KEEP_ERRNO(open_node(path, devp));
}

static int open_pci(const char *address, struct libdma_device **devp)
{
	struct libdma_spec spec = { .kind = LIBDMA_SPEC_PCI };
	int err;

	if (devp)
		*devp = NULL;
	if (!address)
		return libdma__fail(-EINVAL, "PCI address is NULL");
	err = libdma__pci_normalize(address, spec.text, sizeof(spec.text));
	if (err)
		return err;
	return libdma__device_open_with(&libdma__kernel_backend, &spec, devp);
}

LIBDMA_EXPORT int libdma_open_pci(const char *pci_address,
				  struct libdma_device **devp)
{
	return LIBDMA_KEEP_ERRNO(open_pci(pci_address, devp));
}

static int close_device(struct libdma_device *dev)
{
	unsigned int live = LIBDMA_DEVICE_LIVE;
	int err = libdma__device_check(dev);

	if (err)
		return err;
	/* Of two threads racing to close, exactly one gets past this. */
	if (!__atomic_compare_exchange_n(&dev->magic, &live,
					 LIBDMA_DEVICE_CLOSED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return libdma__fail(-EBADF, "device handle was closed");
	libdma__device_put(dev);
	return 0;
}

LIBDMA_EXPORT int libdma_close(struct libdma_device *dev)
{
	return LIBDMA_KEEP_ERRNO(close_device(dev));
}

static int get_info(struct libdma_device *dev, struct libdma_info *info)
{
	int err = libdma__device_check(dev);

	if (err)
		return err;
	if (!info)
		return libdma__fail(-EINVAL, "info is NULL");
	memset(info, 0, sizeof(*info));
	err = dev->ops->query_info(dev, info);
	if (err) {
		memset(info, 0, sizeof(*info));
		return err;
	}
	strncpy(info->backend, dev->ops->name, sizeof(info->backend) - 1);
	return 0;
}

LIBDMA_EXPORT int libdma_get_info(struct libdma_device *dev,
				  struct libdma_info *info)
{
	return LIBDMA_KEEP_ERRNO(get_info(dev, info));
}

static int driver_abi_version(struct libdma_device *dev)
{
	struct libdma_info info;
	int err = get_info(dev, &info);

	return err ? err : (int)info.abi_version;
}

LIBDMA_EXPORT int libdma_driver_abi_version(struct libdma_device *dev)
{
	return LIBDMA_KEEP_ERRNO(driver_abi_version(dev));
}
