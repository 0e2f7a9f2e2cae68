/* SPDX-License-Identifier: MIT */
/* tls_handshakes.c - the yardstick for connlab's TLS (tests/bench/tls.sh):
 * the least a program can do to make full TLS handshakes and hold the
 * connections, with the same library (OpenSSL) and settings connlab uses
 * (ECDSA P-256 made in memory, TLS 1.2 to 1.3, no tickets, released idle
 * buffers). One epoll loop per process, PROCS processes per side (a
 * process holds at most its open-file limit); the library's allocations
 * are counted through CRYPTO_set_mem_functions, so that what the library
 * itself keeps per held connection stands beside the processes' resident
 * memory. Not part of connlab.
 *
 *   tls_handshakes server ADDR PORT PROCS SECS
 *   tls_handshakes client SRC_FIRST NSRC DST PORT TOTAL PROCS INFLIGHT SECS
 *
 * The client prints one line when every handshake is done (or SECS pass):
 *   READY n=N secs=S rate=R lib_bytes_per_conn=L rss_bytes_per_conn=M
 * and the server, at its end: SERVER n=N lib_bytes_per_conn=L rss_bytes_per_conn=M
 * (L: the library's live allocations grown from the start, over N).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* each process's figures, in shared memory */
struct slot {
	uint64_t done, lib_bytes, lib_start, rss, rss_start;
};
static struct slot *slots;
static int me;
static int64_t live; /* the library's bytes live in this process */

/* the library's allocations, counted: a 16-byte header holds the size */
static void *count_malloc(size_t n, const char *f, int l)
{
	size_t *p = malloc(n + 16);

	(void)f, (void)l;
	if (!p)
		return NULL;
	*p = n;
	live += (int64_t)n;
	return (char *)p + 16;
}

static void count_free(void *q, const char *f, int l)
{
	size_t *p = q ? (size_t *)((char *)q - 16) : NULL;

	(void)f, (void)l;
	if (p) {
		live -= (int64_t)*p;
		free(p);
	}
}

static void *count_realloc(void *q, size_t n, const char *f, int l)
{
	size_t *p = q ? (size_t *)((char *)q - 16) : NULL, old = p ? *p : 0;
	size_t *r = realloc(p, n + 16);

	(void)f, (void)l;
	if (!r)
		return NULL;
	*r = n;
	live += (int64_t)n - (int64_t)old;
	return (char *)r + 16;
}

static uint64_t rss_bytes(void)
{
	unsigned long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void note(void)
{
	slots[me].lib_bytes = (uint64_t)live;
	slots[me].rss = rss_bytes();
}

static SSL_CTX *context(int server)
{
	SSL_CTX *c = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	if (server) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		X509 *x = X509_new();

		X509_set_version(x, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
		X509_gmtime_adj(X509_getm_notBefore(x), -3600);
		X509_gmtime_adj(X509_getm_notAfter(x), 86400);
		X509_set_pubkey(x, k);
		X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					   (const unsigned char *)"bench", -1, -1, 0);
		X509_set_issuer_name(x, X509_get_subject_name(x));
		X509_sign(x, k, EVP_sha256());
		if (!SSL_CTX_use_certificate(c, x) || !SSL_CTX_use_PrivateKey(c, k))
			exit(1);
		SSL_CTX_set_num_tickets(c, 0);
	} else {
		SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	}
	return c;
}

