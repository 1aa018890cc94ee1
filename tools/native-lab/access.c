// SPDX-License-Identifier: MIT
/*
 * CPU access to one buffer, the same code for every backing, so that only
 * the pages behind it differ: sequential passes (bandwidth; the prefetcher
 * and one TLB miss per page amortised over 64 lines), and dependent random
 * 64-byte reads (latency: each read's address is the previous read's
 * value, so neither the prefetcher nor out-of-order execution can run
 * ahead, and every read may need a page walk). What the reads see is
 * summed and returned: the compiler must do them, and the sums must be
 * equal across backings.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "native_lab.h"

uint64_t nl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A known word per index: a pass's sum is then the same on every backing. */
#define WORD(i)	((uint64_t)(i) * 0x9e3779b97f4a7c15ull)

uint64_t nl_seq_write(uint8_t *p, size_t size, uint64_t passes)
{
	uint64_t *q = (uint64_t *)p, t0 = nl_now(), k;
	size_t i, n = size / 8;

	for (k = 0; k < passes; k++) {
		for (i = 0; i < n; i++)
			q[i] = WORD(i);
		/* the stores must happen: nothing reads them before the next pass */
		__asm__ __volatile__("" : : "r"(q) : "memory");
	}
	return nl_now() - t0;
}

uint64_t nl_seq_read(const uint8_t *p, size_t size, uint64_t passes,
		     uint64_t *sum)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t s = 0, t0 = nl_now(), k;
	size_t i, n = size / 8;

	for (k = 0; k < passes; k++) {
		/* four sums: the adds need not wait for each other */
		uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

		for (i = 0; i + 4 <= n; i += 4) {
			s0 += q[i];
			s1 += q[i + 1];
			s2 += q[i + 2];
			s3 += q[i + 3];
		}
		for (; i < n; i++)
			s0 += q[i];
		s = s0 + s1 + s2 + s3;
		/* each pass reads again: the sum may not be kept from the last */
		__asm__ __volatile__("" : "+r"(s) : : "memory");
	}
	*sum = s;
	return nl_now() - t0;
}

/* xorshift64*: the chain's fixed random order. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dull;
}

int nl_chain_build(uint8_t *p, size_t size)
{
	uint64_t n = size / NL_LINE, i, x = 0x5eed5eed5eedull;
	uint32_t *perm = malloc(n * sizeof(*perm));

	if (!perm)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	/* Sattolo: a single cycle through every line, not several short ones */
	for (i = n - 1; i > 0; i--) {
		uint64_t j = (uint64_t)(((unsigned __int128)next_random(&x) * i) >> 64);
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < n; i++)
		*(uint64_t *)(p + (uint64_t)perm[i] * NL_LINE) =
			(uint64_t)perm[(i + 1) % n] * NL_LINE;
	free(perm);
	return 0;
}

uint64_t nl_chain_walk(const uint8_t *p, uint64_t reads, uint64_t *sum)
{
	uint64_t off = 0, s = 0, k, t0 = nl_now();

	for (k = 0; k < reads; k++) {
		off = *(const uint64_t *)(p + off);
		s += off;
	}
	*sum = s;
	return nl_now() - t0;
}
