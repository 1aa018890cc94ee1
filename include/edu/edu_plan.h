/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Command planning for the edu DMA engine: turns "these bytes of memory,
 * described as device-visible segments" into the list of register-ready
 * commands the engine runs one after another. Pure code: the kernel driver
 * feeds it scatterlist segments, the VFIO backend IOVA ranges, and the host
 * unit tests hand-made segment lists.
 *
 * Every command produced passes edu_window_ok(); a plan never spans the end
 * of the memory it was given.
 */
#ifndef EDU_PLAN_H
#define EDU_PLAN_H

#include "edu_regs.h"

/* A run of device-visible (bus / IO virtual) addresses. */
struct edu_seg {
	edu_u64 addr;
	edu_u64 len;
};

/* A position inside a list of segments. */
struct edu_cursor {
	const struct edu_seg *seg;
	const struct edu_seg *end;
	edu_u64 off;		/* bytes into *seg */
};

/* One device command, ready to be written to the registers. */
struct edu_cmd {
	edu_u64 src;
	edu_u64 dst;
	edu_u32 count;
	edu_u32 cmd;		/* EDU_DMA_* without RUN */
	edu_u32 credit;		/* bytes of the request complete after it */
	edu_u32 reserved;
};

/*
 * The last check before a command reaches the registers, on both paths
 * (driver and VFIO backend): the device side stays inside the window
 * (QEMU 7.2 aborts the VM otherwise) and the memory side, 'count' bytes
 * from its address, below 'dma_mask' (beyond it the device silently
 * truncates the address and writes elsewhere). 1 if the command may run.
 */
static inline int edu_cmd_ok(const struct edu_cmd *c, edu_u32 window,
			     edu_u64 dma_mask)
{
	int from_dev = (c->cmd & EDU_DMA_FROM_DEVICE) != 0;
	edu_u64 dev = from_dev ? c->src : c->dst;
	edu_u64 ram = from_dev ? c->dst : c->src;

	return dev >= EDU_DEV_BUF_ADDR &&
	       edu_window_ok(dev - EDU_DEV_BUF_ADDR, c->count, window) &&
	       ram <= dma_mask && c->count - 1 <= dma_mask - ram &&
	       (c->cmd & ~(edu_u32)EDU_DMA_FROM_DEVICE) == 0;
}

/*
 * The register writes that start one command, in the order they must
 * happen: source, destination, count, then the command register with RUN
 * (and the completion interrupt) - writing it starts the copy, and while
 * RUN is set the device drops writes to the other three. Every value is
 * a 64-bit register written whole: a 4-byte write to 0x80 zeroes the
 * upper half, so a split write must put the low half first.
 */
struct edu_reg_write {
	edu_u32 reg;
	edu_u32 reserved;
	edu_u64 val;
};

#define EDU_CMD_WRITES	4

static inline void edu_cmd_regs(const struct edu_cmd *c,
				struct edu_reg_write w[EDU_CMD_WRITES])
{
	w[0].reg = EDU_REG_DMA_SRC;
	w[0].val = c->src;
	w[1].reg = EDU_REG_DMA_DST;
	w[1].val = c->dst;
	w[2].reg = EDU_REG_DMA_COUNT;
	w[2].val = c->count;
	w[3].reg = EDU_REG_DMA_CMD;
	w[3].val = c->cmd | EDU_DMA_RUN | EDU_DMA_IRQ;
	w[0].reserved = w[1].reserved = w[2].reserved = w[3].reserved = 0;
}

/*
 * Place a cursor 'skip' bytes into the segments. Returns 0, or -1 when the
 * segments hold fewer than 'skip' bytes.
 */
static inline int edu_cursor_init(struct edu_cursor *c,
				  const struct edu_seg *segs,
				  unsigned long nsegs, edu_u64 skip)
{
	c->seg = segs;
	c->end = segs + nsegs;
	c->off = 0;
	while (c->seg < c->end && skip >= c->seg->len) {
		skip -= c->seg->len;
		c->seg++;
	}
	if (c->seg == c->end && skip)
		return -1;
	c->off = skip;
	return 0;
}

/*
 * Take up to 'max' bytes that are contiguous in device address space.
 * Returns how many (0 when the segments are exhausted) and their address.
 */
