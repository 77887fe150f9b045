// SPDX-License-Identifier: GPL-2.0-only
/* Whole-file reading for the tools: no size limit, errno kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "readfile.h"

/* Reads all of @fd into a NUL-terminated buffer; NULL with errno set. */
static char *read_all(int fd, size_t *lenp)
{
	size_t len = 0, size = 0;
	char *buf = NULL, *p;
	ssize_t n;

	for (;;) {
		if (size - len < 2) {
			size = size ? 2 * size : 4096;
			/* A doubling that wraps around is out of memory too. */
			p = size > len ? realloc(buf, size) : NULL;
			if (!p) {
				errno = ENOMEM;
				goto fail;
			}
			buf = p;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
fail:
	free(buf);	/* keeps errno */
	return NULL;
}

char *read_file_at(int dfd, const char *path, size_t *lenp)
{
	char *buf;
	int fd, err;

	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = read_all(fd, lenp);
	err = errno;
	close(fd);
	errno = err;
	return buf;
}
