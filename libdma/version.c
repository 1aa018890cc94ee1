// SPDX-License-Identifier: MIT
/*
 * The version of the library actually loaded, which may be newer than the
 * header a program was compiled with (LIBDMA_VERSION).
 */
#include "libdma_internal.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

LIBDMA_EXPORT unsigned int libdma_version(void)
{
	return LIBDMA_VERSION;
}

LIBDMA_EXPORT const char *libdma_version_string(void)
{
	return STRINGIFY(LIBDMA_VERSION_MAJOR) "." STRINGIFY(LIBDMA_VERSION_MINOR);
}
