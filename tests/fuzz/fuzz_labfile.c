/* SPDX-License-Identifier: MIT */
/* fuzz_labfile.c - libFuzzer target: lab file parser, overrides, validation,
 * planner and writer on arbitrary input. `make fuzz` runs it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lab lab;
	static struct plan plan;
	static const struct plan_env env = { .fd_limit = 20000, .mem_available = 1ULL << 34 };
	struct lab_diag diag = { 0 };
	char err[512], *line;
	FILE *devnull;

	lab_init(&lab, "fuzz.lab");
	if (lab_parse(&lab, (const char *)data, size, &diag) == 0 &&
	    lab_validate(&lab, &diag) == 0) {
		devnull = fopen("/dev/null", "w");
		if (devnull) {
			lab_write(&lab, devnull);
			if (plan_build(&lab, &env, &plan, err, sizeof(err)) == 0)
				plan_write(&plan, &lab, devnull);
			fclose(devnull);
		}
	}
	/* the same bytes as a --set assignment */
	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = 0;
	lab_init(&lab, "fuzz.lab");
	if (lab_set(&lab, line, &diag) == 0)
		(void)lab_validate(&lab, &diag);
	free(line);
	return 0;
}
