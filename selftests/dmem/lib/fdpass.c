// SPDX-License-Identifier: GPL-2.0-only
/*
 * SCM_RIGHTS; see fdpass.h.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "fdpass.h"

int fd_send(int sock, int fd, const void *data, size_t len, int flags)
{
	char zero = 0, cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = {
		.iov_base = len ? (void *)data : &zero,
		.iov_len = len ? len : 1,
	};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	n = sendmsg(sock, &msg, flags);
	if (n < 0)
		return -errno;
	return (size_t)n == iov.iov_len ? 0 : -EMSGSIZE;
}

int fd_recv(int sock, void *data, size_t len, int flags)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {
		.iov_base = len ? data : &byte,
		.iov_len = len ? len : 1,
	};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &msg, flags);
	if (n < 0)
		return -errno;
	if (!n)
		return -EPIPE;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    (msg.msg_flags & MSG_CTRUNC))
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if ((size_t)n != iov.iov_len) {
		close(fd);
		return -EBADMSG;
	}
	return fd;
}
