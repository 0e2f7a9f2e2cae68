/* SPDX-License-Identifier: MIT */
/* read.c - reading lab files (INI, through inih) into struct lab, with
 * file:line messages for everything a user can get wrong.
 *
 * inih does the splitting of sections, keys, values and comments; it reads
 * through our own line reader, which counts lines (so the handler knows
 * where it is), refuses over-long lines and binary data, checks the syntax
 * of each line so that every bad line is reported and not only the first,
 * strips leading blanks (so that no line is taken as a continuation), and
 * turns "[expect]" lines such as "ping.loss <= 0.1%" into "ping.loss=<=
 * 0.1%" so that inih hands over the metric and the comparison. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/labfile.h"
#include "util/suggest.h"

#define LAB_FILE_MAX (1 << 20)

/* ---- reading ---- */

struct reader {
	struct lab *lab;
	struct lab_diag *diag;
	const char *buf;
	size_t len, pos;
	int line;
	int in_expect;
	int section_ok; /* keys of an unknown section are reported once, with it */
	int entries;	/* sections and keys seen */
	int stop;
};

/* Checks one line (NUL-terminated, no newline) and rewrites it into out
 * for inih; problems go to diag and the line is handed over empty. */
static void line_prepare(struct reader *r, char *text, char *out, size_t outlen)
{
	const char *s = skip_blank(text);
	size_t n;

	out[0] = 0;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	text[(size_t)(s - text) + n] = 0;
	if (n == 0 || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		char name[64];
		size_t nl;

		const char *after = end ? skip_blank(end + 1) : NULL;

		if (!end || (*after && *after != ';' && *after != '#')) {
			diag_add(r->diag, "%s:%d: expected a section header such as [clients]",
				 r->lab->source, r->line);
			r->section_ok = 0;
			return;
		}
		nl = (size_t)(end - s - 1);
		if (nl >= sizeof(name))
			nl = sizeof(name) - 1;
		memcpy(name, s + 1, nl);
		name[nl] = 0;
		r->entries++;
		r->in_expect = !strcmp(name, "expect");
		r->section_ok = section_known(name);
		if (!r->section_ok) {
			const char *hint = suggest_closest(name, sections, sections_count);

			if (hint)
				diag_add(r->diag, "%s:%d: unknown section [%s]; did you mean [%s]?",
					 r->lab->source, r->line, name, hint);
			else
				diag_add(
					r->diag,
					"%s:%d: unknown section [%s]; sections are [lab], [server], [clients], [fleet], [probe], [events], [sysctl] and [expect]",
					r->lab->source, r->line, name);
		}
		snprintf(out, outlen, "[%s]\n", name);
		return;
	}
	if (r->in_expect) {
		/* metric, then the comparison: hand inih "metric=rest" */
		size_t m = strspn(
			s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._");

		if (m == 0) {
			diag_add(
				r->diag,
				"%s:%d: expected an expectation such as 'established >= 100k' or 'ping.loss <= 0.1%%'",
				r->lab->source, r->line);
			return;
		}
		snprintf(out, outlen, "%.*s=%s\n", (int)m, s, skip_blank(s + m));
		return;
	}
	if (!strpbrk(s, "=:")) {
		diag_add(r->diag,
			 "%s:%d: expected 'key = value', a [section] or a comment, found '%.40s'",
			 r->lab->source, r->line, s);
		return;
	}
	snprintf(out, outlen, "%s\n", s);
}

/* inih's line reader (fgets-like): one line per call. */
static char *reader_next(char *str, int num, void *stream)
{
	struct reader *r = stream;
	char text[LAB_LINE_MAX + 2];
	size_t start = r->pos, end, n;

	if (r->stop || r->pos >= r->len)
		return NULL;
	end = start;
	while (end < r->len && r->buf[end] != '\n')
		end++;
	r->pos = end < r->len ? end + 1 : end;
	r->line++;
	n = end - start;
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)r->buf[i];

		if (c < 0x20 && c != '\t' && c != '\r') {
			diag_add(
				r->diag,
				"%s:%d: binary data (byte 0x%02x at column %zu): this is not a lab file",
				r->lab->source, r->line, c, i - start + 1);
			r->stop = 1;
			return NULL;
		}
	}
	if (n && r->buf[end - 1] == '\r')
		n--;
	str[0] = 0;
	if (n > LAB_LINE_MAX) {
		diag_add(r->diag, "%s:%d: line too long (%zu characters; at most %d)",
			 r->lab->source, r->line, n, LAB_LINE_MAX);
	} else {
		memcpy(text, r->buf + start, n);
		text[n] = 0;
		line_prepare(r, text, str, (size_t)num);
	}
	if (!str[0])
		snprintf(str, (size_t)num, "\n"); /* an empty line keeps inih in step */
	return str;
}

