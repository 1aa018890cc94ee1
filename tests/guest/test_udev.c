// SPDX-License-Identifier: MIT
/*
 * udev and non-root use, in the udev configuration (edutest.udev=1, see
 * scripts/guest-init.sh): the real systemd-udevd has applied our installed
 * udev/60-edudma.rules. Checked here:
 *   - every /dev/edudma<N> is root:edudma 0660, with the stable name
 *     /dev/edudma/by-path/pci-<address> -> ../../edudma<N>, in udev's
 *     database too (ID_PATH, DEVLINKS, tag "systemd");
 *   - the rules pass `udevadm verify` (udev >= 253) or, on older udev, parse
 *     without a complaint in `udevadm test` and udevd's own log; a broken
 *     copy proves that check catches errors;
 *   - udev/activate.sh (what `make install-udev` runs) reloads the rules
 *     and re-applies them: a same-named override in /etc/udev/rules.d
 *     takes effect, and its removal restores ours;
 *   - hotplug: after unloading the module libdma says "module edudma not
 *     loaded" and udevd removes the links; after loading it again udevd
 *     (not a trigger) applies the rules to the new nodes;
 *   - a non-root user in group edudma passes the library suites (test_lib,
 *     test_lib_dma, test_lib_threads) under an 8 MiB RLIMIT_MEMLOCK;
 *   - a user outside the group gets -EACCES and a message naming the node,
 *     the group and the fix; a user added to the group after login is told
 *     to log in again; dmactl says the same, when it is in the image.
 * Users (from mkinitramfs.sh --udev): edutest (in edudma), outsider.
 * In configurations without udev (no EDUTEST_UDEV from init) the program
 * reports a single skip.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define MAX_EDU		8
#define GROUP		"edudma"
#define MEMBER		"edutest"	/* in group edudma */
#define OUTSIDER	"outsider"	/* not */
#define RULES		"/usr/lib/udev/rules.d/60-edudma.rules"
#define BY_PATH		"/dev/edudma/by-path"
#define MEMLOCK		(8u << 20)	/* the kernel's default RLIMIT_MEMLOCK */

static int nr_dev;
static char pci[MAX_EDU][32];	/* PCI address of edudma<N> */
static gid_t edudma_gid;


/* ------------------------------------------------------------ helpers */

/* PCI address behind /sys/class/edudma/edudma<index>. */
static int pci_of_index(int index, char *addr, size_t len)
{
	char path[96], target[256];
	const char *slash;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/edudma/edudma%d/device", index);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(addr, len, "%.31s", slash ? slash + 1 : target);
	return 0;
}

/* Run a shell command; its output (stdout and stderr) into a malloc'd string. */
static int run(const char *cmd, char **output)
{
	char full[512], *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *p;
	int c, status;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	if (!p)
		return -1;
	while ((c = fgetc(p)) != EOF) {
		if (len + 2 > cap) {
			char *grown = realloc(buf, cap = cap ? 2 * cap : 4096);

			if (!grown)
				break;
			buf = grown;
		}
		buf[len++] = (char)c;
	}
	if (buf)
		buf[len] = '\0';
	status = pclose(p);
	if (output)
		*output = buf ? buf : strdup("");
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void settle(void)
{
	run("udevadm settle --timeout=30", NULL);
}

/* Lines of 'text' that contain 'needle', printed; how many. */
static int print_lines_with(const char *text, const char *needle,
			    const char *const *words)
{
	const char *line = text;
	int n = 0;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char copy[1024];
		int w;

		snprintf(copy, sizeof(copy), "%.*s", (int)len, line);
		for (w = 0; words[w]; w++)
			if (strstr(copy, needle) && strstr(copy, words[w])) {
				printf("\n    %s", copy);
				n++;
				break;
			}
		line = end ? end + 1 : NULL;
	}
	return n;
}

/*
 * Become 'user' for good: with all its groups from /etc/group, or - to
 * model a session that started before the user joined a group - with its
 * primary group only. Also caps RLIMIT_MEMLOCK. In a child only.
 */
static int become(const char *user, bool all_groups)
{
	struct rlimit rl = { MEMLOCK, MEMLOCK };
	struct passwd *pw = getpwnam(user);

	if (!pw)
		return -1;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return -1;
	if (all_groups ? initgroups(user, pw->pw_gid) : setgroups(1, &pw->pw_gid))
		return -1;
	if (setgid(pw->pw_gid) || setuid(pw->pw_uid))
		return -1;
	/* no way back: privileges are really gone */
	if (geteuid() != pw->pw_uid || setuid(0) == 0)
		return -1;
	return 0;
}

