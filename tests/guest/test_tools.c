// SPDX-License-Identifier: MIT
/*
 * The programs users run, run the way users run them: the examples (list,
 * roundtrip, pin) and dmactl, from /usr/local/bin (scripts/check.sh
 * EXTRA_BINS), by fork/exec. Checks exit statuses and the text people read:
 * that successes say what they did, and that failures say why, on stderr,
 * with the exit status `dmactl help` documents. Every command and its
 * output is echoed into the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define BIN_DIR		"/usr/local/bin"
#define OUT_MAX		(64 * 1024)

/* dmactl's documented exit statuses. */
#define EXIT_VERIFY	1
#define EXIT_USAGE	2
#define EXIT_NODEV	3
#define EXIT_UNSUPP	4

struct run {
	int status;		/* exit status, or 128 + signal */
	char out[OUT_MAX];	/* stdout */
	char err[OUT_MAX];	/* stderr */
};

static struct run r;		/* the last program run */
static struct libdma_info info;	/* device 0 */
static char pci0[32];		/* device 0's PCI address */
static int nr_edu;
static int sg;		/* /dev/edudma0 is an edu-sg */
/* What the tools print for device 0: "edu 1.0" or "edu-sg 1.1". */
static char dev_version[32];

static void read_back(int fd, char *buf)
{
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, OUT_MAX - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void echo_indented(const char *text)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);

		printf("    | %.*s\n", len, line);
		line += len + (nl != NULL);
	}
}

/*
 * Run BIN_DIR/<prog> with the given arguments (NULL-terminated), stdout and
 * stderr into r.out and r.err. Returns r.status.
 */
static int run(const char *prog, ...)
{
	char path[128], outname[] = "/tmp/tools-out-XXXXXX",
	     errname[] = "/tmp/tools-err-XXXXXX";
	const char *argv[32];
	int argc = 0, status, outfd, errfd;
	va_list ap;
	pid_t pid;

	snprintf(path, sizeof(path), BIN_DIR "/%s", prog);
	argv[argc++] = prog;
	va_start(ap, prog);
	while (argc < 31 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	printf("\n    $ %s", prog);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);

	memset(&r, 0, sizeof(r));
	r.status = -1;
	outfd = mkstemp(outname);
	errfd = mkstemp(errname);
	if (outfd < 0 || errfd < 0)
		return -1;
	unlink(outname);
	unlink(errname);
	pid = fork();
	if (pid == 0) {
		dup2(outfd, 1);
		dup2(errfd, 2);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) :
		   128 + WTERMSIG(status);
	read_back(outfd, r.out);
	read_back(errfd, r.err);
	echo_indented(r.out);
	if (r.err[0]) {
		printf("    (stderr)\n");
		echo_indented(r.err);
	}
	printf("    (exit %d)\n", r.status);
	return r.status;
}

/* Assert that 'text' contains 'needle', saying what was missing. */
#define ASSERT_HAS(text, needle) do {					\
	int found_ = strstr((text), (needle)) != NULL;			\
	if (!found_)							\
		printf("    MISSING: \"%s\" in " #text "\n", (needle));	\
	CU_ASSERT(found_);						\
} while (0)

#define ASSERT_EXIT(call, code) do {					\
	int st_ = (call);						\
	if (st_ != (code))						\
		printf("    WRONG EXIT: %d, expected %d\n", st_, (code));	\
	CU_ASSERT_EQUAL(st_, (code));					\
} while (0)

static int have(const char *prog)
{
	char path[128];

	snprintf(path, sizeof(path), BIN_DIR "/%s", prog);
	return access(path, X_OK) == 0;
}

#define REQUIRE_BIN(prog) do {						\
	if (!have(prog))						\
		EDUTEST_SKIP(BIN_DIR "/" prog " is not in the initramfs "	\
			     "(EXTRA_BINS; make check passes it)");	\
} while (0)

static int suite_init(void)
{
	struct libdma_device *dev;
	char link[128], target[256];
	const char *slash;
	ssize_t n;

	if (libdma_open("0", &dev) || libdma_get_info(dev, &info)) {
		printf("cannot open device 0: %s\n", libdma_errmsg());
		return -1;
	}
	libdma_close(dev);
	nr_edu = gu_count_nodes();
	sg = gu_is_edusg(0);
	snprintf(dev_version, sizeof(dev_version), "%s %u.%u", sg ? "edu-sg" : "edu",
		 info.version_major, info.version_minor);
	snprintf(link, sizeof(link), "/sys/class/edudma/edudma0/device");
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(pci0, sizeof(pci0), "%.31s", slash ? slash + 1 : target);
	return 0;
}