static void set_key(struct reader *r, const char *section, const char *name, const char *value)
{
	struct lab *lab = r->lab;
	const struct key *k = key_find(section, name);
	char err[256];

	if (!strcmp(section, "sysctl")) {
		if (sysctl_put(lab, name, value, r->line, err, sizeof(err)))
			diag_add(r->diag, "%s:%d: %s", lab->source, r->line, err);
		return;
	}
	if (!strcmp(section, "expect")) {
		if (expect_put(lab, name, value, r->line, err, sizeof(err)))
			diag_add(r->diag, "%s:%d: %s", lab->source, r->line, err);
		return;
	}
	if (!strcmp(section, "events")) {
		if (event_put(lab, name, value, r->line, err, sizeof(err)))
			diag_add(r->diag, "%s:%d: %s", lab->source, r->line, err);
		return;
	}
	if (!k) {
		const char *hint = key_hint(section, name);

		if (hint)
			diag_add(r->diag, "%s:%d: unknown key '%s' in [%s]; did you mean '%s'?",
				 lab->source, r->line, name, section, hint);
		else
			diag_add(
				r->diag,
				"%s:%d: unknown key '%s' in [%s]; 'connlab help labfile' lists the keys",
				lab->source, r->line, name, section);
		return;
	}
	if (lab->key_line[k - keys] > 0) {
		diag_add(r->diag, "%s:%d: duplicate key %s.%s (first set at line %d)", lab->source,
			 r->line, section, name, lab->key_line[k - keys]);
		return;
	}
	if (!*value) {
		diag_add(r->diag, "%s:%d: %s.%s has no value; its default is '%s'", lab->source,
			 r->line, section, name, k->def);
		return;
	}
	if (key_assign(lab, k, value, err, sizeof(err))) {
		diag_add(r->diag, "%s:%d: %s.%s: %s", lab->source, r->line, section, name, err);
		return;
	}
	lab->key_line[k - keys] = r->line;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	r->entries++;
	if (!r->section_ok)
		return 1;
	if (!*section) {
		diag_add(
			r->diag,
			"%s:%d: '%s' comes before any section: put it under [lab], [server], [clients], ...",
			r->lab->source, r->line, name);
		return 1;
	}
	set_key(r, section, name, value);
	return 1;
}

int lab_parse(struct lab *lab, const char *buf, size_t len, struct lab_diag *diag)
{
	struct reader r = {
		.lab = lab,
		.diag = diag,
		.buf = buf,
		.len = len,
		.section_ok = 1,
	};
	unsigned before = diag->n + diag->dropped;
	int ret;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) /* UTF-8 byte order mark */
		r.pos = 3;
	ret = ini_parse_stream(reader_next, &r, on_entry, &r);
	if (ret > 0) /* a line inih could not read that our reader let through */
		diag_add(diag, "%s:%d: cannot read this line", lab->source, ret);
	else if (ret < 0)
		diag_add(diag, "%s: out of memory while reading", lab->source);
	if (r.entries == 0 && diag->n + diag->dropped == before)
		diag_add(
			diag,
			"%s:1: empty lab file: expected sections such as [lab] and [clients] with keys (see 'connlab help labfile')",
			lab->source);
	return diag->n + diag->dropped > before ? -EINVAL : 0;
}

int lab_load_file(struct lab *lab, const char *path, struct lab_diag *diag)
{
	struct stat st;
	char *buf = NULL, name[LAB_NAME_MAX + 8];
	const char *base;
	ssize_t got = 0;
	int fd, ret;

	lab_init(lab, path);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(name, sizeof(name), "%s", base);
	if (strlen(name) > 4 && !strcmp(name + strlen(name) - 4, ".lab"))
		name[strlen(name) - 4] = 0;
	if (valid_name(name))
		snprintf(lab->name, sizeof(lab->name), "%s", name);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		diag_add(diag, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		diag_add(diag, "%s: not a regular file", path);
		goto out_close;
	}
	if (st.st_size > LAB_FILE_MAX) {
		ret = -EFBIG;
		diag_add(diag, "%s: %lld bytes is too large for a lab file (at most %d)", path,
			 (long long)st.st_size, LAB_FILE_MAX);
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		diag_add(diag, "%s: out of memory", path);
		goto out_close;
	}
	while (got < st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)(st.st_size - got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			diag_add(diag, "%s: cannot read: %s", path, strerror(errno));
			goto out_free;
		}
		if (n == 0)
			break;
		got += n;
	}
	ret = lab_parse(lab, buf, (size_t)got, diag);
out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}

extern const char connlab_default_lab[];
extern const char connlab_default_lab_end[];

int lab_load_default(struct lab *lab, struct lab_diag *diag)
{
	lab_init(lab, "default.lab");
	return lab_parse(lab, connlab_default_lab,
			 (size_t)(connlab_default_lab_end - connlab_default_lab), diag);
}
