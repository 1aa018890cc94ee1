// SPDX-License-Identifier: GPL-2.0
/*
 * TRANSFER and COPY: resolve the caller's regions to device-visible
 * segments, let the engine plan its commands (edu/edu_plan.h for edu,
 * edu/edusg_plan.h for edu-sg - shared with userspace), hand the plan to
 * the engine, report what happened.
 *
 * Everything the caller gave is checked before a single register is
 * written; the plan itself can only produce commands inside the window.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "edudma.h"

/*
 * Resolve a region: a handle's memory (referenced), or - with
 * EDUDMA_REGION_USER - user memory pinned and mapped for this call only,
 * its cost added to the stats.
 */
static int edudma_span_get(struct edudma_file *ef, const struct edudma_region *r,
			   u64 length, u32 access, struct edudma_span *span,
			   struct edudma_stats *st)
{
	struct edudma_mem *mem;

	if (r->flags & ~EDUDMA_REGION_FLAGS)
		return -EINVAL;
	if (r->flags & EDUDMA_REGION_USER) {
		u64 pin_ns, map_ns;
		int ret;

		if (r->handle)
			return -EINVAL;
		ret = edudma_pinned_create(ef->edev, r->offset, length, access,
					   &mem, &pin_ns, &map_ns);
		if (ret)
			return ret;
		st->setup_ns += pin_ns + map_ns;
		st->nr_pages += edudma_pinned_npages(mem);
		span->mem = mem;
		span->offset = 0;
		return edu_cursor_init(&span->cur, mem->segs, mem->nsegs, 0) ?
		       -EINVAL : 0;
	}
	mem = edudma_handle_get(ef, r->handle);
	if (IS_ERR(mem))
		return PTR_ERR(mem);
	if (r->offset > mem->size || length > mem->size - r->offset ||
	    edu_cursor_init(&span->cur, mem->segs, mem->nsegs, r->offset)) {
		edudma_mem_put(mem);
		return -EINVAL;
	}
	if ((mem->access & access) != access) {
		edudma_mem_put(mem);
		return -EACCES;
	}
	span->mem = mem;
	span->offset = r->offset;
	return 0;
}

static void edudma_span_put(struct edudma_span *span, bool wedged)
{
	/* The device may still write into it: kept until remove(). */
	if (wedged)
		edudma_mem_keep_wedged(span->mem);
	else
		edudma_mem_put(span->mem);
}

/*
 * Before a request: the bytes the device will read are handed to it
 * (copied into bounce buffers, flushed from caches), the bytes it will
 * write are handed over for writing. Nothing else of the memory moves.
 */