static const char *irq_mode(void)
{
	return gu_config_is("intx") ? "intx" : "msi";
}

/* ---------------------------------------------------------- examples */

static void test_example_list(void)
{
	char line[128];

	REQUIRE_BIN("list");
	ASSERT_EXIT(run("list", NULL), 0);
	ASSERT_HAS(r.out, libdma_version_string());
	snprintf(line, sizeof(line), "/dev/edudma0: %s at PCI %s, irq %s",
		 dev_version, pci0, irq_mode());
	ASSERT_HAS(r.out, line);
	ASSERT_HAS(r.out, "driver ABI 1");
	if (nr_edu > 1)
		ASSERT_HAS(r.out, "/dev/edudma1: edu");
}

static void test_example_roundtrip(void)
{
	REQUIRE_BIN("roundtrip");
	ASSERT_EXIT(run("roundtrip", NULL), 0);
	ASSERT_HAS(r.out, "verified");
	ASSERT_HAS(r.out, "to device");
	ASSERT_EXIT(run("roundtrip", "/dev/edudma0", "100", NULL), 0);
	ASSERT_HAS(r.out, "verified: 100 bytes came back unchanged");
	ASSERT_EXIT(run("roundtrip", pci0, NULL), 0);
	if (nr_edu > 1)
		ASSERT_EXIT(run("roundtrip", "1", NULL), 0);
	/* More than one window (or one buffer): refused with a hint, non-zero. */
	CU_ASSERT_NOT_EQUAL(run("roundtrip", "0", sg ? "99999999" : "99999", NULL), 0);
	ASSERT_HAS(r.err, "BYTES must be");
}

static void test_example_pin(void)
{
	REQUIRE_BIN("pin");
	if (info.features & LIBDMA_FEAT_PIN) {
		ASSERT_EXIT(run("pin", NULL), 0);
		ASSERT_HAS(r.out, "registered 65536 bytes");
		ASSERT_HAS(r.out, "verified: the copy matches");
	} else {
		/* Before the driver can pin: a clear refusal. */
		CU_ASSERT_NOT_EQUAL(run("pin", NULL), 0);
		ASSERT_HAS(r.err, "not supported");
	}
}

/* ------------------------------------------------------------ dmactl */

static void test_dmactl_list(void)
{
	char row[128];

	REQUIRE_BIN("dmactl");
	ASSERT_EXIT(run("dmactl", "list", NULL), 0);
	ASSERT_HAS(r.out, "NODE");
	ASSERT_HAS(r.out, "PCI ADDRESS");
	ASSERT_HAS(r.out, "WINDOW");
	ASSERT_HAS(r.out, "NUMA");
	snprintf(row, sizeof(row), "%-14s %-13s %-7s %6u  %-4s", "/dev/edudma0",
		 pci0, dev_version + (sg ? 7 : 4), info.window_size, irq_mode());
	ASSERT_HAS(r.out, row);
	if (nr_edu > 1)
		ASSERT_HAS(r.out, "/dev/edudma1 ");
	CU_ASSERT_STRING_EQUAL(r.err, "");
	ASSERT_EXIT(run("dmactl", "list", "extra", NULL), EXIT_USAGE);
}

