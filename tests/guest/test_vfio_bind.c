// SPDX-License-Identifier: MIT
/*
 * Moving an edu device from edudma to vfio-pci (dmactl bind), and the
 * errors on the way, in every configuration:
 *
 *   no IOMMU (msi, two, intx...)  dmactl bind vfio and libdma_open("vfio:")
 *                                 say "no IOMMU" and how to get one
 *   an IOMMU (iommu)              "vfio:" of a device still on edudma says
 *                                 to bind it; nothing is moved
 *   vfio                          loads the VFIO modules from the guest
 *                                 kernel's package, binds the first edu of
 *                                 the root bus to vfio-pci and leaves it
 *                                 there: the library suites that follow
 *                                 (test_lib_dma, test_lib_threads with
 *                                 LIBDMA_TEST_DEVICE=vfio) run on it, then
 *                                 test_vfio, which binds it back
 *   sg-vfio                       the same with the first edu-sg (our
 *                                 QEMU): test_vfio_sg binds it back
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define NOBODY	65534

static struct gu_run_result r;
static char edu[8][32];
static int nr_edu;

#define ASSERT_HAS(text, needle) do {					\
	int found_ = strstr((text), (needle)) != NULL;			\
	if (!found_)							\
		printf("    MISSING: \"%s\" in " #text "\n", (needle));	\
	CU_ASSERT(found_);						\
} while (0)

#define ASSERT_EXIT(argv, uid, code) do {				\
	const char *const a_[] = argv;					\
	int st_ = gu_run(&r, (uid), a_);				\
	if (st_ != (code))						\
		printf("    WRONG EXIT: %d, expected %d\n", st_, (code));	\
	CU_ASSERT_EQUAL(st_, (code));					\
} while (0)
#define ARGS(...)	{ __VA_ARGS__, NULL }

#define ASSERT_MSG_HAS(needle) ASSERT_HAS(libdma_errmsg(), (needle))

static int by_address(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The configurations that move a device to vfio-pci (edu, edu-sg). */
static int vfio_config(void)
{
	return gu_config_is("vfio") || gu_config_is("sg-vfio");
}

static int suite_init(void)
{
	/* sg-vfio has only edu-sg devices: they play the edu's part here */
	if (gu_config_is("sg-vfio"))
		nr_edu = gu_list_engine_pci(EDUDMA_ENGINE_EDUSG, edu, 8);
	else
		nr_edu = gu_list_edu_pci(edu, 8);
	if (nr_edu < 1) {
		printf("no edu device in this machine\n");
		return -1;
	}
	if (nr_edu > 8)
		nr_edu = 8;
	qsort(edu, (size_t)nr_edu, sizeof(edu[0]), by_address);
	return 0;
}

/* The first edu on the root bus (bus 00): the one the vfio suites use. */
static const char *root_bus_edu(void)
{
	int i;

	for (i = 0; i < nr_edu; i++)
		if (!strncmp(edu[i] + 5, "00:", 3))
			return edu[i];
	return edu[0];
}

/* A PCI device that is not an edu (pci-testdev, in every configuration). */
static int other_device(char *out, size_t len)
{
	char path[128], ven[32];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", "0000:00:00.0");
	if (gu_read_file(path, ven, sizeof(ven)))
		return -1;
	snprintf(out, len, "0000:00:00.0");	/* the host bridge */
	return 0;
}

/* ------------------------------------------------------ every config */

static void test_bind_usage_and_absent_devices(void)
{
	char other[32];

	ASSERT_EXIT(ARGS("dmactl", "bind"), -1, 2);
	ASSERT_HAS(r.err, "vfio or edudma");
	ASSERT_EXIT(ARGS("dmactl", "bind", "uio", edu[0]), -1, 2);
	ASSERT_HAS(r.err, "unknown driver 'uio'");
	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", "0000:ff:1f.7"), -1, 3);
	ASSERT_HAS(r.err, "no PCI device at '0000:ff:1f.7'");
	CU_ASSERT_EQUAL_FATAL(other_device(other, sizeof(other)), 0);
	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", other), -1, 3);
	ASSERT_HAS(r.err, "not an edu");
	/* Already there: nothing to do, and no root needed to say so. */
	ASSERT_EXIT(ARGS("dmactl", "bind", "edudma", edu[0]), NOBODY, 0);
	ASSERT_HAS(r.out, "already bound to edudma");
}

