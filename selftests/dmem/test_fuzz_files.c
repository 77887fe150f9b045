// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing of every writable dmem file: dmem.min, dmem.low, dmem.max and
 * dmem.pinned.max of a small cgroup tree, and the root's dmem.policy, with
 * regions of the test kernel (selftest/vram0, selftest/vram1) and of
 * /dev/dmem_sim. Each file gets DMEM_FUZZ_WRITES writes (default 10000):
 * random bytes, lines built from a grammar of valid and invalid pieces,
 * and mutations of valid writes.
 *
 * After every write, every dmem file of every cgroup of the tree and of
 * the root is read back and compared with what a model of the documented
 * semantics (files_model.c) expects: a rejected write changes no file and
 * fails with the errno the model gives (the set is EINVAL, ENODEV and
 * E2BIG); an accepted one returns the length written and changes the
 * written file exactly as the model says, and nothing else. The tree holds
 * pinned charges, so that dmem.current, dmem.stat... are not all zero.
 *
 * DMEM_FUZZ_SEED repeats a run; every failure prints the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "files_model.h"
#include "fuzz_util.h"
#include "reliability.h"
#include "sim_util.h"

#define NR_CGS		4
#define SNAP_MAX	8192
#define MAX_REPORTS	20

static const char *const tree[] = { "a", "a/b", "c", NULL };
static const char *const cg_sub[NR_CGS] = { "", "/a", "/a/b", "/c" };

#define NR_SNAP	(NR_CGS * ARRAY_SIZE(dmem_cg_files) + ARRAY_SIZE(dmem_root_files))

/* One file of the snapshot, kept open and reread with pread(). */
struct snap_file {
	int fd;
	char path[256];
	int cg;			/* index in cg_sub, or -1 for the root */
	int file;		/* enum fm_file if writable, else -1 */
	char text[SNAP_MAX];	/* expected contents */
};

struct fuzz {
	struct fuzz_rng rng;
	struct fm_regions rg;
	char dead_name[FM_NAME_MAX];
	struct snap_file snap[NR_SNAP];
	/* The model: per cgroup and file, and the root's policy. */
	struct fm_state state[NR_CGS][FM_NR_FILES];
	struct fm_state policy, policy0;
	/* Write fds: per cgroup and file; [cg][FM_MAX + FM_NR_FILES] is O_NONBLOCK. */
	int wfd[NR_CGS][FM_NR_FILES + 1];
	int policy_fd;
	unsigned long inputs, mismatches, errors, accepted[FM_NR_FILES];
	unsigned long valid_writes, valid_rejected;
	int reports;
};

static struct fuzz fz;

/* ---- inputs ---- */