static void test_dmactl_info(void)
{
	char line[128];

	REQUIRE_BIN("dmactl");
	ASSERT_EXIT(run("dmactl", "info", NULL), 0);
	ASSERT_HAS(r.out, "/dev/edudma0\n");
	ASSERT_HAS(r.out, pci0);
	snprintf(line, sizeof(line), "%s (ident 0x%08x)", dev_version, info.dev_ident);
	ASSERT_HAS(r.out, line);
	ASSERT_HAS(r.out, "driver abi       1");
	snprintf(line, sizeof(line), "interrupt        %s", irq_mode());
	ASSERT_HAS(r.out, line);
	if (sg) {
		snprintf(line, sizeof(line), "%u bytes of on-card RAM", info.window_size);
		ASSERT_HAS(r.out, line);
		ASSERT_HAS(r.out, "descriptor ring of 1024, 1023 in flight, up to 16 MiB");
		ASSERT_HAS(r.out, "irq-test coherent transfer copy");
		ASSERT_HAS(r.out, "(not: factorial)");
	} else {
		snprintf(line, sizeof(line), "%u bytes per DMA command", info.window_size);
		ASSERT_HAS(r.out, line);
		ASSERT_HAS(r.out, "4096 bytes at device address 0x40000");
		ASSERT_HAS(r.out, "irq-test factorial coherent transfer copy");
	}
	ASSERT_HAS(r.out, "features");
	ASSERT_HAS(r.out, "asynchronous requests per open file");
	/* sysfs: the attributes and counters. */
	ASSERT_HAS(r.out, "sysfs /sys/class/edudma/edudma0/");
	ASSERT_HAS(r.out, "irq_count");
	ASSERT_HAS(r.out, "commands");
	snprintf(line, sizeof(line), "ident            0x%08x", info.dev_ident);
	ASSERT_HAS(r.out, line);
	snprintf(line, sizeof(line), "irq_mode         %s", irq_mode());
	ASSERT_HAS(r.out, line);

	/* Every spelling of DEV names the same device. */
	ASSERT_EXIT(run("dmactl", "info", pci0, NULL), 0);
	ASSERT_HAS(r.out, "/dev/edudma0\n");
	ASSERT_EXIT(run("dmactl", "info", "/dev/edudma0", NULL), 0);
	ASSERT_EXIT(run("dmactl", "info", "edudma0", NULL), 0);
	if (nr_edu > 1) {
		ASSERT_EXIT(run("dmactl", "info", "1", NULL), 0);
		ASSERT_HAS(r.out, "/dev/edudma1\n");
		ASSERT_HAS(r.out, "sysfs /sys/class/edudma/edudma1/");
	}
}

static void test_dmactl_irq_test(void)
{
	uint64_t before = 0, after = 0;

	REQUIRE_BIN("dmactl");
	CU_ASSERT_EQUAL(gu_attr_u64(0, "irq_count", &before), 0);
	ASSERT_EXIT(run("dmactl", "irq-test", "--count", "5", NULL), 0);
	ASSERT_HAS(r.out, "raised 5, seen by the handler 5");
	ASSERT_HAS(r.out, "latency");
	ASSERT_HAS(r.out, irq_mode());
	CU_ASSERT_EQUAL(gu_attr_u64(0, "irq_count", &after), 0);
	CU_ASSERT(after >= before + 5);
	ASSERT_EXIT(run("dmactl", "irq-test", "0", "--value", "0x00f00000", NULL), 0);
	ASSERT_HAS(r.out, "status bits 0x00f00000: raised 1, seen by the handler 1");
	if (nr_edu > 1)
		ASSERT_EXIT(run("dmactl", "irq-test", "/dev/edudma1", NULL), 0);
	/* The driver's own bits are a usage error. */
	ASSERT_EXIT(run("dmactl", "irq-test", "--value", "0x100", NULL), EXIT_USAGE);
	ASSERT_HAS(r.err, "belong to the driver");
	ASSERT_EXIT(run("dmactl", "irq-test", "--count", "0", NULL), EXIT_USAGE);
}

static void test_dmactl_factorial(void)
{
	REQUIRE_BIN("dmactl");
	if (sg) {
		/* no factorial unit: "not supported", its own exit status */
		ASSERT_EXIT(run("dmactl", "factorial", "10", NULL), EXIT_UNSUPP);
		ASSERT_HAS(r.err, "not supported");
		return;
	}
	ASSERT_EXIT(run("dmactl", "factorial", "10", NULL), 0);
	ASSERT_HAS(r.out, "10! = 3628800\n");
	ASSERT_HAS(r.out, "completion by interrupt");
	ASSERT_EXIT(run("dmactl", "factorial", "10", "--poll", NULL), 0);
	ASSERT_HAS(r.out, "completion by polling");
	ASSERT_EXIT(run("dmactl", "factorial", "0", "13", NULL), 0);
	ASSERT_HAS(r.out, "13! = 1932053504 (mod 2^32");
	ASSERT_EXIT(run("dmactl", "factorial", "0", NULL), 0);	/* N, not DEV */
	ASSERT_HAS(r.out, "0! = 1\n");
	if (nr_edu > 1) {
		ASSERT_EXIT(run("dmactl", "factorial", "1", "5", NULL), 0);
		ASSERT_HAS(r.out, "/dev/edudma1: 5! = 120");
	}
	ASSERT_EXIT(run("dmactl", "factorial", NULL), EXIT_USAGE);
	ASSERT_EXIT(run("dmactl", "factorial", "-3", NULL), EXIT_USAGE);
	ASSERT_EXIT(run("dmactl", "factorial", "x", NULL), EXIT_USAGE);
	ASSERT_EXIT(run("dmactl", "factorial", "0", "1", "2", NULL), EXIT_USAGE);
}