/* What a child saw opening a device as another user. */
struct probe {
	int setup;		/* 0, or -1 when dropping privileges failed */
	int err;		/* libdma_open() */
	int listed;		/* libdma_list() */
	char msg[512];		/* libdma_errmsg() after the open */
};

static void probe_as(const char *user, bool all_groups, const char *spec,
		     struct probe *pr)
{
	int fds[2], status;
	pid_t pid;

	memset(pr, 0, sizeof(*pr));
	pr->setup = -1;
	if (pipe(fds))
		return;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct libdma_device *dev = NULL;
		struct probe r;

		memset(&r, 0, sizeof(r));
		close(fds[0]);
		r.setup = become(user, all_groups);
		if (!r.setup) {
			r.listed = libdma_list(NULL, 0);
			r.err = libdma_open(spec, &dev);
			snprintf(r.msg, sizeof(r.msg), "%s", libdma_errmsg());
			if (!r.err)
				libdma_close(dev);
		}
		if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], pr, sizeof(*pr)) != (ssize_t)sizeof(*pr))
		pr->setup = -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	printf("\n    as %s%s, open(\"%s\") = %d%s%s", user,
	       all_groups ? "" : " (primary group only)", spec, pr->err,
	       pr->err ? ": " : "", pr->err ? pr->msg : "");
}

/*
 * Run 'argv' as 'user' (all its groups); its output (stdout and stderr)
 * into a malloc'd string. Returns the exit status.
 */
static int run_program_as(const char *user, char *const argv[], char **output)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fds[2], status = -1;
	ssize_t n;
	pid_t pid;

	*output = buf;
	if (!buf || pipe(fds))
		return -1;
	buf[0] = '\0';
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[1]);
		if (become(user, true)) {
			printf("cannot become %s\n", user);
			_exit(126);
		}
		execv(argv[0], argv);
		printf("exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && (n = read(fds[0], buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		if (len + 1 == cap) {
			char *grown = realloc(buf, cap *= 2);

			if (!grown)
				break;
			*output = buf = grown;
		}
	}
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Group, mode and stable name of every node, as the rules make them. */
static void check_nodes(void)
{
	int i;

	for (i = 0; i < nr_dev; i++) {
		char node[32], link[128], target[64];
		struct stat st, via_link;
		ssize_t n;

		snprintf(node, sizeof(node), "/dev/edudma%d", i);
		CU_ASSERT_EQUAL_FATAL(stat(node, &st), 0);
		CU_ASSERT_TRUE(S_ISCHR(st.st_mode));
		CU_ASSERT_EQUAL(st.st_uid, 0);
		CU_ASSERT_EQUAL(st.st_gid, edudma_gid);
		CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
		if (st.st_gid != edudma_gid || (st.st_mode & 07777) != 0660)
			printf("\n    %s: gid %u mode %04o", node,
			       (unsigned int)st.st_gid,
			       (unsigned int)(st.st_mode & 07777));

		snprintf(link, sizeof(link), BY_PATH "/pci-%.31s", pci[i]);
		n = readlink(link, target, sizeof(target) - 1);
		CU_ASSERT_TRUE_FATAL(n > 0);
		target[n] = '\0';
		snprintf(node, sizeof(node), "../../edudma%d", i);
		CU_ASSERT_STRING_EQUAL(target, node);
		CU_ASSERT_EQUAL_FATAL(stat(link, &via_link), 0);
		CU_ASSERT_EQUAL(via_link.st_rdev, st.st_rdev);
	}
}

/* Entries in a directory (-1 if it does not exist). */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* -------------------------------------------------------------- suite */

static int suite_init(void)
{
	struct group *gr;

	gr = getgrnam(GROUP);
	if (!gr) {
		printf("group %s missing from /etc/group\n", GROUP);
		return -1;
	}
	edudma_gid = gr->gr_gid;
	settle();
	for (nr_dev = 0; nr_dev < MAX_EDU; nr_dev++)
		if (pci_of_index(nr_dev, pci[nr_dev], sizeof(pci[nr_dev])))
			break;
	return nr_dev > 0 ? 0 : -1;
}

