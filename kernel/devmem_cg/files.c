// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: the dmem.* cgroup files.
 *
 * Every file has one line per registered region, in registration order.
 * Writes take one or more "<region> <value>" lines; all of them are
 * validated, and the pools they need created, before any is applied, so a
 * write either applies completely or changes nothing.
 */

#include <linux/fcntl.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "dmem_internal.h"

static void dmem_seq_put_value(struct seq_file *sf, u64 value)
{
	if (value >= DMEM_VALUE_MAX)
		seq_puts(sf, "max");
	else
		seq_printf(sf, "%llu", value);
}

/* The controller's event keys, then the extension's. */
static void dmem_show_events(struct seq_file *sf, atomic64_t *events)
{
	const struct dmem_cgroup_extension *ext = dmem_extension();
	unsigned int i, nr_ext = ext ? ext->nr_events : 0;

	for (i = 0; i < DMEM_CGROUP_NR_EVENTS + nr_ext; i++)
		seq_printf(sf, "%s%s=%lld", i ? " " : "",
			   i < DMEM_CGROUP_NR_EVENTS ? dmem_event_names[i] :
			   ext->event_names[i - DMEM_CGROUP_NR_EVENTS],
			   events ? atomic64_read(&events[i]) : 0);
}

static void dmem_show_stat(struct seq_file *sf,
			   struct dmem_cgroup_pool_state *pool)
{
	const struct dmem_cgroup_extension *ext = dmem_extension();
	unsigned int i;

	seq_printf(sf, "current=%lu pinned=%lu",
		   pool ? dmem_pool_usage(pool) : 0,
		   pool ? page_counter_read(&pool->pinned) : 0);
	for (i = 0; ext && i < ext->nr_stats; i++)
		seq_printf(sf, " %s=%lld", ext->stat_names[i],
			   pool ? atomic64_read(&pool->ext_stat[i]) : 0);
}

/**
 * dmemcg_show_region() - print the line of one region of a dmem.* file
 * @sf: the seq_file
 * @cs: the cgroup whose file is read
 * @region: the region
 * @type: the file
 *
 * A cgroup that has no pool in the region shows the defaults: no usage,
 * no protection, no limit, no events. The caller holds rcu_read_lock().
 */
void dmemcg_show_region(struct seq_file *sf, struct dmemcg_state *cs,
			struct dmem_cgroup_region *region, enum dmem_file type)
{
	struct dmem_cgroup_pool_state *pool = dmem_pool_find(cs, region);

	seq_printf(sf, "%s ", region->name);
	switch (type) {
	case DMEM_FILE_CAPACITY:
		seq_printf(sf, "%llu", region->size);
		break;
	case DMEM_FILE_CURRENT:
		seq_printf(sf, "%lu", pool ? dmem_pool_usage(pool) : 0);
		break;
	case DMEM_FILE_MIN:
		dmem_seq_put_value(sf, pool ? READ_ONCE(pool->cnt.min) : 0);
		break;
	case DMEM_FILE_LOW:
		dmem_seq_put_value(sf, pool ? READ_ONCE(pool->cnt.low) : 0);
		break;
	case DMEM_FILE_MAX:
		dmem_seq_put_value(sf, pool ? READ_ONCE(pool->cnt.max) :
				   DMEM_VALUE_MAX);
		break;
	case DMEM_FILE_PEAK:
		seq_printf(sf, "%lu", pool ? READ_ONCE(pool->cnt.watermark) : 0);
		break;
	case DMEM_FILE_PINNED_CURRENT:
		seq_printf(sf, "%lu",
			   pool ? page_counter_read(&pool->pinned) : 0);
		break;
	case DMEM_FILE_PINNED_MAX:
		dmem_seq_put_value(sf, pool ? READ_ONCE(pool->pinned.max) :
				   DMEM_VALUE_MAX);
		break;
	case DMEM_FILE_EVENTS:
		dmem_show_events(sf, pool ? pool->events : NULL);
		break;
	case DMEM_FILE_EVENTS_LOCAL:
		dmem_show_events(sf, pool ? pool->events_local : NULL);
		break;
	case DMEM_FILE_STAT:
		dmem_show_stat(sf, pool);
		break;
	case DMEM_FILE_EXT_REGION:
		/* The file exists only once an extension has registered. */
		dmem_extension()->region_show(sf, region->ext_data);
		break;
	}
	seq_putc(sf, '\n');
}

static int dmemcg_seq_show(struct seq_file *sf, void *v)
{
	struct dmemcg_state *cs = css_to_dmemcs(seq_css(sf));
	enum dmem_file type = seq_cft(sf)->private;
	struct dmem_cgroup_region *region;

	rcu_read_lock();
	list_for_each_entry_rcu(region, &dmem_regions, node)
		dmemcg_show_region(sf, cs, region, type);
	rcu_read_unlock();
	return 0;
}

