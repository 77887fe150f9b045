/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the dmem selftests: cgroup files, and the test-only
 * charging interface of CONFIG_DMEM_SELFTEST_REGION in debugfs.
 */
#ifndef DMEM_UTIL_H
#define DMEM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CG_ROOT		"/sys/fs/cgroup"
#define ST_DIR		"/sys/kernel/debug/dmem_selftest"
#define VRAM0		"selftest/vram0"
#define VRAM1		"selftest/vram1"

/* What a value of "max" reads as through cg_region_value(). */
#define DMEM_MAX	(-1LL)

/* Path of @name (relative to CG_ROOT, "" for the root) and one of its files. */
void cg_path(char *buf, size_t len, const char *cg, const char *file);

/* mkdir/rmdir of a cgroup; 0 or -errno. */
int cg_create(const char *cg);
int cg_destroy(const char *cg);

/* One write() of @str to a cgroup file, opened with @flags; 0 or -errno. */
int cg_write(const char *cg, const char *file, const char *str);
int cg_write_flags(const char *cg, const char *file, const char *str, int flags);

/* The whole file into @buf (NUL-terminated); length or -errno. */
ssize_t cg_read(const char *cg, const char *file, char *buf, size_t len);

/*
 * The value of @region's line in a "<region> <value>" file: bytes, or
 * DMEM_MAX for "max"; -2 if the file has no such line or cannot be read.
 */
long long cg_region_value(const char *cg, const char *file, const char *region);

/*
 * The value of key @key in @region's line of a nested-keyed file
 * (dmem.events, dmem.stat); -2 if absent.
 */
long long cg_region_key(const char *cg, const char *file, const char *region,
			const char *key);

/*
 * The value of @key in a flat keyed buffer ("<key> <value>" lines, e.g.
 * memory.events), which it modifies; -2 if absent.
 */
long long keyed_value(char *buf, const char *key);
/* The same, of cgroup @cg's @file; -2 if absent or unreadable. */
long long cg_key(const char *cg, const char *file, const char *key);
/* The number a one-value file of @cg holds (memory.current); -2 if none. */
long long cg_number(const char *cg, const char *file);

/*
 * Creates "<prefix>.<pid>" with dmem enabled for its children, and the
 * children named in the NULL-terminated @children ("a", "a/b"...; each
 * non-leaf gets +dmem too). @top receives the name. 0 or -errno.
 */
int cg_setup_tree(char *top, size_t len, const char *prefix,
		  const char *const *children);

/* Moves the caller to the root and removes @cg and everything below it. */
void cg_cleanup_tree(const char *cg);

/* Moves the calling process into @cg ("" for the root); 0 or -errno. */
int cg_enter(const char *cg);

/* The cgroup id of @cg: the inode number of its directory. */
unsigned long long cg_id(const char *cg);

/*
 * Drops to uid and gid 65534 ("nobody") with no supplementary groups, which
 * leaves no capabilities: 0 once /proc says none is left, or -errno (-EPERM
 * if one is).
 */
int drop_to_nobody(void);

/* A "Key: N kB" line of /proc/meminfo, in bytes; -1 if missing. */
long long meminfo_bytes(const char *key);

/* Opens a new client of the test charging interface; fd or -errno. */
int st_open(void);

/* Sends "<cmd> <region> <bytes>" on a client; 0 or -errno. */
int st_cmd(int fd, const char *cmd, const char *region, unsigned long long bytes);

/* limit_cgroup_id reported by a client after a failed charge or pin. */
unsigned long long st_limit_cgroup_id(int fd);

/* A counter of ST_DIR/stats ("pools", "regions", "reclaim_calls"...). */
long long st_stat(const char *key);

/* Registers ("register <bytes>") or unregisters VRAM1; 0 or -errno. */
int st_vram1(const char *cmd);

/* Waits up to @ms for st_stat(@key) to equal @want; returns the last value. */
long long st_wait_stat(const char *key, long long want, int ms);

/* Calls @fn for each child cgroup of @cg, named as @cg is (from the root). */
typedef void (*cg_child_fn)(const char *child, void *arg);
void cg_visit_children(const char *cg, cg_child_fn fn, void *arg);

/* The dmem files of a cgroup other than the root, and those of the root. */
static const char *const dmem_cg_files[] = {
	"dmem.current", "dmem.min", "dmem.low", "dmem.max", "dmem.peak",
	"dmem.pinned.current", "dmem.pinned.max", "dmem.events",
	"dmem.events.local", "dmem.stat",
};

static const char *const dmem_root_files[] = {
	"dmem.capacity", "dmem.current", "dmem.pinned.current", "dmem.stat",
	"dmem.policy",
};

#endif