struct text {
	char buf[2 * FM_WRITE_MAX];
	size_t len;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (n > sizeof(t->buf) - t->len)
		n = sizeof(t->buf) - t->len;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static const char *pick(const char *const *v, size_t n)
{
	return v[fuzz_below(&fz.rng, n)];
}

/* A region name; *valid cleared if it names no live region. */
static void gen_name(struct text *t, int *valid)
{
	static const char *const odd[] = {
		"", "sim/", "selftest/", "selftest/vram", "selftest/vram00",
		"SELFTEST/VRAM0", "vram0", "/", "selftest/vram0/", "x",
		"sim/sim/", "selftest\\vram0",
	};
	const char *name = fz.rg.name[fuzz_below(&fz.rng, fz.rg.nr)];
	char tmp[FM_NAME_MAX + 8];
	size_t n = strlen(name), i;

	switch (fuzz_below(&fz.rng, 24)) {
	case 0:
		*valid = 0;
		puts_(t, fz.dead_name);
		return;
	case 1:
		*valid = 0;
		puts_(t, pick(odd, ARRAY_SIZE(odd)));
		return;
	case 2:		/* truncated */
		*valid = 0;
		put(t, name, fuzz_below(&fz.rng, n));
		return;
	case 3:		/* one character changed, added or upper-cased */
		*valid = 0;
		memcpy(tmp, name, n + 1);
		i = fuzz_below(&fz.rng, n);
		if (fuzz_one_in(&fz.rng, 2)) {
			tmp[i] = tmp[i] >= 'a' && tmp[i] <= 'z' ? tmp[i] - 32 : '#';
		} else {
			tmp[n] = "0x_/."[fuzz_below(&fz.rng, 5)];
			tmp[++n] = '\0';
		}
		puts_(t, tmp);
		return;
	default:
		puts_(t, name);
	}
}

static void put_u64(struct text *t, unsigned long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", v);
	puts_(t, num);
}

/* A value for dmem.min/low/max/pinned.max; *valid cleared if malformed. */
static void gen_value(struct text *t, int *valid)
{
	static const char *const good[] = {
		"max", "0", "1", "4096", "4097", "1k", "1K", "64M", "1g", "1T",
		"2047T", "2097151G", "2147483647M", "2251799813685247",
		"000000000000000000000000004096", "2251799813685246",
	};
	static const char *const bad[] = {
		"MAX", "Max", "maxx", "ma", "-1", "-0", "+1", "1P", "1E", "1KB",
		"1KiB", "1.5M", "0x10", "1e3", "2048T", "2097152G",
		"2251799813685248", "18446744073709551615",
		"18446744073709551616", "99999999999999999999999999999999",
		"1 2", "1M junk", "1,5", "K", "M1", "1kk", "\"1M\"", "1\v",
		"4096\xa0\x31", "1\x80", "9223372036854775808",
	};
	static const char sfx[] = "kKmMgGtT";
	unsigned long long v;
	unsigned int i;

	switch (fuzz_below(&fz.rng, 9)) {
	case 0: case 6: case 7:
		puts_(t, pick(good, ARRAY_SIZE(good)));
		return;
	case 1:
		*valid = 0;
		puts_(t, pick(bad, ARRAY_SIZE(bad)));
		return;
	case 2:		/* a number of interest, maybe too large */
		v = fuzz_interesting(&fz.rng);
		if (v > FM_VALUE_MAX)
			*valid = 0;
		put_u64(t, v);
		return;
	case 3:		/* with a suffix: K is 2^10... T is 2^40 */
		v = fuzz_below(&fz.rng, 4) ? fuzz_below(&fz.rng, 5000) :
					     fuzz_interesting(&fz.rng) >> fuzz_below(&fz.rng, 64);
		put_u64(t, v);
		i = fuzz_below(&fz.rng, 8);
		put(t, &sfx[i], 1);
		if (v > FM_VALUE_MAX >> (10 * (1 + i / 2)))
			*valid = 0;
		return;
	case 4:		/* a sign or a leading zero */
		if (fuzz_one_in(&fz.rng, 2)) {
			*valid = 0;
			put(t, fuzz_one_in(&fz.rng, 2) ? "-" : "+", 1);
		} else {
			put(t, "0", 1);
		}
		put_u64(t, fuzz_below(&fz.rng, 1 << 24));
		return;
	default:	/* a page multiple */
		put_u64(t, fuzz_below(&fz.rng, 1 << 16) * 4096);
		return;
	}
}

/* Arguments of a dmem.policy line; *valid cleared if malformed. */
static void gen_policy(struct text *t, int *valid)
{
	static const char *const timeouts[] = {
		"1", "250", "1000", "600000", "05", "599999",
	};
	static const char *const bad_timeouts[] = {
		"0", "600001", "4294967296", "4294967297", "", "+5", "-1",
		"5ms", "0x10", "99999999999999999999", " 5", "5\v",
	};
	static const char *const bad_words[] = {
		"hard", "SOFT", "Soft", "soft,", "timeout_ms", "timeout=5",
		"strict=1", "max", "4096", "soft\vstrict", "timeout_ms:5",
		"=5", "soft\xa0",
	};
	static const char *const seps[] = { " ", "\t", "  ", " \t " };
	int words = 1 + fuzz_below(&fz.rng, 2), mode = 0, timeout = 0, i;

	if (fuzz_one_in(&fz.rng, 30)) {
		words = 0;
		*valid = 0;
	}
	for (i = 0; i < words; i++) {
		/* 0-3: a mode, 4-6: a timeout, 7: a bad timeout, 8-9: junk. */
		int kind = fuzz_below(&fz.rng, 10);

		/* Mostly the word not given yet, so that many lines are valid. */
		if (kind < 4 && mode && fuzz_below(&fz.rng, 4))
			kind = 4;
		else if (kind >= 4 && kind < 7 && timeout && fuzz_below(&fz.rng, 4))
			kind = 0;
		if (i)
			puts_(t, pick(seps, ARRAY_SIZE(seps)));
		if (kind < 4) {
			puts_(t, fuzz_one_in(&fz.rng, 2) ? "soft" : "strict");
			if (mode++)
				*valid = 0;
		} else if (kind < 7) {
			puts_(t, "timeout_ms=");
			if (fuzz_one_in(&fz.rng, 2))
				put_u64(t, 1 + fuzz_below(&fz.rng, 600000));
			else
				puts_(t, pick(timeouts, ARRAY_SIZE(timeouts)));
			if (timeout++)
				*valid = 0;
		} else if (kind == 7) {
			puts_(t, "timeout_ms=");
			puts_(t, pick(bad_timeouts, ARRAY_SIZE(bad_timeouts)));
			*valid = 0;
		} else {
			puts_(t, pick(bad_words, ARRAY_SIZE(bad_words)));
			*valid = 0;
		}
	}
}

/* One line "<blanks><region><sep><args><blanks>", without its newline. */
static void gen_line(struct text *t, enum fm_file f, int *valid)
{
	/* The kernel's isspace(): all of these are stripped. */
	static const char *const blanks[] = {
		"", "", "", "", " ", "\t", "\r", " \t ", "\v", "\f", "\xa0",
	};
	static const char *const seps[] = { " ", " ", " ", "\t", "  ", " \t", "\t\v" };
	static const char *const bad_seps[] = { "", "\v", "=", ":", "\xa0", "," };

	puts_(t, pick(blanks, ARRAY_SIZE(blanks)));
	gen_name(t, valid);
	if (fuzz_one_in(&fz.rng, 25)) {
		/* No arguments at all, or blanks only. */
		*valid = 0;
		if (fuzz_one_in(&fz.rng, 2))
			puts_(t, " \t");
		return;
	}
	if (fuzz_one_in(&fz.rng, 25)) {
		*valid = 0;
		puts_(t, pick(bad_seps, ARRAY_SIZE(bad_seps)));
	} else {
		puts_(t, pick(seps, ARRAY_SIZE(seps)));
	}
	if (f == FM_POLICY)
		gen_policy(t, valid);
	else
		gen_value(t, valid);
	puts_(t, pick(blanks, ARRAY_SIZE(blanks)));
}

/* A whole write from the grammar; *valid says if it should be accepted. */
static void gen_input(struct text *t, enum fm_file f, int *valid)
{
	static const char *const joins[] = { "\n", "\n", "\n\n", "\r\n", "\n \t\n" };
	int lines = 1 + (fuzz_one_in(&fz.rng, 3) ? fuzz_below(&fz.rng, 4) : 0), i;
	size_t want;

	*valid = 1;
	t->len = 0;
	if (fuzz_one_in(&fz.rng, 40)) {
		/* Blank lines only. */
		lines = 0;
		*valid = 0;
		puts_(t, fuzz_one_in(&fz.rng, 2) ? "\n" : " \t\n\n");
	}
	for (i = 0; i < lines; i++) {
		if (i)
			puts_(t, pick(joins, ARRAY_SIZE(joins)));
		gen_line(t, f, valid);
	}
	if (fuzz_one_in(&fz.rng, 2))
		puts_(t, "\n");
	if (fuzz_one_in(&fz.rng, 40)) {
		/* Anything after a NUL is not seen by the file. */
		put(t, "\0", 1);
		want = fuzz_below(&fz.rng, 20);
		while (want--) {
			char c = fuzz_u64(&fz.rng);

			put(t, &c, 1);
		}
	}
	if (fuzz_one_in(&fz.rng, 40)) {
		/* Padded with blank lines to about a page: E2BIG above it. */
		want = FM_WRITE_MAX - 4 + fuzz_below(&fz.rng, 9);
		while (t->len < want)
			put(t, fuzz_one_in(&fz.rng, 2) ? "\n" : " ", 1);
		if (t->len > FM_WRITE_MAX)
			*valid = 0;
	}
	if (fuzz_one_in(&fz.rng, 200)) {
		/* A huge region name or value. */
		want = 100 + fuzz_below(&fz.rng, 5000);
		while (want--)
			put(t, fuzz_one_in(&fz.rng, 2) ? "9" : "x", 1);
		*valid = 0;
	}
}

/* Random bytes, often from the characters that matter. */
static void gen_random(struct text *t)
{
	static const char chars[] =
		"0123456789 \t\n\r\vmaxkKMGT-+selftest/vram0sim/_.=timeout_ms=softstrict";
	int charset = fuzz_one_in(&fz.rng, 2);
	size_t i;

	switch (fuzz_below(&fz.rng, 20)) {
	case 0:
		t->len = FM_WRITE_MAX - 100 + fuzz_below(&fz.rng, 1000);
		break;
	case 1: case 2: case 3: case 4:
		t->len = 40 + fuzz_below(&fz.rng, 260);
		break;
	default:
		t->len = fuzz_below(&fz.rng, 40);
	}
	for (i = 0; i < t->len; i++)
		t->buf[i] = charset ? chars[fuzz_below(&fz.rng, sizeof(chars) - 1)] :
				      (char)fuzz_u64(&fz.rng);
}

/* ---- the snapshot ---- */

static void report_input(const char *what, const char *path, const struct text *t)
{
	if (fz.reports++ >= MAX_REPORTS)
		return;
	fprintf(stderr, "# %s: write to %s of %zu bytes: ", what, path, t->len);
	fuzz_print_escaped(stderr, t->buf, t->len);
	fputc('\n', stderr);
}

/* Rereads every file; counts and reports those that differ. */
static int snap_check(const struct text *t, const char *target)
{
	char buf[SNAP_MAX];
	unsigned int i;
	int bad = 0;
	ssize_t n;

	for (i = 0; i < NR_SNAP; i++) {
		n = pread(fz.snap[i].fd, buf, sizeof(buf) - 1, 0);
		buf[n < 0 ? 0 : n] = '\0';
		if (!strcmp(buf, fz.snap[i].text))
			continue;
		bad++;
		if (fz.reports >= MAX_REPORTS)
			continue;
		report_input("file mismatch", target, t);
		fprintf(stderr, "#   %s: expected ", fz.snap[i].path);
		fuzz_print_escaped(stderr, fz.snap[i].text, strlen(fz.snap[i].text));
		fprintf(stderr, "\n#   got ");
		fuzz_print_escaped(stderr, buf, strlen(buf));
		fputc('\n', stderr);
	}
	return bad;
}

static struct snap_file *snap_of(int cg, int file)
{
	unsigned int i;

