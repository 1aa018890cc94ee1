// SPDX-License-Identifier: GPL-2.0
/*
 * The edu-sg engine: a scatter-gather descriptor engine (this project's
 * QEMU device, docs/edu-sg.md) behind struct edudma_engine_ops.
 *
 * One descriptor ring in coherent memory serves every job of every file:
 * a job is planned into descriptors (edu/edusg_plan.h - a contiguous buffer
 * is one descriptor per 16 MiB, a scattered one one per segment), posted
 * in batches that end with EOR + IRQ, round robin between the jobs queued,
 * as far as the ring has room. The device writes each descriptor's status
 * and elapsed time back, then a completion record, then interrupts; a work
 * item (edusg_reap_work: why not the handler itself) reaps up to the
 * record's count without reading a register, credits each descriptor to
 * its job, and posts more.
 *
 * A descriptor the device refuses (a fault reading or writing memory, an
 * IOMMU fault) fails its job with -EIO and a log line; the device skips the
 * rest of that batch and goes on with the next job - it stays usable. A
 * ring-level error halts the engine: every job fails with -EIO and DMA is
 * refused until the driver is reloaded (a correct driver never causes one).
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include <edu/edusg_plan.h>

#include "edudma.h"

/* Ring entries we use (the device allows up to EDUSG_REG_MAX_RING). */
#define EDUSG_RING_ENTRIES	1024u
/*
 * Descriptors one job posts at a time before the next queued job gets its
 * turn: fairness between callers against an interrupt per batch.
 */
#define EDUSG_BATCH		256u

/* What the device reads and writes, in its byte order (little-endian). */
struct edusg_hw_desc {
	__le64 src;
	__le64 dst;
	__le32 len;
	__le32 flags;
	__le32 status;
	__le32 elapsed_ns;
};

struct edusg_hw_cpl {
	__le32 desc_done;
	__le32 req_done;
	__le32 err_count;
	__le32 head;
};

static_assert(sizeof(struct edusg_hw_desc) == EDUSG_DESC_SIZE);
static_assert(sizeof(struct edusg_hw_cpl) == EDUSG_CPL_SIZE);

struct edusg_state {
	struct edusg_hw_desc *ring;	/* ring entries, then the record */
	struct edusg_hw_cpl *cpl;
	dma_addr_t ring_dma;
	size_t ring_bytes;		/* the allocation, record included */
	u32 size;			/* entries, a power of two */
	u32 card_size;
	u64 dma_mask;
	/* Under edev->irq_lock: */
	u32 tail;			/* descriptors posted, free-running */
	u32 reaped;			/* descriptors reaped, free-running */
	bool halted;
	struct list_head queue;		/* jobs with descriptors left to post */
	/*
	 * Fault injection (debugfs <root>/edudma/edudma<N>/inject_fault):
	 * the n-th descriptor posted from now names memory the device cannot
	 * use - a real device error, reported as the real ones are (tests).
	 */
	u32 inject_fault;
	struct dentry *debugfs;
	struct edudma_dev *edev;
	struct work_struct reap_work;	/* edusg_reap_work() */
	bool halt_seen;			/* the interrupt said HALT (irq_lock) */
	struct edudma_job *owner[];	/* per ring entry: whose descriptor */
};

static void edusg_reap_work(struct work_struct *work);

static struct edusg_state *sg_state(struct edudma_dev *edev)
{
	return edev->engine_priv;
}

static u32 rd32(struct edudma_dev *edev, unsigned int reg)
{
	return ioread32(edev->bar + reg);
}

static void wr32(struct edudma_dev *edev, unsigned int reg, u32 val)
{
	iowrite32(val, edev->bar + reg);
}

static u64 rd64(struct edudma_dev *edev, unsigned int reg_lo)
{
	return rd32(edev, reg_lo) | (u64)rd32(edev, reg_lo + 4) << 32;
}

static void wr64(struct edudma_dev *edev, unsigned int reg_lo, u64 val)
{
	wr32(edev, reg_lo, lower_32_bits(val));
	wr32(edev, reg_lo + 4, upper_32_bits(val));
}

/* The widest n with every address below 2^n reachable through 'mask'. */
static unsigned int edusg_mask_bits(u64 mask)
{
	if (mask == U64_MAX)
		return 64;
	return fls64(mask + 1) - 1;
}

