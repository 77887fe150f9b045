/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection aimed with a thread's fail-nth: the knobs that make
 * failslab, fail_page_alloc and the controller's fail_dmem_charge count
 * for fail-nth (ignore-gfp-wait off, min-order 0, probability left at 0 so
 * that no other task is affected, and no stack traces, which the VM runner
 * would take for a kernel splat), and arming and disarming fail-nth.
 */
#ifndef DMEM_LIB_FAULTINJ_H
#define DMEM_LIB_FAULTINJ_H

#include <stdbool.h>

/* Which fault points fail-nth counts. */
enum fault_scope {
	FAULTS_DEFAULT,		/* the kernel's defaults: the tests are over */
	FAULTS_ALL,		/* every allocation and every dmem charge */
	FAULTS_CHARGE,		/* only the dmem charges (fail_dmem_charge) */
};

/* Writes @val to a debugfs, procfs or sysfs file: 0 or -errno. */
int knob_write(const char *path, const char *val);

/* A knob's value as a number, or -errno. */
long long knob_read(const char *path);

/* Sets every knob for @scope: 0 or -errno. */
int faults_scope(enum fault_scope scope);

/* The first knob that does not read as @scope sets it, or NULL. */
const char *faults_scope_mismatch(enum fault_scope scope);

/* This thread's fail-nth file, opened read-write: an fd or -errno. */
int nth_open(void);

/* Arms fail-nth: the @n-th fault point this thread reaches fails. */
int nth_arm(int nth, unsigned int n);

/* Disarms fail-nth; 1 if the armed fault fired, 0 if not, or -errno. */
int nth_disarm(int nth);

#endif