	for (i = 0; i < NR_SNAP; i++)
		if (fz.snap[i].cg == cg && fz.snap[i].file == file)
			return &fz.snap[i];
	return NULL;
}

static int fm_file_of(const char *name)
{
	int f;

	for (f = 0; f < FM_NR_FILES; f++)
		if (!strcmp(fm_file_names[f], name))
			return f;
	return -1;
}

/* Opens and reads every file; the model starts from what they show. */
static int snap_init(const char *top)
{
	char cg[128], buf[SNAP_MAX];
	unsigned int i, n = 0, c;
	struct snap_file *s;
	ssize_t len;

	for (c = 0; c <= NR_CGS; c++) {
		const char *const *files = c < NR_CGS ? dmem_cg_files : dmem_root_files;
		unsigned int nr = c < NR_CGS ? ARRAY_SIZE(dmem_cg_files) :
					       ARRAY_SIZE(dmem_root_files);

		if (c < NR_CGS)
			snprintf(cg, sizeof(cg), "%s%s", top, cg_sub[c]);
		else
			cg[0] = '\0';
		for (i = 0; i < nr; i++) {
			s = &fz.snap[n++];
			cg_path(s->path, sizeof(s->path), cg, files[i]);
			s->cg = c < NR_CGS ? (int)c : -1;
			s->file = fm_file_of(files[i]);
			s->fd = open(s->path, O_RDONLY);
			if (s->fd < 0)
				return -1;
			len = pread(s->fd, buf, sizeof(buf) - 1, 0);
			if (len < 0)
				return -1;
			buf[len] = '\0';
			snprintf(s->text, sizeof(s->text), "%s", buf);
			if (s->file < 0)
				continue;
			if (fm_parse(&fz.rg, s->file, buf,
				     c < NR_CGS ? &fz.state[c][s->file] : &fz.policy))
				return -1;
		}
	}
	return n == NR_SNAP ? 0 : -1;
}

/* ---- one write ---- */

static int documented_errno(int err)
{
	return err == EINVAL || err == ENODEV || err == E2BIG;
}

static void do_write(int cg, enum fm_file f, const struct text *t, int valid)
{
	struct fm_state *st = cg < 0 ? &fz.policy : &fz.state[cg][f];
	struct snap_file *s = snap_of(cg, f);
	struct fm_state next = *st;
	long want, got;
	int fd;

	fd = cg < 0 ? fz.policy_fd : fz.wfd[cg][f];
	if (f == FM_MAX && fuzz_one_in(&fz.rng, 4))
		fd = fz.wfd[cg][FM_NR_FILES];	/* O_NONBLOCK: no eviction */

	want = fm_write(&fz.rg, f, &next, t->buf, t->len);
	got = write(fd, t->buf, t->len);
	if (got < 0)
		got = -errno;
	fz.inputs++;

	if (valid) {
		fz.valid_writes++;
		if (want < 0) {
			fz.valid_rejected++;
			report_input("the model rejects a valid input", s->path, t);
		}
	}
	if (got < 0 && !documented_errno(-got)) {
		fz.errors++;
		report_input("undocumented errno", s->path, t);
		fprintf(stderr, "#   errno %ld (%s)\n", -got, strerror(-got));
	}
	if (got != want) {
		fz.mismatches++;
		report_input("result mismatch", s->path, t);
		if (fz.reports <= MAX_REPORTS)
			fprintf(stderr, "#   write() gave %ld, expected %ld\n", got, want);
	}
	/* Follow the kernel, to report each difference once. */
	if (got >= 0 && want >= 0) {
		*st = next;
		fm_render(&fz.rg, f, st, s->text, sizeof(s->text));
		if (got > 0)
			fz.accepted[f]++;
	}
	fz.mismatches += snap_check(t, s->path);
	if (got >= 0 && want < 0) {
		/* Resync the model with what the kernel did. */
		char buf[SNAP_MAX];
		ssize_t n = pread(s->fd, buf, sizeof(buf) - 1, 0);

		buf[n < 0 ? 0 : n] = '\0';
		snprintf(s->text, sizeof(s->text), "%s", buf);
		fm_parse(&fz.rg, f, buf, st);
	}
}

static void fuzz_file(int cg, enum fm_file f)
{
	struct text t;
	int valid;

	switch (fuzz_below(&fz.rng, 20)) {
	case 0: case 1: case 2:
		gen_random(&t);
		valid = 0;
		break;
	case 3: case 4: case 5: case 6: case 7: case 8:
		/* Mutations of a valid write. */
		do
			gen_input(&t, f, &valid);
		while (!valid);
		t.len = fuzz_mutate(&fz.rng, t.buf, t.len, sizeof(t.buf));
		valid = 0;
		break;
	default:
		gen_input(&t, f, &valid);
	}
	do_write(cg, f, &t, valid);
}

/* ---- the test ---- */

FIXTURE(fuzz) {
	char top[64];
	char sim[3][DMEM_SIM_NAME_LEN];
	int sim_fd, st_fd, vram1_ours;
};

static int read_regions(struct fm_regions *rg)
{
	char buf[SNAP_MAX], *line, *save, *sp;

	if (cg_read("", "dmem.capacity", buf, sizeof(buf)) < 0)
		return -1;
	rg->nr = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp || rg->nr == FM_MAX_REGIONS)
			return -1;
		*sp = '\0';
		snprintf(rg->name[rg->nr++], FM_NAME_MAX, "%s", line);
	}
	return 0;
}

