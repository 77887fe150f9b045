/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A userspace model of what a write() to a writable dmem.* file does, as
 * docs/admin-guide.md specifies it (and kernel/devmem_cg/parse.c and
 * files.c implement it): which writes are accepted, the errno of the
 * others, and the values an accepted one sets. The fuzz test compares the
 * kernel against it on every input.
 */
#ifndef FILES_MODEL_H
#define FILES_MODEL_H

#include <stddef.h>

/* The largest value, PAGE_COUNTER_MAX bytes; it reads as "max". */
#define FM_VALUE_MAX	((1ULL << 51) - 1)
/* Longest write a cgroup file takes (a page); longer ones get E2BIG. */
#define FM_WRITE_MAX	4096
#define FM_TIMEOUT_MAX	600000
#define FM_MAX_REGIONS	32
#define FM_NAME_MAX	128

enum fm_file {
	FM_MIN,
	FM_LOW,
	FM_MAX,
	FM_PINNED_MAX,
	FM_POLICY,
	FM_NR_FILES,
};

/* "dmem.min"... */
extern const char *const fm_file_names[FM_NR_FILES];

struct fm_policy {
	int strict;
	unsigned int timeout_ms;
};

/* The registered regions, in registration order. */
struct fm_regions {
	int nr;
	char name[FM_MAX_REGIONS][FM_NAME_MAX];
};

/*
 * One file's state: a value per region (FM_VALUE_MAX for "max"), or a
 * policy per region for FM_POLICY.
 */
struct fm_state {
	unsigned long long value[FM_MAX_REGIONS];
	struct fm_policy policy[FM_MAX_REGIONS];
};

/*
 * What write(@buf, @len) to file @f does: the return value of write()
 * (@len, 0 for an empty write, or -errno) and, if it succeeds, @st
 * updated. @st is unchanged on failure.
 */
long fm_write(const struct fm_regions *rg, enum fm_file f, struct fm_state *st,
	      const char *buf, size_t len);

/* The text of the file (one line per region) into @out; its length. */
size_t fm_render(const struct fm_regions *rg, enum fm_file f,
		 const struct fm_state *st, char *out, size_t cap);

/*
 * Reads @text (the file's contents) into @st; 0, or -1 if it does not
 * have exactly one well-formed line per region of @rg, in order.
 */
int fm_parse(const struct fm_regions *rg, enum fm_file f, const char *text,
	     struct fm_state *st);

/* The kernel's isspace(): also \v, \f and 0xa0 (Latin-1 NBSP). */
int fm_isspace(unsigned char c);

#endif