/*
 * Is it an edu-sg of a version we know, alive, with sane limits? Then
 * reset it (a previous owner may have left the engine running) and take
 * its limits.
 */
static int edusg_identify(struct edudma_dev *edev)
{
	struct device *dev = &edev->pdev->dev;
	struct edusg_state *sg;
	u32 id = rd32(edev, EDUSG_REG_IDENT);
	u32 version = rd32(edev, EDUSG_REG_VERSION);
	u32 max_len, max_ring, card_size;
	unsigned int i;
	u64 mask;

	if (id != EDUSG_IDENT) {
		dev_err(dev, "not an edu-sg device: ident 0x%08x, expected 0x%08x\n",
			id, EDUSG_IDENT);
		return -ENODEV;
	}
	if (EDUSG_VERSION_MAJOR(version) != EDUSG_SUPPORTED_MAJOR) {
		dev_err(dev, "unsupported edu-sg version %u.%u, driver supports %u.x\n",
			EDUSG_VERSION_MAJOR(version), EDUSG_VERSION_MINOR(version),
			EDUSG_SUPPORTED_MAJOR);
		return -ENODEV;
	}
	for (i = 0; i < 3; i++) {
		u32 pattern = i == 0 ? 0 : i == 1 ? 0xffffffffu : 0x5aa5c33cu;
		u32 got;

		wr32(edev, EDUSG_REG_SCRATCH, pattern);
		got = rd32(edev, EDUSG_REG_SCRATCH);
		if (got != ~pattern) {
			dev_err(dev, "liveness check failed: wrote 0x%08x, read 0x%08x, expected 0x%08x\n",
				pattern, got, ~pattern);
			return -EIO;
		}
	}
	wr32(edev, EDUSG_REG_CTRL, EDUSG_CTRL_RESET);

	max_len = rd32(edev, EDUSG_REG_MAX_LEN);
	max_ring = rd32(edev, EDUSG_REG_MAX_RING);
	card_size = rd32(edev, EDUSG_REG_CARD_SIZE);
	mask = rd64(edev, EDUSG_REG_DMA_MASK_LO);
	if (!max_len || max_ring < 2 || !is_power_of_2(max_ring) ||
	    !card_size || edusg_mask_bits(mask) < 32) {
		dev_err(dev, "edu-sg reports unusable limits: max_len %u, max_ring %u, card %u bytes, DMA mask %#llx\n",
			max_len, max_ring, card_size, mask);
		return -ENODEV;
	}

	sg = kzalloc(struct_size(sg, owner, EDUSG_RING_ENTRIES), GFP_KERNEL);
	if (!sg)
		return -ENOMEM;
	INIT_LIST_HEAD(&sg->queue);
	sg->edev = edev;
	INIT_WORK(&sg->reap_work, edusg_reap_work);
	sg->size = min(EDUSG_RING_ENTRIES, max_ring);
	sg->card_size = card_size;
	sg->dma_mask = mask;
	edev->engine_priv = sg;

	edev->ident = id;
	edev->version = version;
	edev->window = card_size;
	edev->dev_buffer_addr = 0;	/* descriptors name card offsets */
	edev->dma_bits = edusg_mask_bits(mask);
	edev->max_cmd_len = max_len;
	edev->ring_size = sg->size;
	edev->max_in_flight = sg->size - 1;
	return 0;
}

