// SPDX-License-Identifier: MIT
/*
 * What every dmactl command needs: arguments, numbers, human-readable
 * times and sizes, opening a device, and turning a libdma error into a
 * message and an exit status.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmactl.h"

void dm_print_help(const struct dmactl_cmd *cmd)
{
	fputs(cmd->help, stdout);
	printf("\nExit status: 0 success, 1 wrong answer from the device, 2 usage "
	       "error,\n3 no device, 4 not supported, 5 operation failed "
	       "(details: dmactl help).\n");
}

int dm_usage(const struct dmactl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dmactl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'dmactl %s --help')\n", cmd->name);
	return DM_EXIT_USAGE;
}

int dm_common_option(const struct dmactl_cmd *cmd, int opt)
{
	switch (opt) {
	case 'h':
		dm_print_help(cmd);
		return DM_EXIT_OK;
	case '?':	/* getopt printed what was wrong */
		fprintf(stderr, "Try 'dmactl %s --help'.\n", cmd->name);
		return DM_EXIT_USAGE;
	default:
		fprintf(stderr, "dmactl %s: option -%c not handled\n",
			cmd->name, opt);
		return DM_EXIT_USAGE;
	}
}

int dm_positionals(const struct dmactl_cmd *cmd, int argc, char **argv,
		   int first, int required, const char **spec, int *rest)
{
	int n = argc - first;

	if (n < required)
		return dm_usage(cmd, "missing argument");
	if (n > required + 1)
		return dm_usage(cmd, "too many arguments (from '%s' on)",
				argv[first + required + 1]);
	*spec = n > required ? argv[first] : DM_DEFAULT_DEVICE;
	*rest = n > required ? first + 1 : first;
	return -1;
}

int dm_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;	/* also refuses "-1", which strtoull accepts */
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int dm_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		unsigned int shift;
	} units[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "k", 10 }, { "KiB", 10 }, { "KB", 10 },
		{ "M", 20 }, { "MiB", 20 }, { "MB", 20 },
		{ "G", 30 }, { "GiB", 30 }, { "GB", 30 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (v > (UINT64_MAX >> units[i].shift))
			return -1;
		*out = (uint64_t)v << units[i].shift;
		return 0;
	}
	return -1;
}

/*
 * "4K..4M" (every power of two from the first to the last), "4K,64K,1M",
 * or both ("4K..64K,1M"). Returns the count, or -1 with a message.
 */
int dm_parse_sizes(const struct dmactl_cmd *cmd, const char *text,
		   uint64_t *sizes, unsigned int max)
{
	char *copy = strdup(text), *item, *save = NULL;
	unsigned int n = 0;
	int ret = -1;

	if (!copy)
		return -1;
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *dots = strstr(item, "..");
		uint64_t lo, hi, s;

		if (dots) {
			*dots = '\0';
			if (dm_parse_size(item, &lo) || dm_parse_size(dots + 2, &hi) ||
			    !lo || hi < lo) {
				dm_usage(cmd, "--sizes: '%s..%s' is no range of byte "
					 "counts such as 4K..4M", item, dots + 2);
				goto out;
			}
			for (s = lo; s <= hi; s *= 2) {
				if (n == max)
					goto too_many;
				sizes[n++] = s;
				if (s > UINT64_MAX / 2)
					break;
			}
			continue;
		}
		if (dm_parse_size(item, &s) || !s) {
			dm_usage(cmd, "--sizes: '%s' is not a byte count such as "
				 "4096, 64K or 1M", item);
			goto out;
		}
		if (n == max)
			goto too_many;
		sizes[n++] = s;
	}
	if (!n) {
		dm_usage(cmd, "--sizes: no size given");
		goto out;
	}
	ret = (int)n;
	goto out;
too_many:
	dm_usage(cmd, "--sizes: more than %u sizes", max);
out:
	free(copy);
	return ret;
}

const char *dm_fmt_ns(uint64_t ns, char *buf)
{
	if (ns < 1000)
		snprintf(buf, 32, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, 32, "%.1f us", ns / 1e3);
	else if (ns < 10000000000ull)
		snprintf(buf, 32, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, 32, "%.2f s", ns / 1e9);
	return buf;
}

