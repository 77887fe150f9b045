// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem benchmark: the debugfs interface, the command parser, the results
 * buffer and the memory-overhead report. See bench.h for the commands.
 *
 * Test-only (CONFIG_DMEM_BENCH): it registers regions, charges the
 * writer's cgroups and spins CPUs on demand of root.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/percpu-refcount.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "../../devmem_cg/dmem_test.h"
#include "bench.h"
#include "../evict_internal.h"

#define DMEM_BENCH_OUT_SIZE	(256 * 1024)
#define DMEM_BENCH_CMD_MAX	1024

/* One command at a time; protects the results buffer. */
static DEFINE_MUTEX(dmem_bench_mutex);
static char *dmem_bench_buf;
static size_t dmem_bench_len;

/**
 * dmem_bench_out() - append a line to the results
 * @fmt: printf format
 *
 * Called with dmem_bench_mutex held, by the running command.
 */
void dmem_bench_out(const char *fmt, ...)
{
	va_list args;
	int n;

	lockdep_assert_held(&dmem_bench_mutex);
	if (dmem_bench_len >= DMEM_BENCH_OUT_SIZE - 1)
		return;
	va_start(args, fmt);
	n = vscnprintf(dmem_bench_buf + dmem_bench_len,
		       DMEM_BENCH_OUT_SIZE - dmem_bench_len, fmt, args);
	va_end(args);
	dmem_bench_len += n;
}

/* Sizes a kmalloc() of @size really takes. */
static size_t dmem_bench_kmalloc(size_t size)
{
	return kmalloc_size_roundup(size);
}

int dmem_bench_mem(const struct dmem_bench_args *args)
{
	size_t pcpu = sizeof(unsigned long) * num_possible_cpus();
	size_t pool_struct = dmem_test_pool_size();
	size_t pool = dmem_bench_kmalloc(pool_struct) +
		      dmem_bench_kmalloc(sizeof(struct percpu_ref_data)) + pcpu;

	/* Embedded in the driver's object: no allocation of its own. */
	dmem_bench_out("mem item=buf struct=%zu alloc=0 bytes=%zu\n",
		       sizeof(struct dmem_buf), sizeof(struct dmem_buf));
	dmem_bench_out("mem item=importer struct=%zu alloc=0 bytes=%zu\n",
		       sizeof(struct dmem_importer), sizeof(struct dmem_importer));
	dmem_bench_out("mem item=owner struct=%zu alloc=%zu bytes=%zu\n",
		       sizeof(struct dmem_owner),
		       dmem_bench_kmalloc(sizeof(struct dmem_owner)),
		       dmem_bench_kmalloc(sizeof(struct dmem_owner)));
	dmem_bench_out("mem item=link struct=%zu alloc=%zu bytes=%zu\n",
		       sizeof(struct dmem_evict_link),
		       dmem_bench_kmalloc(sizeof(struct dmem_evict_link)),
		       dmem_bench_kmalloc(sizeof(struct dmem_evict_link)));
	dmem_bench_out("mem item=evict_pool struct=%zu alloc=%zu bytes=%zu\n",
		       sizeof(struct dmem_evict_pool),
		       dmem_bench_kmalloc(sizeof(struct dmem_evict_pool)),
		       dmem_bench_kmalloc(sizeof(struct dmem_evict_pool)));
	dmem_bench_out("mem item=cgroup_pool struct=%zu alloc=%zu bytes=%zu\n",
		       pool_struct, pool, pool);
	dmem_bench_out("mem item=evict_region struct=%zu alloc=%zu bytes=%zu\n",
		       sizeof(struct dmem_evict_region),
		       dmem_bench_kmalloc(sizeof(struct dmem_evict_region)),
		       dmem_bench_kmalloc(sizeof(struct dmem_evict_region)));
	/* One per revoke in flight, and one spare per region. */
	dmem_bench_out("mem item=revoke struct=%zu alloc=%zu bytes=%zu\n",
		       sizeof(struct dmem_revoke),
		       dmem_bench_kmalloc(sizeof(struct dmem_revoke)),
		       dmem_bench_kmalloc(sizeof(struct dmem_revoke)));
	return 0;
}

static int dmem_bench_parse(char *line, const char **cmd,
			    struct dmem_bench_args *args)
{
	char *tok, *val;
	int ret = 0;

	memset(args, 0, sizeof(*args));
	args->cpus = 1;
	args->reps = 5;
	args->iters = 1000;
	args->naive_iters = 20;
	args->depth = 1;