/* Ring and record in coherent memory, the engine enabled, events unmasked. */
static int edusg_start(struct edudma_dev *edev)
{
	struct edusg_state *sg = sg_state(edev);
	struct device *dev = &edev->pdev->dev;
	u32 status;

	sg->ring_bytes = sg->size * sizeof(struct edusg_hw_desc) +
			 sizeof(struct edusg_hw_cpl);
	sg->ring = dma_alloc_coherent(dev, sg->ring_bytes, &sg->ring_dma,
				      GFP_KERNEL);
	if (!sg->ring) {
		dev_err(dev, "no coherent memory for the descriptor ring (%zu bytes)\n",
			sg->ring_bytes);
		return -ENOMEM;
	}
	sg->cpl = (struct edusg_hw_cpl *)(sg->ring + sg->size);
	sg->tail = sg->reaped = 0;

	wr64(edev, EDUSG_REG_RING_LO, sg->ring_dma);
	wr32(edev, EDUSG_REG_RING_SIZE, sg->size);
	wr64(edev, EDUSG_REG_CPL_LO, sg->ring_dma +
	     sg->size * sizeof(struct edusg_hw_desc));
	wr32(edev, EDUSG_REG_IRQ_ACK, ~0u);
	wr32(edev, EDUSG_REG_IRQ_MASK, EDUSG_IRQ_VALID);
	wr32(edev, EDUSG_REG_CTRL, EDUSG_CTRL_ENABLE);
	status = rd32(edev, EDUSG_REG_STATUS);
	if (!(status & EDUSG_STATUS_ENABLED) || (status & EDUSG_STATUS_HALTED)) {
		dev_err(dev, "edu-sg refused its ring: status 0x%x, error %u, info %u\n",
			status, rd32(edev, EDUSG_REG_ERROR),
			rd32(edev, EDUSG_REG_ERROR_INFO));
		wr32(edev, EDUSG_REG_CTRL, EDUSG_CTRL_RESET);
		dma_free_coherent(dev, sg->ring_bytes, sg->ring, sg->ring_dma);
		sg->ring = NULL;
		return -EIO;
	}
	if (edudma_debugfs_root) {
		sg->debugfs = debugfs_create_dir(dev_name(&edev->dev),
						 edudma_debugfs_root);
		debugfs_create_u32("inject_fault", 0600, sg->debugfs,
				   &sg->inject_fault);
	}
	return 0;
}

/* Engine disabled, every register at its default, interrupts masked. */
static void edusg_quiesce(struct edudma_dev *edev)
{
	wr32(edev, EDUSG_REG_CTRL, EDUSG_CTRL_RESET);
}

/* After quiesce and bus mastering off: nothing can read the ring any more. */
static void edusg_stop(struct edudma_dev *edev)
{
	struct edusg_state *sg = sg_state(edev);

	debugfs_remove_recursive(sg->debugfs);
	sg->debugfs = NULL;
	/* the interrupt is freed: nothing queues the work any more */
	cancel_work_sync(&sg->reap_work);
	if (sg->ring)
		dma_free_coherent(&edev->pdev->dev, sg->ring_bytes, sg->ring,
				  sg->ring_dma);
	sg->ring = NULL;
}

static const char *edusg_err_name(u32 code)
{
	switch (code) {
	case EDUSG_ERR_LEN:
		return "length 0 or above the device's limit";
	case EDUSG_ERR_FLAGS:
		return "reserved flag set";
	case EDUSG_ERR_CARD_RANGE:
		return "beyond the on-card RAM";
	case EDUSG_ERR_MASK:
		return "beyond the device's DMA mask";
	case EDUSG_ERR_READ:
		return "source not readable (not RAM, an IOMMU fault, or bus mastering off)";
	case EDUSG_ERR_WRITE:
		return "destination not writable (not RAM, an IOMMU fault, or bus mastering off)";
	default:
		return "unknown error code";
	}
}

/* Called with irq_lock held: the job will have nothing more in flight. */
static bool edusg_job_idle(struct edudma_job *job)
{
	return !job->inflight && (job->stop || job->next == job->ncmds);
}

/*
 * An address the device refuses without touching anything: 256 GiB, past
 * the RAM of any guest we boot and unmapped in the IOVA space (an IOMMU
 * fault behind one), or just past a narrower DMA mask.
 */
static u64 edusg_bad_address(const struct edusg_state *sg)
{
	return sg->dma_mask >= (1ULL << 40) - 1 ? 1ULL << 38 : sg->dma_mask + 1;
}

/*
 * Post queued jobs' descriptors while the ring has room: up to a batch per
 * job, round robin; the last descriptor of each batch ends a device request
 * (EOR: an error skips only the rest of the batch) and interrupts.
 * Called with irq_lock held.
 */
