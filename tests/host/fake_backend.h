/* SPDX-License-Identifier: MIT */
/*
 * The host tests' fake device (fake_backend.c): a libdma backend, through
 * the same ops table the kernel backend fills (libdma/backend.h), that
 * stands in for the driver on the build host. One fake for all the host
 * tests; each sets the knobs below for what it needs, after fake_reset():
 *
 *   test_libdma_checks  records what reaches it (the argument checks must
 *                       stop a bad call before), 'answer' fails a call
 *   test_libdma_bench   copies move the bytes for real, with statistics a
 *                       driver could give ('no_copy', 'answer' break them)
 *   test_libdma_lab     the lab's driver call, with knobs for each answer
 *                       a cell can get
 *
 * and what the library writes, captured as text (fake_text_*()).
 * Linked into every host test (tests/tests.mk).
 */
#ifndef FAKE_BACKEND_H
#define FAKE_BACKEND_H

#include <stdint.h>
#include <stdio.h>

#include <libdma.h>

#include "../../libdma/backend.h"

#define FAKE_WINDOW	4095u		/* the device's window (odd on purpose) */
#define FAKE_PAGE	4096u
#define FAKE_MAX_ALLOC	(4u << 20)
/* What a fake device announces unless told otherwise (fake.features). */
#define FAKE_ALL_FEATURES	(LIBDMA_FEAT_COHERENT | LIBDMA_FEAT_TRANSFER | \
				 LIBDMA_FEAT_COPY | LIBDMA_FEAT_PIN | \
				 LIBDMA_FEAT_USER_REGION | LIBDMA_FEAT_IRQ_TEST | \
				 LIBDMA_FEAT_FACTORIAL | LIBDMA_FEAT_LAB | \
				 LIBDMA_FEAT_DMABUF)
#define FAKE_IMPORT_SIZE	(3u * FAKE_PAGE)	/* every import's size */

struct fake_backend {
	/* ---- what a device announces, taken when it is opened */
	const char *name;		/* node "/dev/<name><index>" ("fake") */
	const char *pci_address;	/* NULL: none */
	uint64_t features;		/* FAKE_ALL_FEATURES */
	uint64_t max_alloc;		/* FAKE_MAX_ALLOC */
	uint32_t dma_mask_bits;		/* 0 */

	/*
	 * ---- how it answers. Every operation that reaches the device
	 * (transfer, copy, irq_test, factorial, lab) returns 'answer' when
	 * it is not 0: transfers and copies having done half their bytes,
	 * the self-test having seen nothing, the lab with a message (which
	 * says how to enable the lab for -EPERM).
	 */
	int answer;
	int no_copy;			/* copies succeed without moving the bytes */
	/* the lab: what a cell cannot have */
	uint64_t nomem_from;		/* access sizes >= this: ENOMEM */
	uint64_t erange_from;		/* segments sizes >= this: ERANGE */
	uint64_t kmalloc_max;		/* alloc/segments kmalloc above: E2BIG */
	uint64_t bad_vmap_size;		/* vmap reads at this size: wrong checksum */
	uint64_t bad_both_size;		/* both mappings wrong here (same way) */

	/* ---- what it saw */
	int calls;			/* operations that reached the device */
	int releases;			/* devices released (last reference gone) */
	enum libdma_direction dir;	/* the last transfer's */
	struct libdma_region mem;
	size_t dev_offset;
	struct libdma_region src, dst;	/* the last copy's */
	uint32_t irq_value;		/* what irq_test was asked to raise */
	uint32_t fact_n;		/* the last factorial's */
	unsigned int fact_flags;
	uint32_t last_iterations;	/* the last lab call's */
	uint32_t next_cookie;		/* buffer handles given so far */
	unsigned int export_flags;	/* the last export's */
	struct libdma_buffer exported;	/* the buffer it was asked for */
	int import_fd;			/* the last import's */
	unsigned int import_access;
	int unimports;			/* imported buffers released */
};

extern struct fake_backend fake;

/* Every operation (dma-buf too: exports are fds of /dev/null, imports
 * FAKE_IMPORT_SIZE bytes not mapped in the process). Backend name "fake". */
extern const struct libdma_backend_ops fake_ops;
/* A backend written before API 1.1: no self-tests, no lab, no dma-buf
 * ("fake-1.0"). */
extern const struct libdma_backend_ops fake_ops_v10;
/* Everything but the lab and dma-buf ("fake-nolab"). */
extern const struct libdma_backend_ops fake_ops_nolab;

/* Every knob and record back to the defaults above. */
void fake_reset(void);

/*
 * A device on 'ops' with spec index 'index', as the knobs say now; NULL
 * on failure. No CU_ASSERT inside: suite setups call it outside any test.
 */
struct libdma_device *fake_open(const struct libdma_backend_ops *ops,
				unsigned int index);

/*
 * What a test makes the library write (libdma_bench_write(), CSV
 * escaping...), as text: fake_text_open() gives a stream in memory (NULL
 * if none), fake_text_close() closes it and returns what was written, a
 * malloc'd string - or NULL, freeing it, when the writer's 'err' says it
 * failed.
 */
struct fake_text {
	FILE *f;
	char *text;
	size_t len;
};

FILE *fake_text_open(struct fake_text *t);
char *fake_text_close(struct fake_text *t, int err);

#endif /* FAKE_BACKEND_H */
