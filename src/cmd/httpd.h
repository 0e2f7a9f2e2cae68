/* SPDX-License-Identifier: MIT */
/* httpd.h - the HTTP server of --serve (libevent's evhttp): a run's page,
 * result.json and OpenMetrics at fixed paths, read-only, on 127.0.0.1
 * unless an address is given, with a bounded number of clients. It serves
 * in a thread of its own beside a run (the launcher never waits for it) or
 * in the foreground for a finished run. */
#ifndef CONNLAB_CMD_HTTPD_H
#define CONNLAB_CMD_HTTPD_H

#include <stddef.h>
#include <stdio.h>

/* at most this many clients at once; more wait in the listen queue */
#define HTTPD_CLIENTS 32

enum httpd_doc {
	HTTPD_PAGE,    /* / and /report.html */
	HTTPD_RESULT,  /* /result.json */
	HTTPD_METRICS, /* /metrics */
	HTTPD_NDOCS,
};

struct httpd;

/* Parses SPEC ([ADDR:]PORT, [V6ADDR]:PORT; port 0: the kernel picks one)
 * and listens there. NULL after saying why on stderr, with the exit
 * status in *status. */
struct httpd *httpd_open(const char *spec, int *status);

/* Where it listens: "http://127.0.0.1:8080/". */
const char *httpd_url(const struct httpd *h);

/* Publishes document d (from any thread): body (malloc'd, taken) of len
 * bytes, or NULL: not there, and a GET answers 404 with `why`. A client
 * still reading the document before keeps it. */
void httpd_publish(struct httpd *h, enum httpd_doc d, char *body, size_t len, const char *why);

/* Publishes what write(f, arg) writes as document d. 0, or -1 when out of
 * memory. */
int httpd_publish_made(struct httpd *h, enum httpd_doc d, void (*write)(FILE *, void *), void *arg);

/* refresh(arg) runs in the server's thread before each request is
 * answered: it may publish newer documents. */
void httpd_set_refresh(struct httpd *h, void (*refresh)(void *arg), void *arg);

/* Serves in a thread of its own (signals blocked there) until
 * httpd_close or httpd_serve. Start it after the last unshare or setns of
 * a mount namespace: those refuse a process with threads. 0, or -1 after
 * saying why. */
int httpd_start(struct httpd *h);

/* Serves in this thread (its own thread ended first) until SIGINT or
 * SIGTERM, or for `seconds` when above 0. The exit status. */
int httpd_serve(struct httpd *h, double seconds);

/* Ends the thread, closes every connection and the listener, frees. */
void httpd_close(struct httpd *h);

#endif
