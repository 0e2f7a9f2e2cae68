/* SPDX-License-Identifier: MIT */
/* phase.c - names of the phases. */
#include "lab/phase.h"

const char *phase_name(enum phase p, enum client_mode mode)
{
	static const char *const names[PH_COUNT] = {
		"preflight", "build", "servers", "before", "ramp", "hold", "drain", "teardown",
	};

	return p == PH_RAMP && mode == CLIENT_CHURN ? PHASE_CHURN_NAME : names[p];
}