static void test_dmactl_copy_coherent(void)
{
	int buffers = gu_attr_int(0, "nr_buffers");
	uint64_t before = gu_commands(0);

	REQUIRE_BIN("dmactl");
	ASSERT_EXIT(run("dmactl", "copy", "--size", "10000", NULL), 0);
	ASSERT_HAS(r.out, "copy 10000 bytes, coherent memory");
	/*
	 * edu: 10000 bytes in 4095-byte chunks: 3 chunks, 2 commands each;
	 * edu-sg: one descriptor between two coherent buffers.
	 */
	ASSERT_HAS(r.out, sg ? "run 1: 10000 bytes, 1 commands" :
			       "run 1: 10000 bytes, 6 commands");
	ASSERT_HAS(r.out, "device ");
	ASSERT_HAS(r.out, "host ");
	ASSERT_HAS(r.out, "wall ");
	ASSERT_HAS(r.out, "DMA segments");
	ASSERT_HAS(r.out, "verified: every byte of 1 run arrived intact");
	CU_ASSERT_EQUAL(gu_commands(0), before + (sg ? 1 : 6));

	ASSERT_EXIT(run("dmactl", "copy", "0", "--size", "64K", "--mode",
			"coherent", "--repeat", "3", NULL), 0);
	ASSERT_HAS(r.out, "run 3: 65536 bytes");
	ASSERT_HAS(r.out, "total: 196608 bytes");
	ASSERT_HAS(r.out, "verified: every byte of 3 runs arrived intact");
	if (nr_edu > 1) {
		ASSERT_EXIT(run("dmactl", "copy", "1", "--size", "5000", NULL), 0);
		ASSERT_HAS(r.out, "/dev/edudma1: copy 5000 bytes");
	}
	/* dmactl freed what it allocated. */
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), buffers);
}

/* pinned and oneshot: work once the driver has the feature, else exit 4. */
static void check_user_mode(const char *mode, uint64_t feature,
			    const char *feature_name)
{
	int pinned = gu_attr_int(0, "nr_pinned");

	if (info.features & feature) {
		ASSERT_EXIT(run("dmactl", "copy", "--size", "100000", "--mode",
				mode, "--repeat", "2", NULL), 0);
		ASSERT_HAS(r.out, "verified: every byte of 2 runs arrived intact");
		CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), pinned);
	} else {
		ASSERT_EXIT(run("dmactl", "copy", "--size", "100000", "--mode",
				mode, NULL), EXIT_UNSUPP);
		ASSERT_HAS(r.err, "not supported");
		ASSERT_HAS(r.err, feature_name);
		ASSERT_HAS(r.err, "--mode coherent works");
	}
}

static void test_dmactl_copy_pinned(void)
{
	REQUIRE_BIN("dmactl");
	check_user_mode("pinned", LIBDMA_FEAT_PIN, "\"pin\"");
}

static void test_dmactl_copy_oneshot(void)
{
	REQUIRE_BIN("dmactl");
	check_user_mode("oneshot", LIBDMA_FEAT_USER_REGION, "\"user-region\"");
}

static void test_dmactl_copy_usage(void)
{
	REQUIRE_BIN("dmactl");
	ASSERT_EXIT(run("dmactl", "copy", NULL), EXIT_USAGE);
	ASSERT_HAS(r.err, "--size BYTES is required");
	ASSERT_EXIT(run("dmactl", "copy", "--size", "0", NULL), EXIT_USAGE);
	ASSERT_EXIT(run("dmactl", "copy", "--size", "12Q", NULL), EXIT_USAGE);
	ASSERT_EXIT(run("dmactl", "copy", "--size", "4K", "--mode", "dma", NULL),
		    EXIT_USAGE);
	ASSERT_EXIT(run("dmactl", "copy", "--size", "4K", "--repeat", "0", NULL),
		    EXIT_USAGE);
	/* Larger than a coherent buffer can be: says so, suggests the others. */
	ASSERT_EXIT(run("dmactl", "copy", "--size", "1G", NULL), EXIT_USAGE);
	ASSERT_HAS(r.err, "--mode pinned or oneshot");
}

