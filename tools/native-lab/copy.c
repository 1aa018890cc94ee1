// SPDX-License-Identifier: MIT
/*
 * The price of the bounce strategy ("copy instead of pin", docs/bench.md):
 * one memcpy of the transfer's size. Warm, both buffers already in the
 * caches (the best case, a small buffer copied again and again); cold,
 * both flushed from every cache level first, as a buffer the program
 * filled long ago or one larger than the last-level cache would be.
 */
#include <string.h>

#include "native_lab.h"

int nl_can_flush(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return 1;
#else
	return 0;
#endif
}

/* Write back and evict every line of [p, p + size) from all caches. */
static void flush(const uint8_t *p, size_t size)
{
#if defined(__x86_64__) || defined(__i386__)
	size_t off;

	for (off = 0; off < size; off += 64)
		__builtin_ia32_clflush(p + off);
	__builtin_ia32_mfence();
#else
	(void)p;
	(void)size;
#endif
}

uint64_t nl_copy(uint8_t *dst, const uint8_t *src, size_t size,
		 uint64_t copies, int cold)
{
	uint64_t t = 0, t0, k;

	if (!cold) {	/* one clock pair around them all: no clock cost each */
		t0 = nl_now();
		for (k = 0; k < copies; k++) {
			memcpy(dst, src, size);
			__asm__ __volatile__("" : : "r"(dst) : "memory");
		}
		return nl_now() - t0;
	}
	for (k = 0; k < copies; k++) {
		flush(src, size);
		flush(dst, size);
		t0 = nl_now();
		memcpy(dst, src, size);
		__asm__ __volatile__("" : : "r"(dst) : "memory");
		t += nl_now() - t0;
	}
	return t;
}
