// SPDX-License-Identifier: MIT
/*
 * The bytes a measurement must find, so that nothing unchecked is ever
 * reported: the benchmark's test pattern, written into the source and
 * checked at every byte of the destination, and the checksum a read pass
 * of the lab must give over the words the driver wrote.
 */
#include <string.h>

#include "measure_internal.h"

/* ------------------------------------------------- the benchmark's pattern */

static uint64_t next_word(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t pattern_state(uint64_t seed)
{
	/* xorshift must not start from 0; mix so close seeds differ at once */
	uint64_t s = (seed ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;

	return s ? s : 1;
}

void libdma__pattern_fill(void *buf, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t s = pattern_state(seed), w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		w = next_word(&s);
		memcpy(p + i, &w, 8);
	}
	if (i < len) {
		w = next_word(&s);
		memcpy(p + i, &w, len - i);
	}
}

size_t libdma__pattern_check(const void *buf, size_t len, uint64_t seed,
			     size_t *nbad)
{
	const unsigned char *p = buf;
	uint64_t s = pattern_state(seed), w;
	size_t i, j, n, first = (size_t)-1;

	*nbad = 0;
	for (i = 0; i < len; i += 8) {
		const unsigned char *e = (const unsigned char *)&w;

		w = next_word(&s);
		n = len - i < 8 ? len - i : 8;
		if (!memcmp(p + i, &w, n))
			continue;
		for (j = 0; j < n; j++) {
			if (p[i + j] == e[j])
				continue;
			if (first == (size_t)-1)
				first = i + j;
			(*nbad)++;
		}
	}
	return first;
}

uint8_t libdma__pattern_at(size_t offset, uint64_t seed)
{
	uint64_t s = pattern_state(seed), w = 0;
	size_t i;

	for (i = 0; i <= offset / 8; i++)
		w = next_word(&s);
	return ((const unsigned char *)&w)[offset % 8];
}

/* --------------------------------------------------- the lab driver's words */

uint64_t libdma__lab_expected_checksum(unsigned int pattern, uint64_t pages)
{
	uint64_t words = pages * 512, sum;

	/* sum of i * M over the words read, modulo 2^64 */
	switch (pattern) {
	case LIBDMA_LAB_SEQ_READ:
		/* i = 0 .. words-1 */
		sum = words % 2 ? words * ((words - 1) / 2) : (words / 2) * (words - 1);
		return sum * LIBDMA__LAB_WORD_MULT;
	case LIBDMA_LAB_RANDOM_READ:
		/* i = 512 p, p = 0 .. pages-1, in any order */
		sum = pages % 2 ? pages * ((pages - 1) / 2) : (pages / 2) * (pages - 1);
		return sum * 512 * LIBDMA__LAB_WORD_MULT;
	default:
		return 0;
	}
}
