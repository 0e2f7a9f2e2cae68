/* SPDX-License-Identifier: MIT */
/* textfile.c - a user's file read as text, or refused with the reason. */
#include "util/textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t textfile_binary_at(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			return i;
	}
	return len;
}

/* What the file is, refused when it is not a file to read whole. */
static int check_kind(int fd, const char *name, size_t max, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st))
		return snprintf(err, errlen, "%s: %s", name, strerror(errno)), -errno;
	if (S_ISDIR(st.st_mode))
		return snprintf(err, errlen, "%s: is a directory; give a file", name), -EISDIR;
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))
		return snprintf(err, errlen, "%s: a device or socket, not a file", name), -EINVAL;
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max)
		return snprintf(err, errlen, "%s: %lld bytes, more than the %zu this reads", name,
				(long long)st.st_size, max),
		       -EFBIG;
	return 0;
}

/* Reads FD to its end, at most MAX bytes: 0, or -errno. */
static int read_whole(int fd, const char *name, size_t max, char **out, size_t *len, char *err,
		      size_t errlen)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);

	while (buf) {
		ssize_t got = read(fd, buf + n, cap - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(buf);
			return snprintf(err, errlen, "%s: cannot read: %s", name, strerror(e)), -e;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			free(buf);
			return snprintf(err, errlen, "%s: more than %zu bytes (endless?); not read",
					name, max),
			       -EFBIG;
		}
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);

			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf)
		return snprintf(err, errlen, "%s: out of memory", name), -ENOMEM;
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

static void say_binary(const char *name, const char *text, size_t at, char *err, size_t errlen)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < at; i++, col++)
		if (text[i] == '\n')
			line++, col = 0;
	snprintf(err, errlen, "%s:%zu: binary data (byte 0x%02x at column %zu): not a text file",
		 name, line, (unsigned char)text[at], col);
}

int textfile_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
	int in = !strcmp(path, "-");
	const char *name = in ? "standard input" : path;
	int fd = in ? 0 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int r;
	size_t at;

	if (fd < 0)
		return snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno)), -errno;
	r = check_kind(fd, name, max, err, errlen);
	if (!r && !in)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (!r)
		r = read_whole(fd, name, max, out, len, err, errlen);
	if (!in)
		close(fd);
	if (r)
		return r;
	at = textfile_binary_at(*out, *len);
	if (at < *len) {
		say_binary(name, *out, at, err, errlen);
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}