/* dmactl dmabuf: both peers, verified; exit 4 without the feature. */
static void test_dmactl_dmabuf(void)
{
	int buffers = gu_attr_int(0, "nr_buffers");

	REQUIRE_BIN("dmactl");
	ASSERT_EXIT(run("dmactl", "dmabuf", "--peer", "gpu", NULL), EXIT_USAGE);
	ASSERT_HAS(r.err, "--peer is self or vgem");
	ASSERT_EXIT(run("dmactl", "dmabuf", "--size", "0", NULL), EXIT_USAGE);
	if (!(info.features & LIBDMA_FEAT_DMABUF)) {
		ASSERT_EXIT(run("dmactl", "dmabuf", NULL), EXIT_UNSUPP);
		ASSERT_HAS(r.err, "dma-buf");
		return;
	}
	ASSERT_EXIT(run("dmactl", "dmabuf", "--size", "100000", NULL), 0);
	ASSERT_HAS(r.out, "exported buffer A");
	ASSERT_HAS(r.out, "imported A's dma-buf as buffer I: 102400 bytes");
	ASSERT_HAS(r.out, "verified: 100000 bytes through the dma-buf's mmap");
	ASSERT_HAS(r.out, "verified: 100000 bytes through A's mapping");
	ASSERT_HAS(r.out, "the dma-buf kept A's memory alive");
	ASSERT_HAS(r.out, "verified: every byte crossed the dma-buf intact");
	CU_ASSERT_STRING_EQUAL(r.err, "");
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), buffers);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_exported"), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_imported"), 0);

	/* another driver's memory: vgem, absent first, then loaded */
	if (system("rmmod vgem 2>/dev/null") == -1)
		printf("    system() failed\n");
	ASSERT_EXIT(run("dmactl", "dmabuf", "--peer", "vgem", NULL), 5);
	ASSERT_HAS(r.err, "modprobe vgem");
	CU_ASSERT_EQUAL_FATAL(system("modprobe vgem"), 0);
	ASSERT_EXIT(run("dmactl", "dmabuf", "0", "--peer", "vgem", "--size", "256K", NULL), 0);
	ASSERT_HAS(r.out, "PRIME dma-buf fd");
	ASSERT_HAS(r.out, "verified: 262144 bytes through vgem's mapping");
	ASSERT_HAS(r.out, "verified: 262144 bytes through A's mapping");
	ASSERT_HAS(r.out, "verified: every byte crossed the dma-buf intact");
	CU_ASSERT_EQUAL(system("rmmod vgem"), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), buffers);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_imported"), 0);
}

static void test_dmactl_bad_device(void)
{
	REQUIRE_BIN("dmactl");
	ASSERT_EXIT(run("dmactl", "info", "nonsense!", NULL), EXIT_NODEV);
	ASSERT_HAS(r.err, "cannot open device 'nonsense!'");
	ASSERT_HAS(r.err, "is none of");
	ASSERT_HAS(r.err, "'dmactl list' shows them");
	CU_ASSERT_STRING_EQUAL(r.out, "");
	ASSERT_EXIT(run("dmactl", "info", "31", NULL), EXIT_NODEV);
	ASSERT_HAS(r.err, "no edudma device with index 31");
	ASSERT_EXIT(run("dmactl", "factorial", "/dev/edudma31", "5", NULL), EXIT_NODEV);
	ASSERT_HAS(r.err, "/dev/edudma31");
	ASSERT_EXIT(run("dmactl", "copy", "0000:ff:1f.7", "--size", "4K", NULL),
		    EXIT_NODEV);
	ASSERT_HAS(r.err, "0000:ff:1f.7");
	ASSERT_EXIT(run("dmactl", "irq-test", "/dev/null", NULL), EXIT_NODEV);
	ASSERT_HAS(r.err, "not an edudma device");
	ASSERT_EXIT(run("dmactl", "info", "vfio:00:04.0", NULL), EXIT_NODEV);
	ASSERT_HAS(r.err, "VFIO");
}

