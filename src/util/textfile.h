/* SPDX-License-Identifier: MIT */
/* textfile.h - reading a file a user names (a tuning file, a result.json)
 * as text, refusing before it is read what is not: a directory, a device,
 * something endless, binary data. */
#ifndef CONNLAB_UTIL_TEXTFILE_H
#define CONNLAB_UTIL_TEXTFILE_H

#include <stddef.h>

/* Reads PATH ("-": standard input, which may be a pipe) whole, at most MAX
 * bytes, into *OUT (NUL-terminated; the caller frees it) and *LEN. Refuses a
 * directory or device, a file over MAX bytes, and text with a NUL or another
 * control character than tab, CR and LF. 0, or -errno with ERR saying what
 * was wrong and where ("PATH:LINE: binary data (byte 0x1b at column 3)"). */
int textfile_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);

/* The first byte of TEXT that is not text (NUL, or a control character but
 * tab, CR and LF): its offset, or LEN when there is none. */
size_t textfile_binary_at(const char *text, size_t len);

#endif
