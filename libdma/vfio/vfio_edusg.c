// SPDX-License-Identifier: MIT
/*
 * edu-sg's engine, the VFIO twin of driver/edudma_edusg.c: this project's
 * scatter-gather device (docs/edu-sg.md, include/edu/edusg_regs.h) driven
 * from the process. A ring of descriptors and the completion record live
 * in anonymous memory the library maps for the device at an IOVA of its
 * own (vfio_dma.c), like every buffer. A request is planned by
 * include/edu/edusg_plan.h - the driver's planner - over IOVA ranges, and
 * behind the IOMMU every buffer, registration or one-shot region is one
 * IOVA range, so a copy is one descriptor per 16 MiB (MAX_LEN) whatever
 * the pages. The descriptors go onto the ring in batches of up to
 * SG_BATCH, each ending with EOR|IRQ (so a descriptor error skips only
 * the rest of its batch), as far as the ring has room; the thread waits
 * for the MSI on the eventfd (the record is looked at every SG_SLICE_MS
 * too), reaps up to the record's desc_done, checks every descriptor's
 * written-back status, adds its elapsed time, and posts more.
 *
 * Errors, as the driver reports them:
 *   a descriptor error   (the device names the code: ERR_READ for an IOMMU
 *                        fault...) -EIO with the code in the message; what
 *                        is in flight lands, the device goes on
 *   a halt               (ring-level: HALT_FETCH...) -EIO; the engine is
 *                        re-enabled on a clean ring (a halted engine does
 *                        no DMA, so the memory is safe)
 *   no progress          within timeout_ms: -ETIMEDOUT once what is in
 *                        flight has landed within the grace
 *                        (LIBDMA_VFIO_GRACE_FACTOR timeouts); past it the
 *                        engine is disabled - the device guarantees no DMA
 *                        after that register write - and re-enabled; only
 *                        a device that no longer answers wedges
 *   a signal             stops posting; -EINTR once what is in flight has
 *                        landed (never restarted), the stats filled
 * Calls vfio_irq.c, vfio_dma.c (the ring's mapping) and vfio_regs.c.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <edu/edusg_plan.h>

#include "vfio_internal.h"

/* Ring entries used (the device allows up to MAX_RING): the driver's. */
#define SG_RING_ENTRIES	1024u
/* Descriptors per batch (one device request: EOR|IRQ on the last). */
#define SG_BATCH	256u
/* Descriptors one call may plan, the driver's EDUDMA_MAX_COMMANDS. */
#define SG_MAX_DESCS	(1ul << 19)
/* The record is looked at this often while waiting for the interrupt. */
#define SG_SLICE_MS	20u

struct sg_state {
	struct edusg_desc *ring;	/* in the device's byte order (LE) */
	volatile struct edusg_cpl *cpl;	/* right after the ring */
	void *mem;			/* ring + record, page multiple */
	size_t mem_len;
	uint64_t iova;			/* of mem; 0: not mapped */
	uint32_t size;			/* ring entries, a power of two */
	uint32_t card_size;
	uint64_t dma_mask;
	uint32_t tail, reaped;		/* free-running since the enable */
};

static struct sg_state *sg_of(struct vfio_dev *vd)
{
	return vd->eng_priv;
}

/* ---------------------------------------------------------- names */

static const char *err_name(uint32_t code)
{
	switch (code) {
	case EDUSG_ERR_OK:
		return "OK";
	case EDUSG_ERR_LEN:
		return "ERR_LEN (length 0 or above the device's limit)";
	case EDUSG_ERR_FLAGS:
		return "ERR_FLAGS (a reserved flag bit set)";
	case EDUSG_ERR_CARD_RANGE:
		return "ERR_CARD_RANGE (beyond the on-card RAM)";
	case EDUSG_ERR_MASK:
		return "ERR_MASK (beyond the device's DMA mask)";
	case EDUSG_ERR_READ:
		return "ERR_READ (source not readable: not RAM, an IOMMU fault, "
		       "or bus mastering off)";
	case EDUSG_ERR_WRITE:
		return "ERR_WRITE (destination not writable: not RAM, an IOMMU "
		       "fault, or bus mastering off)";
	case EDUSG_ERR_SKIPPED:
		return "ERR_SKIPPED (an earlier descriptor of its batch failed)";
	default:
		return "an unknown error code";
	}
}