static void test_vfio_open_of_edudma_device(void)
{
	struct libdma_device *d;
	char spec[64];

	if (vfio_config())
		EDUTEST_SKIP("the vfio configurations bind devices themselves");
	snprintf(spec, sizeof(spec), "vfio:%s", edu[0]);
	CU_ASSERT_EQUAL(libdma_open(spec, &d), -ENODEV);
	if (gu_have_iommu()) {
		ASSERT_MSG_HAS("bound to driver edudma, not vfio-pci");
		ASSERT_MSG_HAS("dmactl bind vfio");
	} else {
		ASSERT_MSG_HAS("no IOMMU");
		ASSERT_MSG_HAS("intel_iommu=on");
	}
	/* The kernel path is unaffected. */
	CU_ASSERT_EQUAL(libdma_open_pci(edu[0], &d), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	/* Nothing is bound to vfio-pci: discovery lists only edudma nodes. */
	{
		struct libdma_device_desc descs[8];
		int n = libdma_list(descs, 8), i;

		for (i = 0; i < n && i < 8; i++)
			CU_ASSERT(strncmp(descs[i].node, "vfio:", 5) != 0);
	}
}

static void test_bind_without_iommu(void)
{
	if (gu_have_iommu())
		EDUTEST_SKIP("this configuration has an IOMMU");
	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", edu[0]), -1, 4);
	ASSERT_HAS(r.err, "no IOMMU");
	ASSERT_HAS(r.err, "intel_iommu=on");
	ASSERT_HAS(r.err, "-device intel-iommu");
	/* Nothing moved. */
	{
		char drv[64];

		gu_pci_driver(edu[0], drv, sizeof(drv));
		CU_ASSERT_STRING_EQUAL(drv, "edudma");
	}
}

/* ----------------------------------------------------------- vfio only */

static void test_bind_needs_vfio_pci(void)
{
	if (!vfio_config())
		EDUTEST_SKIP("only the vfio configurations load VFIO");
	CU_ASSERT_FATAL(gu_have_iommu());
	if (access("/sys/bus/pci/drivers/vfio-pci", F_OK) == 0)
		EDUTEST_SKIP("vfio-pci is already loaded");
	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", root_bus_edu()), -1, 4);
	ASSERT_HAS(r.err, "modprobe vfio-pci");
}

static void test_load_vfio_modules(void)
{
	if (!vfio_config())
		EDUTEST_SKIP("only the vfio configurations load VFIO");
	/* From the guest kernel's own package (mkinitramfs.sh copies them). */
	ASSERT_EXIT(ARGS("modprobe", "vfio-pci"), -1, 0);
	/* busybox modprobe ignores vfio's softdep on the type1 IOMMU driver */
	ASSERT_EXIT(ARGS("modprobe", "vfio_iommu_type1"), -1, 0);
	CU_ASSERT_EQUAL(access("/sys/bus/pci/drivers/vfio-pci", F_OK), 0);
	CU_ASSERT_EQUAL(access("/dev/vfio/vfio", F_OK), 0);
}

static void test_bind_to_vfio(void)
{
	const char *addr = root_bus_edu();
	char drv[64], line[128], group[64], path[128], spec[64];
	struct libdma_device_desc descs[8];
	struct libdma_device *d;
	struct libdma_info info;
	int n, i, listed = 0;

	if (!vfio_config())
		EDUTEST_SKIP("only the vfio configurations bind to vfio-pci");
	/* Not root: refused, with the reason. */
	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", addr), NOBODY, 5);
	ASSERT_HAS(r.err, "run it as root");
	gu_pci_driver(addr, drv, sizeof(drv));
	CU_ASSERT_STRING_EQUAL(drv, "edudma");

	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", addr), -1, 0);
	snprintf(line, sizeof(line), "%.31s: edudma -> vfio-pci, IOMMU group", addr);
	ASSERT_HAS(r.out, line);
	snprintf(spec, sizeof(spec), "vfio:%.31s", addr);
	ASSERT_HAS(r.out, spec);
	CU_ASSERT(strstr(r.err, "note:") == NULL);	/* a group of its own */
	gu_pci_driver(addr, drv, sizeof(drv));
	CU_ASSERT_STRING_EQUAL(drv, "vfio-pci");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.31s/iommu_group", addr);
	n = (int)readlink(path, group, sizeof(group) - 1);
	CU_ASSERT_FATAL(n > 0);
	group[n] = '\0';
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(group, '/') + 1);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", addr), -1, 0);
	ASSERT_HAS(r.out, "already bound to vfio-pci");

	/* Discovery lists it, as what libdma_open() takes. */
	n = libdma_list(descs, 8);
	for (i = 0; i < n && i < 8; i++)
		if (!strcmp(descs[i].node, spec)) {
			listed = 1;
			CU_ASSERT_EQUAL(descs[i].index, LIBDMA_INDEX_NONE);
			CU_ASSERT_STRING_EQUAL(descs[i].pci_address, addr);
		}
	CU_ASSERT(listed);
	ASSERT_EXIT(ARGS("dmactl", "list"), -1, 0);
	ASSERT_HAS(r.out, spec);
	/* The kernel path points there. */
	CU_ASSERT_EQUAL(libdma_open_pci(addr, &d), -ENODEV);
	ASSERT_MSG_HAS("bound to vfio-pci");
	ASSERT_MSG_HAS(spec);

	/* And it opens through VFIO. */
	CU_ASSERT_EQUAL_FATAL(libdma_open(spec, &d), 0);
	CU_ASSERT_EQUAL(libdma_get_info(d, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.backend, "vfio");
	CU_ASSERT_STRING_EQUAL(info.node, spec);
	CU_ASSERT_STRING_EQUAL(info.pci_address, addr);
	CU_ASSERT_EQUAL(info.irq_mode, LIBDMA_IRQ_MSI);
	if (gu_config_is("sg-vfio")) {
		/* edu-sg's limits from its registers (test_vfio_sg: more) */
		CU_ASSERT_EQUAL(info.engine, LIBDMA_ENGINE_EDUSG);
		CU_ASSERT_EQUAL(info.window_size, 16u << 20);
		CU_ASSERT_EQUAL(info.dma_mask_bits, 64);
	} else {
		CU_ASSERT_EQUAL(info.engine, LIBDMA_ENGINE_EDU);
		CU_ASSERT_EQUAL(info.window_size, 4095);
		CU_ASSERT_EQUAL(info.dma_mask_bits, 28);
	}
	CU_ASSERT_EQUAL(info.version_major, 1);
	CU_ASSERT_EQUAL(info.index, LIBDMA_INDEX_NONE);
	CU_ASSERT_EQUAL(libdma_driver_abi_version(d), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	/* The library suites that follow find it through this variable. */
	CU_ASSERT_STRING_EQUAL(gu_test_device() ? gu_test_device() : "", spec);
}

static const struct edutest_case cases[] = {
	{ "bind_usage_and_absent_devices", test_bind_usage_and_absent_devices },
	{ "vfio_open_of_edudma_device", test_vfio_open_of_edudma_device },
	{ "bind_without_iommu", test_bind_without_iommu },
	{ "bind_needs_vfio_pci", test_bind_needs_vfio_pci },
	{ "load_vfio_modules", test_load_vfio_modules },
	{ "bind_to_vfio", test_bind_to_vfio },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "vfio_bind", suite_init, NULL, cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_vfio_bind", suites);
}
