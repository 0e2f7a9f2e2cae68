/* SPDX-License-Identifier: MIT */
/* phase.h - the phases of a lab's run, in order, and their names as the
 * progress lines, result.json and the report give them. */
#ifndef CONNLAB_LAB_PHASE_H
#define CONNLAB_LAB_PHASE_H

#include "engine/modes.h"

enum phase {
	PH_PREFLIGHT,
	PH_BUILD,
	PH_SERVERS,
	PH_BEFORE,
	PH_RAMP,
	PH_HOLD,
	PH_DRAIN,
	PH_TEARDOWN,
	PH_COUNT
};

/* The ramp of a churning lab: there is no ramp, the floods open and close
 * until they are done. */
#define PHASE_CHURN_NAME "churn"

/* A phase's name; the ramp of a churning lab is "churn". */
const char *phase_name(enum phase p, enum client_mode mode);

#endif
