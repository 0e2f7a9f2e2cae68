/* SPDX-License-Identifier: MIT */
/* check_main.h - the runner every Check test binary ends with. */
#ifndef CONNLAB_CHECK_MAIN_H
#define CONNLAB_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Runs one suite of one test case holding tests; EXIT_SUCCESS when all pass. */
static inline int check_main(const char *name, void (*add)(TCase *tc))
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);
	SRunner *sr;
	int failed;

	add(tc);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