FIXTURE_SETUP(fuzz)
{
	char cg[128];
	int c, f, err;

	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_fuzzf", tree));

	/* Regions: both test regions and three of the simulated device. */
	err = st_vram1("register 134217728");
	ASSERT_TRUE(!err || err == -EEXIST);
	self->vram1_ours = !err;
	self->sim_fd = sim_open();
	ASSERT_LE(0, self->sim_fd);
	sim_unique_name(self->sim[0], "fz0");
	sim_unique_name(self->sim[1], "fz1");
	sim_unique_name(self->sim[2], "dead");
	ASSERT_EQ(0, sim_region_create(self->sim_fd, self->sim[0], 64 * MiB));
	ASSERT_EQ(0, sim_region_create(self->sim_fd, self->sim[1], 4096));
	/* A region that existed and is gone: ENODEV, like one never seen. */
	ASSERT_EQ(0, sim_region_create(self->sim_fd, self->sim[2], 4096));
	ASSERT_EQ(0, sim_region_destroy(self->sim_fd, self->sim[2]));
	sim_cg_name(fz.dead_name, self->sim[2]);

	/* Pinned charges (never evicted) in two leaves. */
	snprintf(cg, sizeof(cg), "%s/a/b", self->top);
	ASSERT_EQ(0, cg_enter(cg));
	self->st_fd = st_open();
	ASSERT_LE(0, self->st_fd);
	ASSERT_EQ(0, st_cmd(self->st_fd, "charge", VRAM0, 1048576 + 4097));
	ASSERT_EQ(0, st_cmd(self->st_fd, "pin", VRAM0, 4096));
	snprintf(cg, sizeof(cg), "%s/c", self->top);
	ASSERT_EQ(0, cg_enter(cg));
	ASSERT_EQ(0, st_cmd(self->st_fd, "charge", VRAM1, 12288));
	ASSERT_EQ(0, st_cmd(self->st_fd, "pin", VRAM1, 12288));
	ASSERT_EQ(0, cg_enter(""));

	ASSERT_EQ(0, read_regions(&fz.rg));
	ASSERT_LE(4, fz.rg.nr);
	ASSERT_EQ(0, snap_init(self->top));
	fz.policy0 = fz.policy;

	for (c = 0; c < NR_CGS; c++) {
		snprintf(cg, sizeof(cg), "%s%s", self->top, cg_sub[c]);
		for (f = 0; f <= FM_NR_FILES; f++) {
			char path[256];

			if (f == FM_POLICY)
				continue;
			cg_path(path, sizeof(path), cg,
				fm_file_names[f == FM_NR_FILES ? FM_MAX : f]);
			fz.wfd[c][f] = open(path, O_WRONLY |
					    (f == FM_NR_FILES ? O_NONBLOCK : 0));
			ASSERT_LE(0, fz.wfd[c][f]);
		}
	}
	fz.policy_fd = open(CG_ROOT "/dmem.policy", O_WRONLY);
	ASSERT_LE(0, fz.policy_fd);
}