/**
 * struct dmem_write_req - one parsed line of a write
 * @region: the region named, referenced
 * @value: the value, for the limit and protection files
 * @ext_req: the settings, for the extension's file, as its region_parse
 *	left them
 * @pool: the pool to change, once looked up under dmem_mutex
 */
struct dmem_write_req {
	struct dmem_cgroup_region *region;
	u64 value;
	u64 ext_req[DMEM_CGROUP_EXT_REQ_SIZE / sizeof(u64)];
	struct dmem_cgroup_pool_state *pool;
};

static int dmem_parse_req(char *line, enum dmem_file type,
			  struct dmem_write_req *req)
{
	char *name, *args;
	int ret;

	ret = dmem_parse_line(line, &name, &args);
	if (ret)
		return ret;

	if (type == DMEM_FILE_EXT_REGION)
		ret = dmem_extension()->region_parse(args, req->ext_req);
	else
		ret = dmem_parse_value(args, &req->value);
	if (ret)
		return ret;

	/* Last: the only step that takes a reference. */
	req->region = dmem_region_get_by_name(name);
	return req->region ? 0 : -ENODEV;
}

/**
 * dmem_pool_set_limit_locked() - set a limit or protection of a pool
 * @pool: the pool
 * @type: %DMEM_FILE_MIN, %DMEM_FILE_LOW, %DMEM_FILE_MAX or
 *	%DMEM_FILE_PINNED_MAX
 * @value: bytes, at most DMEM_VALUE_MAX
 *
 * What a write of the file does, but neither draining the stocks nor
 * evicting down to a lowered dmem.max. The caller holds dmem_mutex.
 */
void dmem_pool_set_limit_locked(struct dmem_cgroup_pool_state *pool,
				enum dmem_file type, u64 value)
{
	lockdep_assert_held(&dmem_mutex);

	switch (type) {
	case DMEM_FILE_MIN:
		page_counter_set_min(&pool->cnt, value);
		break;
	case DMEM_FILE_LOW:
		page_counter_set_low(&pool->cnt, value);
		break;
	case DMEM_FILE_MAX:
		/*
		 * Set the limit even below the usage, as memory.max does;
		 * the caller then evicts down to it.
		 */
		xchg(&pool->cnt.max, value);
		break;
	case DMEM_FILE_PINNED_MAX:
		/* Pinned memory cannot be evicted: only new pins fail. */
		xchg(&pool->pinned.max, value);
		break;
	default:
		WARN_ON_ONCE(1);
	}
}

/*
 * Step 2 of dmemcg_write(): the pool of every line (for the limit files), or
 * a check that every region is still live (the extension's file). Under
 * dmem_mutex.
 */
static int dmem_write_get_pools_locked(struct dmemcg_state *cs,
				       struct dmem_write_req *reqs,
				       unsigned int nr, enum dmem_file type)
{
	struct dmem_cgroup_pool_state *pool;
	unsigned int i;

	lockdep_assert_held(&dmem_mutex);

	for (i = 0; i < nr; i++) {
		if (type == DMEM_FILE_EXT_REGION) {
			if (reqs[i].region->dead)
				return -ENODEV;
			continue;
		}
		pool = dmem_pool_get_locked(cs, reqs[i].region);
		if (IS_ERR(pool))
			return PTR_ERR(pool) == -ENOENT ? -ENODEV : PTR_ERR(pool);
		reqs[i].pool = pool;
	}
	return 0;
}

/**
 * dmemcg_write() - apply a write to a dmem.* file
 * @cs: the cgroup whose file is written
 * @buf: the text written, NUL-terminated; modified
 * @type: the file
 * @nonblock: do not evict after lowering dmem.max (O_NONBLOCK)
 *
 * Return: 0 if every line was applied. -EINVAL if any line is malformed or
 * out of range, -ENODEV if a region is unknown, -ENOMEM, or -EOPNOTSUPP
 * for the extension's file while none is registered: then nothing was
 * applied.
 */
