// SPDX-License-Identifier: MIT
/*
 * dmactl irq-test / factorial: the device's interrupt on demand and its
 * factorial unit, through libdma_irq_test() and libdma_factorial().
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "dmactl.h"

/* -------------------------------------------------------------- irq-test */

static int run_irq_test(int argc, char **argv)
{
	static const struct option options[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "value", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct dmactl_cmd *cmd = &dmactl_cmd_irq_test;
	uint64_t count = 1, value = 0, i, sum = 0, min = UINT64_MAX, max = 0;
	struct libdma_irq_test_result res;
	struct libdma_device *dev;
	struct libdma_info info;
	char b1[32], b2[32], b3[32];
	const char *spec;
	int opt, ret, rest, err = 0;

	while ((opt = getopt_long(argc, argv, "c:v:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (dm_parse_u64(optarg, &count) || count == 0 ||
			    count > 1000000)
				return dm_usage(cmd, "--count wants 1..1000000, "
						"not '%s'", optarg);
			break;
		case 'v':
			if (dm_parse_u64(optarg, &value) || value > UINT32_MAX)
				return dm_usage(cmd, "--value wants a 32-bit "
						"number such as 0x10000, not "
						"'%s'", optarg);
			/* libdma.h: these two bits are the driver's. */
			if (value & 0x101)
				return dm_usage(cmd, "--value 0x%llx: bits 0x1 "
						"and 0x100 belong to the driver "
						"(factorial and DMA completion)",
						(unsigned long long)value);
			break;
		default:
			return dm_common_option(cmd, opt);
		}
	}
	ret = dm_positionals(cmd, argc, argv, optind, 0, &spec, &rest);
	if (ret >= 0)
		return ret;
	ret = dm_open(cmd, spec, &dev);
	if (ret)
		return ret;
	err = libdma_get_info(dev, &info);
	if (err)
		goto fail;

	for (i = 0; i < count; i++) {
		err = libdma_irq_test(dev, (uint32_t)value, &res);
		if (err)
			break;
		sum += res.latency_ns;
		min = res.latency_ns < min ? res.latency_ns : min;
		max = res.latency_ns > max ? res.latency_ns : max;
	}
	printf("%s: %s interrupt, status bits 0x%08x: raised %llu, seen by the "
	       "handler %llu\n", info.node, dm_irq_mode_name(info.irq_mode),
	       value ? (unsigned int)value : LIBDMA_IRQ_TEST_DEFAULT,
	       (unsigned long long)(i + (err != 0)), (unsigned long long)i);
	if (i)
		printf("latency (raise to handler): min %s, avg %s, max %s\n",
		       dm_fmt_ns(min, b1), dm_fmt_ns(sum / i, b2),
		       dm_fmt_ns(max, b3));
	if (err)
		goto fail;
	libdma_close(dev);
	return DM_EXIT_OK;

fail:
	ret = dm_failed(cmd, err);
	libdma_close(dev);
	return ret;
}

const struct dmactl_cmd dmactl_cmd_irq_test = {
	.name = "irq-test",
	.summary = "make the device raise its interrupt and time the handler",
	.help =
"Usage: dmactl irq-test [DEV] [--count N] [--value BITS]\n"
"\n"
"Proves the device's interrupt reaches the driver (MSI or INTx, whichever\n"
"the driver set up): the driver makes the device raise its interrupt with\n"
"chosen status bits and waits until its interrupt handler has seen them.\n"
"If this fails, nothing that waits for the device (DMA, factorial) can\n"
"work: look at /proc/interrupts and dmesg.\n"
"\n"
"Options:\n"
"  -c, --count N      repeat N times (default 1) and report the latency from\n"
"                     raising to the handler: min, average, max\n"
"  -v, --value BITS   the status bits to raise (default 0x00010000); 0x1 and\n"
"                     0x100 are the driver's own (factorial, DMA) and refused\n"
"\n"
"Examples:\n"
"  dmactl irq-test\n"
"  dmactl irq-test 1 --count 100\n",
	.run = run_irq_test,
};

/* ------------------------------------------------------------- factorial */

static uint32_t fact32(uint32_t n)
{
	uint32_t r = 1;

	while (n > 1)
		r *= n--;
	return r;
}

static int run_factorial(int argc, char **argv)
{
	static const struct option options[] = {
		{ "poll", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct dmactl_cmd *cmd = &dmactl_cmd_factorial;
	struct libdma_factorial_result res;
	struct libdma_device *dev;
	struct libdma_info info;
	unsigned int flags = 0;
	uint32_t expect;
	const char *spec;
	uint64_t n;
	char b[32];
	int opt, ret, rest, err;

	while ((opt = getopt_long(argc, argv, "ph", options, NULL)) != -1) {
		if (opt == 'p')
			flags |= LIBDMA_FACT_POLL;
		else
			return dm_common_option(cmd, opt);
	}
	ret = dm_positionals(cmd, argc, argv, optind, 1, &spec, &rest);
	if (ret >= 0)
		return ret;
	if (dm_parse_u64(argv[rest], &n) || n > UINT32_MAX)
		return dm_usage(cmd, "N must be a number from 0 to 4294967295, "
				"not '%s'", argv[rest]);
	ret = dm_open(cmd, spec, &dev);
	if (ret)
		return ret;
	err = libdma_get_info(dev, &info);
	if (!err)
		err = libdma_factorial(dev, (uint32_t)n, flags, &res);
	if (err) {
		ret = dm_failed(cmd, err);
		libdma_close(dev);
		return ret;
	}
	libdma_close(dev);

	printf("%s: %llu! = %u%s\n", info.node, (unsigned long long)n,
	       res.value, n > 12 ? " (mod 2^32: the unit is 32 bits wide)" : "");
	printf("completion by %s, %s\n", res.by_irq ? "interrupt" : "polling",
	       dm_fmt_ns(res.elapsed_ns, b));
	expect = fact32((uint32_t)n);
	if (res.value != expect) {
		fprintf(stderr, "dmactl factorial: wrong answer: the device says "
			"%u, %llu! mod 2^32 is %u\n", res.value,
			(unsigned long long)n, expect);
		return DM_EXIT_VERIFY;
	}
	return DM_EXIT_OK;
}

const struct dmactl_cmd dmactl_cmd_factorial = {
	.name = "factorial",
	.summary = "compute n! on the device's factorial unit",
	.help =
"Usage: dmactl factorial [DEV] N [--poll]\n"
"\n"
"Runs the edu device's factorial unit on N and checks the answer. The unit\n"
"is 32 bits wide, so above 12! the result is n! modulo 2^32. By default\n"
"the driver sleeps until the unit's completion interrupt (a second\n"
"interrupt source besides DMA); --poll makes it poll the unit's busy bit\n"
"instead. Exits 1 if the device's answer is wrong.\n"
"\n"
"Options:\n"
"  -p, --poll    poll for completion instead of waiting for the interrupt\n"
"\n"
"Examples:\n"
"  dmactl factorial 10          10! = 3628800 on device 0\n"
"  dmactl factorial 1 12 --poll\n",
	.run = run_factorial,
};
