// SPDX-License-Identifier: GPL-2.0
/*
 * Memory objects and the handles that name them.
 *
 * An object (coherent buffer or pinned range) is reference counted: the
 * file's handle table holds one reference, every transfer using it one
 * more, every mmap of a buffer one more. Dropping the handle (FREE, UNPIN,
 * close) therefore never pulls memory from under a running DMA or a live
 * mapping; the last reference releases it.
 *
 * Handles are per file: another file's handle is simply not found.
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "edudma.h"

/*
 * Memory the process holds through the device - pinned pages and coherent
 * buffers alike - is charged to its mm->pinned_vm (VmPin in
 * /proc/<pid>/status) against RLIMIT_MEMLOCK, as RDMA does; CAP_IPC_LOCK
 * lifts the limit. The charge is returned with the memory, whoever drops
 * the last reference (the mm is held with mmgrab meanwhile).
 */
int edudma_charge_memlock(struct mm_struct *mm, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	s64 pinned = atomic64_add_return(npages, &mm->pinned_vm);

	if ((u64)pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

void edudma_uncharge_memlock(struct mm_struct *mm, unsigned long npages)
{
	atomic64_sub(npages, &mm->pinned_vm);
}

/* Handles start at 1 so that 0 can mean "no handle" in the ABI. */
#define EDUDMA_HANDLE_LIMIT	XA_LIMIT(1, 0x7fffffff)

void edudma_mem_init(struct edudma_mem *mem, enum edudma_mem_kind kind,
		     struct edudma_dev *edev, void (*release)(struct edudma_mem *),
		     void (*revoke)(struct edudma_mem *))
{
	kref_init(&mem->ref);
	mem->kind = kind;
	mem->edev = edev;
	mem->release = release;
	mem->revoke = revoke;
	get_device(&edev->dev);
	mutex_lock(&edev->objects_lock);
	list_add(&mem->node, &edev->mems);
	mutex_unlock(&edev->objects_lock);
}

static void edudma_mem_release(struct kref *ref)
{
	struct edudma_mem *mem = container_of(ref, struct edudma_mem, ref);
	struct edudma_dev *edev = mem->edev;

	mutex_lock(&edev->objects_lock);
	list_del(&mem->node);
	mutex_unlock(&edev->objects_lock);
	mem->release(mem);	/* frees mem itself */
	put_device(&edev->dev);
}

/*
 * The device is being removed: no DMA can run any more (remove waited for
 * every call in progress and turned bus mastering off). Take back all DMA
 * memory and mappings while the device and its DMA configuration still
 * exist, in an order that holds whatever a concurrent mmap is doing:
 *  1. fence: every later page fault on a buffer answers SIGBUS;
 *  2. zap every user mapping of our files - a PTE can only exist in a vma
 *     already linked into the file's i_mmap tree (faults need it), so the
 *     zap finds them all, and step 1 keeps new ones from appearing;
 *  3. give the DMA memory and mappings back.
 * The objects themselves live on until their last reference goes (pins
 * are released on close).
 */
void edudma_revoke_all(struct edudma_dev *edev)
{
	struct edudma_file *ef;
	struct edudma_mem *mem;

	mutex_lock(&edev->objects_lock);
	list_for_each_entry(mem, &edev->mems, node)
		if (mem->fence)
			mem->fence(mem);
	list_for_each_entry(ef, &edev->files, node)
		unmap_mapping_range(ef->file->f_mapping, 0, 0, 1);
	list_for_each_entry(mem, &edev->mems, node)
		mem->revoke(mem);
	mutex_unlock(&edev->objects_lock);
}

/*
 * A command of a job that wedged the device may still write into 'mem':
 * keep the caller's reference until remove() has turned bus mastering off
 * (edudma_release_wedged), so the memory is neither reused while the device
 * might write it nor leaked beyond the device's life.
 */
void edudma_mem_keep_wedged(struct edudma_mem *mem)
{
	struct edudma_dev *edev = mem->edev;
	unsigned int i;

	mutex_lock(&edev->objects_lock);
	for (i = 0; i < ARRAY_SIZE(edev->wedged_mems); i++) {
		if (!edev->wedged_mems[i]) {
			edev->wedged_mems[i] = mem;
			mem = NULL;
			break;
		}
	}
	mutex_unlock(&edev->objects_lock);
	/* Only one job ever wedges, with at most two regions: never reached. */
	if (mem)
		dev_err(&edev->dev, "wedged memory beyond %zu regions stays allocated\n",
			ARRAY_SIZE(edev->wedged_mems));
}

/* remove(), bus mastering off: the device can no longer reach anything. */
void edudma_release_wedged(struct edudma_dev *edev)
{
	struct edudma_mem *kept[ARRAY_SIZE(edev->wedged_mems)];
	unsigned int i;

	mutex_lock(&edev->objects_lock);
	memcpy(kept, edev->wedged_mems, sizeof(kept));
	memset(edev->wedged_mems, 0, sizeof(edev->wedged_mems));
	mutex_unlock(&edev->objects_lock);
	for (i = 0; i < ARRAY_SIZE(kept); i++)
		if (kept[i])
			edudma_mem_put(kept[i]);
}

void edudma_mem_put(struct edudma_mem *mem)
{
	kref_put(&mem->ref, edudma_mem_release);
}

/*
 * Handles are handed out cyclically: a freed number is not reissued until
 * the space wraps, so a double FREE in a buggy program fails with ENOENT
 * instead of silently freeing the next buffer.
 */
static int edudma_handle_add(struct edudma_file *ef, struct edudma_mem *mem,
			     u32 *handle)
{
	int ret = xa_alloc_cyclic(&ef->handles, handle, mem, EDUDMA_HANDLE_LIMIT,
				  &ef->next_handle, GFP_KERNEL);

	return ret < 0 ? ret : 0;	/* 1: the space wrapped, fine */
}

/*
 * Take a handle out of the table and return its reference to the caller.
 * A handle of the wrong kind (FREE of a pinned range) is left alone: EINVAL.
 */
struct edudma_mem *edudma_handle_remove(struct edudma_file *ef, u32 handle,
					enum edudma_mem_kind kind)
{
	struct edudma_mem *mem;

	mutex_lock(&ef->lock);
	mem = xa_load(&ef->handles, handle);
	if (!mem)
		mem = ERR_PTR(-ENOENT);
	else if (mem->kind != kind &&
		 !(kind == EDUDMA_MEM_COHERENT && mem->kind == EDUDMA_MEM_IMPORTED))
		mem = ERR_PTR(-EINVAL);	/* FREE drops buffers and imports */
	else
		xa_erase(&ef->handles, handle);
	mutex_unlock(&ef->lock);
	return mem;
}

/*
 * Publish a new object under a handle. From the moment the lock drops,
 * another thread of the process can FREE that handle (numbers are
 * predictable), so the table's reference may go at once: the caller keeps
 * the reference it passed in, takes none of the object's fields after this
 * call that it did not read before, and drops its reference when done
 * (edudma_handle_unpublish on failure, edudma_mem_put otherwise).
 */
int edudma_handle_publish(struct edudma_file *ef, struct edudma_mem *mem,
			  u32 *handle)
{
	int ret;

	kref_get(&mem->ref);		/* the table's own reference */
	mutex_lock(&ef->lock);
	ret = edudma_handle_add(ef, mem, handle);
	mutex_unlock(&ef->lock);
	if (ret)
		kref_put(&mem->ref, edudma_mem_release);	/* never the last */
	return ret;
}

/*
 * The caller never learnt a new handle (copy_to_user failed): take it back,
 * if it still names this object - the process may have guessed the number
 * and dropped it already. The caller's own reference keeps 'mem' alive, so
 * comparing pointers is exact.
 */
void edudma_handle_unpublish(struct edudma_file *ef, u32 handle,
			     struct edudma_mem *mem)
{
	bool ours;

	mutex_lock(&ef->lock);
	ours = xa_load(&ef->handles, handle) == mem;
	if (ours)
		xa_erase(&ef->handles, handle);
	mutex_unlock(&ef->lock);
	if (ours)
		edudma_mem_put(mem);
}

/*
 * FREE and UNPIN: drop a handle of the given kind. Live mappings and
 * transfers in progress keep their own references to the memory.
 */
long edudma_ioctl_drop(struct edudma_file *ef, void __user *uarg,
		       enum edudma_mem_kind kind)
{
	struct edudma_handle req;
	struct edudma_mem *mem;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	mem = edudma_handle_remove(ef, req.handle, kind);
	if (IS_ERR(mem))
		return PTR_ERR(mem);
	edudma_mem_put(mem);
	return 0;
}

/* A new reference to the object behind 'handle', or ERR_PTR(-ENOENT). */
struct edudma_mem *edudma_handle_get(struct edudma_file *ef, u32 handle)
{
	struct edudma_mem *mem;

	mutex_lock(&ef->lock);
	mem = handle ? xa_load(&ef->handles, handle) : NULL;
	if (mem)
		kref_get(&mem->ref);
	mutex_unlock(&ef->lock);
	return mem ? mem : ERR_PTR(-ENOENT);
}

/* On close: drop every handle the file still holds. */
void edudma_handles_release(struct edudma_file *ef)
{
	struct edudma_mem *mem;
	unsigned long index;

	xa_for_each(&ef->handles, index, mem) {
		xa_erase(&ef->handles, index);
		edudma_mem_put(mem);
	}
	xa_destroy(&ef->handles);
}