static void edusg_post(struct edudma_dev *edev)
{
	struct edusg_state *sg = sg_state(edev);
	bool posted = false;

	while (!sg->halted && !list_empty(&sg->queue)) {
		u32 room = sg->size - 1 - (sg->tail - sg->reaped);
		struct edudma_job *job;
		const struct edusg_desc *descs;
		unsigned long n, i;

		if (!room)
			break;
		job = list_first_entry(&sg->queue, struct edudma_job, node);
		descs = job->cmds;
		n = min3(job->ncmds - job->next, (unsigned long)room,
			 (unsigned long)EDUSG_BATCH);
		for (i = 0; i < n; i++) {
			const struct edusg_desc *s = &descs[job->next + i];
			u32 idx = sg->tail & (sg->size - 1);
			struct edusg_hw_desc *d = &sg->ring[idx];
			u32 flags = s->flags;

			u64 src = s->src, dst = s->dst;

			if (i == n - 1)
				flags |= EDUSG_DESC_EOR | EDUSG_DESC_IRQ;
			if (unlikely(sg->inject_fault) && !--sg->inject_fault) {
				if (flags & EDUSG_DESC_SRC_CARD)
					dst = edusg_bad_address(sg);
				else
					src = edusg_bad_address(sg);
			}
			d->src = cpu_to_le64(src);
			d->dst = cpu_to_le64(dst);
			d->len = cpu_to_le32(s->len);
			d->flags = cpu_to_le32(flags);
			d->status = 0;
			d->elapsed_ns = 0;
			sg->owner[idx] = job;
			sg->tail++;
		}
		job->next += n;
		job->inflight += n;
		atomic64_add(n, &edev->commands);
		list_del_init(&job->node);
		if (job->next < job->ncmds)
			list_add_tail(&job->node, &sg->queue);
		posted = true;
	}
	/* writel orders the descriptor stores before the doorbell */
	if (posted)
		wr32(edev, EDUSG_REG_TAIL, sg->tail & (sg->size - 1));
}

/*
 * The engine halted (a ring-level error: a driver bug or a broken device).
 * It reads and writes nothing more, so every job's memory is safe to
 * release: all fail with -EIO, finished. Called with irq_lock held.
 */
static void edusg_halt(struct edudma_dev *edev)
{
	struct edusg_state *sg = sg_state(edev);
	struct edudma_job *job, *tmp;

	if (!sg->halted)
		dev_err(&edev->dev, "edu-sg engine halted: error %u, info %u; DMA disabled until reload\n",
			rd32(edev, EDUSG_REG_ERROR), rd32(edev, EDUSG_REG_ERROR_INFO));
	sg->halted = true;
	for (; sg->reaped != sg->tail; sg->reaped++) {
		u32 idx = sg->reaped & (sg->size - 1);

		job = sg->owner[idx];
		sg->owner[idx] = NULL;
		if (!job)
			continue;
		job->inflight--;
		job->stop = true;
		if (!job->error)
			job->error = -EIO;
		if (!job->inflight)
			edudma_job_finish(edev, job);
	}
	list_for_each_entry_safe(job, tmp, &sg->queue, node) {
		list_del_init(&job->node);
		job->stop = true;
		if (!job->error)
			job->error = -EIO;
		if (!job->inflight)
			edudma_job_finish(edev, job);
	}
}

/*
 * Reap every descriptor the record says is done: credit it to its job,
 * finish jobs with nothing left in flight, post more. irq_lock held.
 */
static void edusg_reap(struct edudma_dev *edev, bool halt)
{
	struct edusg_state *sg = sg_state(edev);
	u32 done, reaped = 0;

	if (!sg->ring)
		return;
	done = le32_to_cpu(READ_ONCE(sg->cpl->desc_done));
	/* the record is written after the statuses it counts */
	dma_rmb();
	if (done - sg->reaped > sg->tail - sg->reaped) {
		dev_err_ratelimited(&edev->dev, "edu-sg completion record counts %u descriptors, only %u posted\n",
				    done, sg->tail);
		halt = true;
		done = sg->reaped;
	}
	while (sg->reaped != done) {
		u32 idx = sg->reaped & (sg->size - 1);
		struct edusg_hw_desc *d = &sg->ring[idx];
		struct edudma_job *job = sg->owner[idx];
		u32 status = le32_to_cpu(READ_ONCE(d->status));
		u32 code = EDUSG_ST_CODE(status);

		sg->owner[idx] = NULL;
		sg->reaped++;
		reaped++;
		if (!job)
			continue;	/* its job was abandoned */
		job->inflight--;
		job->done++;
		job->device_ns += le32_to_cpu(d->elapsed_ns);
		if ((status & EDUSG_ST_DONE) && code == EDUSG_ERR_OK) {
			job->credit += le32_to_cpu(d->len);
		} else if (code != EDUSG_ERR_SKIPPED || !job->error) {
			if (!job->error)
				dev_err_ratelimited(&edev->dev,
					"DMA descriptor failed: %s (src %#llx dst %#llx len %u flags %#x, status %#x)\n",
					edusg_err_name(code),
					le64_to_cpu(d->src), le64_to_cpu(d->dst),
					le32_to_cpu(d->len), le32_to_cpu(d->flags),
					status);
			job->error = -EIO;
			job->stop = true;
			list_del_init(&job->node);
		}
		if (edusg_job_idle(job)) {
			list_del_init(&job->node);
			edudma_job_finish(edev, job);
		}
	}
	/* the engine's progress, once per reap: an atomic per descriptor costs */
	atomic64_add(reaped, &edev->completed);
	if (halt)
		edusg_halt(edev);
	else
		edusg_post(edev);
}

