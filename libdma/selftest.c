// SPDX-License-Identifier: MIT
/*
 * The device's two units besides DMA, as self-tests: raising the interrupt
 * on demand (proves MSI/INTx end to end) and the factorial unit (a second
 * interrupt source, and a computation whose answer can be checked).
 * Arguments are checked here; the backend only talks to the device. Also
 * the contiguity lab's call into the backend, for libdma/measure/lab.c.
 */
#include <string.h>

#include <edu/edu_regs.h>

#include "backend.h"

_Static_assert((LIBDMA_IRQ_TEST_DEFAULT & EDU_IRQ_DRIVER_BITS) == 0,
	       "the default self-test bits must not be the driver's");

static int irq_test(struct libdma_device *dev, uint32_t value,
		    struct libdma_irq_test_result *result)
{
	struct libdma_irq_test_result local;
	int err;

	if (result)
		memset(result, 0, sizeof(*result));
	err = libdma__device_check(dev);
	if (err)
		return err;
	if (value & EDU_IRQ_DRIVER_BITS)
		return libdma__fail(-EINVAL, "interrupt self-test value 0x%08x "
				    "includes bits the driver owns (0x%08x: "
				    "factorial and DMA completion)", value,
				    (unsigned int)(value & EDU_IRQ_DRIVER_BITS));
	err = libdma__device_require(dev, LIBDMA_FEAT_IRQ_TEST,
				     "the interrupt self-test");
	if (err)
		return err;
	if (!dev->ops->irq_test)
		return libdma__fail(-EOPNOTSUPP, "%s: the %s backend has no "
				    "interrupt self-test", dev->info.node,
				    dev->ops->name);

	memset(&local, 0, sizeof(local));
	err = dev->ops->irq_test(dev, value ? value : LIBDMA_IRQ_TEST_DEFAULT,
				 &local);
	if (result)
		*result = local;
	return err;
}

LIBDMA_EXPORT int libdma_irq_test(struct libdma_device *dev, uint32_t value,
				  struct libdma_irq_test_result *result)
{
	return LIBDMA_KEEP_ERRNO(irq_test(dev, value, result));
}

static int factorial(struct libdma_device *dev, uint32_t n, unsigned int flags,
		     struct libdma_factorial_result *result)
{
	struct libdma_factorial_result local;
	int err;

	if (result)
		memset(result, 0, sizeof(*result));
	err = libdma__device_check(dev);
	if (err)
		return err;
	if (!result)
		return libdma__fail(-EINVAL, "factorial result is NULL");
	if (flags & ~LIBDMA_FACT_POLL)
		return libdma__fail(-EINVAL, "factorial flags 0x%x: only "
				    "LIBDMA_FACT_POLL is known", flags);
	err = libdma__device_require(dev, LIBDMA_FEAT_FACTORIAL,
				     "the factorial unit");
	if (err)
		return err;
	if (!dev->ops->factorial)
		return libdma__fail(-EOPNOTSUPP, "%s: the %s backend has no "
				    "factorial unit", dev->info.node,
				    dev->ops->name);

	memset(&local, 0, sizeof(local));
	err = dev->ops->factorial(dev, n, flags, &local);
	if (!err)
		*result = local;
	return err;
}

LIBDMA_EXPORT int libdma_factorial(struct libdma_device *dev, uint32_t n,
				   unsigned int flags,
				   struct libdma_factorial_result *result)
{
	return LIBDMA_KEEP_ERRNO(factorial(dev, n, flags, result));
}

int libdma__lab_cell(struct libdma_device *dev, uint32_t iterations,
		     struct libdma_lab_cell *cell)
{
	if (!dev->ops->lab)
		return libdma__fail(-EOPNOTSUPP, "%s: the %s backend has no "
				    "contiguity lab", dev->info.node,
				    dev->ops->name);
	return cell ? dev->ops->lab(dev, iterations, cell) : 0;
}
