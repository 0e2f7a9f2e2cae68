/* SPDX-License-Identifier: MIT */
/* elapsed.c - the run's clock and its phases' names, which every part of
 * the launcher reads. */
#include "run/launcher.h"

#include <sys/resource.h>

double run_elapsed(const struct run *r)
{
	return clock_now_s() - r->start_s;
}

/* churn has no ramp: the floods open and close until they are done */
const char *run_phase_label(const struct run *r, enum phase p)
{
	return phase_name(p, r->lab->client_mode);
}

double run_cpu_self_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}
