// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing of /dev/dmem_sim and of the simulated NIC /dev/dmem_nic that
 * imports its dma-bufs: DMEM_FUZZ_IOCTLS ioctls (default 100000), and on
 * until every command has succeeded once, or as many as fit in
 * DMEM_FUZZ_SECONDS (default 300), as root, on six files of
 * each device (dmem_sim's opened in three cgroups), mixed with read(), poll(),
 * mmap() (and use of the mappings), close and reopen of files and
 * dma-bufs. Mostly the real commands with argument structs built from the
 * live objects (handles, importer ids, dma-buf fds and region names, their
 * neighbours and random ones; sizes 0, huge, unaligned, the capacity...),
 * a quarter of them then mutated byte-wise; some with a command number of
 * a wrong size, direction or number, or a random one; some with a bad
 * pointer (NULL, unmapped, read-only, straddling the end of a mapping, a
 * kernel address).
 *
 * Every call must succeed or fail with an errno the ABI documents for it
 * (uapi/linux/dmem_sim.h, uapi/linux/dmem_nic.h): the sets are listed per
 * command below; a command of one device sent to the other's file fails
 * with ENOTTY. A few results are checked too (a new buffer's INFO,
 * a region's capacity, mapping contents against READ). At the end,
 * everything closed, the regions must be empty, dmem.current and
 * dmem.pinned.current 0 in every cgroup, and after destroying them, no
 * region of this test and no controller object may remain.
 *
 * DMEM_FUZZ_SEED repeats a run; every failure prints the call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "fuzz_util.h"
#include "nic_util.h"
#include "reliability.h"
#include "sim_util.h"

#define NR_FDS		6
#define NR_CGS		3
#define MAX_BUFS	64
#define MAX_IMPS	32
#define MAX_DMABUFS	16
#define MAX_REGIONS	8
#define MAX_DEAD	8
#define MAX_MAPS	16
#define SCRATCH		(1024 * 1024)
#define MAX_REPORTS	20
/* Below this much free memory, drop everything held (see relieve()). */
#define LOW_MEM_KB	(512 << 10)

static const char *const tree[] = { "a", "b", "c", NULL };

/* Every command, with the errnos it may fail with. */
struct cmd {
	unsigned int nr;
	const char *name;
	int errs[12];
};

/*
 * EFAULT and EINVAL are common to all; making a buffer resident adds
 * ENOMEM, ENODEV, EINTR and EBUSY (a victim's eviction).
 */
static const struct cmd cmds[] = {
	{ DMEM_SIM_IOC_REGION_CREATE, "REGION_CREATE", { EFAULT, EINVAL, EEXIST, ENOMEM } },
	{ DMEM_SIM_IOC_REGION_DESTROY, "REGION_DESTROY", { EFAULT, EINVAL, ENOENT } },
	{ DMEM_SIM_IOC_REGION_INFO, "REGION_INFO", { EFAULT, EINVAL, ENOENT } },
	{ DMEM_SIM_IOC_ALLOC, "ALLOC", { EFAULT, EINVAL, ENOENT, ENOMEM, ENODEV, EINTR, EBUSY } },
	{ DMEM_SIM_IOC_FREE, "FREE", { EFAULT, EINVAL, ENOENT } },
	{ DMEM_SIM_IOC_PIN, "PIN",
	  { EFAULT, EINVAL, ENOENT, ENOMEM, ENODEV, EINTR, EBUSY, EOVERFLOW } },
	{ DMEM_SIM_IOC_UNPIN, "UNPIN", { EFAULT, EINVAL, ENOENT } },
	{ DMEM_SIM_IOC_TOUCH, "TOUCH", { EFAULT, EINVAL, ENOENT, ENOMEM, ENODEV, EINTR, EBUSY } },
	{ DMEM_SIM_IOC_INFO, "INFO", { EFAULT, EINVAL, ENOENT } },
	{ DMEM_SIM_IOC_WRITE, "WRITE", { EFAULT, EINVAL, ENOENT, ENOMEM } },
	{ DMEM_SIM_IOC_READ, "READ", { EFAULT, EINVAL, ENOENT, ENOMEM } },
	{ DMEM_SIM_IOC_EXPORT, "EXPORT", { EFAULT, EINVAL, ENOENT, EBUSY, ENOMEM, EMFILE } },
	{ DMEM_SIM_IOC_OWNER_INFO, "OWNER_INFO", { EFAULT, EINVAL } },
	/* The NIC's: a dynamic map may find the buffer moved again (EAGAIN). */
	{ DMEM_NIC_IOC_IMPORT, "IMPORT",
	  { EFAULT, EINVAL, EBADF, ENOMEM, ENODEV, EINTR, EBUSY, EAGAIN } },
	{ DMEM_NIC_IOC_IMPORTER_ACK, "IMPORTER_ACK", { EFAULT, EINVAL, ENOENT, EINTR } },
	{ DMEM_NIC_IOC_IMPORTER_USE, "IMPORTER_USE",
	  { EFAULT, EINVAL, ENOENT, ENOMEM, ENODEV, EINTR, EBUSY, EAGAIN } },
	{ DMEM_NIC_IOC_IMPORTER_DETACH, "IMPORTER_DETACH", { EFAULT, EINVAL, ENOENT } },
	{ DMEM_NIC_IOC_IMPORTER_READ, "IMPORTER_READ",
	  { EFAULT, EINVAL, ENOENT, ENOMEM, ENODEV, EAGAIN, EINTR } },
};

#define NR_CMDS	ARRAY_SIZE(cmds)

struct fbuf {
	int fdi;
	__u32 handle;
	__u64 size;
};

struct fimp {
	int fdi;
	__u32 id;
};

struct fregion {
	char name[DMEM_SIM_NAME_LEN];
	__u64 size;
};

struct fmap {
	void *addr;
	size_t len;
};

struct fz {
	struct fuzz_rng rng;
	char top[64], cgs[NR_CGS][128];
	int fd[NR_FDS];
	int nfd[NR_FDS];	/* the NIC's files; importers are in these */
	struct fbuf bufs[MAX_BUFS];
	int nbufs;
	struct fimp imps[MAX_IMPS];
	int nimps;
	int dmabufs[MAX_DMABUFS];
	int ndmabufs;
	struct fregion regions[MAX_REGIONS];
	int nregions;
	char dead[MAX_DEAD][DMEM_SIM_NAME_LEN];
	int ndead;
	struct fmap maps[MAX_MAPS];
	int nmaps;
	unsigned int next_region;
	/*
	 * Where arguments and data go, in a reservation of 4 GiB, all
	 * inaccessible but these: a READ or WRITE running past them (up to
	 * 1 GiB, the largest buffer) faults instead of hitting our memory.
	 */
	unsigned char *area;
	unsigned char *scratch;		/* SCRATCH bytes at 0, read-write */
	unsigned char *ro_page;		/* a page at 2 GiB, read-only */
	unsigned char *arg_page;	/* a page at 3 GiB, read-write */
	unsigned long inputs, ioctls, errors, mismatches;
	unsigned long ok[NR_CMDS], calls[NR_CMDS];
	int reports;
	unsigned long eintr;
	unsigned char sink;	/* what the mappings read, kept */
	int trace;	/* DMEM_FUZZ_TRACE: every call to stderr, before it */
};

static struct fz fz;

static int report(void)
{
	return fz.reports++ < MAX_REPORTS;
}

/* ---- picking things ---- */

static __u32 pick_u32_near(__u32 v)
{
	switch (fuzz_below(&fz.rng, 8)) {
	case 0:
		return v + 1 + fuzz_below(&fz.rng, 3);
	case 1:
		return v - 1 - fuzz_below(&fz.rng, 3);
	case 2:
		return 0;
	case 3:
		return fuzz_interesting(&fz.rng);
	default:
		return v;
	}
}

/* A handle: mostly one of @fdi's, else another file's, a neighbour, junk. */
static __u32 pick_handle(int fdi)
{
	int i, tries;

	for (tries = 0; tries < 4 && fz.nbufs; tries++) {
		i = fuzz_below(&fz.rng, fz.nbufs);
		if (fz.bufs[i].fdi == fdi || fuzz_one_in(&fz.rng, 5))
			return fuzz_one_in(&fz.rng, 6) ? pick_u32_near(fz.bufs[i].handle) :
							 fz.bufs[i].handle;
	}
	return fuzz_one_in(&fz.rng, 2) ? 1 + fuzz_below(&fz.rng, 8) : fuzz_interesting(&fz.rng);
}

static struct fbuf *find_buf(int fdi, __u32 handle)
{
	int i;

	for (i = 0; i < fz.nbufs; i++)
		if (fz.bufs[i].fdi == fdi && fz.bufs[i].handle == handle)
			return &fz.bufs[i];
	return NULL;
}

static __u32 pick_importer(int fdi)
{
	int i;

	if (fz.nimps && fuzz_below(&fz.rng, 5)) {
		i = fuzz_below(&fz.rng, fz.nimps);
		return fuzz_one_in(&fz.rng, 6) ? pick_u32_near(fz.imps[i].id) : fz.imps[i].id;
	}
	return fuzz_one_in(&fz.rng, 2) ? 1 + fuzz_below(&fz.rng, 8) : fuzz_interesting(&fz.rng);
}

static int pick_dmabuf(void)
{
	switch (fuzz_below(&fz.rng, 10)) {
	case 0:		/* not a dma-buf */
		return fuzz_one_in(&fz.rng, 2) ? fz.fd[fuzz_below(&fz.rng, NR_FDS)] :
						 fz.nfd[fuzz_below(&fz.rng, NR_FDS)];
	case 1:
		return -1 - fuzz_below(&fz.rng, 3);
	case 2:
		return fuzz_below(&fz.rng, 1024);
	case 3:
		return fuzz_interesting(&fz.rng);
	default:
		if (!fz.ndmabufs)
			return -1;
		return fz.dmabufs[fuzz_below(&fz.rng, fz.ndmabufs)];
	}
}

static void new_region_name(char *name)
{
	snprintf(name, DMEM_SIM_NAME_LEN, "t%d_f%u", getpid(), fz.next_region++);
}

/* A region name: live, destroyed, fresh or malformed (maybe unterminated). */
static void pick_region(char *name)
{
	static const char *const odd[] = {
		"", "a/b", "with space", "tab\t", "dot.dash-under_", "..", "-",
		"\xff\xfe", "sim", "0",
	};
	size_t n;

	memset(name, 0, DMEM_SIM_NAME_LEN);
	switch (fuzz_below(&fz.rng, 12)) {
	case 0:
		if (fz.ndead)
			memcpy(name, fz.dead[fuzz_below(&fz.rng, fz.ndead)], DMEM_SIM_NAME_LEN);
		else
			new_region_name(name);
		break;
	case 1:
		new_region_name(name);
		break;
	case 2:
		snprintf(name, DMEM_SIM_NAME_LEN, "%s", odd[fuzz_below(&fz.rng, ARRAY_SIZE(odd))]);
		break;
	case 3:		/* the longest names, and one without its NUL */
		memset(name, 'x', DMEM_SIM_NAME_LEN - fuzz_below(&fz.rng, 2));
		break;
	default:
		if (!fz.nregions) {
			new_region_name(name);
			break;
		}
		memcpy(name, fz.regions[fuzz_below(&fz.rng, fz.nregions)].name,
		       DMEM_SIM_NAME_LEN);
		if (fuzz_one_in(&fz.rng, 10)) {
			/* Truncated, or a character changed. */
			n = strlen(name);
			if (fuzz_one_in(&fz.rng, 2))
				name[fuzz_below(&fz.rng, n)] = '\0';
			else
				name[fuzz_below(&fz.rng, n)] ^= 1 << fuzz_below(&fz.rng, 8);
		}
	}
}

static struct fregion *find_region(const char *name)
{
	int i;

	for (i = 0; i < fz.nregions; i++)
		if (!strncmp(fz.regions[i].name, name, DMEM_SIM_NAME_LEN))
			return &fz.regions[i];
	return NULL;
}

/* A size: mostly small page multiples, sometimes @cap, sometimes junk. */
static __u64 pick_size(__u64 cap)
{
	switch (fuzz_below(&fz.rng, 20)) {
	case 0:
		return cap;
	case 1:
		return cap + 4096;
	case 2: case 3:
		return fuzz_interesting(&fz.rng);
	case 4:
		return 1 + fuzz_below(&fz.rng, 1 << 16);	/* unaligned, mostly */
	case 5: case 6: case 7:
		return 4096 * (1 + fuzz_below(&fz.rng, 4096));
	default:
		return 4096 * (1 + fuzz_below(&fz.rng, 64));
	}
}

static __u32 pick_flags(__u32 valid)
{
	switch (fuzz_below(&fz.rng, 12)) {
	case 0:
		return 1U << fuzz_below(&fz.rng, 32);
	case 1:
		return fuzz_u64(&fz.rng);
	case 2: case 3:
		return valid;
	default:
		return 0;
	}
}

/* A user pointer for READ and WRITE. */
static __u64 pick_ptr(void)
{
	switch (fuzz_below(&fz.rng, 16)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)fz.arg_page + 4096;	/* unmapped */
	case 2:
		return (uintptr_t)fz.ro_page;
	case 3:
		return 0xffffffff81000000ULL;
	case 4:		/* the kernel's half: never one of our pages */
		return fuzz_u64(&fz.rng) | 1ULL << 63;
	case 5:		/* near the end of the scratch area */
		return (uintptr_t)fz.scratch + SCRATCH - fuzz_below(&fz.rng, 8192);
	default:
		return (uintptr_t)fz.scratch + fuzz_below(&fz.rng, 4096);
	}
}

/* ---- bookkeeping ---- */

union arg {
	struct dmem_sim_region_create rc;
	struct dmem_sim_region_name rn;
	struct dmem_sim_region_info ri;
	struct dmem_sim_alloc al;
	struct dmem_sim_buf_op op;
	struct dmem_sim_buf_info bi;
	struct dmem_sim_rw rw;
	struct dmem_sim_export ex;
	struct dmem_sim_owner_info oi;
	struct dmem_nic_import im;
	struct dmem_nic_importer_op io;
	struct dmem_nic_importer_info ii;
	struct dmem_nic_read rd;
	unsigned char raw[128];
};

static void drop_buf(int i)
{
	fz.bufs[i] = fz.bufs[--fz.nbufs];
}

static void drop_imp(int i)
{
	fz.imps[i] = fz.imps[--fz.nimps];
}

static void close_dmabuf(int i)
{
	close(fz.dmabufs[i]);
	fz.dmabufs[i] = fz.dmabufs[--fz.ndmabufs];
}

static void unmap(int i)
{
	munmap(fz.maps[i].addr, fz.maps[i].len);
	fz.maps[i] = fz.maps[--fz.nmaps];
}

static int simple_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static void free_buf(int i)
{
	struct dmem_sim_buf_op op = { .handle = fz.bufs[i].handle };

	simple_ioctl(fz.fd[fz.bufs[i].fdi], DMEM_SIM_IOC_FREE, &op);
	drop_buf(i);
}

/* Lets everything held go: mappings, dma-bufs, importers, buffers. */
static void relieve(void)
{
	while (fz.nmaps)
		unmap(0);
	while (fz.ndmabufs)
		close_dmabuf(0);
	while (fz.nimps) {
		struct dmem_nic_importer_op op = { .id = fz.imps[0].id };

		simple_ioctl(fz.nfd[fz.imps[0].fdi], DMEM_NIC_IOC_IMPORTER_DETACH, &op);
		drop_imp(0);
	}
	while (fz.nbufs)
		free_buf(0);
}

static int open_in(int cg)
{
	int fd;

	cg_enter(fz.cgs[cg]);
	fd = open(SIM_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	cg_enter("");
	return fd;
}

static void set_policy(const char *name)
{
	char line[80];

	/* Short revoke waits: importers that never ack would stall the run. */
	snprintf(line, sizeof(line), "sim/%s timeout_ms=20", name);
	cg_write("", "dmem.policy", line);
}

/* ---- one ioctl ---- */

/* READ and WRITE: an offset and length around the buffer's, a pointer. */
static void build_rw(int fdi, union arg *a)
{
	struct fbuf *b;

	a->rw.handle = pick_handle(fdi);
	a->rw.flags = pick_flags(0);
	b = find_buf(fdi, a->rw.handle);
	a->rw.offset = fuzz_below(&fz.rng, 4) ? fuzz_below(&fz.rng, b ? b->size : 8192) :
		       fuzz_interesting(&fz.rng);
	switch (fuzz_below(&fz.rng, 6)) {
	case 0:
		a->rw.len = fuzz_interesting(&fz.rng);
		break;
	case 1:		/* to the end, or one byte past it */
		a->rw.len = (b ? b->size : 4096) - a->rw.offset + fuzz_below(&fz.rng, 2);
		break;
	case 2:
		a->rw.len = -a->rw.offset;	/* wraps to 0 */
		break;
	default:
		a->rw.len = fuzz_below(&fz.rng, 3 * 4096);
	}
	a->rw.ptr = pick_ptr();
}

/* IMPORT: a dma-buf, a mode and an ack of them or junk. */
static void build_import(int fdi, union arg *a)
{
	a->im.fd = pick_dmabuf();
	a->im.mode = fuzz_one_in(&fz.rng, 10) ? fuzz_u64(&fz.rng) : fuzz_below(&fz.rng, 2);
	if (a->im.mode == DMEM_NIC_IMPORT_PINNED || fuzz_one_in(&fz.rng, 10))
		a->im.ack = fuzz_one_in(&fz.rng, 10) ? fuzz_u64(&fz.rng) :
							 fuzz_below(&fz.rng, 3);
	if (a->im.ack == DMEM_NIC_ACK_DELAYED || fuzz_one_in(&fz.rng, 10))
		a->im.delay_ms = fuzz_one_in(&fz.rng, 4) ? fuzz_interesting(&fz.rng) :
				 1 + fuzz_below(&fz.rng, 50);
	a->im.flags = pick_flags(0);
	a->im.id = fuzz_one_in(&fz.rng, 10) ? pick_importer(fdi) : 0;
}

static void build_arg(int ci, int fdi, union arg *a)
{
	struct fregion *r;

	memset(a, 0, sizeof(*a));
	switch (cmds[ci].nr) {
	case DMEM_SIM_IOC_REGION_CREATE:
		pick_region(a->rc.name);
		if (fuzz_below(&fz.rng, 3))
			new_region_name(a->rc.name);
		/* Up to 32 MiB mostly; 1 GiB, the largest, sometimes. */
		a->rc.size = fuzz_one_in(&fz.rng, 10) ? DMEM_SIM_REGION_MAX :
			     pick_size(DMEM_SIM_REGION_MAX) % (64 << 20);
		if (fuzz_one_in(&fz.rng, 8))
			a->rc.size = pick_size(DMEM_SIM_REGION_MAX);
		a->rc.flags = pick_flags(0);
		a->rc.pad = pick_flags(0);
		break;
	case DMEM_SIM_IOC_REGION_DESTROY:
		pick_region(a->rn.name);
		a->rn.flags = pick_flags(0);
		a->rn.pad = pick_flags(0);
		break;
	case DMEM_SIM_IOC_REGION_INFO:
		pick_region(a->ri.name);
		a->ri.flags = pick_flags(0);
		a->ri.pad = pick_flags(0);
		if (fuzz_one_in(&fz.rng, 8))
			a->ri.capacity = fuzz_u64(&fz.rng);	/* outputs: ignored */
		break;
	case DMEM_SIM_IOC_ALLOC:
		pick_region(a->al.region);
		r = find_region(a->al.region);
		a->al.size = pick_size(r ? r->size : 1 << 20);
		a->al.flags = pick_flags(DMEM_SIM_ALLOC_PINNED);
		a->al.handle = fuzz_one_in(&fz.rng, 10) ? pick_handle(fdi) : 0;
		break;
	case DMEM_SIM_IOC_FREE:
	case DMEM_SIM_IOC_PIN:
	case DMEM_SIM_IOC_UNPIN:
	case DMEM_SIM_IOC_TOUCH:
		a->op.handle = pick_handle(fdi);
		a->op.flags = pick_flags(0);
		break;
	case DMEM_SIM_IOC_INFO:
		a->bi.handle = pick_handle(fdi);
		a->bi.flags = pick_flags(0);
		break;
	case DMEM_SIM_IOC_WRITE:
	case DMEM_SIM_IOC_READ:
		build_rw(fdi, a);
		break;
	case DMEM_SIM_IOC_EXPORT:
		a->ex.handle = pick_handle(fdi);
		a->ex.flags = pick_flags(DMEM_SIM_EXPORT_CLOEXEC);
		a->ex.fd = fuzz_one_in(&fz.rng, 10) ? (int)fuzz_u64(&fz.rng) : 0;
		a->ex.pad = pick_flags(0);
		break;
	case DMEM_SIM_IOC_OWNER_INFO:
		a->oi.flags = pick_flags(0);
		break;
	case DMEM_NIC_IOC_IMPORT:
		build_import(fdi, a);
		break;
	case DMEM_NIC_IOC_IMPORTER_ACK:
	case DMEM_NIC_IOC_IMPORTER_DETACH:
		a->io.id = pick_importer(fdi);
		a->io.flags = pick_flags(0);
		break;
	case DMEM_NIC_IOC_IMPORTER_USE:
		a->ii.id = pick_importer(fdi);
		a->ii.flags = pick_flags(0);
		break;
	case DMEM_NIC_IOC_IMPORTER_READ:
		/* The layout of dmem_sim_rw, the importer's id for the handle. */
		build_rw(fdi, a);
		a->rd.id = pick_importer(fdi);
		break;
	}
}

/* Another command number: a wrong size, direction or number, or junk. */
static unsigned int other_cmd(unsigned int cmd)
{
	unsigned int type;

	switch (fuzz_below(&fz.rng, 4)) {
	case 0:
		return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd),
			    fuzz_below(&fz.rng, 1 << _IOC_SIZEBITS));
	case 1:
		return _IOC(fuzz_below(&fz.rng, 4), _IOC_TYPE(cmd), _IOC_NR(cmd),
			    _IOC_SIZE(cmd));
	case 2:
		return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), fuzz_below(&fz.rng, 256),
			    _IOC_SIZE(cmd));
	default:
		/* Not a type that the VFS handles for every file (FIOCLEX...). */
		do
			type = fuzz_below(&fz.rng, 256);
		while (strchr("\x00\x12\x15\x54\x58\x66\x94", type));
		return _IOC(fuzz_below(&fz.rng, 4), type, fuzz_below(&fz.rng, 256),
			    fuzz_below(&fz.rng, 1 << _IOC_SIZEBITS));
	}
}

