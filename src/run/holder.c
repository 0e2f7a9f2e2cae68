/* SPDX-License-Identifier: MIT */
/* holder.c - a rootless lab that stays: the holder process.
 *
 * The holder (comm "connlab-holder") builds the lab from a network
 * namespace of its own, inside the user namespace `connlab up` entered,
 * and starts a sitter (comm "connlab-ns") in each lab namespace: a
 * process there is what `nsenter -t PID` needs. Sitters die with the
 * holder (PR_SET_PDEATHSIG); the holder ends on SIGTERM (connlab down),
 * when a sitter dies, and when the login session that started it is
 * gone (its leader exits at logout). Its record is
 * $XDG_RUNTIME_DIR/connlab/LAB.up (else /tmp/connlab-UID/LAB.up):
 * "holder PID" and "ns NAME PID" lines. */
#define _GNU_SOURCE
#include "run/holder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns/netns.h"
#include "plan/topology.h"
#include "util/clock.h"
#include "util/procfs.h"
#include "util/status.h"

struct record {
	pid_t holder;
	unsigned n;
	char ns[TOPO_NETNS_MAX][16];
	pid_t sitter[TOPO_NETNS_MAX];
};

/* the directory of this user's records, made 0700 and checked to be ours */
static int state_dir(char *buf, size_t len)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	uid_t uid = getuid();
	unsigned inner, outer, count;
	struct stat st;
	FILE *fp = fopen("/proc/self/uid_map", "re");

	/* inside the user namespace connlab entered, uid 0 is the user's own:
	 * the record goes where the user's other commands look */
	if (fp && fscanf(fp, "%u %u %u", &inner, &outer, &count) == 3 && count == 1 && inner == uid)
		uid = outer;
	if (fp)
		fclose(fp);

	if (x && *x && access(x, W_OK) == 0)
		snprintf(buf, len, "%s/connlab", x);
	else
		snprintf(buf, len, "/tmp/connlab-%u", (unsigned)uid);
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

/* pid is alive (not a zombie: its namespaces went when it exited) and
 * its command name is want */
static int comm_is(pid_t pid, const char *want)
{
	char path[64], buf[256], *close_paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (procfs_read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	close_paren = strrchr(buf, ')');
	if (!close_paren || close_paren[1] != ' ' || close_paren[2] == 'Z' ||
	    close_paren[2] == 'X' || !strchr(buf, '('))
		return 0;
	*close_paren = 0;
	return !strcmp(strchr(buf, '(') + 1, want);
}

static int record_read(const char *path, struct record *rec)
{
	char line[128];
	FILE *fp = fopen(path, "re");
	int pid;

	memset(rec, 0, sizeof(*rec));
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		char name[16];

		if (sscanf(line, "holder %d", &pid) == 1)
			rec->holder = pid;
		else if (rec->n < TOPO_NETNS_MAX && sscanf(line, "ns %15s %d", name, &pid) == 2) {
			snprintf(rec->ns[rec->n], sizeof(rec->ns[0]), "%s", name);
			rec->sitter[rec->n++] = pid;
		}
	}
	fclose(fp);
	return rec->holder > 0 ? 0 : -EINVAL;
}

/* the record of a holder that is alive, else 0 (a stale record is removed) */
static int record_live(const char *path, struct record *rec)
{
	if (record_read(path, rec))
		return 0;
	if (comm_is(rec->holder, "connlab-holder"))
		return 1;
	unlink(path);
	return 0;
}

static volatile sig_atomic_t stop_sig, child_died;

static void on_stop(int sig)
{
	stop_sig = sig;
}

static void on_child(int sig)
{
	(void)sig;
	child_died = 1;
}

