// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: device specs, the one string libdma_open() takes
 * (libdma/spec.c), and PCI address normalisation. Whatever the bytes, the
 * parser answers 0 or -EINVAL with a message, never reads or writes out
 * of bounds (ASan), and what it accepts is well formed: an index within
 * range, a node path copied whole, a PCI address in canonical form that
 * normalises to itself. A few inputs go through libdma_open() and
 * libdma_open_pci() too (never node paths: those would open host files).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdma.h>

#include "libdma_internal.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "broken: %s\n", #cond); abort(); } } while (0)

static void check_canonical_pci(const char *text)
{
	char again[64];
	unsigned int d, b, s, f;
	char tail;

	/* "%04x:%02x:%02x.%x": a domain above 0xffff takes more digits */
	CHECK(strlen(text) >= 12 && strlen(text) <= 16);
	CHECK(sscanf(text, "%8x:%2x:%2x.%1x%c", &d, &b, &s, &f, &tail) == 4);
	CHECK(s <= 0x1f && f <= 7);
	CHECK(libdma__pci_normalize(text, again, sizeof(again)) == 0);
	CHECK(!strcmp(again, text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct libdma_spec spec;
	char *s, small[16];
	int err;

	if (size > 400)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	err = libdma__spec_parse(s, &spec);
	CHECK(err == 0 || err == -EINVAL);
	CHECK(strlen(libdma_errmsg()) < 512);
	if (err == -EINVAL)
		CHECK(libdma_errmsg()[0] != '\0');
	if (err == 0) {
		switch (spec.kind) {
		case LIBDMA_SPEC_INDEX:
			CHECK(spec.index <= 65535);
			break;
		case LIBDMA_SPEC_NODE:
			CHECK(!strcmp(spec.text, s) && strchr(s, '/'));
			break;
		case LIBDMA_SPEC_PCI:
		case LIBDMA_SPEC_VFIO:
			check_canonical_pci(spec.text);
			break;
		default:
			CHECK(!"unknown spec kind");
		}
	}

	/* Normalisation into buffers of every small size: truncation is an error. */
	err = libdma__pci_normalize(s, small, size % sizeof(small) + 1);
	CHECK(err == 0 || err == -EINVAL);
	if (err == 0)
		CHECK(strlen(small) >= 12 && strlen(small) < sizeof(small));

	/* The public entry points, on inputs that cannot name a host file. */
	if (!strchr(s, '/') && (size == 0 || data[0] % 16 == 0)) {
		struct libdma_device *dev = (struct libdma_device *)1;

		err = libdma_open(s, &dev);
		CHECK(err < 0 && dev == NULL);	/* no edudma on the build host */
		dev = (struct libdma_device *)1;
		err = libdma_open_pci(s, &dev);
		CHECK(err < 0 && dev == NULL);
		CHECK(libdma_errmsg()[0] != '\0');
	}
	free(s);
	return 0;
}
