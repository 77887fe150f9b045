// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress of the dmem controller, the eviction manager and /dev/dmem_sim:
 * P worker processes (DMEM_STRESS_PROCS, default 16) for T seconds
 * (DMEM_STRESS_SECONDS, default 60) allocate, pin, unpin, touch, write,
 * verify, free, export, import (pinned with prompt, delayed or manual
 * acknowledgments, and dynamic), use, acknowledge, detach and close at
 * random in two regions too small for them all, pass dma-bufs to each
 * other over unix sockets and move between cgroups with limits and
 * protections, while a controller changes the limits and the policy and
 * removes and recreates spare cgroups (stress.h has the details).
 *
 * Every few seconds everyone stops and the parent checks, exactly in
 * bytes, that every cgroup's dmem.current and dmem.pinned.current is the
 * sum of the buffers the workers hold in its subtree, resident and pinned
 * as INFO reports them, that each owner's OWNER_INFO agrees, that every
 * region holds exactly those buffers and bytes, and that every buffer
 * holds its data pattern. Once all processes exited, every counter must
 * be 0. Any errno an operation may not return counts as an error.
 * DMEM_STRESS_SEED picks the random streams (default: the time).
 * The seconds are a minimum: a run that has not seen every kind of load
 * it asserts (an eviction, a revoke, an import) goes on, a check at a
 * time, for up to ST_MAX_STRETCH times the seconds in all, and a
 * minute more at least.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "reliability.h"
#include "stress.h"

#define CHECK_EVERY_MS	5000
/* How far past DMEM_STRESS_SECONDS a run may go for its load. */
#define ST_MAX_STRETCH	5
#define ST_MIN_STRETCH_MS	60000LL
/* The longest a phase may take: a revoke waits up to 1 s per victim. */
#define PHASE_LIMIT_MS	60000

/* A positive integer from the environment, at most @max; -1 if malformed. */
static long env_long(const char *name, long def, long max)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > max)
		return -1;
	return v;
}

FIXTURE(stress) {
	struct st_config cfg;
	pid_t pids[ST_MAX_PROCS + 1];
	int fd;
};

FIXTURE_SETUP(stress)
{
	static const __u64 capacity[ST_REGIONS] = { 16 * MiB, 8 * MiB };
	struct st_config *cfg = &self->cfg;
	pthread_mutexattr_t attr;
	int r, i;

	self->fd = -1;
	cfg->procs = env_long("DMEM_STRESS_PROCS", 16, ST_MAX_PROCS);
	cfg->seconds = env_long("DMEM_STRESS_SECONDS", 60, 24 * 3600);
	cfg->seed = env_long("DMEM_STRESS_SEED", time(NULL) % 1000000, 1L << 30);
	ASSERT_LT(0, cfg->procs) TH_LOG("DMEM_STRESS_PROCS: 1 to %d", ST_MAX_PROCS);
	ASSERT_LT(0, cfg->seconds) TH_LOG("DMEM_STRESS_SECONDS: a positive number");
	ASSERT_LT(0, (int)cfg->seed) TH_LOG("DMEM_STRESS_SEED: a positive number");

	cfg->sh = mmap(NULL, sizeof(*cfg->sh), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cfg->sh);
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	ASSERT_EQ(0, pthread_mutex_init(&cfg->sh->lock, &attr));

	self->fd = sim_open();
	ASSERT_LE(0, self->fd);
	for (r = 0; r < ST_REGIONS; r++) {
		snprintf(cfg->region[r], sizeof(cfg->region[r]), "t%d_st%d", getpid(), r);
		sim_cg_name(cfg->cgname[r], cfg->region[r]);
		cfg->capacity[r] = capacity[r];
		ASSERT_EQ(0, sim_region_create(self->fd, cfg->region[r], capacity[r]));
		ASSERT_EQ(0, sim_policy(cfg->region[r], "soft timeout_ms=250"));
	}
	ASSERT_EQ(0, st_tree_setup(cfg));
	for (i = 0; i < cfg->procs; i++)
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, cfg->sock[i]));
}

FIXTURE_TEARDOWN(stress)
{
	int r;

	if (self->fd >= 0) {
		for (r = 0; r < ST_REGIONS; r++)
			sim_region_destroy(self->fd, self->cfg.region[r]);
		close(self->fd);
	}
	if (*self->cfg.top)
		cg_cleanup_tree(self->cfg.top);
}

