/* SPDX-License-Identifier: GPL-2.0-only */
/* Whole-file reading for the tools. */
#ifndef TOOLS_LIB_READFILE_H
#define TOOLS_LIB_READFILE_H

#include <stddef.h>

/*
 * read_file_at - the whole of a file, however large, NUL-terminated
 * @dfd: the directory of a relative @path, or AT_FDCWD
 * @path: the file
 * @lenp: where to store its length (without the NUL), or NULL
 *
 * Reads until end of file (files of pseudo file systems have no size to
 * trust). Returns a malloc()ed buffer, or NULL with errno set: the open's
 * or the read's error, or ENOMEM.
 */
char *read_file_at(int dfd, const char *path, size_t *lenp);

#endif /* TOOLS_LIB_READFILE_H */
