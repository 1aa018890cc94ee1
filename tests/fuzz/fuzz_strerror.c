// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: libdma_strerror() for every int, negative (as libdma
 * returns them) or positive, INT_MIN included; libdma_errmsg() afterwards.
 * Both must give a NUL-terminated string, never NULL, never touch errno.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdma.h>

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "broken: %s\n", #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i + 4 <= size || (i == 0 && size); i += 4) {
		int32_t v = 0;
		const char *t;

		memcpy(&v, data + i, size - i < 4 ? size - i : 4);
		errno = 12345;
		t = libdma_strerror(v);
		CHECK(t != NULL && strlen(t) < 4096);
		CHECK(errno == 12345);
		if (v == 0)
			CHECK(t[0] != '\0');
		t = libdma_errmsg();
		CHECK(t != NULL && strlen(t) < 512);
	}
	return 0;
}