	line = strim(line);
	*cmd = strsep(&line, " \t");
	while (!ret && (tok = strsep(&line, " \t"))) {
		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		if (!strcmp(tok, "cg") || !strcmp(tok, "cg2")) {
			if (strscpy(!strcmp(tok, "cg") ? args->cg : args->cg2,
				    val, DMEM_BENCH_PATH_MAX) < 0)
				return -EINVAL;
		} else if (!strcmp(tok, "mode")) {
			if (!strcmp(val, "enomem"))
				args->enomem = 1;
			else if (strcmp(val, "resident"))
				return -EINVAL;
		} else if (!strcmp(tok, "depth")) {
			ret = kstrtouint(val, 0, &args->depth);
		} else if (!strcmp(tok, "cpus")) {
			ret = kstrtouint(val, 0, &args->cpus);
		} else if (!strcmp(tok, "shared")) {
			ret = kstrtouint(val, 0, &args->shared);
		} else if (!strcmp(tok, "reps")) {
			ret = kstrtouint(val, 0, &args->reps);
		} else if (!strcmp(tok, "iters")) {
			ret = kstrtouint(val, 0, &args->iters);
		} else if (!strcmp(tok, "naive_iters")) {
			ret = kstrtouint(val, 0, &args->naive_iters);
		} else if (!strcmp(tok, "n")) {
			ret = kstrtouint(val, 0, &args->n);
		} else if (!strcmp(tok, "pinned")) {
			ret = kstrtouint(val, 0, &args->pinned);
		} else if (!strcmp(tok, "k")) {
			ret = kstrtouint(val, 0, &args->k);
		} else if (!strcmp(tok, "size")) {
			ret = kstrtouint(val, 0, &args->size);
		} else {
			return -EINVAL;
		}
	}
	if (ret)
		return ret;
	if (!args->reps || !args->iters || !args->naive_iters ||
	    args->reps > 100 || args->pinned > 100 || args->depth > 32 ||
	    args->n > 1000000 || args->k > 64)
		return -EINVAL;
	return 0;
}

static ssize_t dmem_bench_run_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct dmem_bench_args *args;
	const char *cmd;
	char *line;
	int ret;

	if (len >= DMEM_BENCH_CMD_MAX)
		return -EINVAL;
	line = memdup_user_nul(ubuf, len);
	if (IS_ERR(line))
		return PTR_ERR(line);
	args = kzalloc(sizeof(*args), GFP_KERNEL);
	if (!args) {
		kfree(line);
		return -ENOMEM;
	}
	ret = dmem_bench_parse(line, &cmd, args);
	if (ret)
		goto out;

	ret = mutex_lock_interruptible(&dmem_bench_mutex);
	if (ret)
		goto out;
	dmem_bench_len = 0;
	dmem_bench_buf[0] = '\0';
	if (!strcmp(cmd, "charge"))
		ret = dmem_bench_charge(args);
	else if (!strcmp(cmd, "victim"))
		ret = dmem_bench_victim(args);
	else if (!strcmp(cmd, "pools"))
		ret = dmem_bench_pools(args);
	else if (!strcmp(cmd, "revoke"))
		ret = dmem_bench_revoke(args);
	else if (!strcmp(cmd, "mem"))
		ret = dmem_bench_mem(args);
	else if (!strcmp(cmd, "memcpy"))
		ret = dmem_bench_memcpy(args);
	else if (!strcmp(cmd, "futile"))
		ret = dmem_bench_futile(args);
	else
		ret = -EINVAL;
	mutex_unlock(&dmem_bench_mutex);
out:
	kfree(args);
	kfree(line);
	return ret ? ret : len;
}

static ssize_t dmem_bench_results_read(struct file *file, char __user *ubuf,
				       size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&dmem_bench_mutex);
	ret = simple_read_from_buffer(ubuf, len, ppos, dmem_bench_buf,
				      dmem_bench_len);
	mutex_unlock(&dmem_bench_mutex);
	return ret;
}

static const struct file_operations dmem_bench_run_fops = {
	.owner = THIS_MODULE,
	.write = dmem_bench_run_write,
	.llseek = noop_llseek,
};

static const struct file_operations dmem_bench_results_fops = {
	.owner = THIS_MODULE,
	.read = dmem_bench_results_read,
	.llseek = default_llseek,
};

static int __init dmem_bench_init(void)
{
	struct dentry *dir;

	dmem_bench_buf = vzalloc(DMEM_BENCH_OUT_SIZE);
	if (!dmem_bench_buf)
		return -ENOMEM;
	dir = debugfs_create_dir("dmem_bench", NULL);
	debugfs_create_file("run", 0200, dir, NULL, &dmem_bench_run_fops);
	debugfs_create_file("results", 0400, dir, NULL,
			    &dmem_bench_results_fops);
	return 0;
}
late_initcall(dmem_bench_init);
