// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: test-only regions and a debugfs interface to charge them, so that
 * the selftests can drive the controller without a device.
 *
 * Built with CONFIG_DMEM_SELFTEST_REGION only. It registers
 * "selftest/vram0" (256 MiB) at boot and can register and unregister
 * "selftest/vram1" at runtime. In /sys/kernel/debug/dmem_selftest/:
 *
 * client	each open file is one client, charging the cgroup of the task
 *		that writes. One command per write:
 *		  charge <region> <bytes>	one charge ("buffer")
 *		  uncharge <region> <bytes>	the latest live charge of
 *						exactly that size
 *		  pin <region> <bytes>		pin bytes of the latest live
 *						charge in the region
 *		  unpin <region> <bytes>	unpin from the latest charge
 *						with that many pinned
 *		Errors are the controller's (EAGAIN: a limit was hit, ENODEV:
 *		no such region), ENOENT for nothing to uncharge or unpin,
 *		EINVAL for a malformed command. Reading shows, per region,
 *		"<region> charged=N pinned=N evicted=N" and last,
 *		"limit_cgroup_id=N": the cgroup whose limit failed the last
 *		charge or pin (0 if none did); pread() at offset 0 rereads.
 *		Closing uncharges everything.
 * vram1	write "register <bytes>" or "unregister"; reads "registered"
 *		or "unregistered".
 * stats	"pools N", "regions N" (live controller objects, including
 *		those lingering after removal; reading first waits for the
 *		frees in flight), "reclaim_calls N" and
 *		"reclaim_bytes N" (calls of the regions' reclaim callback).
 *
 * The reclaim callback evicts unpinned charges, oldest first, that
 * dmem_cgroup_state_evict_valuable() allows; it goes below low protection
 * (counting "low" events) only if nothing else was found, as the eviction
 * layer is expected to.
 */

#include <linux/cgroup_dmem.h>
#include <linux/dmem_evict_cgroup.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../dmem_test.h"

#define ST_NR_REGIONS	2
#define ST_VRAM0_SIZE	(256ULL << 20)

static const char *const st_names[ST_NR_REGIONS] = {
	"selftest/vram0",
	"selftest/vram1",
};

/**
 * struct st_client - an open "client" file
 * @limit_cgroup_id: cgroup whose limit failed the last charge or pin
 */
struct st_client {
	u64 limit_cgroup_id;
};

/**
 * struct st_record - one charge of a client
 * @node: entry in st_records, oldest first
 * @client: the client
 * @idx: index of the region in st_names
 * @pool: the pool charged; NULL once evicted
 * @size: bytes charged
 * @pinned: bytes of them pinned
 */
struct st_record {
	struct list_head node;
	struct st_client *client;
	unsigned int idx;
	struct dmem_cgroup_pool_state *pool;
	u64 size;
	u64 pinned;
};

/*
 * st_mutex protects st_regions[] and st_records. Lock order: st_mutex may
 * be held while charging (which takes dmem_mutex), and the reclaim callback
 * takes it under the region's reclaim_rwsem; so regions are registered and
 * unregistered outside of it, serialized by st_reg_mutex.
 */
static DEFINE_MUTEX(st_mutex);
static DEFINE_MUTEX(st_reg_mutex);
static struct dmem_cgroup_region *st_regions[ST_NR_REGIONS];
static LIST_HEAD(st_records);
static atomic64_t st_reclaim_calls;
static atomic64_t st_reclaim_bytes;

static void st_stat_add(struct st_record *rec, enum dmem_evict_stat item,
			s64 delta)
{
	dmem_evict_pool_stat_add(rec->pool, item, delta);
}

/* Uncharge a record, as freeing a buffer would; it stays listed. */
static void st_record_uncharge(struct st_record *rec)
{
	lockdep_assert_held(&st_mutex);

	if (!rec->pool)
		return;
	if (rec->pinned) {
		dmem_cgroup_uncharge_pinned(rec->pool, rec->pinned);
		st_stat_add(rec, DMEM_EVICT_STAT_EVICTABLE, rec->pinned);
		rec->pinned = 0;
	}
	st_stat_add(rec, DMEM_EVICT_STAT_EVICTABLE, -(s64)rec->size);
	st_stat_add(rec, DMEM_EVICT_STAT_BUFFERS, -1);
	dmem_cgroup_uncharge(rec->pool, rec->size);
	rec->pool = NULL;
}

static int st_reclaim(struct dmem_cgroup_pool_state *limit, u64 nr_bytes,
		      void *priv)
{
	unsigned int idx = (uintptr_t)priv;
	struct st_record *rec;
	bool hit_low = false;
	u64 freed = 0;
	int pass;

	atomic64_inc(&st_reclaim_calls);
	mutex_lock(&st_mutex);
	for (pass = 0; pass < 2 && freed < nr_bytes; pass++) {
		bool ignore_low = pass == 1;

		if (ignore_low && !hit_low)
			break;
		list_for_each_entry(rec, &st_records, node) {
			if (freed >= nr_bytes || signal_pending(current))
				break;
			if (rec->idx != idx || !rec->pool || rec->pinned)
				continue;
			if (!dmem_cgroup_state_evict_valuable(limit, rec->pool,
							      ignore_low,
							      &hit_low))
				continue;
			if (ignore_low)
				dmem_cgroup_pool_event(rec->pool,
						       DMEM_CGROUP_EVENT_LOW);
			dmem_evict_pool_event(rec->pool, DMEM_EVICT_EVENT_EVICT);
			st_stat_add(rec, DMEM_EVICT_STAT_EVICTED_BYTES, rec->size);
			st_record_uncharge(rec);
			freed += rec->size;
		}
	}
	mutex_unlock(&st_mutex);
	atomic64_add(freed, &st_reclaim_bytes);
	return freed ? 0 : -ENOSPC;
}

static const struct dmem_cgroup_ops st_reclaim_ops = {
	.reclaim = st_reclaim,
};

static int st_register(unsigned int idx, u64 size)
{
	struct dmem_cgroup_init init = {
		.size = size,
		.ops = &st_reclaim_ops,
		.reclaim_priv = (void *)(uintptr_t)idx,
	};
	struct dmem_cgroup_region *region;

	lockdep_assert_held(&st_reg_mutex);

	if (st_regions[idx])
		return -EEXIST;
	region = dmem_cgroup_register_region(&init, "%s", st_names[idx]);
	if (IS_ERR_OR_NULL(region))
		return region ? PTR_ERR(region) : -EINVAL;

	mutex_lock(&st_mutex);
	st_regions[idx] = region;
	mutex_unlock(&st_mutex);
	return 0;
}

static int st_unregister(unsigned int idx)
{
	struct dmem_cgroup_region *region;

	lockdep_assert_held(&st_reg_mutex);

	mutex_lock(&st_mutex);
	region = st_regions[idx];
	st_regions[idx] = NULL;
	mutex_unlock(&st_mutex);
	if (!region)
		return -ENOENT;
	/* Charges of the region stay until their clients uncharge them. */
	dmem_cgroup_unregister_region(region);
	return 0;
}

static int st_region_index(const char *name)
{
	int i;

	for (i = 0; i < ST_NR_REGIONS; i++)
		if (!strcmp(name, st_names[i]))
			return i;
	return -ENODEV;
}

static void st_note_limit(struct st_client *client,
			  struct dmem_cgroup_pool_state *limit)
{
	client->limit_cgroup_id = limit ? dmem_cgroup_pool_cgroup_id(limit) : 0;
	dmem_cgroup_pool_state_put(limit);
}

static int st_charge(struct st_client *client, unsigned int idx, u64 size)
{
	struct dmem_cgroup_pool_state *pool, *limit;
	struct st_record *rec;
	int ret;

	lockdep_assert_held(&st_mutex);

	if (!st_regions[idx])
		return -ENODEV;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;

	ret = dmem_cgroup_try_charge(st_regions[idx], size, &pool, &limit);
	if (ret) {
		st_note_limit(client, limit);
		kfree(rec);
		return ret;
	}
	client->limit_cgroup_id = 0;
	rec->client = client;
	rec->idx = idx;
	rec->pool = pool;
	rec->size = size;
	st_stat_add(rec, DMEM_EVICT_STAT_BUFFERS, 1);
	st_stat_add(rec, DMEM_EVICT_STAT_EVICTABLE, size);
	list_add_tail(&rec->node, &st_records);
	return 0;
}

static int st_uncharge(struct st_client *client, unsigned int idx, u64 size)
{
	struct st_record *rec;

	lockdep_assert_held(&st_mutex);

	list_for_each_entry_reverse(rec, &st_records, node) {
		if (rec->client != client || rec->idx != idx || !rec->pool ||
		    rec->size != size)
			continue;
		st_record_uncharge(rec);
		list_del(&rec->node);
		kfree(rec);
		return 0;
	}
	return -ENOENT;
}

static int st_pin(struct st_client *client, unsigned int idx, u64 size)
{
	struct dmem_cgroup_pool_state *limit;
	struct st_record *rec;
	int ret;

	lockdep_assert_held(&st_mutex);

	list_for_each_entry_reverse(rec, &st_records, node) {
		if (rec->client != client || rec->idx != idx || !rec->pool)
			continue;
		if (size > rec->size - rec->pinned)
			return -EINVAL;
		ret = dmem_cgroup_try_charge_pinned(rec->pool, size, &limit);
		if (ret) {
			st_note_limit(client, limit);
			return ret;
		}
		client->limit_cgroup_id = 0;
		rec->pinned += size;
		st_stat_add(rec, DMEM_EVICT_STAT_EVICTABLE, -(s64)size);
		return 0;
	}
	return -ENOENT;
}

static int st_unpin(struct st_client *client, unsigned int idx, u64 size)
{
	struct st_record *rec;

	lockdep_assert_held(&st_mutex);

	list_for_each_entry_reverse(rec, &st_records, node) {
		if (rec->client != client || rec->idx != idx || !rec->pool ||
		    rec->pinned < size)
			continue;
		dmem_cgroup_uncharge_pinned(rec->pool, size);
		rec->pinned -= size;
		st_stat_add(rec, DMEM_EVICT_STAT_EVICTABLE, size);
		return 0;
	}
	return -ENOENT;
}

static int st_client_open(struct inode *inode, struct file *file)
{
	struct st_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return -ENOMEM;
	file->private_data = client;
	return 0;
}

static int st_client_release(struct inode *inode, struct file *file)
{
	struct st_client *client = file->private_data;
	struct st_record *rec, *tmp;

	mutex_lock(&st_mutex);
	list_for_each_entry_safe(rec, tmp, &st_records, node) {
		if (rec->client != client)
			continue;
		st_record_uncharge(rec);
		list_del(&rec->node);
		kfree(rec);
	}
	mutex_unlock(&st_mutex);
	kfree(client);
	return 0;
}

static ssize_t st_client_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct st_client *client = file->private_data;
	char buf[128], *args, *cmd, *name, *value;
	u64 size;
	int idx, ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	args = strim(buf);
	cmd = strsep(&args, " ");
	name = strsep(&args, " ");
	value = strsep(&args, " ");
	if (!name || !value || args)
		return -EINVAL;
	idx = st_region_index(name);
	if (idx < 0)
		return idx;
	if (!strcmp(value, "max") || dmem_parse_value(value, &size))
		return -EINVAL;

	mutex_lock(&st_mutex);
	if (!strcmp(cmd, "charge"))
		ret = st_charge(client, idx, size);
	else if (!strcmp(cmd, "uncharge"))
		ret = st_uncharge(client, idx, size);
	else if (!strcmp(cmd, "pin"))
		ret = st_pin(client, idx, size);
	else if (!strcmp(cmd, "unpin"))
		ret = st_unpin(client, idx, size);
	else
		ret = -EINVAL;
	mutex_unlock(&st_mutex);

	return ret ?: count;
}