static inline edu_u64 edu_cursor_take(struct edu_cursor *c, edu_u64 max,
				      edu_u64 *addr)
{
	edu_u64 n;

	while (c->seg < c->end && c->off == c->seg->len) {
		c->seg++;
		c->off = 0;
	}
	if (c->seg == c->end || max == 0)
		return 0;
	n = c->seg->len - c->off;
	if (n > max)
		n = max;
	*addr = c->seg->addr + c->off;
	c->off += n;
	return n;
}

static inline void edu_plan_emit(struct edu_cmd *out, unsigned long max,
				 unsigned long i, edu_u64 src, edu_u64 dst,
				 edu_u64 count, edu_u32 cmd, edu_u64 credit)
{
	if (!out || i >= max)
		return;
	out[i].src = src;
	out[i].dst = dst;
	out[i].count = (edu_u32)count;
	out[i].cmd = cmd;
	out[i].credit = (edu_u32)credit;
	out[i].reserved = 0;
}

/*
 * Move 'len' bytes between memory (from cursor 'mem') and the device window
 * at 'dev_offset'. Bytes stream through the space dev_offset..window in
 * chunks; a chunk that crosses a memory segment boundary becomes several
 * commands at successive device offsets. 'to_device' picks the direction.
 *
 * With out == NULL only counts. Returns the number of commands (which may
 * exceed 'max'; then only the first 'max' were written), or -1 when the
 * arguments break the window rules or the memory runs out.
 */
static inline long edu_plan_transfer(struct edu_cmd *out, unsigned long max,
				     struct edu_cursor mem, edu_u64 len,
				     int to_device, edu_u32 dev_offset,
				     edu_u32 window)
{
	edu_u64 space, done = 0;
	unsigned long n = 0;

	if (len == 0 || !edu_window_ok(dev_offset, 1, window))
		return -1;
	space = window - dev_offset;
	while (done < len) {
		edu_u64 chunk = len - done < space ? len - done : space;
		edu_u64 pos = 0;

		while (pos < chunk) {
			edu_u64 addr, dev = EDU_DEV_BUF_ADDR + dev_offset + pos;
			edu_u64 k = edu_cursor_take(&mem, chunk - pos, &addr);

			if (!k || !edu_window_ok(dev_offset + pos, k, window))
				return -1;
			if (to_device)
				edu_plan_emit(out, max, n, addr, dev, k, 0, k);
			else
				edu_plan_emit(out, max, n, dev, addr, k,
					      EDU_DMA_FROM_DEVICE, k);
			n++;
			pos += k;
		}
		done += chunk;
	}
	return (long)n;
}

/*
 * Copy 'len' bytes from memory 'src' through the device to memory 'dst':
 * for each window-sized chunk, the commands that bring it into the device
 * buffer, then those that take it out. Only the outbound commands carry
 * credit, so the bytes reported done are bytes that reached 'dst'.
 * Same return convention as edu_plan_transfer().
 */
static inline long edu_plan_copy(struct edu_cmd *out, unsigned long max,
				 struct edu_cursor src, struct edu_cursor dst,
				 edu_u64 len, edu_u32 window)
{
	edu_u64 done = 0;
	unsigned long n = 0;

	if (len == 0 || !edu_window_ok(0, 1, window))
		return -1;
	while (done < len) {
		edu_u64 chunk = len - done < window ? len - done : window;
		edu_u64 pos, addr, k;

		for (pos = 0; pos < chunk; pos += k, n++) {
			k = edu_cursor_take(&src, chunk - pos, &addr);
			if (!k || !edu_window_ok(pos, k, window))
				return -1;
			edu_plan_emit(out, max, n, addr,
				      EDU_DEV_BUF_ADDR + pos, k, 0, 0);
		}
		for (pos = 0; pos < chunk; pos += k, n++) {
			k = edu_cursor_take(&dst, chunk - pos, &addr);
			if (!k || !edu_window_ok(pos, k, window))
				return -1;
			edu_plan_emit(out, max, n, EDU_DEV_BUF_ADDR + pos,
				      addr, k, EDU_DMA_FROM_DEVICE, k);
		}
		done += chunk;
	}
	return (long)n;
}

#endif /* EDU_PLAN_H */
