/* SPDX-License-Identifier: MIT */
/* tlscheck.c - the [tls] keys against the rest of the lab: each problem
 * with its file:line and what to do. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/tls.h"
#include "lab/labfile.h"

const char *lab_path(const struct lab *lab, const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(lab->source, '/');

	if (path[0] == '/' || !slash)
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%.*s/%s", (int)(slash - lab->source), lab->source, path);
	return buf;
}

static int line_of(const struct lab *lab, const char *name)
{
	return lab->key_line[key_find("tls", name) - keys];
}

/* "FILE:LINE: tls.NAME" of a key */
static const char *at_key(const struct lab *lab, const char *name, char *buf, size_t len)
{
	char at[300];

	lab_where(lab, line_of(lab, name), at, sizeof(at));
	snprintf(buf, len, "%s: tls.%s", at, name);
	return buf;
}

/* keys that mean nothing unless some end speaks TLS */
static void check_off(const struct lab *lab, struct lab_diag *diag)
{
	char at[400];

	for (size_t i = 0; i < keys_count; i++)
		if (!strcmp(keys[i].section, "tls") && strcmp(keys[i].name, "enable") &&
		    lab->key_line[i]) {
			diag_add(
				diag,
				"%s is set but tls.enable = off: set tls.enable = on (or server, or clients)",
				at_key(lab, keys[i].name, at, sizeof(at)));
			return;
		}
}

/* the built-in server's keys, the clients' keys, where those ends are not
 * connlab's or do not speak TLS */
static void check_ends(const struct lab *lab, struct lab_diag *diag)
{
	/* by value, not by line: a lab written out again (result.json's
	 * resolved form) names every key of the section */
	static const char *const server_keys[] = { "cert", "key", "key_type" };
	static const char *const client_keys[] = { "sni", "ca", "resume_share" };
	const struct lab_tls *t = &lab->tls;
	int server_given[] = { t->cert[0] != 0, t->key[0] != 0, t->key_type != TLS_KEY_ECDSA };
	int client_given[] = { t->sni[0] != 0, t->ca[0] != 0, t->resume_permille != 1000 };
	int own_server = !lab->server_command[0], server_tls = t->enable != TLS_ENABLE_CLIENTS;
	int clients_tls = t->enable != TLS_ENABLE_SERVER;
	char at[400];

	for (int i = 0; i < 3; i++)
		if (server_given[i] && (!own_server || !server_tls))
			diag_add(
				diag, "%s is the built-in server's, and %s",
				at_key(lab, server_keys[i], at, sizeof(at)),
				!own_server
					? "server.command runs your own server (its TLS is its own)"
					: "tls.enable = clients leaves it plain");
	for (int i = 0; i < 3; i++)
		if (client_given[i] && !clients_tls)
			diag_add(
				diag,
				"%s is the clients', and tls.enable = server leaves them plain TCP",
				at_key(lab, client_keys[i], at, sizeof(at)));
	if (lab->tls.enable == TLS_ENABLE_SERVER && !own_server)
		diag_add(
			diag,
			"%s = server is the built-in server's; with server.command your server's TLS is its own: use on (the clients speak TLS to it) or off",
			at_key(lab, "enable", at, sizeof(at)));
	if (clients_tls && lab->client_command[0])
		diag_add(
			diag,
			"%s: clients.command runs your own clients: the built-in flood's TLS does not apply (set tls.enable = server or off)",
			at_key(lab, "enable", at, sizeof(at)));
}

/* the files it names, and the keys that go together */
static void check_files(const struct lab *lab, struct lab_diag *diag)
{
	static const char *const names[] = { "cert", "key", "ca" };
	const char *paths[] = { lab->tls.cert, lab->tls.key, lab->tls.ca };
	char at[400], p[600];

	for (int i = 0; i < 3; i++)
		if (paths[i][0] && access(lab_path(lab, paths[i], p, sizeof(p)), R_OK))
			diag_add(diag,
				 "%s: cannot read %s: %m (a PEM file, relative to the lab file)",
				 at_key(lab, names[i], at, sizeof(at)), p);
	if (lab->tls.key[0] && !lab->tls.cert[0])
		diag_add(diag, "%s needs tls.cert (the certificate it is the key of)",
			 at_key(lab, "key", at, sizeof(at)));
	if (lab->tls.resume_permille != 1000 && !lab->tls.resume)
		diag_add(
			diag,
			"%s needs tls.resume = tickets or ids (with resume off no handshake resumes)",
			at_key(lab, "resume_share", at, sizeof(at)));
	if (lab->tls.key_type != TLS_KEY_ECDSA && lab->tls.cert[0])
		diag_add(diag, "%s: tls.cert gives the certificate (and so its key's type)",
			 at_key(lab, "key_type", at, sizeof(at)));
}

void tls_validate(const struct lab *lab, struct lab_diag *diag)
{
	const char *lib = lab_tls_libraries[lab->tls.library];
	char at[400];

	if (!lab->tls.enable) {
		check_off(lab, diag);
		return;
	}
	if (lab_is_fleet(lab)) {
		diag_add(
			diag,
			"%s: TLS is for labs on one machine; connlab fleet's hosts speak plain TCP (run the lab with connlab run, or set tls.enable = off)",
			at_key(lab, "enable", at, sizeof(at)));
		return;
	}
	if (!tls_lib_find(lib))
		diag_add(
			diag,
			"%s = %s: not built into this connlab (connlab doctor lists the libraries it has): apt-get install libwolfssl-dev and build again, or use openssl",
			at_key(lab, "library", at, sizeof(at)), lib);
	check_ends(lab, diag);
	check_files(lab, diag);
}