static int cmd_index(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < NR_CMDS; i++)
		if (cmds[i].nr == cmd)
			return i;
	return -1;
}

static bool nic_cmd(unsigned int cmd)
{
	return _IOC_TYPE(cmd) == DMEM_NIC_IOC_MAGIC;
}

/* Is @err allowed for command @ci on a file of the NIC (@nic) or dmem_sim? */
static int allowed(int ci, bool nic, int err)
{
	int i;

	if (ci < 0 || nic_cmd(cmds[ci].nr) != nic)
		return err == ENOTTY;
	for (i = 0; i < (int)ARRAY_SIZE(cmds[ci].errs) && cmds[ci].errs[i]; i++)
		if (cmds[ci].errs[i] == err)
			return 1;
	return 0;
}

static void report_call(const char *what, int fdi, unsigned int cmd, const void *ptr,
			const void *arg, size_t size, int err)
{
	if (!report())
		return;
	fprintf(stderr, "# %s: fd %d ioctl 0x%08x (%s) arg %p ", what, fdi, cmd,
		cmd_index(cmd) >= 0 ? cmds[cmd_index(cmd)].name : "unknown", ptr);
	fuzz_print_escaped(stderr, arg, size);
	fprintf(stderr, ": %s\n", err ? strerror(err) : "success");
}