FIXTURE_TEARDOWN(fuzz)
{
	char line[FM_NAME_MAX + 64];
	int i;

	/* The policies as they were. */
	for (i = 0; i < fz.rg.nr; i++) {
		snprintf(line, sizeof(line), "%s %s timeout_ms=%u", fz.rg.name[i],
			 fz.policy0.policy[i].strict ? "strict" : "soft",
			 fz.policy0.policy[i].timeout_ms);
		cg_write("", "dmem.policy", line);
	}
	close(self->st_fd);
	sim_region_destroy(self->sim_fd, self->sim[0]);
	sim_region_destroy(self->sim_fd, self->sim[1]);
	close(self->sim_fd);
	if (self->vram1_ours)
		st_vram1("unregister");
	cg_cleanup_tree(self->top);
}

TEST_F_TIMEOUT(fuzz, every_writable_file, 3600)
{
	unsigned long writes = fuzz_count("DMEM_FUZZ_WRITES", 10000), i;
	unsigned long long seed = fuzz_seed("DMEM_FUZZ_SEED");
	double start = fuzz_now();
	int f;

	TH_LOG("seed %llu (DMEM_FUZZ_SEED=%llu repeats this run), %lu writes per file",
	       (unsigned long long)seed, (unsigned long long)seed, writes);
	fuzz_rng_init(&fz.rng, seed);

	for (f = 0; f < FM_NR_FILES; f++)
		for (i = 0; i < writes; i++)
			fuzz_file(f == FM_POLICY ? -1 : (int)fuzz_below(&fz.rng, NR_CGS), f);

	RELIABILITY("fuzz-files", { "seconds", (int)(fuzz_now() - start + 0.5) },
		    { "inputs", fz.inputs }, { "mismatches", fz.mismatches },
		    { "errors", fz.errors });
	for (f = 0; f < FM_NR_FILES; f++)
		TH_LOG("%s: %lu of %lu writes accepted", fm_file_names[f],
		       fz.accepted[f], writes);
	TH_LOG("%lu valid grammar writes", fz.valid_writes);

	EXPECT_EQ(writes * FM_NR_FILES, fz.inputs);
	EXPECT_EQ(0UL, fz.mismatches);
	EXPECT_EQ(0UL, fz.errors);
	EXPECT_EQ(0UL, fz.valid_rejected);
	/* Not vacuous: a good share of every file's writes took effect. */
	for (f = 0; f < FM_NR_FILES; f++) {
		const char *name = fm_file_names[f];

		EXPECT_LE(writes / 10, fz.accepted[f]) TH_LOG("%s", name);
	}
}

TEST_HARNESS_MAIN