/* The kernel stacks of the processes that did not arrive, for the log. */
static void st_dump_stacks(const struct st_config *cfg, const pid_t *pids)
{
	char path[64], buf[4096];
	ssize_t n;
	int i, fd;

	for (i = 0; i <= cfg->procs; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stack", pids[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		fprintf(stderr, "# %s %d:\n%s", i < cfg->procs ? "worker" : "controller",
			i, buf);
	}
}

/* Sets @phase and waits for every worker and the controller to be done. */
static int st_phase(struct st_config *cfg, const pid_t *pids, int phase)
{
	long long end = sim_now_ms() + PHASE_LIMIT_MS;

	__atomic_store_n(&cfg->sh->arrived, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&cfg->sh->phase, phase, __ATOMIC_RELEASE);
	while (__atomic_load_n(&cfg->sh->arrived, __ATOMIC_ACQUIRE) < cfg->procs + 1) {
		if (sim_now_ms() > end) {
			fprintf(stderr, "# phase %d: only %d of %d processes arrived\n", phase,
				cfg->sh->arrived, cfg->procs + 1);
			st_dump_stacks(cfg, pids);
			return -1;
		}
		usleep(5000);
	}
	return 0;
}

/*
 * One check at a quiescent point: its mismatches, or -1 if stuck. @ms
 * adds up the time of its steps: pause, drain, report, compare.
 */
static int st_quiesce_and_check(struct st_config *cfg, const pid_t *pids,
				long long ms[4])
{
	static const int phases[] = { PH_PAUSE, PH_DRAIN, PH_REPORT };
	long long t0 = sim_now_ms();
	int i, ret;

	for (i = 0; i < (int)ARRAY_SIZE(phases); i++) {
		if (st_phase(cfg, pids, phases[i]))
			return -1;
		ms[i] += sim_now_ms() - t0;
		t0 = sim_now_ms();
	}
	ret = st_check(cfg, 0);
	ms[3] += sim_now_ms() - t0;
	return ret;
}

/* Waits for the workers and the controller; the number that failed. */
static int st_reap(struct st_config *cfg, pid_t *pids)
{
	long long end = sim_now_ms() + PHASE_LIMIT_MS;
	int i, left = cfg->procs + 1, failed = 0, status;
	pid_t pid;

	while (left) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0)
			break;
		if (!pid) {
			if (sim_now_ms() > end)
				break;
			usleep(10000);
			continue;
		}
		left--;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "# process %d: status 0x%x\n", pid, status);
			failed++;
		}
	}
	for (i = 0; i <= cfg->procs && left; i++)
		if (pids[i] > 0 && !waitpid(pids[i], &status, WNOHANG)) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
			failed++;
		}
	return failed;
}

static void st_sum(const struct st_config *cfg, struct st_counts *t)
{
	const struct st_counts *c;
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < cfg->procs + 2; i++) {
		c = &cfg->sh->cnt[i];
		t->ops += c->ops;
		t->errors += c->errors;
		t->mismatches += c->mismatches;
		t->enomem += c->enomem;
		t->ebusy += c->ebusy;
		t->eintr += c->eintr;
		t->revoked += c->revoked;
		t->pins_ended += c->pins_ended;
		t->finishing += c->finishing;
		t->evicted += c->evicted;
		t->sent += c->sent;
		t->imported += c->imported;
		t->rmdirs += c->rmdirs;
		t->limits += c->limits;
	}
}

/* The test's load, for its log: @t summed, @mine the parent's own counts. */
static void st_print_counts(const struct st_counts *t,
			    const struct st_counts *mine, const long long *step_ms)
{
	fprintf(stderr, "# steps: %lld ms pausing, %lld draining, %lld reporting, %lld comparing\n",
		step_ms[0], step_ms[1], step_ms[2], step_ms[3]);
	fprintf(stderr, "# ENOMEM %lld, EBUSY %lld, EINTR %lld\n", t->enomem, t->ebusy, t->eintr);
	fprintf(stderr, "# events: %lld evicted, %lld revoked; %lld passed, %lld imported\n",
		t->evicted, t->revoked, t->sent, t->imported);
	fprintf(stderr, "# pins ended by a parked or failed revoke: %lld\n", t->pins_ended);
	fprintf(stderr, "# revokes still finishing at a check: %lld\n", t->finishing);
	fprintf(stderr, "# controller: %lld limit changes, %lld rmdirs\n", t->limits, t->rmdirs);
	fprintf(stderr, "# %lld counter values compared; at most %lld bytes charged, %lld pinned\n",
		mine->compared, mine->peak, mine->peak_pinned);
}

