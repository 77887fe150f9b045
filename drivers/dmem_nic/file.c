// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_nic: the misc device /dev/dmem_nic, its files and ioctl dispatch.
 *
 * Each open file holds the importers it created and an event queue that
 * read() and poll() drain. Each ioctl handler copies its argument in,
 * checks the fields importer.c does not, calls it and copies the result
 * out. The argument structs are fixed-size with explicit padding; the
 * ioctl number encodes their size, so an argument of another size is an
 * unknown ioctl (-ENOTTY). Closing the file detaches its importers.
 */

#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "nic.h"

struct device *nic_device;

/* The queue fills in the record's first fields. */
static_assert(offsetof(struct dmem_nic_event, seq) ==
	      offsetof(struct dmem_evq_header, seq));
static_assert(offsetof(struct dmem_nic_event, time_ns) ==
	      offsetof(struct dmem_evq_header, time_ns));

static int nic_open(struct inode *inode, struct file *filp)
{
	struct nic_file *file;

	file = kzalloc(sizeof(*file), GFP_KERNEL_ACCOUNT);
	if (!file)
		return -ENOMEM;
	if (dmem_evq_init(&file->events, sizeof(struct dmem_nic_event),
			  NIC_EVENTS_MAX)) {
		kfree(file);
		return -ENOMEM;
	}
	xa_init_flags(&file->importers, XA_FLAGS_ALLOC1);
	filp->private_data = file;
	return nonseekable_open(inode, filp);
}

static int nic_release(struct inode *inode, struct file *filp)
{
	struct nic_file *file = filp->private_data;
	struct nic_importer *imp;
	unsigned long id;

	/* No ioctl of the file is running: each importer goes at once. */
	xa_for_each(&file->importers, id, imp)
		nic_importer_detach(file, id);
	xa_destroy(&file->importers);
	dmem_evq_fini(&file->events);
	kfree(file);
	return 0;
}

static ssize_t nic_read(struct file *filp, char __user *ubuf, size_t len,
			loff_t *ppos)
{
	struct nic_file *file = filp->private_data;

	return dmem_evq_read(&file->events, ubuf, len,
			     filp->f_flags & O_NONBLOCK);
}

static __poll_t nic_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct nic_file *file = filp->private_data;

	return dmem_evq_poll(&file->events, filp, wait);
}

static int nic_ioc_import(struct nic_file *file, void __user *uarg)
{
	struct nic_importer *imp;
	struct dmem_nic_import a;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.id)
		return -EINVAL;
	imp = nic_importer_create(file, &a);
	if (IS_ERR(imp))
		return PTR_ERR(imp);
	/* Nobody may use (or detach) it before its id reached the caller. */
	if (copy_to_user(uarg, &a, sizeof(a))) {
		nic_importer_abort(file, imp);
		return -EFAULT;
	}
	return nic_importer_publish(file, imp);
}

static int nic_ioc_importer_op(struct nic_file *file, void __user *uarg,
			       unsigned int cmd)
{
	struct dmem_nic_importer_op a;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	if (cmd == DMEM_NIC_IOC_IMPORTER_ACK)
		return nic_importer_ack(file, a.id);
	return nic_importer_detach(file, a.id);
}

static int nic_ioc_importer_use(struct nic_file *file, void __user *uarg)
{
	struct dmem_nic_importer_info a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	ret = nic_importer_use(file, &a);
	/* The counters go out even with -ENODEV (revoked). */
	if ((!ret || ret == -ENODEV) && copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
	return ret;
}

static int nic_ioc_importer_read(struct nic_file *file, void __user *uarg)
{
	struct dmem_nic_read a;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
	return nic_importer_read(file, &a);
}

/* The ioctls of /dev/dmem_nic, see uapi/linux/dmem_nic.h. */
static long nic_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct nic_file *file = filp->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DMEM_NIC_IOC_IMPORT:
		return nic_ioc_import(file, uarg);
	case DMEM_NIC_IOC_IMPORTER_ACK:
	case DMEM_NIC_IOC_IMPORTER_DETACH:
		return nic_ioc_importer_op(file, uarg, cmd);
	case DMEM_NIC_IOC_IMPORTER_USE:
		return nic_ioc_importer_use(file, uarg);
	case DMEM_NIC_IOC_IMPORTER_READ:
		return nic_ioc_importer_read(file, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations nic_fops = {
	.owner = THIS_MODULE,
	.open = nic_open,
	.release = nic_release,
	.read = nic_read,
	.poll = nic_poll,
	.unlocked_ioctl = nic_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice nic_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dmem_nic",
	.fops = &nic_fops,
	/* A dma-buf fd is the permission to import it. */
	.mode = 0666,
};

static int __init nic_init(void)
{
	int ret;

	ret = misc_register(&nic_misc);
	if (ret)
		return ret;
	nic_device = nic_misc.this_device;
	/* Mappings are DMA-mapped for it by exporters (no IOMMU: 1:1). */
	ret = dma_coerce_mask_and_coherent(nic_device, DMA_BIT_MASK(64));
	if (ret)
		misc_deregister(&nic_misc);
	return ret;
}

/* Built in only, like dmem_sim. */
device_initcall(nic_init);

MODULE_DESCRIPTION("Simulated dma-buf importing NIC for the dmem tests");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
