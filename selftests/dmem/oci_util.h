/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An OCI bundle for the container runtimes of the host (crun, runc, run
 * under chroot /host like cgset): a rootfs with the static dmemsim and
 * /dev/dmem_sim, and a config.json whose linux.resources.unified sets dmem
 * files. See test_oci.c.
 */
#ifndef OCI_UTIL_H
#define OCI_UTIL_H

#include <sys/types.h>

/**
 * struct oci_bundle - a bundle in the guest's /tmp (the host's /tmp under
 * chroot /host)
 * @dir: the bundle, "/tmp/dmt_oci.<pid>.<tag>"
 * @state: the runtime's state directory (--root), inside @dir
 * @pid: the runtime started by oci_start(), or -1 once waited for
 * @status: its exit status once waited for, -1 if it did not exit
 */
struct oci_bundle {
	char dir[96];
	char state[128];
	pid_t pid;
	int status;
};

/*
 * Makes @b: rootfs, and config.json for cgroup @cgpath (absolute, from
 * the cgroup root), running dmemsim with @script, the unified map given
 * as the JSON members @unified (e.g. "\"dmem.max\": \"sim/r 4M\""). 0 or
 * -errno.
 */
int oci_bundle_make(struct oci_bundle *b, const char *tag, const char *cgpath,
		    const char *script, const char *unified);
/* Removes @b's directory tree. */
void oci_bundle_remove(struct oci_bundle *b);

/*
 * Starts "@runtime --root STATE run --bundle DIR @name" under chroot
 * /host, its stdout and stderr into DIR/out and DIR/err. 0 or -errno.
 */
int oci_start(struct oci_bundle *b, const char *runtime, const char *name);
/* Waits for the runtime: its exit status, or -1. */
int oci_wait(struct oci_bundle *b);
/*
 * Waits up to @ms for the file @name in the rootfs: 0, or -ETIMEDOUT (also
 * when the runtime exits first).
 */
int oci_wait_file(struct oci_bundle *b, const char *name, int ms);
/* Creates the file @name in the rootfs: 0 or -errno. */
int oci_touch(struct oci_bundle *b, const char *name);
/* The runtime's stdout ("out") or stderr ("err") into @buf. */
void oci_output(struct oci_bundle *b, const char *which, char *buf,
		size_t len);

#endif