static void note_mismatch(const char *fmt, unsigned long long a, unsigned long long b)
{
	fz.mismatches++;
	if (report()) {
		fprintf(stderr, "# mismatch: ");
		fprintf(stderr, fmt, a, b);
		fputc('\n', stderr);
	}
}

/* Track what a successful call created or removed, check what it said. */
/* after_success() of the region commands: the test's list of regions. */
static void after_region_success(unsigned int nr, int fdi, const union arg *in,
				 const union arg *out)
{
	struct dmem_sim_region_info ri;
	struct fregion *r;

	switch (nr) {
	case DMEM_SIM_IOC_REGION_CREATE:
		set_policy(in->rc.name);
		if (sim_region_info(fz.fd[fdi], in->rc.name, &ri) ||
		    ri.capacity != in->rc.size)
			note_mismatch("new region: capacity %llu, created with %llu",
				      ri.capacity, in->rc.size);
		if (fz.nregions == MAX_REGIONS) {
			sim_region_destroy(fz.fd[fdi], in->rc.name);
			break;
		}
		memcpy(fz.regions[fz.nregions].name, in->rc.name, DMEM_SIM_NAME_LEN);
		fz.regions[fz.nregions++].size = in->rc.size;
		break;
	case DMEM_SIM_IOC_REGION_DESTROY:
		r = find_region(in->rn.name);
		if (r) {
			if (fz.ndead < MAX_DEAD)
				memcpy(fz.dead[fz.ndead++], r->name, DMEM_SIM_NAME_LEN);
			*r = fz.regions[--fz.nregions];
		}
		break;
	case DMEM_SIM_IOC_REGION_INFO:
		r = find_region(in->ri.name);
		if (r && out->ri.capacity != r->size)
			note_mismatch("REGION_INFO: capacity %llu, expected %llu",
				      out->ri.capacity, r->size);
		if (out->ri.used > out->ri.capacity)
			note_mismatch("REGION_INFO: used %llu > capacity %llu",
				      out->ri.used, out->ri.capacity);
		break;
	}
}

