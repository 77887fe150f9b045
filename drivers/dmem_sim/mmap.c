// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: mmap() of buffers.
 *
 * A mapping is a VM_PFNMAP range whose pages are inserted one fault at a
 * time from wherever the bytes are (device or system pages), under
 * sim_buf::data_lock. Every move of the bytes (evict, revoke, restore)
 * unmaps the range under the same lock before freeing the old pages, so no
 * mapping outlives the pages it points to, and the next access faults the
 * new ones in. TTM's fault handler follows the same rule under the
 * reservation lock.
 *
 * Offsets: DMEM_SIM_MMAP_OFFSET(handle) selects the buffer. All files of
 * the device share the device inode's address space, so unmapping a
 * buffer's range may also unmap another file's buffer with the same handle:
 * that one just faults again.
 */

#include <linux/mm.h>

#include "sim.h"

/* Page offsets: handle above, page of the buffer below. */
#define SIM_MMAP_HANDLE_SHIFT	(32 - PAGE_SHIFT)
#define SIM_MMAP_INDEX_MASK	((1UL << SIM_MMAP_HANDLE_SHIFT) - 1)

/**
 * sim_buf_unmap_locked() - unmap every mapping of a buffer's bytes
 * @buf: the buffer, whose bytes are about to move
 */
void sim_buf_unmap_locked(struct sim_buf *buf)
{
	lockdep_assert_held(&buf->data_lock);
	if (buf->mapping)
		unmap_mapping_range(buf->mapping,
				    DMEM_SIM_MMAP_OFFSET(buf->handle),
				    buf->size, 1);
}

static vm_fault_t sim_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct sim_buf *buf = vma->vm_private_data;
	unsigned long idx = vmf->pgoff & SIM_MMAP_INDEX_MASK;
	struct page **pages;
	vm_fault_t ret;

	if (idx >= buf->npages)
		return VM_FAULT_SIGBUS;
	/* Insert under the lock, so that a move cannot slip in between. */
	mutex_lock(&buf->data_lock);
	pages = buf->dev ? buf->dev : buf->sys;
	ret = vmf_insert_pfn(vma, vmf->address, page_to_pfn(pages[idx]));
	mutex_unlock(&buf->data_lock);
	return ret;
}

static void sim_vm_open(struct vm_area_struct *vma)
{
	sim_buf_get(vma->vm_private_data);
}

static void sim_vm_close(struct vm_area_struct *vma)
{
	sim_buf_put(vma->vm_private_data);
}

static const struct vm_operations_struct sim_vm_ops = {
	.fault = sim_vm_fault,
	.open = sim_vm_open,
	.close = sim_vm_close,
};

/**
 * sim_mmap() - mmap() of /dev/dmem_sim: a buffer's bytes
 * @filp: the file
 * @vma: the new mapping
 *
 * Return: 0; -ENOENT for an unknown handle; -EINVAL for a private mapping
 * or a range past the buffer.
 */
int sim_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct sim_file *file = filp->private_data;
	unsigned long idx = vma->vm_pgoff & SIM_MMAP_INDEX_MASK;
	unsigned long handle = vma->vm_pgoff >> SIM_MMAP_HANDLE_SHIFT;
	struct sim_buf *buf;

	if (handle > U32_MAX)
		return -ENOENT;
	buf = sim_buf_lookup(file, handle);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (!(vma->vm_flags & VM_SHARED) || idx >= buf->npages ||
	    vma_pages(vma) > buf->npages - idx) {
		sim_buf_put(buf);
		return -EINVAL;
	}

	mutex_lock(&buf->data_lock);
	buf->mapping = filp->f_mapping;
	mutex_unlock(&buf->data_lock);

	/* The mapping's reference, dropped by sim_vm_close(). */
	vma->vm_private_data = buf;
	vma->vm_ops = &sim_vm_ops;
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	return 0;
}
