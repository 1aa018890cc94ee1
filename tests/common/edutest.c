/* SPDX-License-Identifier: MIT */
#include "edutest.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

static unsigned int skipped;
static CU_pTest last_skipped;

/*
 * A test counts as skipped once, however many times (or from however many
 * helpers) it says so: the running CUnit test is the identity.
 */
void edutest_skip(const char *test, const char *why)
{
	CU_pTest current = CU_get_current_test();

	if (!current || current != last_skipped)
		skipped++;
	last_skipped = current;
	printf("\n    SKIP %s: %s\n", test, why);
	fflush(stdout);
}

/* True when argv selects nothing, or selects this suite/test. */
static int selected(int argc, char **argv, const char *suite, const char *test)
{
	char full[256];
	int i;

	if (argc <= 1)
		return 1;
	snprintf(full, sizeof(full), "%s/%s", suite, test);
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], test) || !strcmp(argv[i], full) ||
		    !strcmp(argv[i], suite))
			return 1;
	return 0;
}

int edutest_main(int argc, char **argv, const char *program,
		 const struct edutest_suite *suites)
{
	unsigned int run, failed, passed;
	const struct edutest_suite *s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (CU_initialize_registry() != CUE_SUCCESS) {
		printf("EDUTEST-RESULT %s passed=0 failed=1 skipped=0\n", program);
		return 1;
	}
	for (s = suites; s->name; s++) {
		const struct edutest_case *c;
		CU_pSuite suite = CU_add_suite(s->name, s->init, s->cleanup);

		if (!suite)
			goto registry_error;
		for (c = s->cases; c->name; c++)
			if (selected(argc, argv, s->name, c->name) &&
			    !CU_add_test(suite, c->name, c->fn))
				goto registry_error;
	}

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	CU_basic_show_failures(CU_get_failure_list());
	printf("\n");

	run = CU_get_number_of_tests_run();
	/* A suite whose init failed ran none of its tests: count it as one failure. */
	failed = CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	/* A test that failed before it skipped is a failure, not a skip. */
	passed = run - CU_get_number_of_tests_failed();
	passed = passed > skipped ? passed - skipped : 0;
	if (run == 0 && failed == 0)
		failed = 1;	/* a program that tested nothing has failed */
	CU_cleanup_registry();

	printf("EDUTEST-RESULT %s passed=%u failed=%u skipped=%u\n",
	       program, passed, failed, skipped);
	return failed ? 1 : 0;

registry_error:
	printf("CUnit registry error: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	printf("EDUTEST-RESULT %s passed=0 failed=1 skipped=0\n", program);
	return 1;
}