static void after_success(int ci, int fdi, const union arg *in, const union arg *out)
{
	struct dmem_sim_buf_info bi;
	struct fbuf *b;
	int i;

	switch (cmds[ci].nr) {
	case DMEM_SIM_IOC_REGION_CREATE:
	case DMEM_SIM_IOC_REGION_DESTROY:
	case DMEM_SIM_IOC_REGION_INFO:
		after_region_success(cmds[ci].nr, fdi, in, out);
		break;
	case DMEM_SIM_IOC_ALLOC:
		if (sim_info(fz.fd[fdi], out->al.handle, &bi) || bi.size != in->al.size ||
		    bi.state != DMEM_SIM_STATE_RESIDENT)
			note_mismatch("new buffer: size %llu, allocated %llu", bi.size,
				      in->al.size);
		if (fz.nbufs == MAX_BUFS)
			free_buf(fuzz_below(&fz.rng, fz.nbufs));
		fz.bufs[fz.nbufs].fdi = fdi;
		fz.bufs[fz.nbufs].handle = out->al.handle;
		fz.bufs[fz.nbufs++].size = in->al.size;
		break;
	case DMEM_SIM_IOC_FREE:
		b = find_buf(fdi, in->op.handle);
		if (b)
			drop_buf(b - fz.bufs);
		break;
	case DMEM_SIM_IOC_EXPORT:
		if (fz.ndmabufs == MAX_DMABUFS)
			close_dmabuf(fuzz_below(&fz.rng, fz.ndmabufs));
		fz.dmabufs[fz.ndmabufs++] = out->ex.fd;
		break;
	case DMEM_SIM_IOC_OWNER_INFO:
		if (out->oi.pinned > out->oi.resident || out->oi.tgid != getpid())
			note_mismatch("OWNER_INFO: pinned %llu > resident %llu, or a wrong tgid",
				      out->oi.pinned, out->oi.resident);
		break;
	case DMEM_NIC_IOC_IMPORT:
		if (fz.nimps == MAX_IMPS) {
			struct dmem_nic_importer_op op = { .id = out->im.id };

			simple_ioctl(fz.nfd[fdi], DMEM_NIC_IOC_IMPORTER_DETACH, &op);
			break;
		}
		fz.imps[fz.nimps].fdi = fdi;
		fz.imps[fz.nimps++].id = out->im.id;
		break;
	case DMEM_NIC_IOC_IMPORTER_DETACH:
		for (i = 0; i < fz.nimps; i++)
			if (fz.imps[i].fdi == fdi && fz.imps[i].id == in->io.id) {
				drop_imp(i);
				break;
			}
		break;
	}
}