static const char *halt_name(uint32_t why)
{
	switch (why) {
	case EDUSG_HALT_CONFIG:
		return "HALT_CONFIG (ring or record registers invalid)";
	case EDUSG_HALT_TAIL:
		return "HALT_TAIL (tail beyond the ring)";
	case EDUSG_HALT_OVERFLOW:
		return "HALT_OVERFLOW (more posted than the ring holds)";
	case EDUSG_HALT_FETCH:
		return "HALT_FETCH (a descriptor could not be read)";
	case EDUSG_HALT_WRITEBACK:
		return "HALT_WRITEBACK (a status or the record could not be "
		       "written)";
	default:
		return "an unknown reason";
	}
}

/* ------------------------------------------------- probe, start, stop */

/* The widest n with every address below 2^n reachable through 'mask'. */
static uint32_t mask_bits(uint64_t mask)
{
	uint32_t n = 0;

	while (n < 64 && (mask >> n) & 1)
		n++;
	return n;
}

static int sg_check_hw(struct vfio_dev *vd)
{
	uint32_t id = libdma__vfio_rd32(vd, EDUSG_REG_IDENT);
	uint32_t version = libdma__vfio_rd32(vd, EDUSG_REG_VERSION);
	uint32_t max_len, max_ring, card_size;
	struct sg_state *sg;
	unsigned int i;
	uint64_t mask;

	if (id != EDUSG_IDENT)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: ident "
				    "register 0x%08x is not edu-sg's 0x%08x "
				    "(\"EDSG\")%s", vd->addr, id, EDUSG_IDENT,
				    id == ~0u ? " (the device does not answer)" :
				    "");
	if (EDUSG_VERSION_MAJOR(version) != EDUSG_SUPPORTED_MAJOR)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: edu-sg "
				    "version %u.%u, libdma supports %u.x",
				    vd->addr, EDUSG_VERSION_MAJOR(version),
				    EDUSG_VERSION_MINOR(version),
				    EDUSG_SUPPORTED_MAJOR);
	for (i = 0; i < 3; i++) {
		uint32_t pattern = i == 0 ? 0 : i == 1 ? 0xffffffffu : 0x5aa5c33cu;
		uint32_t got;

		libdma__vfio_wr32(vd, EDUSG_REG_SCRATCH, pattern);
		got = libdma__vfio_rd32(vd, EDUSG_REG_SCRATCH);
		if (got != ~pattern)
			return libdma__fail(-EIO, "cannot use %s through VFIO: "
					    "liveness check failed: wrote 0x%08x, "
					    "read 0x%08x, expected 0x%08x",
					    vd->addr, pattern, got, ~pattern);
	}
	/*
	 * Whatever an earlier owner left running stops here: after a reset
	 * (or a disable) the device makes no DMA (docs/edu-sg.md, section 5),
	 * so nothing lands in what this process maps - unlike edu, there is
	 * nothing to wait out.
	 */
	libdma__vfio_wr32(vd, EDUSG_REG_CTRL, EDUSG_CTRL_RESET);
	max_len = libdma__vfio_rd32(vd, EDUSG_REG_MAX_LEN);
	max_ring = libdma__vfio_rd32(vd, EDUSG_REG_MAX_RING);
	card_size = libdma__vfio_rd32(vd, EDUSG_REG_CARD_SIZE);
	mask = libdma__vfio_rd64(vd, EDUSG_REG_DMA_MASK_LO);
	if (!max_len || max_ring < 2 || (max_ring & (max_ring - 1)) ||
	    !card_size || mask_bits(mask) < 16)
		return libdma__fail(-ENODEV, "cannot use %s through VFIO: edu-sg "
				    "reports unusable limits: max_len %u, "
				    "max_ring %u, card %u bytes, DMA mask 0x%" PRIx64,
				    vd->addr, max_len, max_ring, card_size, mask);
	sg = calloc(1, sizeof(*sg));
	if (!sg)
		return libdma__fail(-ENOMEM, "out of memory opening %s", vd->node);
	sg->size = max_ring < SG_RING_ENTRIES ? max_ring : SG_RING_ENTRIES;
	sg->card_size = card_size;
	sg->dma_mask = mask;
	vd->eng_priv = sg;
	vd->ident = id;
	vd->version = version;
	vd->window = card_size;		/* TRANSFER streams through the card */
	vd->max_cmd_len = max_len;
	vd->ring_size = sg->size;
	vd->dma_bits = mask_bits(mask);
	vd->dma_mask = mask;
	return 0;
}