ssize_t dmemcg_write(struct dmemcg_state *cs, char *buf, enum dmem_file type,
		     bool nonblock)
{
	struct dmem_write_req *reqs;
	unsigned int nr_lines = 1, nr = 0, i;
	char *line;
	ssize_t ret = 0;

	if (type == DMEM_FILE_EXT_REGION && !dmem_extension())
		return -EOPNOTSUPP;
	for (line = buf; *line; line++)
		nr_lines += *line == '\n';
	reqs = kcalloc(nr_lines, sizeof(*reqs), GFP_KERNEL);
	if (!reqs)
		return -ENOMEM;

	/* 1. Parse and validate every line; look the regions up. */
	while ((line = strsep(&buf, "\n"))) {
		ret = dmem_parse_req(line, type, &reqs[nr]);
		if (ret == -ENOENT) {
			ret = 0;
			continue;
		}
		if (ret)
			goto out;
		nr++;
	}
	if (!nr) {
		ret = -EINVAL;
		goto out;
	}

	/* 2. Get every pool; nothing changes until all exist. */
	mutex_lock(&dmem_mutex);
	ret = dmem_write_get_pools_locked(cs, reqs, nr, type);
	if (ret) {
		mutex_unlock(&dmem_mutex);
		goto out;
	}

	/* 3. Apply, in the order written: a later line wins. */
	for (i = 0; i < nr; i++) {
		if (type == DMEM_FILE_EXT_REGION)
			dmem_extension()->region_apply(reqs[i].region->ext_data,
						       reqs[i].ext_req);
		else
			dmem_pool_set_limit_locked(reqs[i].pool, type,
						   reqs[i].value);
		if (type == DMEM_FILE_MAX && !nonblock)
			percpu_ref_get(&reqs[i].pool->ref);
		else
			reqs[i].pool = NULL;
	}
	mutex_unlock(&dmem_mutex);

	/*
	 * 4. Give the bytes in stocks back, so that the usage the limit is
	 * compared with is exact; then evict down to a lowered dmem.max,
	 * outside of dmem_mutex.
	 */
	if (type == DMEM_FILE_MAX)
		for (i = 0; i < nr; i++)
			dmem_stock_drain_region(reqs[i].region);
	for (i = 0; i < nr; i++) {
		if (!reqs[i].pool)
			continue;
		dmem_pool_reclaim(reqs[i].pool);
		percpu_ref_put(&reqs[i].pool->ref);
	}

out:
	for (i = 0; i < nr_lines; i++)
		if (reqs[i].region)
			dmem_region_put(reqs[i].region);
	kfree(reqs);
	return ret;
}

static ssize_t dmemcg_file_write(struct kernfs_open_file *of, char *buf,
				 size_t nbytes, loff_t off)
{
	enum dmem_file type = of_cft(of)->private;
	ssize_t ret;

	ret = dmemcg_write(css_to_dmemcs(of_css(of)), buf, type,
			   of->file->f_flags & O_NONBLOCK);
	return ret ?: nbytes;
}

struct cftype dmemcg_files[] = {
	{
		.name = "capacity",
		.flags = CFTYPE_ONLY_ON_ROOT,
		.seq_show = dmemcg_seq_show,
		.private = DMEM_FILE_CAPACITY,
	},
	{
		.name = "current",
		.seq_show = dmemcg_seq_show,
		.private = DMEM_FILE_CURRENT,
	},
	{
		.name = "min",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = dmemcg_seq_show,
		.write = dmemcg_file_write,
		.private = DMEM_FILE_MIN,
	},
	{
		.name = "low",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = dmemcg_seq_show,
		.write = dmemcg_file_write,
		.private = DMEM_FILE_LOW,
	},
	{
		.name = "max",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = dmemcg_seq_show,
		.write = dmemcg_file_write,
		.private = DMEM_FILE_MAX,
	},
	{
		.name = "peak",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = dmemcg_seq_show,
		.private = DMEM_FILE_PEAK,
	},
	{
		.name = "pinned.current",
		.seq_show = dmemcg_seq_show,
		.private = DMEM_FILE_PINNED_CURRENT,
	},
	{
		.name = "pinned.max",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = dmemcg_seq_show,
		.write = dmemcg_file_write,
		.private = DMEM_FILE_PINNED_MAX,
	},
	{
		.name = "events",
		.flags = CFTYPE_NOT_ON_ROOT,
		.file_offset = offsetof(struct dmemcg_state, events_file),
		.seq_show = dmemcg_seq_show,
		.private = DMEM_FILE_EVENTS,
	},
	{
		.name = "events.local",
		.flags = CFTYPE_NOT_ON_ROOT,
		.file_offset = offsetof(struct dmemcg_state, events_local_file),
		.seq_show = dmemcg_seq_show,
		.private = DMEM_FILE_EVENTS_LOCAL,
	},
	{
		.name = "stat",
		.seq_show = dmemcg_seq_show,
		.private = DMEM_FILE_STAT,
	},
	{ }	/* terminate */
};

/*
 * A root-only file with one line per region, for the extension's settings
 * (dmem.policy with the eviction layer); named, and added to the cgroup
 * hierarchies, by dmem_cgroup_register_extension(). Two copies, as the
 * cgroup core adds an array of cftypes to one kind of hierarchy only, and
 * the controller's own files are on both.
 */
#define DMEMCG_EXT_FILE {					\
		.flags = CFTYPE_ONLY_ON_ROOT,			\
		.seq_show = dmemcg_seq_show,			\
		.write = dmemcg_file_write,			\
		.private = DMEM_FILE_EXT_REGION,		\
	}

struct cftype dmemcg_ext_files[] = {
	DMEMCG_EXT_FILE,
	{ }	/* terminate */
};

struct cftype dmemcg_ext_legacy_files[] = {
	DMEMCG_EXT_FILE,
	{ }	/* terminate */
};