/*
 * The kernel writes READ's data to rw.ptr. A mutated pointer, or another
 * command's bytes read as READ's, may name our own memory outside the
 * reservation (the harness's shared results, the stack): a READ there
 * would corrupt the test itself (seen: the harness's metadata). Such a
 * pointer moves to the same offset inside the reservation, which is
 * inaccessible but for a few pages that the fuzzer owns; pointers that
 * fault anyway stay. Returns whether it moved @in's pointer.
 */
static int keep_ptr_in_reservation(unsigned int cmd, union arg *in)
{
	const __u64 span = 4ULL << 30, base = (uintptr_t)fz.area;
	__u64 p = in->rw.ptr;

	if (cmd != DMEM_SIM_IOC_READ && cmd != DMEM_SIM_IOC_WRITE &&
	    cmd != DMEM_NIC_IOC_IMPORTER_READ)
		return 0;
	/* Below mmap_min_addr, the kernel's half, non-canonical: they fault. */
	if (p < 65536 || p >> 47 || p - base < span)
		return 0;
	in->rw.ptr = base + p % span;
	return 1;
}

/*
 * Where the argument @in (@size bytes, copied to fz.arg_page) goes: mostly
 * fz.arg_page, sometimes NULL, across the end of the page, the read-only
 * page or a kernel address; or the command changes (*@cmd).
 */
static unsigned char *pick_arg_ptr(unsigned int *cmd, const union arg *in,
				   unsigned int size)
{
	unsigned char *ptr = fz.arg_page;

	switch (fuzz_below(&fz.rng, 40)) {
	case 0:
		*cmd = other_cmd(*cmd);
		break;
	case 1:
		ptr = NULL;
		break;
	case 2:		/* straddling the end of the page */
		ptr = fz.arg_page + 4096 - 1 - fuzz_below(&fz.rng, size - 1);
		memcpy(ptr, in, 4096 - (ptr - fz.arg_page));
		break;
	case 3:
		ptr = fz.ro_page;
		mprotect(fz.ro_page, 4096, PROT_READ | PROT_WRITE);
		memcpy(fz.ro_page, in, size);
		mprotect(fz.ro_page, 4096, PROT_READ);
		break;
	case 4:
		ptr = (unsigned char *)0xffffffff81000000ULL;
		break;
	}
	return ptr;
}