/* a step of fd's handshake: 1 done, 0 again, -1 failed */
static int step(SSL *s)
{
	int r = SSL_do_handshake(s), e;

	if (r == 1)
		return 1;
	e = SSL_get_error(s, r);
	ERR_clear_error();
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

static void serve(SSL_CTX *c, int lfd, double secs)
{
	static SSL *conn[1 << 20];
	struct epoll_event ev[256], one = { .events = EPOLLIN, .data.fd = lfd };
	int ep = epoll_create1(0);
	double end = now_s() + secs, last = 0;

	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &one);
	while (now_s() < end) {
		int n = epoll_wait(ep, ev, 256, 100);

		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == lfd) {
				int a;

				while ((a = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event e = { .events = EPOLLIN, .data.fd = a };

					conn[a] = SSL_new(c);
					SSL_set_fd(conn[a], a);
					SSL_set_accept_state(conn[a]);
					epoll_ctl(ep, EPOLL_CTL_ADD, a, &e);
				}
				continue;
			}
			if (!SSL_is_init_finished(conn[fd])) {
				int r = step(conn[fd]);

				if (r == 1)
					slots[me].done++;
				if (r >= 0)
					continue;
			} else {
				char b[256];

				if (SSL_read(conn[fd], b, sizeof(b)) > 0 ||
				    SSL_get_error(conn[fd], -1) == SSL_ERROR_WANT_READ)
					continue;
			}
			SSL_free(conn[fd]);
			conn[fd] = NULL;
			close(fd);
		}
		if (now_s() - last > 0.2) {
			note();
			last = now_s();
		}
	}
}

struct client_cfg {
	uint32_t src0, nsrc, dst;
	int port, procs;
	uint64_t total, inflight;
	double secs;
};

static int open_one(const struct client_cfg *k, uint64_t i, int ep, SSL_CTX *c, SSL **conn)
{
	struct sockaddr_in s = { .sin_family = AF_INET }, d = { .sin_family = AF_INET };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLET };

	if (fd < 0)
		return -1;
	s.sin_addr.s_addr = htonl(k->src0 + (uint32_t)(i % k->nsrc));
	d.sin_addr.s_addr = htonl(k->dst);
	d.sin_port = htons((uint16_t)k->port);
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)) ||
	    (connect(fd, (struct sockaddr *)&d, sizeof(d)) && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	conn[fd] = SSL_new(c);
	SSL_set_fd(conn[fd], fd);
	SSL_set_connect_state(conn[fd]);
	e.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
	return 0;
}

static void connect_all(SSL_CTX *c, const struct client_cfg *k, uint64_t share)
{
	static SSL *conn[1 << 20];
	struct epoll_event ev[256];
	int ep = epoll_create1(0);
	uint64_t started = 0, busy = 0;
	double end = now_s() + k->secs, last = 0;

	while (now_s() < end) {
		int n;

		while (started < share && busy < k->inflight / (uint64_t)k->procs + 1) {
			if (open_one(k, started * (uint64_t)k->procs + (uint64_t)me, ep, c, conn) == 0)
				busy++;
			started++;
		}
		n = epoll_wait(ep, ev, 256, 50);
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd, r;

			if (!conn[fd] || SSL_is_init_finished(conn[fd]))
				continue;
			r = step(conn[fd]);
			if (r == 0)
				continue;
			busy--;
			if (r == 1) {
				slots[me].done++;
				continue;
			}
			SSL_free(conn[fd]);
			conn[fd] = NULL;
			close(fd);
			started--; /* again */
		}
		if (now_s() - last > 0.2) {
			note();
			last = now_s();
		}
		if (slots[me].done == share) {
			note();
			pause(); /* held until the parent ends it */
		}
	}
}

static uint64_t sum(int procs, size_t off)
{
	uint64_t s = 0;

	for (int i = 0; i < procs; i++)
		s += *(uint64_t *)((char *)&slots[i] + off);
	return s;
}

static pid_t workers[4096];