/*
 * Reaping and posting run here, in a work item, not in the interrupt
 * handler: with short descriptors the device completes a batch about as
 * fast as the CPU reaps it, and a handler doing the work would keep a CPU
 * in interrupt context back to back - nothing else scheduled on it, not
 * even the task that would deliver a signal to the waiter (interrupt
 * livelock; seen with 2^19 one-byte descriptors on one vCPU). In a work
 * item the scheduler shares the CPU; the device still has up to a ring of
 * descriptors queued meanwhile.
 */
static void edusg_reap_work(struct work_struct *work)
{
	struct edusg_state *sg = container_of(work, struct edusg_state, reap_work);
	struct edudma_dev *edev = sg->edev;
	bool halt;

	spin_lock_irq(&edev->irq_lock);
	halt = sg->halt_seen;
	sg->halt_seen = false;
	edusg_reap(edev, halt);
	spin_unlock_irq(&edev->irq_lock);
}

static irqreturn_t edusg_irq(struct edudma_dev *edev)
{
	u32 status = rd32(edev, EDUSG_REG_IRQ_STATUS);

	if (!status)
		return IRQ_NONE;	/* INTx may be shared */
	/* all ones from a device gone from the bus, not a status */
	if (status == ~0u && rd32(edev, EDUSG_REG_IDENT) == ~0u)
		return IRQ_NONE;
	/* acknowledge before reaping: a later completion interrupts again */
	wr32(edev, EDUSG_REG_IRQ_ACK, status);
	atomic64_inc(&edev->irq_count);

	if (status & EDUSG_IRQ_ALL) {
		struct edusg_state *sg = sg_state(edev);

		if (status & EDUSG_IRQ_HALT) {
			spin_lock(&edev->irq_lock);
			sg->halt_seen = true;
			spin_unlock(&edev->irq_lock);
		}
		queue_work(system_wq, &sg->reap_work);
	}
	if (status & EDUSG_IRQ_SOFT)
		edudma_irq_test_note(edev, status & EDUSG_IRQ_SOFT);
	return IRQ_HANDLED;
}

static void edusg_irq_ack(struct edudma_dev *edev, u32 bits)
{
	wr32(edev, EDUSG_REG_IRQ_ACK, bits);
}

static void edusg_irq_raise(struct edudma_dev *edev, u32 bits)
{
	wr32(edev, EDUSG_REG_IRQ_RAISE, bits);
}

static long edusg_plan(struct edudma_dev *edev, const struct edudma_plan *p,
		       void *out, unsigned long max)
{
	struct edusg_state *sg = sg_state(edev);

	if (p->copy)
		return edusg_plan_copy(out, max, p->src, p->dst, p->length,
				       edev->max_cmd_len);
	return edusg_plan_transfer(out, max, p->src, p->length, p->to_dev,
				   p->dev_offset, sg->card_size,
				   edev->max_cmd_len);
}

/*
 * The last check before the ring: lengths within the device's limit, card
 * offsets within its RAM, host addresses within the DMA mask, no flag but
 * the card bits (EOR and IRQ are the poster's). The planner guarantees all
 * of it; a failure is a driver bug.
 */
