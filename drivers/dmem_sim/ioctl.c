// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: ioctl dispatch. Each handler copies its argument in, checks
 * every field the object code does not, calls it and copies the result
 * out. The argument structs are all fixed-size with explicit padding; the
 * ioctl number encodes their size, so an argument of another size is an
 * unknown ioctl (-ENOTTY).
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "sim.h"

static int sim_ioc_region_create(void __user *uarg)
{
	struct dmem_sim_region_create a;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	return sim_region_create(&a);
}

static int sim_ioc_region_destroy(void __user *uarg)
{
	struct dmem_sim_region_name a;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	return sim_region_destroy(&a);
}

static int sim_ioc_region_info(void __user *uarg)
{
	struct dmem_sim_region_info a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	ret = sim_region_info(&a);
	if (!ret && copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
	return ret;
}

static int sim_ioc_alloc(struct sim_file *file, void __user *uarg)
{
	struct xa_limit limit = XA_LIMIT(1, INT_MAX);
	struct dmem_sim_alloc a;
	struct sim_buf *buf;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~DMEM_SIM_ALLOC_PINNED || a.handle)
		return -EINVAL;
	/* Region names are NUL-terminated within the array. */
	if (!memchr(a.region, '\0', sizeof(a.region)))
		return -EINVAL;

	buf = sim_region_new_buf(a.region, a.size, file);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = sim_fdinfo_add_region(file, buf);
	if (ret) {
		sim_buf_put(buf);
		return ret;
	}

	/* The handle first: events of the buffer name it. */
	ret = xa_alloc(&file->bufs, &buf->handle, buf, limit,
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		sim_buf_put(buf);
		return ret;
	}
	if (a.flags & DMEM_SIM_ALLOC_PINNED)
		ret = sim_buf_user_pin(buf);
	else
		ret = sim_buf_make_resident(buf);
	a.handle = buf->handle;
	if (!ret && copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
	if (ret) {
		/* Nobody else knows the handle yet: it is still ours. */
		xa_erase(&file->bufs, buf->handle);
		sim_buf_drop_user_pins(buf);
		sim_buf_put(buf);
	}
	return ret;
}

/* Copy in a dmem_sim_buf_op and look its buffer up. */
static struct sim_buf *sim_ioc_buf_op(struct sim_file *file, void __user *uarg,
				      struct dmem_sim_buf_op *a)
{
	if (copy_from_user(a, uarg, sizeof(*a)))
		return ERR_PTR(-EFAULT);
	if (a->flags)
		return ERR_PTR(-EINVAL);
	return sim_buf_lookup(file, a->handle);
}

static int sim_ioc_free(struct sim_file *file, void __user *uarg)
{
	struct dmem_sim_buf_op a;
	struct sim_buf *buf;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	buf = xa_erase(&file->bufs, a.handle);
	if (!buf)
		return -ENOENT;
	sim_buf_drop_user_pins(buf);
	sim_buf_put(buf);
	return 0;
}

static int sim_ioc_pin_op(struct sim_file *file, void __user *uarg,
			  unsigned int cmd)
{
	struct dmem_sim_buf_op a;
	struct sim_buf *buf;
	int ret;

	buf = sim_ioc_buf_op(file, uarg, &a);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (cmd == DMEM_SIM_IOC_PIN)
		ret = sim_buf_user_pin(buf);
	else if (cmd == DMEM_SIM_IOC_UNPIN)
		ret = sim_buf_user_unpin(buf);
	else
		ret = sim_buf_make_resident(buf);
	sim_buf_put(buf);
	return ret;
}

static int sim_ioc_info(struct sim_file *file, void __user *uarg)
{
	struct dmem_sim_buf_info a;
	struct sim_buf *buf;
	int ret = 0;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	buf = sim_buf_lookup(file, a.handle);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	sim_buf_info(buf, &a);
	sim_buf_put(buf);
	if (copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
	return ret;
}

static int sim_ioc_rw(struct sim_file *file, void __user *uarg,
		      unsigned int cmd)
{
	struct dmem_sim_rw a;
	struct sim_buf *buf;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	buf = sim_buf_lookup(file, a.handle);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = sim_buf_rw(buf, &a, cmd == DMEM_SIM_IOC_WRITE);
	sim_buf_put(buf);
	return ret;
}

static int sim_ioc_export(struct sim_file *file, void __user *uarg)
{
	struct dmem_sim_export a;
	struct sim_buf *buf;
	int fd;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~DMEM_SIM_EXPORT_CLOEXEC || a.pad || a.fd)
		return -EINVAL;
	buf = sim_buf_lookup(file, a.handle);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	fd = sim_buf_export(buf, a.flags);
	sim_buf_put(buf);
	if (fd < 0)
		return fd;
	a.fd = fd;
	/*
	 * The fd is installed: it cannot be taken back, but the caller learns
	 * nothing of it. Like DRM's PRIME export, report -EFAULT; the dma-buf
	 * goes with the process's files.
	 */
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

static int sim_ioc_owner_info(struct sim_file *file, void __user *uarg)
{
	struct dmem_sim_owner_info a;
	struct dmem_owner_stats st;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	dmem_owner_get_stats(file->owner, &st);
	a.tgid = dmem_owner_tgid(file->owner);
	a.resident = st.resident;
	a.pinned = st.pinned;
	a.evicted = st.evicted;
	a.revoked = st.revoked;
	a.revoke_failures = st.revoke_failures;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

/**
 * sim_ioctl() - the ioctls of /dev/dmem_sim, see uapi/linux/dmem_sim.h
 * @filp: the file
 * @cmd: DMEM_SIM_IOC_*
 * @arg: user pointer to the argument
 *
 * Return: 0, an fd for EXPORT, or a negative errno.
 */
long sim_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct sim_file *file = filp->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DMEM_SIM_IOC_REGION_CREATE:
		return sim_ioc_region_create(uarg);
	case DMEM_SIM_IOC_REGION_DESTROY:
		return sim_ioc_region_destroy(uarg);
	case DMEM_SIM_IOC_REGION_INFO:
		return sim_ioc_region_info(uarg);
	case DMEM_SIM_IOC_ALLOC:
		return sim_ioc_alloc(file, uarg);
	case DMEM_SIM_IOC_FREE:
		return sim_ioc_free(file, uarg);
	case DMEM_SIM_IOC_PIN:
	case DMEM_SIM_IOC_UNPIN:
	case DMEM_SIM_IOC_TOUCH:
		return sim_ioc_pin_op(file, uarg, cmd);
	case DMEM_SIM_IOC_INFO:
		return sim_ioc_info(file, uarg);
	case DMEM_SIM_IOC_WRITE:
	case DMEM_SIM_IOC_READ:
		return sim_ioc_rw(file, uarg, cmd);
	case DMEM_SIM_IOC_EXPORT:
		return sim_ioc_export(file, uarg);
	case DMEM_SIM_IOC_OWNER_INFO:
		return sim_ioc_owner_info(file, uarg);
	default:
		return -ENOTTY;
	}
}