static void test_udevd_running(void)
{
	CU_ASSERT_EQUAL(run("udevadm control --ping", NULL), 0);
	CU_ASSERT_EQUAL(access(RULES, R_OK), 0);
}

static void test_node_group_mode_links(void)
{
	check_nodes();
	/* one link per device, nothing stale */
	CU_ASSERT_EQUAL(count_entries(BY_PATH), nr_dev);
}

static void test_udev_database(void)
{
	char cmd[128], want[128], *out = NULL;
	int i;

	for (i = 0; i < nr_dev; i++) {
		snprintf(cmd, sizeof(cmd),
			 "udevadm info --query=property --name=/dev/edudma%d", i);
		CU_ASSERT_EQUAL_FATAL(run(cmd, &out), 0);
		snprintf(want, sizeof(want), "ID_PATH=pci-%.31s\n", pci[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
		snprintf(want, sizeof(want), BY_PATH "/pci-%.31s", pci[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, ":systemd:"));
		if (!strstr(out, ":systemd:") || !strstr(out, want))
			printf("\n%s", out);
		free(out);
		out = NULL;
	}
}

/*
 * Does `udevadm` find fault with the rules in 'file'? udevadm verify where
 * it exists (udev 253+); else udevadm test, which parses every rules file
 * and logs "<file>:<line> <problem>" for what it rejects or ignores.
 */
static bool have_verify(void)
{
	return run("udevadm verify --help", NULL) == 0;
}

static int rules_complaints(const char *file)
{
	static const char *const words[] = {
		"nvalid", "gnoring", "nknown", "rror", "ailed", "not ", NULL,
	};
	char cmd[256], *out = NULL;
	const char *base = strrchr(file, '/') + 1;
	int rc, n;

	if (have_verify()) {
		snprintf(cmd, sizeof(cmd), "udevadm verify %s", file);
		rc = run(cmd, &out);
		if (rc)
			printf("\n%s", out);
		free(out);
		return rc != 0;
	}
	rc = run("udevadm test --action=add /sys/class/edudma/edudma0", &out);
	if (rc || !strstr(out, base)) {
		printf("\n    udevadm test rc=%d, %s not read:\n%s", rc, base, out);
		free(out);
		return 1;
	}
	n = print_lines_with(out, base, words);
	free(out);
	return n;
}

static void test_rules_pass_udevadm(void)
{
	static const char broken[] = "/run/udev/rules.d/61-edudma-broken.rules";
	char *log = NULL;
	FILE *f;

	printf("\n    checking with udevadm %s", have_verify() ? "verify" : "test");
	CU_ASSERT_EQUAL(rules_complaints(RULES), 0);

	/* udevd itself said nothing about our file when it loaded it */
	CU_ASSERT_EQUAL(run("cat /run/udevd.log", &log), 0);
	if (log) {
		static const char *const any[] = { "", NULL };
		static const char *const bad[] = { "rror", "ailed", "arning", NULL };

		CU_ASSERT_EQUAL(print_lines_with(log, "60-edudma.rules", any), 0);
		/* for the record, not a failure: udevd's other complaints */
		printf("\n    udevd's log (%zu bytes), errors and warnings:",
		       strlen(log));
		if (!print_lines_with(log, "", bad))
			printf(" none");
		free(log);
	}

	/* The check is not blind: a misspelt key and an assignment used as a
	 * match are both reported. */
	run("mkdir -p /run/udev/rules.d", NULL);
	f = fopen(broken, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("SUBSYSTEM==\"edudma\", GRUOP=\"edudma\"\n"
	      "SUBSYSTEM==\"edudma\", MODE==\"0660\", SYMLINK+=\"x\"\n", f);
	fclose(f);
	printf("\n    a broken copy must be reported:");
	CU_ASSERT_TRUE(rules_complaints(broken) > 0);
	/* ... and udevd logs it when it loads it: its log is worth reading */
	run("udevadm control --reload && udevadm trigger --subsystem-match=edudma"
	    " && udevadm settle --timeout=30", NULL);
	CU_ASSERT_EQUAL(run("grep -c 61-edudma-broken.rules /run/udevd.log", NULL), 0);
	unlink(broken);
	run("udevadm control --reload && udevadm trigger --subsystem-match=edudma"
	    " && udevadm settle --timeout=30", NULL);
}

/*
 * What `make install-udev` does on a live system (udev/activate.sh): reload
 * udev and re-trigger the edudma nodes. Proven with the override
 * docs/install.md documents: a same-named file in /etc/udev/rules.d
 * replaces ours.
 */
static void test_activate_reloads_rules(void)
{
	static const char over[] = "/etc/udev/rules.d/60-edudma.rules";
	static const char activate[] = "/usr/local/sbin/edudma-udev-activate";
	char *out = NULL;
	struct stat st;
	FILE *f;

	if (access(activate, X_OK))
		EDUTEST_SKIP("activate script not in this image");
	run("mkdir -p /etc/udev/rules.d", NULL);
	f = fopen(over, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("SUBSYSTEM==\"edudma\", KERNEL==\"edudma[0-9]*\", "
	      "GROUP=\"" GROUP "\", MODE=\"0640\"\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(run(activate, &out), 0);
	printf("\n    with an override: %s", out ? out : "");
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "udev reloaded"));
	free(out);
	CU_ASSERT_EQUAL(stat("/dev/edudma0", &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_TRUE(count_entries(BY_PATH) <= 0);	/* the override has none */

	unlink(over);
	CU_ASSERT_EQUAL(run(activate, &out), 0);
	printf("    without: %s", out ? out : "");
	free(out);
	check_nodes();
	CU_ASSERT_EQUAL(count_entries(BY_PATH), nr_dev);
}

/*
 * Hotplug, through udevd's own event handling: unload (links go, libdma
 * says the module is missing), load again (the rules apply to new nodes).
 */
static void test_unload_load_events(void)
{
	struct libdma_device *dev = NULL;
	char link[128];
	int err;

	snprintf(link, sizeof(link), BY_PATH "/pci-%.31s", pci[0]);
	CU_ASSERT_EQUAL_FATAL(gu_module_unload(), 0);
	settle();
	CU_ASSERT_NOT_EQUAL(access("/dev/edudma0", F_OK), 0);
	CU_ASSERT_TRUE(count_entries(BY_PATH) <= 0);

	err = libdma_open("0", &dev);
	CU_ASSERT_EQUAL(err, -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "module edudma not loaded"));
	printf("\n    open(\"0\") without the module = %d: %s", err, libdma_errmsg());
	err = libdma_open(link, &dev);
	CU_ASSERT_EQUAL(err, -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "module edudma not loaded"));
	CU_ASSERT_EQUAL(libdma_list(NULL, 0), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "module edudma not loaded"));

	CU_ASSERT_EQUAL_FATAL(gu_module_load(NULL), 0);
	settle();
	check_nodes();
	CU_ASSERT_EQUAL(count_entries(BY_PATH), nr_dev);
}

/*
 * The library suites, as a member of group edudma who is not root. Their
 * output is echoed indented, with "EDUTEST-RESULT" renamed so that
 * collect.sh counts only this program's own result line.
 */
static void run_suite_as_member(const char *name)
{
	char path[64], *out = NULL, *line, *r;
	char *argv[] = { path, NULL };
	int rc, passed = -1, failed = -1;

	snprintf(path, sizeof(path), "/tests/%s", name);
	if (access(path, X_OK))
		EDUTEST_SKIP("suite not in this image");
	rc = run_program_as(MEMBER, argv, &out);
	printf("\n    %s as user " MEMBER " (RLIMIT_MEMLOCK %u KiB):\n", name,
	       MEMLOCK >> 10);
	for (line = out; line && *line; line = r ? r + 1 : NULL) {
		char *res;

		r = strchr(line, '\n');
		if (r)
			*r = '\0';
		res = strstr(line, "EDUTEST-RESULT ");
		if (res) {
			if (strstr(res, "passed=") && strstr(res, "failed=")) {
				passed = atoi(strstr(res, "passed=") + 7);
				failed = atoi(strstr(res, "failed=") + 7);
			}
			memcpy(res, "result(as-user)", 15);
		}
		printf("    | %s\n", line);
	}
	free(out);
	printf("    %s as " MEMBER ": exit %d, passed %d, failed %d\n", name,
	       rc, passed, failed);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(failed, 0);
	CU_ASSERT_TRUE(passed > 0);
}

static void test_member_runs_test_lib(void)
{
	run_suite_as_member("test_lib");
}

static void test_member_runs_test_lib_dma(void)
{
	run_suite_as_member("test_lib_dma");
}

static void test_member_runs_test_lib_threads(void)
{
	run_suite_as_member("test_lib_threads");
}

/* A member can use the stable name as a device spec. */
static void test_member_opens_by_path(void)
{
	struct probe pr;
	char link[128];

	snprintf(link, sizeof(link), BY_PATH "/pci-%.31s", pci[nr_dev - 1]);
	probe_as(MEMBER, true, link, &pr);
	CU_ASSERT_EQUAL_FATAL(pr.setup, 0);
	CU_ASSERT_EQUAL(pr.err, 0);
	CU_ASSERT_EQUAL(pr.listed, nr_dev);
}

/* Outside the group: -EACCES and a message with the node, group and fix. */
static void test_outsider_told_to_join(void)
{
	struct probe pr;
	char link[128];

	probe_as(OUTSIDER, true, "0", &pr);
	CU_ASSERT_EQUAL_FATAL(pr.setup, 0);
	CU_ASSERT_EQUAL(pr.listed, nr_dev);	/* discovery needs no access */
	CU_ASSERT_EQUAL(pr.err, -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.msg, "/dev/edudma0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.msg, "group " GROUP));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.msg, "usermod -aG " GROUP " " OUTSIDER));

	snprintf(link, sizeof(link), BY_PATH "/pci-%.31s", pci[0]);
	probe_as(OUTSIDER, true, link, &pr);
	CU_ASSERT_EQUAL(pr.err, -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.msg, link));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.msg, "usermod -aG " GROUP));
}