static void test_dmactl_usage_and_help(void)
{
	static const char *const cmds[] = {
		"list", "info", "irq-test", "factorial", "copy", "version",
	};
	char usage[64];
	size_t i;

	REQUIRE_BIN("dmactl");
	ASSERT_EXIT(run("dmactl", NULL), EXIT_USAGE);
	ASSERT_HAS(r.err, "Usage: dmactl COMMAND");
	ASSERT_EXIT(run("dmactl", "frobnicate", NULL), EXIT_USAGE);
	ASSERT_HAS(r.err, "unknown command 'frobnicate'");
	ASSERT_EXIT(run("dmactl", "info", "--bogus", NULL), EXIT_USAGE);
	ASSERT_HAS(r.err, "Try 'dmactl info --help'");

	ASSERT_EXIT(run("dmactl", "--help", NULL), 0);
	ASSERT_HAS(r.out, "Exit status");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ASSERT_HAS(r.out, cmds[i]);
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(usage, sizeof(usage), "Usage: dmactl %s", cmds[i]);
		ASSERT_EXIT(run("dmactl", cmds[i], "--help", NULL), 0);
		ASSERT_HAS(r.out, usage);
		ASSERT_HAS(r.out, "Exit status");
	}
	ASSERT_EXIT(run("dmactl", "help", "copy", NULL), 0);
	ASSERT_HAS(r.out, "Usage: dmactl copy");
	ASSERT_EXIT(run("dmactl", "help", "nope", NULL), EXIT_USAGE);
}

static void test_dmactl_version(void)
{
	char line[64];

	REQUIRE_BIN("dmactl");
	ASSERT_EXIT(run("dmactl", "version", NULL), 0);
	snprintf(line, sizeof(line), "libdma %s", libdma_version_string());
	ASSERT_HAS(r.out, line);
	ASSERT_HAS(r.out, "driver edudma ABI 1 (/dev/edudma0)");
	ASSERT_EXIT(run("dmactl", "--version", NULL), 0);
}

/*
 * Last: without the module every tool says so, in libdma's words, and
 * dmactl exits 3. The module is loaded again afterwards.
 */
static void test_module_not_loaded(void)
{
	int err;

	REQUIRE_BIN("dmactl");
	err = gu_module_unload();
	if (err)
		printf("    rmmod: %s\n", strerror(-err));
	CU_ASSERT_EQUAL_FATAL(err, 0);

	ASSERT_EXIT(run("dmactl", "list", NULL), EXIT_NODEV);
	ASSERT_HAS(r.err, "module edudma not loaded");
	ASSERT_EXIT(run("dmactl", "info", NULL), EXIT_NODEV);
	ASSERT_HAS(r.err, "module edudma not loaded");
	ASSERT_EXIT(run("dmactl", "copy", "--size", "4K", NULL), EXIT_NODEV);
	ASSERT_HAS(r.err, "module edudma not loaded");
	ASSERT_EXIT(run("dmactl", "version", NULL), 0);
	ASSERT_HAS(r.out, "driver: not available (module edudma not loaded");
	if (have("list")) {
		ASSERT_EXIT(run("list", NULL), 0);
		ASSERT_HAS(r.out, "no devices: module edudma not loaded");
	}

	err = gu_module_load(NULL);
	if (err)
		printf("    insmod: %s\n", strerror(-err));
	CU_ASSERT_EQUAL_FATAL(err, 0);
	ASSERT_EXIT(run("dmactl", "list", NULL), 0);
	ASSERT_HAS(r.out, "/dev/edudma0");
}

static const struct edutest_case example_cases[] = {
	{ "example_list", test_example_list },
	{ "example_roundtrip", test_example_roundtrip },
	{ "example_pin", test_example_pin },
	{ NULL, NULL },
};

static const struct edutest_case dmactl_cases[] = {
	{ "list", test_dmactl_list },
	{ "info", test_dmactl_info },
	{ "irq_test", test_dmactl_irq_test },
	{ "factorial", test_dmactl_factorial },
	{ "copy_coherent", test_dmactl_copy_coherent },
	{ "copy_pinned", test_dmactl_copy_pinned },
	{ "copy_oneshot", test_dmactl_copy_oneshot },
	{ "copy_usage", test_dmactl_copy_usage },
	{ "dmabuf", test_dmactl_dmabuf },
	{ "bad_device", test_dmactl_bad_device },
	{ "usage_and_help", test_dmactl_usage_and_help },
	{ "version", test_dmactl_version },
	{ NULL, NULL },
};

static const struct edutest_case nomodule_cases[] = {
	{ "module_not_loaded", test_module_not_loaded },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "examples", suite_init, NULL, example_cases },
	{ "dmactl", suite_init, NULL, dmactl_cases },
	{ "nomodule", suite_init, NULL, nomodule_cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_tools", suites);
}