static void fuzz_ioctl(void)
{
	int fdi = fuzz_below(&fz.rng, NR_FDS), ci;
	unsigned int cmd, size, n;
	union arg in, out;
	unsigned char *ptr;
	int ret, err, good_ptr;
	bool nic;

	/* The region commands (the first three) a sixth of the time. */
	if (fuzz_one_in(&fz.rng, 6))
		ci = fuzz_below(&fz.rng, 3);
	else
		ci = 3 + fuzz_below(&fz.rng, NR_CMDS - 3);
	cmd = cmds[ci].nr;
	size = _IOC_SIZE(cmd);
	build_arg(ci, fdi, &in);
	if (fuzz_one_in(&fz.rng, 4)) {
		/* Mutate the struct, keeping its size. */
		for (n = 1 + fuzz_below(&fz.rng, 3); n--;) {
			if (fuzz_one_in(&fz.rng, 2))
				in.raw[fuzz_below(&fz.rng, size)] ^= 1 << fuzz_below(&fz.rng, 8);
			else
				in.raw[fuzz_below(&fz.rng, size)] = fuzz_u64(&fz.rng);
		}
	}
	keep_ptr_in_reservation(cmd, &in);
	memcpy(fz.arg_page, &in, size);
	ptr = pick_arg_ptr(&cmd, &in, size);
	/* Only a changed command, which reads fz.arg_page, can need it again. */
	if (ptr == fz.arg_page && keep_ptr_in_reservation(cmd, &in))
		memcpy(fz.arg_page, &in, sizeof(in.rw));
	good_ptr = ptr == fz.arg_page;
	/* Mostly the command's device; one time in 20 the other one. */
	nic = nic_cmd(cmds[ci].nr) != fuzz_one_in(&fz.rng, 20);
	ci = cmd_index(cmd);

	if (fz.trace) {
		fprintf(stderr, "%lu: fd %d ioctl 0x%08x arg %p ", fz.inputs, fdi, cmd, ptr);
		fuzz_print_escaped(stderr, &in, size);
		fputc('\n', stderr);
	}
	ret = ioctl(nic ? fz.nfd[fdi] : fz.fd[fdi], cmd, ptr);
	err = ret < 0 ? errno : 0;
	fz.ioctls++;
	fz.inputs++;
	if (ci >= 0)
		fz.calls[ci]++;
	if (ret > 0 || (err && !allowed(ci, nic, err))) {
		fz.errors++;
		report_call("unexpected result", fdi, cmd, ptr, &in, size, err);
		return;
	}
	if (err == EINTR)
		fz.eintr++;
	if (err)
		return;
	if (ci < 0 || nic_cmd(cmd) != nic) {
		fz.errors++;
		report_call("an unknown ioctl succeeded", fdi, cmd, ptr, &in, size, 0);
		return;
	}
	fz.ok[ci]++;
	if (!good_ptr && ptr != fz.ro_page) {
		fz.errors++;
		report_call("success with a bad pointer", fdi, cmd, ptr, &in, size, 0);
		return;
	}
	memcpy(&out, ptr, size);
	after_success(ci, fdi, &in, &out);
}

/* ---- the other file operations ---- */

static void fuzz_read(void)
{
	int fdi = fuzz_below(&fz.rng, NR_FDS), nic = fuzz_one_in(&fz.rng, 2);
	size_t rec = nic ? sizeof(struct dmem_nic_event) : sizeof(struct dmem_sim_event);
	const size_t lens[] = { 0, 1, rec - 1, rec, rec + 1, 10 * rec, 4096, SCRATCH };
	size_t len = lens[fuzz_below(&fz.rng, ARRAY_SIZE(lens))];
	void *buf = fz.scratch;
	ssize_t n;

	if (fuzz_one_in(&fz.rng, 8))
		buf = fuzz_one_in(&fz.rng, 2) ? NULL : (void *)fz.ro_page;
	n = read(nic ? fz.nfd[fdi] : fz.fd[fdi], buf, len);
	fz.inputs++;
	if (n < 0 ? errno != EINVAL && errno != EAGAIN && errno != EFAULT :
		    !n || n % rec || (size_t)n > len) {
		fz.errors++;
		if (report())
			fprintf(stderr, "# read(fd %d, %p, %zu): %zd (%s)\n", fdi, buf,
				len, n, n < 0 ? strerror(errno) : "bytes");
	}
}

static void fuzz_poll(void)
{
	int fdi = fuzz_below(&fz.rng, NR_FDS);
	struct pollfd p = {
		.fd = fuzz_one_in(&fz.rng, 2) ? fz.nfd[fdi] : fz.fd[fdi],
		.events = POLLIN,
	};
	int ret;

	fz.inputs++;
	/*
	 * Even without a timeout, poll() fails with EINTR when a signal is
	 * pending and no event is (the run's timer): not the device's error.
	 */
	do
		ret = poll(&p, 1, 0);
	while (ret < 0 && errno == EINTR);
	if (ret < 0 || (p.revents & ~POLLIN)) {
		fz.errors++;
		if (report())
			fprintf(stderr, "# poll: %d (%s), revents 0x%x\n", ret,
				ret < 0 ? strerror(errno) : "ready", p.revents);
	}
}

/* A byte of a buffer through READ; -1 on error. */
static int read_byte(int fdi, __u32 handle, __u64 off)
{
	unsigned char c;
	struct dmem_sim_rw rw = {
		.handle = handle, .offset = off, .len = 1, .ptr = (uintptr_t)&c,
	};

	return simple_ioctl(fz.fd[fdi], DMEM_SIM_IOC_READ, &rw) ? -1 : c;
}

static void fuzz_mmap(void)
{
	int fdi = fuzz_below(&fz.rng, NR_FDS), prot = PROT_READ | PROT_WRITE;
	int flags = fuzz_one_in(&fz.rng, 10) ? MAP_PRIVATE : MAP_SHARED;
	__u32 handle = pick_handle(fdi);
	struct fbuf *b = find_buf(fdi, handle);
	__u64 pages = b ? b->size / 4096 : 4, pgoff = 0, len;
	unsigned char *p;
	off_t off;

	if (fuzz_one_in(&fz.rng, 4))
		pgoff = fuzz_one_in(&fz.rng, 4) ? fuzz_interesting(&fz.rng) :
						  fuzz_below(&fz.rng, pages + 1);
	len = fuzz_one_in(&fz.rng, 4) ? fuzz_interesting(&fz.rng) & ~4095ULL :
					4096 * (1 + fuzz_below(&fz.rng, pages < 64 ? pages : 64));
	if (fuzz_one_in(&fz.rng, 4))
		prot = PROT_READ;
	off = (off_t)(DMEM_SIM_MMAP_OFFSET(handle) + pgoff * 4096);

	p = mmap(NULL, len, prot, flags, fz.fd[fdi], off);
	fz.inputs++;
	if (p == MAP_FAILED) {
		if (errno != EINVAL && errno != ENOENT && errno != ENOMEM &&
		    errno != EOVERFLOW) {
			fz.errors++;
			if (report())
				fprintf(stderr,
					"# mmap(len %llu, off 0x%llx, flags %d) of handle %u: %s\n",
					len, (unsigned long long)off, flags, handle,
					strerror(errno));
		}
		return;
	}
	if (fz.nmaps == MAX_MAPS)
		unmap(fuzz_below(&fz.rng, fz.nmaps));
	fz.maps[fz.nmaps].addr = p;
	fz.maps[fz.nmaps++].len = len;
	if (!b || pgoff >= pages)
		return;
	/* The mapping shows the buffer's bytes, and writes reach them. */
	if (p[0] != read_byte(fdi, handle, pgoff * 4096))
		note_mismatch("mapping byte 0x%llx differs from READ's 0x%llx", p[0],
			      read_byte(fdi, handle, pgoff * 4096));
	if (prot & PROT_WRITE) {
		p[len - 1] = fuzz_u64(&fz.rng);
		if (p[len - 1] != read_byte(fdi, handle, pgoff * 4096 + len - 1))
			note_mismatch("written 0x%llx through the mapping, READ gives 0x%llx",
				      p[len - 1], read_byte(fdi, handle, pgoff * 4096 + len - 1));
	}
}

