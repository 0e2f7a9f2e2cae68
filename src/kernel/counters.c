/* SPDX-License-Identifier: MIT */
/* counters.c - the list of recorded kernel counters. */
#include "kernel/counters.h"

#include <string.h>

#include "util/compiler.h"

const char *const kcounters[] = {
	"ListenOverflows",
	"ListenDrops",
	"TCPTimeWaitOverflow",
	"TCPAbortOnMemory",
	"TCPAbortOnTimeout",
	"TCPAbortOnClose",
	"TCPAbortOnData",
	"TCPBacklogDrop",
	"TWRecycled",
	"TW",
	"TCPReqQFullDrop",
	"TCPReqQFullDoCookies",
	"SyncookiesSent",
	"SyncookiesRecv",
	"SyncookiesFailed",
	"PruneCalled",
	"TCPMemoryPressures",
	"ActiveOpens",
	"PassiveOpens",
	"AttemptFails",
	"EstabResets",
	"InSegs",
	"OutSegs",
	"RetransSegs",
	"InErrs",
	"OutRsts",
	"TCPSynRetrans",
};
const size_t kcounters_count = ARRAY_LEN(kcounters);
_Static_assert(ARRAY_LEN(kcounters) <= KCOUNTERS_MAX, "raise KCOUNTERS_MAX");

int kcounter_index(const char *name)
{
	for (size_t i = 0; i < kcounters_count; i++)
		if (!strcmp(kcounters[i], name))
			return (int)i;
	return -1;
}