/* In the group database but not in this session's groups: log in again. */
static void test_stale_session_told_to_relogin(void)
{
	struct probe pr;

	probe_as(MEMBER, false, "0", &pr);
	CU_ASSERT_EQUAL_FATAL(pr.setup, 0);
	CU_ASSERT_EQUAL(pr.err, -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.msg, "/dev/edudma0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.msg, "log out and back in"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.msg, "newgrp " GROUP));
}

/* dmactl passes the same message on, when the image has it. */
static void test_dmactl_outsider(void)
{
	static const char *const where[] = {
		"/usr/local/bin/dmactl", "/usr/bin/dmactl", "/tests/dmactl", NULL,
	};
	char *argv[] = { NULL, "info", "0", NULL };
	char *out = NULL;
	int i, rc;

	for (i = 0; where[i] && access(where[i], X_OK); i++)
		;
	if (!where[i])
		EDUTEST_SKIP("no dmactl in this image");
	argv[0] = (char *)where[i];
	rc = run_program_as(OUTSIDER, argv, &out);
	printf("\n    as " OUTSIDER ": %s info 0 -> exit %d: %s", where[i], rc,
	       out ? out : "");
	CU_ASSERT_EQUAL(rc, 3);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "/dev/edudma0"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "usermod -aG " GROUP));
	free(out);
}