/* Reopens a NIC's file: its importers go. */
static void fuzz_reopen_nic(int fdi)
{
	int i;

	for (i = fz.nimps - 1; i >= 0; i--)
		if (fz.imps[i].fdi == fdi)
			drop_imp(i);
	close(fz.nfd[fdi]);
	fz.nfd[fdi] = open(NIC_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	fz.inputs++;
	if (fz.nfd[fdi] < 0) {
		fz.errors++;
		if (report())
			fprintf(stderr, "# reopen of the NIC: %s\n", strerror(errno));
	}
}

static void fuzz_reopen(void)
{
	int fdi = fuzz_below(&fz.rng, NR_FDS), i;

	if (fuzz_one_in(&fz.rng, 2)) {
		fuzz_reopen_nic(fdi);
		return;
	}
	for (i = fz.nbufs - 1; i >= 0; i--)
		if (fz.bufs[i].fdi == fdi)
			drop_buf(i);
	close(fz.fd[fdi]);
	fz.fd[fdi] = open_in(fuzz_below(&fz.rng, NR_CGS));
	fz.inputs++;
	if (fz.fd[fdi] < 0) {
		fz.errors++;
		if (report())
			fprintf(stderr, "# reopen: %s\n", strerror(errno));
	}
}

static void fuzz_op(void)
{
	unsigned int k = fuzz_below(&fz.rng, 100);

	if (fz.trace && k >= 88)
		fprintf(stderr, "%lu: op %u\n", fz.inputs, k);

	if (k < 88) {
		fuzz_ioctl();
	} else if (k < 91) {
		fuzz_read();
	} else if (k < 93) {
		fuzz_poll();
	} else if (k < 96) {
		fuzz_mmap();
	} else if (k < 97) {
		if (fz.nmaps)
			unmap(fuzz_below(&fz.rng, fz.nmaps));
	} else if (k < 98) {
		if (fz.ndmabufs)
			close_dmabuf(fuzz_below(&fz.rng, fz.ndmabufs));
	} else if (k < 99) {
		if (fz.nmaps) {
			/* Use a mapping: after evictions it faults anew. */
			struct fmap *m = &fz.maps[fuzz_below(&fz.rng, fz.nmaps)];
			unsigned char *c = m->addr;

			fz.sink += c[fuzz_below(&fz.rng, m->len)];
		}
	} else {
		fuzz_reopen();
	}
}

/* ---- the test ---- */

static void on_alarm(int sig)
{
}

/*
 * TOUCH, PIN... of a buffer whose revoke is in flight wait for it, up to
 * the revoke timeout (a parked one fails with EBUSY at once), and
 * interruptibly: a periodic signal exercises the documented EINTR of those
 * waits, and a wait that ignored signals would show as a hang.
 */
static void interrupt_waits(int on)
{
	struct itimerval it = { { 0, 200000 }, { 0, 200000 } };
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	if (on)
		sigaction(SIGALRM, &sa, NULL);
	else
		memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * After the run: region @name holds nothing, and no cgroup is charged for
 * it. 1 if the region still holds something (a leak), else 0.
 */
static int region_left_empty(struct __test_metadata *_metadata, int fd,
			     const char *name)
{
	struct dmem_sim_region_info ri;
	char cg[DMEM_SIM_NAME_LEN + 4];
	int c, leak = 0;

	ASSERT_EQ(0, sim_region_info(fd, name, &ri));
	if (ri.used || ri.buffers || ri.parked) {
		leak = 1;
		TH_LOG("%s: used %llu buffers %llu parked %llu", name,
		       ri.used, ri.buffers, ri.parked);
	}
	sim_cg_name(cg, name);
	EXPECT_EQ(0, cg_region_value(fz.top, "dmem.current", cg));
	EXPECT_EQ(0, cg_region_value(fz.top, "dmem.pinned.current", cg));
	for (c = 0; c < NR_CGS; c++) {
		EXPECT_EQ(0, cg_region_value(fz.cgs[c], "dmem.current", cg))
			TH_LOG("%s", fz.cgs[c]);
		EXPECT_EQ(0, cg_region_value(fz.cgs[c], "dmem.pinned.current", cg))
			TH_LOG("%s", fz.cgs[c]);
	}
	EXPECT_EQ(0, cg_region_value("", "dmem.current", cg));
	EXPECT_EQ(0, cg_region_value("", "dmem.pinned.current", cg));
	return leak;
}

/* Closes every fd of the process but stdio: leaked dma-bufs included. */
static void close_all_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int fd;

	if (!d)
		return;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (fd > 2 && fd != dirfd(d))
			close(fd);
	}
	closedir(d);
}

static int nr_test_regions(void)
{
	char buf[8192], prefix[32], *p = buf;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "sim/t%d_", getpid());
	if (cg_read("", "dmem.capacity", buf, sizeof(buf)) < 0)
		return -1;
	while ((p = strstr(p, prefix))) {
		n++;
		p++;
	}
	return n;
}

FIXTURE(fuzz) {
	long long pools, regions;
};

