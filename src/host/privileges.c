/* SPDX-License-Identifier: MIT */
/* privileges.c - whether this process may build a lab (CAP_SYS_ADMIN and
 * CAP_NET_ADMIN), and entering a user namespace of its own for a lab
 * without root: the one part of the host's code that changes the
 * process. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/host.h"
#include "netns/netns.h"
#include "util/status.h"

int host_privileges(const struct host_facts *f, char *msg, size_t len)
{
	static const struct {
		int bit;
		const char *name, *why;
	} caps[] = {
		{ CAP_BIT_SYS_ADMIN, "SYS_ADMIN",
		  "to create network namespaces and mount their names" },
		{ CAP_BIT_NET_ADMIN, "NET_ADMIN",
		  "to make veth pairs, addresses, routes and set sysctls" },
	};
	size_t off = 0;
	int missing = 0;

	msg[0] = 0;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		missing |= !(f->cap_eff & (1ULL << caps[i].bit)) << i;
	if (!missing)
		return 0;
	if (f->euid != 0) {
		snprintf(
			msg, len,
			"needs root, or CAP_SYS_ADMIN and CAP_NET_ADMIN; run it with sudo (in Docker: --cap-add SYS_ADMIN --cap-add NET_ADMIN)\n");
		return -EPERM;
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]) && off < len; i++)
		if (missing & (1 << i))
			off += (size_t)snprintf(
				msg + off, len - off,
				"this process lacks the capability CAP_%s (%s): in Docker, add --cap-add %s to docker run; elsewhere run as root with full capabilities\n",
				caps[i].name, caps[i].why, caps[i].name);
	return -EPERM;
}

/* what keeps an ordinary user out of user namespaces here, or NULL */
static const char *userns_off(const struct host_facts *f, const char **fix)
{
	if (f->max_userns == 0) {
		*fix = "user.max_user_namespaces=15000";
		return "user.max_user_namespaces is 0";
	}
	if (f->unpriv_userns == 0) {
		*fix = "kernel.unprivileged_userns_clone=1";
		return "kernel.unprivileged_userns_clone is 0";
	}
	if (f->apparmor_userns == 1) {
		*fix = "kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile that allows connlab userns)";
		return "kernel.apparmor_restrict_unprivileged_userns is 1 (AppArmor: a user namespace gets no capabilities)";
	}
	*fix = NULL;
	return NULL;
}

int host_enter_rootless(const struct host_facts *f, char *msg, size_t len)
{
	const char *fix, *off = userns_off(f, &fix);
	struct host_facts now;
	int r = netns_userns_enter();

	if (r) {
		snprintf(
			msg, len,
			"a lab without root needs a user namespace, and the kernel refused one (%s)%s%s%s%s",
			strerror(-r), off ? ": " : "", off ? off : "",
			off ? "; as root: sysctl -w " : "", off ? fix : "");
		return r;
	}
	/* AppArmor may let the namespace be made but give it no capabilities */
	host_facts_read(&now);
	if (host_privileges(&now, msg, len)) {
		snprintf(msg, len,
			 "the user namespace has no CAP_SYS_ADMIN and CAP_NET_ADMIN%s%s%s%s",
			 off ? ": " : "", off ? off : "", off ? "; as root: sysctl -w " : "",
			 off ? fix : "");
		return -EPERM;
	}
	return 0;
}

int host_facts_rootless(struct host_facts *f)
{
	char msg[600], why[400];

	host_facts_read(f);
	/* root without its capabilities is a container's: its flags say it */
	if (!host_privileges(f, msg, sizeof(msg)) || (f->euid == 0 && f->init_userns))
		return 0;
	if (host_enter_rootless(f, why, sizeof(why))) {
		snprintf(f->rootless_error, sizeof(f->rootless_error), "%s", why);
		return 0;
	}
	host_facts_read(f);
	return 1;
}