static void edudma_span_sync_for_device(struct edudma_span *span, u64 length,
					bool dev_writes)
{
	if (span->mem->sync)
		span->mem->sync(span->mem, span->offset, length, true,
				dev_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
}

/*
 * After it: only the 'done' bytes the device has written come back to the
 * CPU. Bytes a stopped request never reached keep what the process wrote.
 */
static void edudma_span_sync_for_cpu(struct edudma_span *span, u64 done)
{
	if (span->mem->sync && done)
		span->mem->sync(span->mem, span->offset, done, false,
				DMA_FROM_DEVICE);
}

/* How many device-visible segments 'length' bytes of the span touch. */
static u32 edudma_span_segments(const struct edudma_span *span, u64 length)
{
	struct edu_cursor c = span->cur;
	u64 addr, k;
	u32 n = 0;

	while (length && (k = edu_cursor_take(&c, length, &addr))) {
		length -= k;
		n++;
	}
	return n;
}

/*
 * Plan the request on the device's engine: count, then fill (the plan is
 * pure and gives the same answer twice). The plan is bounded
 * (EDUDMA_MAX_COMMANDS, 16 MiB) and charged to the caller's memory cgroup,
 * so no request - nor a few at once - can push the machine into the OOM
 * killer.
 */
static int edudma_plan_job(struct edudma_dev *edev, const struct edudma_plan *p,
			   struct edudma_job *job)
{
	long n = edev->ops->plan(edev, p, NULL, 0);

	if (n <= 0)
		return -EINVAL;
	if (n > EDUDMA_MAX_COMMANDS)
		return -E2BIG;
	job->cmds = kvmalloc_array(n, edev->ops->cmd_size,
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
	if (!job->cmds)
		return -ENOMEM;
	edev->ops->plan(edev, p, job->cmds, n);
	job->ncmds = n;
	return 0;
}

static void edudma_stats_fill(struct edudma_stats *st, const struct edudma_job *job,
			      u64 start_ns)
{
	st->bytes = job->credit;
	st->commands = job->done;
	st->device_ns = job->device_ns;
	st->wall_ns = ktime_get_ns() - start_ns;
	st->host_ns = st->wall_ns > st->device_ns ? st->wall_ns - st->device_ns : 0;
}

static int edudma_check_length(u64 length)
{
	return length == 0 || length > EDUDMA_MAX_LENGTH ? -EINVAL : 0;
}

/*
 * The device copies chunk by chunk, so overlapping ranges would read
 * bytes it has already overwritten: refused, like libdma does - for two
 * ranges of one buffer, and for pins of overlapping user memory.
 */
static bool edudma_spans_overlap(const struct edudma_span *a,
				 const struct edudma_span *b, u64 length)
{
	if (a->mem == b->mem)
		return a->offset < b->offset + length &&
		       b->offset < a->offset + length;
	return edudma_pinned_overlap(a->mem, a->offset, b->mem, b->offset,
				     length);
}

/*
 * A TRANSFER on its way: memory resolved and referenced (one-shot regions
 * pinned), commands planned, the bytes the device reads handed to it.
 * Nothing runs yet. On error nothing is left held.
 */
int edudma_request_transfer(struct edudma_file *ef, struct edudma_request *rq,
			    const struct edudma_region *mem, u64 length,
			    u32 direction, u32 dev_offset)
{
	struct edudma_dev *edev = ef->edev;
	struct edudma_plan plan = { };
	bool to_dev;
	int ret;

	if (edudma_check_length(length) ||
	    (direction != EDUDMA_DIR_TO_DEVICE &&
	     direction != EDUDMA_DIR_FROM_DEVICE) ||
	    dev_offset >= edev->window)
		return -EINVAL;
	to_dev = direction == EDUDMA_DIR_TO_DEVICE;
	rq->length = length;
	ret = edudma_span_get(ef, mem, length,
			      to_dev ? EDUDMA_ACCESS_DEV_READ : EDUDMA_ACCESS_DEV_WRITE,
			      &rq->span[0], &rq->stats);
	if (ret)
		return ret;
	rq->nspans = 1;
	rq->written = to_dev ? -1 : 0;
	plan.to_dev = to_dev;
	plan.src = rq->span[0].cur;
	plan.length = length;
	plan.dev_offset = dev_offset;
	ret = edudma_plan_job(edev, &plan, &rq->job);
	if (ret) {
		edudma_span_put(&rq->span[0], false);
		rq->nspans = 0;
		return ret;
	}
	rq->stats.nr_dma_segments = edudma_span_segments(&rq->span[0], length);
	edudma_span_sync_for_device(&rq->span[0], length, !to_dev);
	return 0;
}

/* A COPY on its way, as edudma_request_transfer(). */
int edudma_request_copy(struct edudma_file *ef, struct edudma_request *rq,
			const struct edudma_region *src,
			const struct edudma_region *dst, u64 length)
{
	struct edudma_dev *edev = ef->edev;
	struct edudma_plan plan = { };
	int ret;

	if (edudma_check_length(length))
		return -EINVAL;
	rq->length = length;
	ret = edudma_span_get(ef, src, length, EDUDMA_ACCESS_DEV_READ,
			      &rq->span[0], &rq->stats);
	if (ret)
		return ret;
	ret = edudma_span_get(ef, dst, length, EDUDMA_ACCESS_DEV_WRITE,
			      &rq->span[1], &rq->stats);
	if (ret)
		goto out_put_src;
	if (edudma_spans_overlap(&rq->span[0], &rq->span[1], length)) {
		ret = -EINVAL;
		goto out_put_dst;
	}
	plan.copy = true;
	plan.src = rq->span[0].cur;
	plan.dst = rq->span[1].cur;
	plan.length = length;
	ret = edudma_plan_job(edev, &plan, &rq->job);
	if (ret)
		goto out_put_dst;
	rq->nspans = 2;
	rq->written = 1;
	rq->stats.nr_dma_segments = edudma_span_segments(&rq->span[0], length) +
				    edudma_span_segments(&rq->span[1], length);
	edudma_span_sync_for_device(&rq->span[0], length, false);
	edudma_span_sync_for_device(&rq->span[1], length, true);
	return 0;

out_put_dst:
	edudma_span_put(&rq->span[1], false);
out_put_src:
	edudma_span_put(&rq->span[0], false);
	return ret;
}

/*
 * The request is over (its job finished, retired): the bytes the device
 * wrote go back to the CPU, the stats are filled, the memory is let go -
 * or kept until remove() if the device may still write it (wedged).
 */
void edudma_request_done(struct edudma_request *rq)
{
	struct edudma_job *job = &rq->job;
	unsigned int i;

	if (!job->wedged && rq->written >= 0)
		edudma_span_sync_for_cpu(&rq->span[rq->written], job->credit);
	edudma_stats_fill(&rq->stats, job, rq->start_ns);
	for (i = 0; i < rq->nspans; i++)
		edudma_span_put(&rq->span[i], job->wedged);
	rq->nspans = 0;
	kvfree(job->cmds);
	job->cmds = NULL;
}

long edudma_ioctl_transfer(struct edudma_file *ef, void __user *uarg)
{
	struct edudma_request rq = { .start_ns = ktime_get_ns() };
	struct edudma_transfer req;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	ret = edudma_request_transfer(ef, &rq, &req.mem, req.length,
				      req.direction, req.dev_offset);
	if (ret)
		return ret;
	ret = edudma_engine_run(ef->edev, &rq.job, req.timeout_ms);
	edudma_request_done(&rq);
	req.stats = rq.stats;
	if (copy_to_user(uarg, &req, sizeof(req)) && !ret)
		ret = -EFAULT;
	return ret;
}

long edudma_ioctl_copy(struct edudma_file *ef, void __user *uarg)
{
	struct edudma_request rq = { .start_ns = ktime_get_ns() };
	struct edudma_copy req;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	ret = edudma_request_copy(ef, &rq, &req.src, &req.dst, req.length);
	if (ret)
		return ret;
	ret = edudma_engine_run(ef->edev, &rq.job, req.timeout_ms);
	edudma_request_done(&rq);
	req.stats = rq.stats;
	if (copy_to_user(uarg, &req, sizeof(req)) && !ret)
		ret = -EFAULT;
	return ret;
}
