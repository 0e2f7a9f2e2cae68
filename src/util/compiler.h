/* SPDX-License-Identifier: MIT */
/* compiler.h - the attributes and the one array-length macro every layer
 * uses, defined once. */
#ifndef CONNLAB_UTIL_COMPILER_H
#define CONNLAB_UTIL_COMPILER_H

#define WUR __attribute__((warn_unused_result))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