FIXTURE_SETUP(fuzz)
{
	static const char *const sub[NR_CGS] = { "/a", "/b", "/c" };
	int i;

	/* Controller objects before, to find any left behind. */
	self->pools = st_stat("pools");
	self->regions = st_stat("regions");
	ASSERT_EQ(0, cg_setup_tree(fz.top, sizeof(fz.top), "dmt_fuzzi", tree));
	for (i = 0; i < NR_CGS; i++)
		snprintf(fz.cgs[i], sizeof(fz.cgs[i]), "%s%s", fz.top, sub[i]);
	for (i = 0; i < NR_FDS; i++) {
		fz.fd[i] = open_in(i % NR_CGS);
		ASSERT_LE(0, fz.fd[i]);
		fz.nfd[i] = open(NIC_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		ASSERT_LE(0, fz.nfd[i]);
	}

	fz.area = mmap(NULL, 4ULL << 30, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, fz.area);
	fz.scratch = fz.area;
	fz.ro_page = fz.area + (2ULL << 30);
	fz.arg_page = fz.area + (3ULL << 30);
	ASSERT_EQ(0, mprotect(fz.scratch, SCRATCH, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, mprotect(fz.ro_page, 4096, PROT_READ));
	ASSERT_EQ(0, mprotect(fz.arg_page, 4096, PROT_READ | PROT_WRITE));

	/* Two regions to start with; the fuzzing creates and destroys more. */
	for (i = 0; i < 2; i++) {
		new_region_name(fz.regions[i].name);
		fz.regions[i].size = i ? 4 * MiB : 16 * MiB;
		ASSERT_EQ(0, sim_region_create(fz.fd[0], fz.regions[i].name,
					       fz.regions[i].size));
		set_policy(fz.regions[i].name);
	}
	fz.nregions = 2;
}

FIXTURE_TEARDOWN(fuzz)
{
	int i, fd;

	close_all_fds();
	fd = sim_open();
	for (i = 0; i < fz.nregions; i++)
		sim_region_destroy(fd, fz.regions[i].name);
	close(fd);
	cg_cleanup_tree(fz.top);
}

/* Every command succeeded at least once: the run reached deep states. */
static bool every_cmd_succeeded(void)
{
	unsigned int i;

	for (i = 0; i < NR_CMDS; i++)
		if (!fz.ok[i])
			return false;
	return true;
}

TEST_F_TIMEOUT(fuzz, ioctls, 3600)
{
	unsigned long nr = fuzz_count("DMEM_FUZZ_IOCTLS", 100000), relieved = 0;
	unsigned long budget = fuzz_count("DMEM_FUZZ_SECONDS", 300);
	unsigned long long seed = fuzz_seed("DMEM_FUZZ_SEED");
	double start = fuzz_now();
	unsigned int i;
	int fd, leaks = 0;

	TH_LOG("seed %llu (DMEM_FUZZ_SEED=%llu repeats this run), %lu ioctls or %lu s",
	       (unsigned long long)seed, (unsigned long long)seed, nr, budget);
	fuzz_rng_init(&fz.rng, seed);
	fz.trace = !!getenv("DMEM_FUZZ_TRACE");

	interrupt_waits(1);
	/*
	 * The time budget keeps the program inside run-tests.sh's limit on a
	 * slow kernel or a loaded host, where a large allocation can take
	 * seconds: every input is checked as it is made, so stopping early
	 * loses nothing but inputs, and the count is printed below. The
	 * count is a minimum: the rarest success (IMPORTER_READ, which needs
	 * an importer whose mapping is still valid: 16 to 26 in a run of
	 * 100,000) may not come within a small DMEM_FUZZ_IOCTLS, so the run
	 * goes on until every command has succeeded, which the end checks.
	 */
	while ((fz.ioctls < nr || !every_cmd_succeeded()) &&
	       fuzz_now() - start < budget) {
		fuzz_op();
		if (!(fz.inputs % 64) && meminfo_bytes("MemAvailable") < LOW_MEM_KB * 1024LL) {
			relieve();
			relieved++;
		}
	}
	interrupt_waits(0);

	/* Everything closed, nothing may stay charged or counted. */
	while (fz.nmaps)
		unmap(0);
	close_all_fds();
	fd = sim_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < (unsigned int)fz.nregions; i++)
		leaks += region_left_empty(_metadata, fd, fz.regions[i].name);
	for (i = 0; i < (unsigned int)fz.nregions; i++)
		EXPECT_EQ(0, sim_region_destroy(fd, fz.regions[i].name));
	fz.nregions = 0;
	close(fd);
	EXPECT_EQ(0, nr_test_regions());
	cg_cleanup_tree(fz.top);
	if (self->pools >= 0) {
		EXPECT_EQ(self->pools, st_wait_stat("pools", self->pools, 5000));
		EXPECT_EQ(self->regions, st_wait_stat("regions", self->regions, 5000));
	} else {
		TH_LOG("no %s/stats: controller objects not counted", ST_DIR);
	}

	RELIABILITY("fuzz-ioctl", { "seconds", (int)(fuzz_now() - start + 0.5) },
		    { "inputs", fz.inputs }, { "ops", fz.ioctls }, { "leaks", leaks },
		    { "mismatches", fz.mismatches }, { "errors", fz.errors });
	TH_LOG("%lu ioctls in %.0f s", fz.ioctls, fuzz_now() - start);
	for (i = 0; i < NR_CMDS; i++)
		TH_LOG("%-16s %6lu calls, %6lu succeeded", cmds[i].name, fz.calls[i], fz.ok[i]);
	TH_LOG("%lu times memory ran low and everything held was let go", relieved);
	TH_LOG("%lu waits interrupted (EINTR)", fz.eintr);
	EXPECT_EQ(0, leaks);
	EXPECT_EQ(0UL, fz.mismatches);
	EXPECT_EQ(0UL, fz.errors);
	/* Not vacuous: every command succeeded at least once. */
	for (i = 0; i < NR_CMDS; i++) {
		const char *name = cmds[i].name;

		EXPECT_LT(0UL, fz.ok[i]) TH_LOG("%s never succeeded", name);
	}
}

FIXTURE(huge) {
	int unused;
};

FIXTURE_SETUP(huge)
{
}

FIXTURE_TEARDOWN(huge)
{
}

/*
 * Regression: a buffer as large as the largest region (1 GiB) in a machine
 * that cannot hold it twice (moving it in needs both copies) fails with
 * ENOMEM, leaving nothing behind; it used to call the OOM killer, which
 * killed everything.
 *
 * A minute and more on the debug kernel: the allocator goes through most
 * of the VM's memory, under KASAN and kmemleak, before it fails. The
 * harness's default 30 s cut it off once there.
 */
TEST_F_TIMEOUT(huge, alloc_fails_cleanly, 300)
{
	struct dmem_sim_region_info ri;
	char name[DMEM_SIM_NAME_LEN];
	__u32 flags, h;
	int fd, err;

	fd = sim_open();
	ASSERT_LE(0, fd);
	sim_unique_name(name, "huge");
	ASSERT_EQ(0, sim_region_create(fd, name, DMEM_SIM_REGION_MAX));
	for (flags = 0; flags <= DMEM_SIM_ALLOC_PINNED; flags++) {
		err = sim_alloc(fd, name, DMEM_SIM_REGION_MAX, flags, &h);
		EXPECT_TRUE(!err || err == -ENOMEM) TH_LOG("ALLOC: %d", err);
		if (!err)
			EXPECT_EQ(0, sim_op(fd, DMEM_SIM_IOC_FREE, h));
		ASSERT_EQ(0, sim_region_info(fd, name, &ri));
		EXPECT_EQ(0ULL, ri.used);
		EXPECT_EQ(0ULL, ri.buffers);
	}
	EXPECT_EQ(0, sim_region_destroy(fd, name));
	close(fd);
}

TEST_HARNESS_MAIN