static void fork_workers(int procs, void (*work)(void *), void *arg)
{
	for (me = 0; me < procs && me < 4096; me++) {
		pid_t p = fork();

		workers[me] = p;
		if (p == 0) {
			signal(SIGTERM, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			slots[me].lib_start = (uint64_t)live;
			slots[me].rss_start = rss_bytes();
			work(arg);
			_exit(0);
		}
	}
}

struct server_arg {
	SSL_CTX *c;
	int lfd;
	double secs;
};

static void server_work(void *a)
{
	struct server_arg *s = a;

	serve(s->c, s->lfd, s->secs);
}

struct client_arg {
	SSL_CTX *c;
	const struct client_cfg *k;
};

static void client_work(void *a)
{
	struct client_arg *x = a;
	uint64_t share = x->k->total / (uint64_t)x->k->procs +
			 ((uint64_t)me < x->k->total % (uint64_t)x->k->procs);

	connect_all(x->c, x->k, share);
}

static volatile sig_atomic_t ending;

static void on_term(int sig)
{
	(void)sig;
	ending = 1;
}

/* waits for the workers; SIGTERM ends them (by PID) first */
static void reap(int procs)
{
	for (;;) {
		if (ending == 1) {
			for (int i = 0; i < procs; i++)
				if (workers[i] > 0)
					kill(workers[i], SIGTERM);
			ending = 2;
		}
		if (wait(NULL) < 0 && errno != EINTR)
			return;
	}
}

static void report(const char *what, int procs, double secs)
{
	uint64_t n = sum(procs, offsetof(struct slot, done)) ? sum(procs, offsetof(struct slot, done))
							     : 1;
	double lib = (double)sum(procs, offsetof(struct slot, lib_bytes)) -
		     (double)sum(procs, offsetof(struct slot, lib_start)),
	       rss = (double)sum(procs, offsetof(struct slot, rss)) -
		     (double)sum(procs, offsetof(struct slot, rss_start));

	printf("%s n=%llu secs=%.3f rate=%.1f lib_bytes_per_conn=%.0f rss_bytes_per_conn=%.0f\n",
	       what, (unsigned long long)sum(procs, offsetof(struct slot, done)), secs,
	       (double)sum(procs, offsetof(struct slot, done)) / secs, lib / (double)n,
	       rss / (double)n);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int procs;

	CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGPIPE, SIG_IGN);
	if (argc == 6 && !strcmp(argv[1], "server")) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
		struct server_arg s = { context(1), socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0),
					atof(argv[5]) };
		int one = 1;

		procs = atoi(argv[4]);
		slots = mmap(NULL, sizeof(*slots) * (size_t)procs, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		inet_pton(AF_INET, argv[2], &a.sin_addr);
		setsockopt(s.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s.lfd, (struct sockaddr *)&a, sizeof(a)) || listen(s.lfd, 65535))
			return 1;
		struct sigaction sa = { .sa_handler = on_term }; /* no SA_RESTART: wait() returns */

		sigaction(SIGTERM, &sa, NULL);
		fork_workers(procs, server_work, &s);
		reap(procs);
		report("SERVER", procs, s.secs);
		return 0;
	}
	if (argc == 10 && !strcmp(argv[1], "client")) {
		struct in_addr a, d;
		struct client_cfg k;
		struct client_arg x;
		double t0 = now_s();

		inet_pton(AF_INET, argv[2], &a);
		inet_pton(AF_INET, argv[4], &d);
		k = (struct client_cfg){ ntohl(a.s_addr), (uint32_t)atoi(argv[3]), ntohl(d.s_addr),
					 atoi(argv[5]),		  atoi(argv[7]),
					 strtoull(argv[6], NULL, 10), strtoull(argv[8], NULL, 10),
					 atof(argv[9]) };
		procs = k.procs;
		x = (struct client_arg){ context(0), &k };
		slots = mmap(NULL, sizeof(*slots) * (size_t)procs, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		fork_workers(procs, client_work, &x);
		while (sum(procs, offsetof(struct slot, done)) < k.total && now_s() - t0 < k.secs)
			usleep(2000);
		usleep(300000); /* the workers' last note */
		report("READY", procs, now_s() - t0);
		ending = 1; /* its own workers, by PID */
		reap(procs);
		return 0;
	}
	fprintf(stderr, "usage: tls_handshakes server ADDR PORT PROCS SECS\n"
			"       tls_handshakes client SRC_FIRST NSRC DST PORT TOTAL PROCS INFLIGHT SECS\n");
	return 2;
}