/*
 * Whether the run may stop after @ran ms of running: its seconds are
 * over and the load the test asserts has happened. A revoke is the
 * rarest: on the debug kernel on a loaded host, 10 s of 16 workers (about
 * 1,000 operations) saw none in 3 runs of 10. Past ST_MAX_STRETCH times
 * the seconds (and at least ST_MIN_STRETCH_MS past them) the run stops
 * anyway, and the assertions report what is missing.
 */
static bool st_may_stop(const struct st_config *cfg, long long ran)
{
	long long ms = cfg->seconds * 1000LL;
	struct st_counts t;

	if (ran < ms)
		return false;
	if (ran >= ST_MAX_STRETCH * ms && ran >= ms + ST_MIN_STRETCH_MS)
		return true;
	st_sum(cfg, &t);
	return t.ops && t.evicted && t.revoked && t.imported;
}

TEST_F_TIMEOUT(stress, random_ops, 24 * 3600)
{
	struct st_config *cfg = &self->cfg;
	struct st_counts *mine = &cfg->sh->cnt[cfg->procs + 1];
	long long start = sim_now_ms(), ran = 0, checking = 0, slice, t0;
	long long step_ms[4] = { 0 };
	struct st_counts t;
	int i, ret, checks = 0, stuck = 0, failed;

	fprintf(stderr, "# procs=%d seconds=%d seed=%u\n", cfg->procs, cfg->seconds, cfg->seed);
	memset(self->pids, 0, sizeof(self->pids));
	for (i = 0; i <= cfg->procs; i++) {
		self->pids[i] = fork();
		ASSERT_LE(0, self->pids[i]);
		if (!self->pids[i])
			_exit(i < cfg->procs ? st_worker(cfg, i) : st_controller(cfg));
	}
	/* dma-bufs in flight must go with the workers. */
	for (i = 0; i < cfg->procs; i++) {
		close(cfg->sock[i][0]);
		close(cfg->sock[i][1]);
	}

	/*
	 * The test's seconds are running time: a check, however long it takes
	 * on a slow kernel, does not eat into the next run phase.
	 */
	while (!stuck) {
		slice = cfg->seconds * 1000LL - ran;
		if (slice <= 0 || slice > CHECK_EVERY_MS)
			slice = CHECK_EVERY_MS;
		t0 = sim_now_ms();
		while (sim_now_ms() < t0 + slice)
			usleep(20000);
		ran += sim_now_ms() - t0;
		t0 = sim_now_ms();
		ret = st_quiesce_and_check(cfg, self->pids, step_ms);
		checking += sim_now_ms() - t0;
		checks++;
		if (ret < 0)
			stuck = 1;
		else
			mine->mismatches += ret;
		if (st_may_stop(cfg, ran))
			break;
		__atomic_store_n(&cfg->sh->phase, PH_RUN, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&cfg->sh->phase, PH_STOP, __ATOMIC_RELEASE);
	failed = st_reap(cfg, self->pids);

	/* Nothing may remain charged once every file and dma-buf is gone. */
	memset(cfg->sh->rep, 0, sizeof(cfg->sh->rep));
	ret = st_check(cfg, 1);
	mine->mismatches += ret;

	st_sum(cfg, &t);
	fprintf(stderr, "# %lld ops in %lld ms of running, %d checks in %lld ms, %lld ms in all\n",
		t.ops, ran, checks, checking, sim_now_ms() - start);
	st_print_counts(&t, mine, step_ms);
	/* One line, for the reliability figures. */
	RELIABILITY("stress", { "procs", cfg->procs }, { "seconds", (int)((ran + 500) / 1000) },
		    { "ops", t.ops }, { "mismatches", t.mismatches },
		    { "errors", t.errors + stuck + failed });
	EXPECT_EQ(0, stuck);
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, t.errors);
	EXPECT_EQ(0, t.mismatches);
	/* The load the test exists for really happened. */
	EXPECT_LT(0, t.ops);
	EXPECT_LT(0, t.evicted);
	EXPECT_LT(0, t.revoked);
	EXPECT_LT(0, t.imported);
	EXPECT_LT(0, mine->compared);
}

TEST_HARNESS_MAIN