/*
 * A clean ring and record, the registers written, the events unmasked,
 * the engine enabled (0 -> 1: it starts at index 0). With the engine
 * disabled or halted, so it reads nothing meanwhile.
 */
static int sg_enable(struct vfio_dev *vd, struct sg_state *sg)
{
	uint32_t status;

	libdma__vfio_wr32(vd, EDUSG_REG_CTRL, 0);
	memset(sg->mem, 0, sg->mem_len);
	sg->tail = sg->reaped = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	libdma__vfio_wr64(vd, EDUSG_REG_RING_LO, sg->iova);
	libdma__vfio_wr32(vd, EDUSG_REG_RING_SIZE, sg->size);
	libdma__vfio_wr64(vd, EDUSG_REG_CPL_LO, sg->iova +
			  (uint64_t)sg->size * EDUSG_DESC_SIZE);
	libdma__vfio_wr32(vd, EDUSG_REG_IRQ_ACK, ~0u);
	libdma__vfio_wr32(vd, EDUSG_REG_IRQ_MASK, EDUSG_IRQ_VALID);
	libdma__vfio_wr32(vd, EDUSG_REG_CTRL, EDUSG_CTRL_ENABLE);
	status = libdma__vfio_rd32(vd, EDUSG_REG_STATUS);
	if (status == ~0u || !(status & EDUSG_STATUS_ENABLED) ||
	    (status & EDUSG_STATUS_HALTED))
		return libdma__fail(-EIO, "%s: edu-sg refused its ring at IOVA "
				    "0x%" PRIx64 ": status 0x%x, error %u, info %u",
				    vd->node, sg->iova, status,
				    libdma__vfio_rd32(vd, EDUSG_REG_ERROR),
				    libdma__vfio_rd32(vd, EDUSG_REG_ERROR_INFO));
	return 0;
}