const char *dm_fmt_bytes(uint64_t bytes, char *buf)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
		snprintf(buf, 32, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ull << 20) && !(bytes & ((1ull << 20) - 1)))
		snprintf(buf, 32, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= (1ull << 10) && !(bytes & ((1ull << 10) - 1)))
		snprintf(buf, 32, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, 32, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

const char *dm_irq_mode_name(int mode)
{
	switch (mode) {
	case LIBDMA_IRQ_MSI:
		return "msi";
	case LIBDMA_IRQ_INTX:
		return "intx";
	case LIBDMA_IRQ_NONE:
		return "none";
	default:
		return "?";
	}
}

/* Optional features are named when present, not listed as missing. */
static const struct {
	uint64_t bit;
	const char *name;
	int optional;
} feature_names[] = {
	{ LIBDMA_FEAT_IRQ_TEST, "irq-test", 0 },
	{ LIBDMA_FEAT_FACTORIAL, "factorial", 0 },
	{ LIBDMA_FEAT_COHERENT, "coherent", 0 },
	{ LIBDMA_FEAT_TRANSFER, "transfer", 0 },
	{ LIBDMA_FEAT_COPY, "copy", 0 },
	{ LIBDMA_FEAT_PIN, "pin", 0 },
	{ LIBDMA_FEAT_USER_REGION, "user-region", 0 },
	{ LIBDMA_FEAT_LAB, "lab", 1 },	/* only while the module parameter lab=1 */
	{ LIBDMA_FEAT_DMABUF, "dmabuf", 1 },	/* kernels with dma-buf; not VFIO */
	{ LIBDMA_FEAT_ENGINE_INFO, "engine-info", 1 },	/* drivers since libdma 1.4 */
	{ LIBDMA_FEAT_ASYNC, "async", 1 },	/* the same; not VFIO */
};

const char *dm_engine_name(uint32_t engine)
{
	switch (engine) {
	case LIBDMA_ENGINE_EDU:
		return "edu";
	case LIBDMA_ENGINE_EDUSG:
		return "edu-sg";
	default:
		return "device";
	}
}

const char *dm_feature_name(uint64_t bit)
{
	size_t i;

	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (feature_names[i].bit == bit)
			return feature_names[i].name;
	return "?";
}

void dm_print_features(uint64_t features)
{
	uint64_t known = 0;
	size_t i;
	int missing = 0;

	printf("0x%llx:", (unsigned long long)features);
	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
		known |= feature_names[i].bit;
		if (features & feature_names[i].bit)
			printf(" %s", feature_names[i].name);
		else if (!feature_names[i].optional)
			missing++;
	}
	if (features & ~known)
		printf(" +0x%llx", (unsigned long long)(features & ~known));
	if (missing) {
		printf(" (not:");
		for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
			if (!(features & feature_names[i].bit) &&
			    !feature_names[i].optional)
				printf(" %s", feature_names[i].name);
		printf(")");
	}
	printf("\n");
}

int dm_open(const struct dmactl_cmd *cmd, const char *spec,
	    struct libdma_device **devp)
{
	int err = libdma_open(spec, devp);

	if (!err)
		return 0;
	fprintf(stderr, "dmactl %s: cannot open device '%s': %s\n", cmd->name,
		spec, libdma_errmsg());
	if (err == -EINVAL)
		fprintf(stderr, "DEV is an index (0), a node (/dev/edudma0), a "
			"PCI address (0000:00:04.0) or vfio:<PCI address>; "
			"'dmactl list' shows them.\n");
	return DM_EXIT_NODEV;
}

int dm_failed(const struct dmactl_cmd *cmd, int err)
{
	fprintf(stderr, "dmactl %s: %s\n", cmd->name, libdma_errmsg());
	return err == -EOPNOTSUPP ? DM_EXIT_UNSUPPORTED : DM_EXIT_FAILED;
}

/* xorshift32: cheap, and a shifted or stale buffer never matches by chance. */
static uint8_t next_byte(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return (uint8_t)x;
}

void dm_fill(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	uint32_t s = seed | 1;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = next_byte(&s);
}

size_t dm_check(const void *buf, size_t len, uint32_t seed, size_t *nbad)
{
	const uint8_t *p = buf;
	size_t i, first = (size_t)-1;
	uint32_t s = seed | 1;

	*nbad = 0;
	for (i = 0; i < len; i++) {
		if (p[i] == next_byte(&s))
			continue;
		if (first == (size_t)-1)
			first = i;
		(*nbad)++;
	}
	return first;
}

uint8_t dm_pattern_at(size_t offset, uint32_t seed)
{
	uint32_t s = seed | 1;
	uint8_t b = 0;
	size_t i;

	for (i = 0; i <= offset; i++)
		b = next_byte(&s);
	return b;
}