static ssize_t st_client_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct st_client *client = file->private_data;
	u64 charged[ST_NR_REGIONS] = {}, pinned[ST_NR_REGIONS] = {};
	u64 evicted[ST_NR_REGIONS] = {};
	struct st_record *rec;
	char buf[256];
	int len = 0, i;

	mutex_lock(&st_mutex);
	list_for_each_entry(rec, &st_records, node) {
		if (rec->client != client)
			continue;
		if (rec->pool) {
			charged[rec->idx] += rec->size;
			pinned[rec->idx] += rec->pinned;
		} else {
			evicted[rec->idx] += rec->size;
		}
	}
	for (i = 0; i < ST_NR_REGIONS; i++)
		len += scnprintf(buf + len, sizeof(buf) - len,
				 "%s charged=%llu pinned=%llu evicted=%llu\n",
				 st_names[i], charged[i], pinned[i], evicted[i]);
	len += scnprintf(buf + len, sizeof(buf) - len, "limit_cgroup_id=%llu\n",
			 client->limit_cgroup_id);
	mutex_unlock(&st_mutex);

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations st_client_fops = {
	.owner = THIS_MODULE,
	.open = st_client_open,
	.release = st_client_release,
	.read = st_client_read,
	.write = st_client_write,
	.llseek = default_llseek,
};

