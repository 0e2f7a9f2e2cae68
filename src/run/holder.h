/* SPDX-License-Identifier: MIT */
/* holder.h - rootless `connlab up`: a holder process keeps the lab's
 * namespaces (no /run/netns names without root), one sitter process in
 * each so that `nsenter -U -n -t PID` enters it; `ls` finds labs by
 * their holders, `down` ends the holder. */
#ifndef CONNLAB_RUN_HOLDER_H
#define CONNLAB_RUN_HOLDER_H

#include "lab/lab.h"
#include "plan/plan.h"

/* Builds the lab in a holder process (the caller is in its user
 * namespace already) and prints how to enter it. An exit status. */
int holder_up(const struct lab *lab, const struct plan *plan);

/* Prints a line per lab this user holds; their number. */
unsigned holder_ls(void);

/* Ends the holder of lab (NULL: every one of this user's) and waits for
 * its processes to go; prints what it took down. The number taken down,
 * or -1 when one would not go (said). */
int holder_down(const char *lab);

#endif