static const struct edutest_case udev_cases[] = {
	{ "udevd_running", test_udevd_running },
	{ "node_group_mode_links", test_node_group_mode_links },
	{ "udev_database", test_udev_database },
	{ "rules_pass_udevadm", test_rules_pass_udevadm },
	{ "activate_reloads_rules", test_activate_reloads_rules },
	{ "unload_load_events", test_unload_load_events },
	{ NULL, NULL }
};

static const struct edutest_case nonroot_cases[] = {
	{ "member_runs_test_lib", test_member_runs_test_lib },
	{ "member_runs_test_lib_dma", test_member_runs_test_lib_dma },
	{ "member_runs_test_lib_threads", test_member_runs_test_lib_threads },
	{ "member_opens_by_path", test_member_opens_by_path },
	{ "outsider_told_to_join", test_outsider_told_to_join },
	{ "stale_session_told_to_relogin", test_stale_session_told_to_relogin },
	{ "dmactl_outsider", test_dmactl_outsider },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "udev", suite_init, NULL, udev_cases },
	{ "nonroot", suite_init, NULL, nonroot_cases },
	{ NULL, NULL, NULL, NULL }
};

/* Elsewhere: one skip, not one per test. */
static void test_needs_udev_config(void)
{
	EDUTEST_SKIP("no udevd in this configuration (see the udev config)");
}

static const struct edutest_case elsewhere_cases[] = {
	{ "needs_udev_config", test_needs_udev_config },
	{ NULL, NULL }
};

static const struct edutest_suite elsewhere[] = {
	{ "udev", NULL, NULL, elsewhere_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_udev",
			    getenv("EDUTEST_UDEV") ? suites : elsewhere);
}