static ssize_t st_vram1_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char buf[64], *args, *cmd;
	u64 size;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	args = strim(buf);
	cmd = strsep(&args, " ");

	mutex_lock(&st_reg_mutex);
	if (!strcmp(cmd, "register") && args &&
	    !dmem_parse_value(args, &size) && strcmp(args, "max"))
		ret = st_register(1, size);
	else if (!strcmp(cmd, "unregister") && !args)
		ret = st_unregister(1);
	else
		ret = -EINVAL;
	mutex_unlock(&st_reg_mutex);

	return ret ?: count;
}

static ssize_t st_vram1_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	const char *state;

	mutex_lock(&st_mutex);
	state = st_regions[1] ? "registered\n" : "unregistered\n";
	mutex_unlock(&st_mutex);
	return simple_read_from_buffer(ubuf, count, ppos, state, strlen(state));
}

static const struct file_operations st_vram1_fops = {
	.owner = THIS_MODULE,
	.read = st_vram1_read,
	.write = st_vram1_write,
};

static ssize_t st_stats_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[160];
	int len;

	/* Let pools and regions released so far be freed: exact counts. */
	if (!*ppos)
		dmem_test_quiesce();
	len = scnprintf(buf, sizeof(buf),
			"pools %d\nregions %d\nreclaim_calls %lld\nreclaim_bytes %lld\n",
			dmem_test_nr_pools(), dmem_test_nr_regions(),
			atomic64_read(&st_reclaim_calls),
			atomic64_read(&st_reclaim_bytes));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations st_stats_fops = {
	.owner = THIS_MODULE,
	.read = st_stats_read,
};

static int __init dmem_selftest_region_init(void)
{
	struct dentry *dir;
	int ret;

	mutex_lock(&st_reg_mutex);
	ret = st_register(0, ST_VRAM0_SIZE);
	mutex_unlock(&st_reg_mutex);
	if (ret)
		return ret;

	dir = debugfs_create_dir("dmem_selftest", NULL);
	debugfs_create_file("client", 0600, dir, NULL, &st_client_fops);
	debugfs_create_file("vram1", 0600, dir, NULL, &st_vram1_fops);
	debugfs_create_file("stats", 0400, dir, NULL, &st_stats_fops);
	return 0;
}
late_initcall(dmem_selftest_region_init);