static int sg_start(struct vfio_dev *vd)
{
	struct sg_state *sg = sg_of(vd);
	size_t len = (size_t)sg->size * EDUSG_DESC_SIZE + EDUSG_CPL_SIZE;
	void *p;
	int err;

	len = (len + vd->page - 1) & ~(size_t)(vd->page - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return libdma__fail(-ENOMEM, "cannot use %s through VFIO: no "
				    "memory for edu-sg's descriptor ring (%zu "
				    "bytes): %s", vd->addr, len, strerror(errno));
	sg->mem = p;
	sg->mem_len = len;
	sg->ring = p;
	sg->cpl = (volatile struct edusg_cpl *)((char *)p + (size_t)sg->size *
						EDUSG_DESC_SIZE);
	err = libdma__vfio_map(vd, p, len, &sg->iova, "edu-sg's descriptor ring");
	if (err)
		return err;
	return sg_enable(vd, sg);
}

/* At close: no DMA after the reset; the ring goes (its IOVA with the container). */
static void sg_stop(struct vfio_dev *vd)
{
	struct sg_state *sg = sg_of(vd);

	if (!sg)
		return;
	if (vd->pid == getpid() && vd->device >= 0 && !vd->wedged)
		libdma__vfio_wr32(vd, EDUSG_REG_CTRL, EDUSG_CTRL_RESET);
	/* A wedged device may still write: its memory stays, as the buffers'. */
	if (sg->mem && !vd->wedged)
		munmap(sg->mem, sg->mem_len);
	free(sg);
	vd->eng_priv = NULL;
}

/* ---------------------------------------------------------- the ring */

/*
 * The last check before the ring, the driver's: lengths within MAX_LEN,
 * card offsets within the card, host ranges within the DMA mask, no flag
 * but the card bits (EOR and IRQ are the poster's). The planner
 * guarantees all of it; a failure is a libdma bug.
 */
static bool desc_ok(const struct sg_state *sg, uint32_t max_len,
		    const struct edusg_desc *d)
{
	uint32_t card = d->flags & (EDUSG_DESC_SRC_CARD | EDUSG_DESC_DST_CARD);
	uint64_t addrs[2] = { d->src, d->dst };
	unsigned int i;

	if (!d->len || d->len > max_len || d->flags != card)
		return false;
	for (i = 0; i < 2; i++) {
		bool on_card = d->flags & (i ? EDUSG_DESC_DST_CARD :
					   EDUSG_DESC_SRC_CARD);
		uint64_t limit = on_card ? (uint64_t)sg->card_size - 1 :
			       sg->dma_mask;

		if (addrs[i] > limit || d->len - 1 > limit - addrs[i])
			return false;
	}
	return true;
}

/* What one request found, for its result and message. */
struct sg_req {
	const struct edusg_desc *d;
	unsigned long n;
	unsigned long posted, reaped;	/* of this request */
	bool stop;			/* post nothing more */
	bool intr, timed_out, halted, gone;
	unsigned long bad;		/* the first failed descriptor, if any */
	uint32_t bad_status;
	struct edusg_desc bad_desc;	/* as posted (the fault injected) */
	uint32_t halt_error, halt_info;
	unsigned long abandoned;
};

/*
 * Post as many of the request's descriptors as the ring has room for, in
 * batches ending with EOR|IRQ, then ring the doorbell once.
 */
static void sg_post(struct vfio_dev *vd, struct sg_state *sg,
		    struct sg_req *q)
{
	uint32_t room = sg->size - 1 - (sg->tail - sg->reaped);
	bool posted = false;

	while (!q->stop && q->posted < q->n && room) {
		unsigned long cnt = q->n - q->posted, i;

		if (cnt > room)
			cnt = room;
		if (cnt > SG_BATCH)
			cnt = SG_BATCH;
		for (i = 0; i < cnt; i++) {
			const struct edusg_desc *s = &q->d[q->posted + i];
			struct edusg_desc *hw = &sg->ring[sg->tail & (sg->size - 1)];
			uint64_t src = s->src, dst = s->dst;
			uint32_t flags = s->flags;

			if (i == cnt - 1)
				flags |= EDUSG_DESC_EOR | EDUSG_DESC_IRQ;
			/* the test hook: an IOVA nothing is mapped at (page 0) */
			if (vd->inject_fault && !--vd->inject_fault) {
				if (flags & EDUSG_DESC_SRC_CARD)
					dst = 0;
				else
					src = 0;
			}
			hw->src = htole64(src);
			hw->dst = htole64(dst);
			hw->len = htole32(s->len);
			hw->flags = htole32(flags);
			hw->status = 0;
			hw->elapsed_ns = 0;
			sg->tail++;
		}
		q->posted += cnt;
		room -= (uint32_t)cnt;
		posted = true;
	}
	if (posted) {
		/* the descriptors are in memory before the doorbell */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		libdma__vfio_wr32(vd, EDUSG_REG_TAIL, sg->tail & (sg->size - 1));
	}
}

static uint32_t record_done(const struct sg_state *sg)
{
	uint32_t done = le32toh(sg->cpl->desc_done);

	/* the record is written after the statuses it counts */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return done;
}

/* Progress: the record moved, or the engine halted. */
static bool sg_progress(struct vfio_dev *vd, uint32_t seen, void *arg)
{
	const struct sg_state *sg = arg;

	(void)vd;
	return (seen & EDUSG_IRQ_HALT) || record_done(sg) != sg->reaped;
}

/*
 * Reap every descriptor the record says is done: each one's status and
 * elapsed time into the run. false when the record counts more than was
 * posted (a broken device: treated as a halt).
 */
static bool sg_reap(struct sg_state *sg, struct sg_req *q, struct vfio_run *run)
{
	uint32_t done = record_done(sg);

	if (done - sg->reaped > sg->tail - sg->reaped)
		return false;
	while (sg->reaped != done) {
		const struct edusg_desc *hw = &sg->ring[sg->reaped & (sg->size - 1)];
		uint32_t status = le32toh(hw->status);
		uint32_t code = EDUSG_ST_CODE(status);

		run->done++;
		run->device_ns += le32toh(hw->elapsed_ns);
		if ((status & EDUSG_ST_DONE) && code == EDUSG_ERR_OK) {
			run->credit += le32toh(hw->len);
		} else {
			/* the first failure (the skipped ones follow it) */
			if (q->bad == ~0ul) {
				q->bad = q->reaped;
				q->bad_status = status;
				q->bad_desc.src = le64toh(hw->src);
				q->bad_desc.dst = le64toh(hw->dst);
				q->bad_desc.len = le32toh(hw->len);
				q->bad_desc.flags = le32toh(hw->flags);
			}
			q->stop = true;	/* what is in flight lands */
		}
		sg->reaped++;
		q->reaped++;
	}
	return true;
}

/*
 * The engine stopped (halted, or disabled by us): it reads and writes
 * nothing more, so what was posted and not completed is abandoned; a
 * clean ring, enabled again. false if the device no longer answers.
 */
static bool sg_recover(struct vfio_dev *vd, struct sg_state *sg,
		       struct sg_req *q)
{
	uint32_t status;

	libdma__vfio_wr32(vd, EDUSG_REG_CTRL, 0);
	status = libdma__vfio_rd32(vd, EDUSG_REG_STATUS);	/* flushes it */
	if (status == ~0u && libdma__vfio_rd32(vd, EDUSG_REG_IDENT) == ~0u) {
		q->gone = true;
		return false;
	}
	q->abandoned += q->posted - q->reaped;
	q->posted = q->reaped;
	q->stop = true;
	if (sg_enable(vd, sg)) {
		q->gone = true;
		return false;
	}
	return true;
}

static int sg_run_locked(struct vfio_dev *vd, struct sg_req *q,
			 struct vfio_run *run, const struct vfio_sigwin *sig)
{
	struct sg_state *sg = sg_of(vd);
	uint64_t timeout = (uint64_t)vd->timeout_ms * 1000000ull;
	uint64_t deadline, grace = 0;

	if (vd->wedged)
		return libdma__fail(-EIO, "%s is wedged (edu-sg no longer "
				    "answers): DMA refused until it is closed "
				    "and opened again", vd->node);
	libdma__vfio_drain_irq(vd);
	sg_post(vd, sg, q);
	deadline = libdma__vfio_now_ns() + timeout;
	while (q->reaped < q->posted) {
		uint32_t seen = 0;
		int w = libdma__vfio_wait_until(vd, sg_progress, sg, SG_SLICE_MS,
						q->stop ? NULL : sig, &seen,
						NULL);
		uint64_t now = libdma__vfio_now_ns();

		if (w == -EINTR) {
			/* what is in flight lands; nothing more is posted */
			q->intr = q->stop = true;
			continue;
		}
		if (w == -EIO) {
			q->gone = true;
			break;
		}
		if (seen & EDUSG_IRQ_HALT ||
		    (libdma__vfio_rd32(vd, EDUSG_REG_STATUS) &
		     EDUSG_STATUS_HALTED)) {
			q->halted = true;
			q->halt_error = libdma__vfio_rd32(vd, EDUSG_REG_ERROR);
			q->halt_info = libdma__vfio_rd32(vd, EDUSG_REG_ERROR_INFO);
			/* the statuses written before the halt still count */
			sg_reap(sg, q, run);
			if (!sg_recover(vd, sg, q))
				break;
			continue;
		}
		if (w == 0) {
			/*
			 * A long request may complete something at every look
			 * and never sleep in ppoll(): ask for signals here.
			 */
			if (!q->stop && libdma__vfio_sig_arrived(sig))
				q->intr = q->stop = true;
			if (!sg_reap(sg, q, run)) {
				q->halted = true;
				q->halt_error = ~0u;
				if (!sg_recover(vd, sg, q))
					break;
				continue;
			}
			sg_post(vd, sg, q);
			if (!grace)
				deadline = now + timeout;
			continue;
		}
		/* a slice without progress */
		if (now < deadline)
			continue;
		if (!grace) {
			/* no progress for timeout_ms: let what is in flight land */
			q->timed_out = q->stop = true;
			grace = now + LIBDMA_VFIO_GRACE_FACTOR * timeout;
			deadline = grace;
			continue;
		}
		/* not even then: the engine is stopped, its DMA with it */
		if (!sg_recover(vd, sg, q))
			break;
	}
	/* The device's writes are visible before the caller reads memory. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->gone) {
		vd->wedged = true;
		return libdma__fail(-EIO, "DMA on %s: edu-sg no longer answers "
				    "(registers read all ones, or its ring "
				    "refused) after %lu of %lu descriptors; the device is wedged, its "
				    "memory stays mapped and DMA is refused "
				    "until it is reopened", vd->node, q->reaped,
				    q->n);
	}
	if (q->halted)
		return libdma__fail(-EIO, "DMA on %s: the edu-sg engine halted "
				    "with %s, info %u, after %lu of %lu "
				    "descriptors%s; its ring was reset and the "
				    "engine enabled again", vd->node,
				    q->halt_error == ~0u ? "a completion record "
				    "counting more than was posted" :
				    halt_name(q->halt_error), q->halt_info,
				    q->reaped, q->n, q->abandoned ?
				    " (the rest abandoned)" : "");
	if (q->bad != ~0ul)
		return libdma__fail(-EIO, "DMA on %s: descriptor %lu of %lu "
				    "failed with %s: src 0x%" PRIx64 " dst 0x%"
				    PRIx64 " len %u flags 0x%x, status 0x%08x; "
				    "%lu of %lu descriptors completed, the device "
				    "goes on with the next request", vd->node,
				    q->bad + 1, q->n,
				    err_name(EDUSG_ST_CODE(q->bad_status)),
				    q->bad_desc.src, q->bad_desc.dst,
				    q->bad_desc.len, q->bad_desc.flags,
				    q->bad_status, q->reaped, q->n);
	if (q->timed_out)
		return libdma__fail(-ETIMEDOUT, "DMA on %s: no descriptor "
				    "completed within %u ms (%lu of %lu done)%s",
				    vd->node, vd->timeout_ms, q->reaped, q->n,
				    q->abandoned ? "; the engine was stopped "
				    "(the rest abandoned) and enabled again" :
				    "");
	if (q->intr)
		return libdma__fail(-EINTR, "DMA on %s interrupted by a signal "
				    "after %lu of %lu descriptors (not "
				    "restarted)", vd->node, q->reaped, q->n);
	return 0;
}

/* Check, then run the planned descriptors under vd->lock, signals in a window. */
static int sg_run(struct vfio_dev *vd, const struct edusg_desc *d,
		  unsigned long n, struct vfio_run *run)
{
	struct sg_state *sg = sg_of(vd);
	struct sg_req q;
	struct vfio_sigwin sig;
	unsigned long i;
	int err;

	for (i = 0; i < n; i++)
		if (!desc_ok(sg, vd->max_cmd_len, &d[i]))
			return libdma__fail(-EIO, "libdma bug: refusing descriptor "
					    "%lu for %s (src 0x%" PRIx64 " dst 0x%"
					    PRIx64 " len %u flags 0x%x): outside "
					    "the card, the DMA mask or MAX_LEN",
					    i, vd->node, d[i].src, d[i].dst,
					    d[i].len, d[i].flags);
	memset(&q, 0, sizeof(q));
	q.d = d;
	q.n = n;
	q.bad = ~0ul;
	pthread_mutex_lock(&vd->lock);
	libdma__vfio_sig_block(&sig);
	err = sg_run_locked(vd, &q, run, &sig);
	libdma__vfio_sig_restore(&sig);
	pthread_mutex_unlock(&vd->lock);
	return err;
}

/* Room for a plan of 'n' descriptors (the count from a first pass). */
static int plan_alloc(struct vfio_dev *vd, long n, const char *what,
		      size_t len, struct edusg_desc **out)
{
	if (n <= 0)
		return libdma__fail(-EINVAL, "%s of %zu bytes on %s cannot be "
				    "planned", what, len, vd->node);
	if ((unsigned long)n > SG_MAX_DESCS)
		return libdma__fail(-E2BIG, "%s of %zu bytes on %s needs %ld "
				    "descriptors, more than the %lu one request "
				    "may have (as in the driver): split it",
				    what, len, vd->node, n, SG_MAX_DESCS);
	*out = malloc((size_t)n * sizeof(**out));
	if (!*out)
		return libdma__fail(-ENOMEM, "%s of %zu bytes on %s: out of "
				    "memory for the plan (%ld descriptors)",
				    what, len, vd->node, n);
	return 0;
}

static int sg_transfer(struct vfio_dev *vd, uint64_t iova, size_t len,
		       bool to_dev, size_t dev_offset, struct vfio_run *run)
{
	struct sg_state *sg = sg_of(vd);
	struct edu_seg seg = { iova, len };
	struct edu_cursor cur;
	struct edusg_desc *d;
	long n;
	int err;

	edu_cursor_init(&cur, &seg, 1, 0);
	/* Count, then fill: the plan is pure and gives the same answer twice. */
	n = edusg_plan_transfer(NULL, 0, cur, len, to_dev, dev_offset,
				sg->card_size, vd->max_cmd_len);
	err = plan_alloc(vd, n, "transfer", len, &d);
	if (err)
		return err;
	edusg_plan_transfer(d, (unsigned long)n, cur, len, to_dev, dev_offset,
			    sg->card_size, vd->max_cmd_len);
	err = sg_run(vd, d, (unsigned long)n, run);
	free(d);
	return err;
}

static int sg_copy(struct vfio_dev *vd, uint64_t src, uint64_t dst,
		   size_t len, struct vfio_run *run)
{
	struct edu_seg ss = { src, len }, ds = { dst, len };
	struct edu_cursor cs, cd;
	struct edusg_desc *d;
	long n;
	int err;

	edu_cursor_init(&cs, &ss, 1, 0);
	edu_cursor_init(&cd, &ds, 1, 0);
	n = edusg_plan_copy(NULL, 0, cs, cd, len, vd->max_cmd_len);
	err = plan_alloc(vd, n, "copy", len, &d);
	if (err)
		return err;
	edusg_plan_copy(d, (unsigned long)n, cs, cd, len, vd->max_cmd_len);
	err = sg_run(vd, d, (unsigned long)n, run);
	free(d);
	return err;
}

/* ------------------------------------------------------------ the table */

static bool sg_status_valid(struct vfio_dev *vd, uint32_t status)
{
	return status != ~0u || libdma__vfio_rd32(vd, EDUSG_REG_IDENT) != ~0u;
}

static void sg_fill_info(const struct vfio_dev *vd, struct libdma_info *info)
{
	info->features = LIBDMA_FEAT_COHERENT | LIBDMA_FEAT_TRANSFER |
			 LIBDMA_FEAT_COPY | LIBDMA_FEAT_PIN |
			 LIBDMA_FEAT_USER_REGION;
	/* the software interrupt bits came with 1.1; no factorial unit */
	if (EDUSG_VERSION_MINOR(vd->version) >= 1)
		info->features |= LIBDMA_FEAT_IRQ_TEST;
	info->window_size = vd->window;
	info->dev_buffer_size = vd->window;
	info->dev_buffer_addr = 0;	/* descriptors name card offsets */
	info->max_in_flight = vd->ring_size - 1;
}

const struct vfio_engine libdma__vfio_edusg_engine = {
	.name			= "edu-sg",
	.kind			= LIBDMA_ENGINE_EDUSG,
	.reg_ident		= EDUSG_REG_IDENT,
	.reg_irq_status		= EDUSG_REG_IRQ_STATUS,
	.reg_irq_ack		= EDUSG_REG_IRQ_ACK,
	.reg_irq_raise		= EDUSG_REG_IRQ_RAISE,
	.irq_test_bits		= EDUSG_IRQ_SOFT,
	.irq_status_valid	= sg_status_valid,
	.check_hw		= sg_check_hw,
	.start			= sg_start,
	.stop			= sg_stop,
	.fill_info		= sg_fill_info,
	.transfer		= sg_transfer,
	.copy			= sg_copy,
};