static pid_t sitter(int ns_fd, pid_t holder)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != holder || netns_enter(ns_fd, NULL))
		_exit(1);
	prctl(PR_SET_NAME, "connlab-ns");
	/* nothing of the terminal or of a pipe that `connlab up` wrote to */
	{
		int null = open("/dev/null", O_RDWR);

		for (int fd = 0; fd < 3 && null >= 0; fd++)
			dup2(null, fd);
	}
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	for (;;)
		pause();
}

static void holder_main(const struct lab *lab, const struct plan *plan, const char *path, int ready,
			pid_t session)
{
	static struct topology t;
	struct record rec = { 0 };
	struct sigaction sa = { .sa_handler = on_stop }, sc = { .sa_handler = on_child };
	char err[768], tmp[340], msg[900];
	double t0 = clock_now_s();
	FILE *fp;
	int r;

	setsid();
	prctl(PR_SET_NAME, "connlab-holder");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sc, NULL);
	/* out of the host's namespace for good (rootless cannot come back) */
	if (unshare(CLONE_NEWNET)) {
		snprintf(msg, sizeof(msg),
			 "err cannot make the holder's own network namespace: %s\n",
			 strerror(errno));
		goto fail;
	}
	r = topo_build(lab, plan, 0, &t, err, sizeof(err));
	if (r) {
		snprintf(msg, sizeof(msg), "err lab '%s': %s\n", lab->name, err);
		goto fail;
	}
	rec.holder = getpid();
	for (unsigned i = 0; i < t.n; i++) {
		snprintf(rec.ns[i], sizeof(rec.ns[0]), "%s", t.netns[i].name);
		rec.sitter[i] = sitter(t.netns[i].fd, rec.holder);
		if (rec.sitter[i] < 0) {
			snprintf(msg, sizeof(msg),
				 "err cannot start a process in namespace %s: %s\n",
				 t.netns[i].name, strerror(errno));
			goto fail_kill;
		}
		rec.n++;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "we");
	if (!fp) {
		snprintf(msg, sizeof(msg), "err cannot write %s: %s\n", tmp, strerror(errno));
		goto fail_kill;
	}
	fprintf(fp, "holder %d\n", (int)rec.holder);
	for (unsigned i = 0; i < rec.n; i++)
		fprintf(fp, "ns %s %d\n", rec.ns[i], (int)rec.sitter[i]);
	if (fclose(fp) || rename(tmp, path)) {
		snprintf(msg, sizeof(msg), "err cannot write %s: %s\n", path, strerror(errno));
		goto fail_kill;
	}
	snprintf(msg, sizeof(msg), "ok %.1f\n", (clock_now_s() - t0) * 1e3);
	if (write(ready, msg, strlen(msg)) < 0)
		stop_sig = SIGTERM;
	close(ready);
	r = open("/dev/null", O_RDWR);
	if (r >= 0) {
		dup2(r, 0);
		dup2(r, 1);
		dup2(r, 2);
		if (r > 2)
			close(r);
	}
	/* until connlab down, a sitter's death, or the end of the login session */
	while (!stop_sig && !child_died) {
		struct timespec ts = { 1, 0 };

		nanosleep(&ts, NULL);
		if (kill(session, 0) && errno == ESRCH)
			break;
	}
	unlink(path);
	for (unsigned i = 0; i < rec.n; i++)
		kill(rec.sitter[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	topo_close(&t);
	_exit(0);
fail_kill:
	for (unsigned i = 0; i < rec.n; i++)
		kill(rec.sitter[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	topo_close(&t);
fail:
	if (write(ready, msg, strlen(msg)) < 0)
		_exit(EXIT_CANNOT_RUN);
	_exit(EXIT_CANNOT_RUN);
}

int holder_up(const struct lab *lab, const struct plan *plan)
{
	char dir[256], path[320], msg[900] = "";
	struct record rec;
	pid_t session = getsid(0), pid;
	int p[2];
	ssize_t n, got = 0;
	int r = state_dir(dir, sizeof(dir));

	if (r) {
		fprintf(stderr, "connlab: cannot use %s for the lab's record: %s\n", dir,
			strerror(-r));
		return EXIT_CANNOT_RUN;
	}
	snprintf(path, sizeof(path), "%s/%s.up", dir, lab->name);
	if (record_live(path, &rec)) {
		fprintf(stderr,
			"connlab: lab '%s' is already up (held by process %d): take it down first with connlab down %s\n",
			lab->name, (int)rec.holder, lab->name);
		return EXIT_USAGE;
	}
	/* the session's leader ends at logout; if that is this very process,
	 * watch the shell that started it */
	if (session == getpid())
		session = getppid();
	if (pipe2(p, O_CLOEXEC))
		return EXIT_CANNOT_RUN;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "connlab: cannot start the holder: %s\n", strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	if (pid == 0) {
		close(p[0]);
		holder_main(lab, plan, path, p[1], session);
	}
	close(p[1]);
	while ((n = read(p[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
		got += n;
	close(p[0]);
	msg[got] = 0;
	if (strncmp(msg, "ok ", 3)) {
		waitpid(pid, NULL, 0);
		msg[strcspn(msg, "\n")] = 0;
		fprintf(stderr, "connlab: %s\n", got > 4 ? msg + 4 : "the holder failed");
		return EXIT_CANNOT_RUN;
	}
	if (record_read(path, &rec)) {
		fprintf(stderr, "connlab: the holder left no record in %s\n", path);
		return EXIT_CANNOT_RUN;
	}
	printf("Lab '%s' is up, rootless: %u namespaces built in %s ms, kept by process %d (no names\n"
	       "under /run/netns without root). Enter one with:\n",
	       lab->name, rec.n, strtok(msg + 3, "\n"), (int)rec.holder);
	for (unsigned i = 0; i < rec.n; i++)
		printf("  %-6s nsenter --preserve-credentials -U -n -t %d bash\n", rec.ns[i],
		       (int)rec.sitter[i]);
	printf("Take it down with: connlab down %s (it also goes when its holder is killed,\n"
	       "or at logout)\n",
	       lab->name);
	return EXIT_OK;
}

unsigned holder_ls(void)
{
	char dir[256], path[600];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	if (state_dir(dir, sizeof(dir)) || !(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct record rec;

		if (len < 4 || strcmp(de->d_name + len - 3, ".up"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!record_live(path, &rec))
			continue;
		printf("%-22.*s %3u   rootless, held by process %d (connlab down %.*s)\n",
		       (int)(len - 3), de->d_name, rec.n, (int)rec.holder, (int)(len - 3),
		       de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static int down_record(const char *path, const char *lab)
{
	struct record rec;

	if (!record_live(path, &rec))
		return 0;
	kill(rec.holder, SIGTERM);
	for (int i = 0; i < 100; i++) {
		int alive = comm_is(rec.holder, "connlab-holder");

		for (unsigned k = 0; k < rec.n; k++)
			alive |= comm_is(rec.sitter[k], "connlab-ns");
		if (!alive) {
			unlink(path);
			printf("took down %s (%u namespaces, rootless)\n", lab, rec.n);
			return 1;
		}
		usleep(50000);
	}
	fprintf(stderr, "connlab: the holder of lab '%s' (process %d) did not end in 5 s\n", lab,
		(int)rec.holder);
	return -1;
}

int holder_down(const char *lab)
{
	char dir[256], path[600];
	struct dirent *de;
	int n = 0, r;
	DIR *d;

	if (state_dir(dir, sizeof(dir)))
		return 0;
	if (lab) {
		snprintf(path, sizeof(path), "%s/%s.up", dir, lab);
		return down_record(path, lab);
	}
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[64];

		if (len < 4 || len - 3 >= sizeof(name) || strcmp(de->d_name + len - 3, ".up"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 3), de->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = down_record(path, name);
		if (r < 0) {
			closedir(d);
			return -1;
		}
		n += r;
	}
	closedir(d);
	return n;
}
