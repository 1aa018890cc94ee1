// SPDX-License-Identifier: MIT
/*
 * Device specs: the one string libdma_open() takes, turned into what it
 * names. Pure functions (no I/O) so the host tests cover every form.
 */
#include <stdio.h>
#include <string.h>

#include "libdma_internal.h"

/* Indexes beyond this are typos, not devices (the driver has far fewer). */
#define MAX_INDEX 65535u

/*
 * Parse 1..max_digits hex digits at *p into *out, advancing *p. Hand-made
 * because sscanf("%x") also takes signs, spaces and "0x".
 */
static bool parse_hex(const char **p, unsigned int max_digits,
		      unsigned int max_value, unsigned int *out)
{
	unsigned int value = 0, digits = 0;
	const char *s = *p;

	for (; digits < max_digits; s++, digits++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		value = value * 16 + d;
	}
	if (digits == 0 || value > max_value)
		return false;
	*p = s;
	*out = value;
	return true;
}

int libdma__pci_normalize(const char *in, char *out, size_t len)
{
	unsigned int domain = 0, bus, slot, function;
	const char *p = in;
	int colons = 0, n;

	for (n = 0; in[n]; n++)
		colons += in[n] == ':';
	if (colons == 2 && (!parse_hex(&p, 8, 0xffffffffu, &domain) || *p++ != ':'))
		goto bad;
	if (colons < 1 || colons > 2 ||
	    !parse_hex(&p, 2, 0xff, &bus) || *p++ != ':' ||
	    !parse_hex(&p, 2, 0x1f, &slot) || *p++ != '.' ||
	    !parse_hex(&p, 1, 7, &function) || *p)
		goto bad;
	n = snprintf(out, len, "%04x:%02x:%02x.%x", domain, bus, slot, function);
	if (n < 0 || (size_t)n >= len)
		goto bad;
	return 0;
bad:
	return libdma__fail(-EINVAL, "'%s' is not a PCI address "
			    "([domain:]bus:device.function, e.g. 0000:00:04.0)", in);
}

/* "123" -> 123; false for anything but decimal digits, or too big. */
static bool parse_index(const char *s, unsigned int *index)
{
	unsigned long value = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		value = value * 10 + (unsigned long)(*s - '0');
		if (value > MAX_INDEX)
			return false;
	}
	*index = (unsigned int)value;
	return true;
}

int libdma__spec_parse(const char *s, struct libdma_spec *spec)
{
	static const char vfio_prefix[] = "vfio:";
	static const char node_prefix[] = "edudma";

	memset(spec, 0, sizeof(*spec));
	if (!s || !*s)
		return libdma__fail(-EINVAL, "empty device spec: give an index "
				    "(\"0\"), a node (\"/dev/edudma0\") or a "
				    "PCI address (\"0000:00:04.0\")");

	if (!strncmp(s, vfio_prefix, sizeof(vfio_prefix) - 1)) {
		spec->kind = LIBDMA_SPEC_VFIO;
		return libdma__pci_normalize(s + sizeof(vfio_prefix) - 1,
					     spec->text, sizeof(spec->text));
	}
	if (strchr(s, '/')) {
		spec->kind = LIBDMA_SPEC_NODE;
		if (strlen(s) >= sizeof(spec->text))
			return libdma__fail(-EINVAL, "device path too long (over %zu bytes): %.64s...",
					    sizeof(spec->text) - 1, s);
		strcpy(spec->text, s);
		return 0;
	}
	if (!strncmp(s, node_prefix, sizeof(node_prefix) - 1) &&
	    parse_index(s + sizeof(node_prefix) - 1, &spec->index)) {
		spec->kind = LIBDMA_SPEC_INDEX;
		return 0;
	}
	if (parse_index(s, &spec->index)) {
		spec->kind = LIBDMA_SPEC_INDEX;
		return 0;
	}
	if (strchr(s, ':')) {
		spec->kind = LIBDMA_SPEC_PCI;
		return libdma__pci_normalize(s, spec->text, sizeof(spec->text));
	}
	return libdma__fail(-EINVAL, "device spec '%.64s' is none of: an index "
			    "(\"0\"), a node (\"/dev/edudma0\"), a PCI address "
			    "(\"0000:00:04.0\"), \"vfio:<PCI address>\"", s);
}
