/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Passing a file descriptor to another process over a unix socket
 * (SCM_RIGHTS), with a few bytes of data in the same message.
 */
#ifndef DMEM_LIB_FDPASS_H
#define DMEM_LIB_FDPASS_H

#include <stddef.h>

/*
 * Sends @fd and the @len bytes at @data (one zero byte if @len is 0) in
 * one message, with sendmsg() @flags; 0 or -errno.
 */
int fd_send(int sock, int fd, const void *data, size_t len, int flags);

/*
 * Receives one message of @len bytes into @data (one byte, dropped, if
 * @len is 0) with its fd, with recvmsg() @flags. Returns the fd, or
 * -errno: -EBADMSG for a message without its fd or of another length,
 * -EPIPE at the end of the stream.
 */
int fd_recv(int sock, void *data, size_t len, int flags);

#endif
