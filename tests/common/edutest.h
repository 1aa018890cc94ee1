/* SPDX-License-Identifier: MIT */
/*
 * edutest - a thin layer over CUnit shared by every test program (host and
 * guest). It adds what CUnit lacks: skipped tests, and one machine-readable
 * closing line that the harness sums across programs and QEMU boots:
 *
 *   EDUTEST-RESULT <program> passed=<n> failed=<n> skipped=<n>
 *
 * A program exits 0 only when nothing failed.
 */
#ifndef EDUTEST_H
#define EDUTEST_H

#include <CUnit/CUnit.h>

#ifdef __cplusplus
extern "C" {
#endif

struct edutest_case {
	const char *name;
	void (*fn)(void);
};

struct edutest_suite {
	const char *name;
	int (*init)(void);	/* may be NULL; non-zero fails the suite */
	int (*cleanup)(void);	/* may be NULL */
	const struct edutest_case *cases;	/* ends with { NULL, NULL } */
};

/* Record that the running test was skipped and why (it then counts as skipped, not passed). */
void edutest_skip(const char *test, const char *why);

#define EDUTEST_SKIP(why) do { edutest_skip(__func__, (why)); return; } while (0)

/*
 * Run 'suites' (ending with { NULL }) and print the closing line.
 * argv may name tests to run ("suite/test" or "test"); none = all.
 */
int edutest_main(int argc, char **argv, const char *program,
		 const struct edutest_suite *suites);

#ifdef __cplusplus
}
#endif

#endif /* EDUTEST_H */
