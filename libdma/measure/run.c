// SPDX-License-Identifier: MIT
/*
 * What the benchmark's and the lab's runs check alike before they start:
 * where the result goes, the device handle, the sizes of the config.
 */
#include "measure_internal.h"

int libdma__run_check(const char *what, struct libdma_device *dev,
		      int have_result)
{
	if (!have_result)
		return libdma__fail(-EINVAL, "%s: resultp is NULL", what);
	return libdma__device_check(dev);
}

int libdma__check_sizes(const char *what, const uint64_t *sizes, uint32_t nr,
			uint32_t max_nr, uint64_t max_size, const char *use)
{
	uint32_t i;

	if (!sizes)
		return 0;
	if (nr < 1 || nr > max_nr)
		return libdma__fail(-EINVAL, "%s: %u sizes: give 1 to %u", what,
				    nr, max_nr);
	for (i = 0; i < nr; i++)
		if (sizes[i] == 0 || sizes[i] > max_size)
			return libdma__fail(-EINVAL, "%s: size %llu is not a size "
					    "to %s", what,
					    (unsigned long long)sizes[i], use);
	return 0;
}