static bool edusg_desc_ok(const struct edusg_state *sg, u32 max_len,
			  const struct edusg_desc *d)
{
	u32 card = d->flags & (EDUSG_DESC_SRC_CARD | EDUSG_DESC_DST_CARD);
	u64 addrs[2] = { d->src, d->dst };
	unsigned int i;

	if (!d->len || d->len > max_len || d->flags != card)
		return false;
	for (i = 0; i < 2; i++) {
		bool on_card = d->flags & (i ? EDUSG_DESC_DST_CARD : EDUSG_DESC_SRC_CARD);
		u64 limit = on_card ? (u64)sg->card_size - 1 : sg->dma_mask;

		if (addrs[i] > limit || d->len - 1 > limit - addrs[i])
			return false;
	}
	return true;
}

static int edusg_validate(struct edudma_dev *edev, const struct edudma_job *job)
{
	struct edusg_state *sg = sg_state(edev);
	const struct edusg_desc *descs = job->cmds;
	unsigned long i;

	for (i = 0; i < job->ncmds; i++) {
		const struct edusg_desc *d = &descs[i];

		if (WARN_ONCE(!edusg_desc_ok(sg, edev->max_cmd_len, d),
			      "edudma: refusing descriptor %lu: src %llx dst %llx len %u flags %x\n",
			      i, d->src, d->dst, d->len, d->flags))
			return -EIO;
	}
	return 0;
}

/* irq_lock held: queue the job and post what the ring has room for. */
static int edusg_submit(struct edudma_dev *edev, struct edudma_job *job)
{
	struct edusg_state *sg = sg_state(edev);

	if (edev->dying)
		return -ENODEV;
	if (sg->halted || edev->engine_wedged)
		return -EIO;
	list_add_tail(&job->node, &sg->queue);
	edusg_post(edev);
	return 0;
}

/* irq_lock held, job->stop set: post nothing more; done if nothing in flight. */
static void edusg_stop_job(struct edudma_dev *edev, struct edudma_job *job)
{
	list_del_init(&job->node);
	if (!job->inflight)
		edudma_job_finish(edev, job);
}

/*
 * The job is over. If it was abandoned with descriptors still in the ring
 * (a wedged device, a lost interrupt), the ring forgets it: their
 * completions, should they come, are credited to nobody.
 */
static void edusg_retire(struct edudma_dev *edev, struct edudma_job *job)
{
	struct edusg_state *sg = sg_state(edev);
	u32 i;

	spin_lock_irq(&edev->irq_lock);
	list_del_init(&job->node);
	if (job->inflight) {
		for (i = sg->reaped; i != sg->tail; i++)
			if (sg->owner[i & (sg->size - 1)] == job)
				sg->owner[i & (sg->size - 1)] = NULL;
		job->inflight = 0;
	}
	spin_unlock_irq(&edev->irq_lock);
}

static bool edusg_busy(struct edudma_dev *edev)
{
	return rd32(edev, EDUSG_REG_STATUS) & EDUSG_STATUS_BUSY;
}

/* irq_lock held, remove() begins: queued jobs post nothing more. */
static void edusg_shutdown(struct edudma_dev *edev)
{
	struct edusg_state *sg = sg_state(edev);
	struct edudma_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, &sg->queue, node) {
		job->stop = true;
		edusg_stop_job(edev, job);
	}
}

const struct edudma_engine_ops edudma_edusg_ops = {
	.name		= "edu-sg",
	.kind		= EDUDMA_ENGINE_EDUSG,
	.regs_bar	= EDUSG_BAR_REGS,
	.features	= 0,
	.cmd_size	= sizeof(struct edusg_desc),
	.irq_test_bits	= EDUSG_IRQ_SOFT,
	.identify	= edusg_identify,
	.start		= edusg_start,
	.irq		= edusg_irq,
	.irq_ack	= edusg_irq_ack,
	.irq_raise	= edusg_irq_raise,
	.plan		= edusg_plan,
	.validate	= edusg_validate,
	.submit		= edusg_submit,
	.stop_job	= edusg_stop_job,
	.retire		= edusg_retire,
	.busy		= edusg_busy,
	.shutdown	= edusg_shutdown,
	.quiesce	= edusg_quiesce,
	.stop		= edusg_stop,
};
