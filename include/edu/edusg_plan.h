/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Descriptor planning for edu-sg: turns "these bytes of memory, described
 * as device-visible segments" into the descriptors of one request. Pure
 * code, the counterpart of edu_plan.h for the descriptor engine: the
 * kernel driver feeds it scatterlist segments, a VFIO user IOVA ranges,
 * the host unit tests hand-made lists.
 *
 * The difference from edu is the point of the device: no window to stream
 * through for a copy, so a copy is one descriptor per pair of contiguous
 * source and destination runs (a contiguous buffer to a contiguous buffer
 * is one descriptor per EDUSG_MAX_LEN bytes), and a transfer one per
 * memory segment. The flags EOR and IRQ are the poster's business: a plan
 * only says what moves where.
 */
#ifndef EDUSG_PLAN_H
#define EDUSG_PLAN_H

#include "edu_plan.h"
#include "edusg_regs.h"

static inline void edusg_plan_emit(struct edusg_desc *out, unsigned long max,
				   unsigned long i, edu_u64 src, edu_u64 dst,
				   edu_u64 len, edusg_u32 flags)
{
	if (out && i < max)
		edusg_desc_fill(&out[i], src, dst, (edusg_u32)len, flags);
}

/*
 * Move 'len' bytes between memory (cursor 'mem') and on-card RAM at
 * 'card_offset'. Like edu's window, the card space from card_offset to
 * 'card_size' is streamed through chunk after chunk when 'len' is larger
 * (the card keeps the last chunk), so both devices give TRANSFER one
 * meaning. Descriptors hold at most 'max_len' bytes.
 *
 * With out == NULL only counts. Returns the number of descriptors (which
 * may exceed 'max'; then only the first 'max' were written), or -1 when
 * the arguments are out of range or the memory runs out.
 */
static inline long edusg_plan_transfer(struct edusg_desc *out, unsigned long max,
				       struct edu_cursor mem, edu_u64 len,
				       int to_card, edu_u64 card_offset,
				       edu_u64 card_size, edu_u64 max_len)
{
	edu_u64 space, done = 0;
	unsigned long n = 0;

	if (len == 0 || max_len == 0 || card_offset >= card_size)
		return -1;
	space = card_size - card_offset;
	while (done < len) {
		edu_u64 chunk = len - done < space ? len - done : space;
		edu_u64 pos = 0;

		while (pos < chunk) {
			edu_u64 want = chunk - pos < max_len ? chunk - pos : max_len;
			edu_u64 addr, card = card_offset + pos;
			edu_u64 k = edu_cursor_take(&mem, want, &addr);

			if (!k)
				return -1;
			if (to_card)
				edusg_plan_emit(out, max, n, addr, card, k,
						EDUSG_DESC_DST_CARD);
			else
				edusg_plan_emit(out, max, n, card, addr, k,
						EDUSG_DESC_SRC_CARD);
			n++;
			pos += k;
		}
		done += chunk;
	}
	return (long)n;
}

/*
 * Copy 'len' bytes from memory 'src' to memory 'dst' directly: each
 * descriptor covers the longest run contiguous on both sides, at most
 * 'max_len'. Same return convention as edusg_plan_transfer().
 */
static inline long edusg_plan_copy(struct edusg_desc *out, unsigned long max,
				   struct edu_cursor src, struct edu_cursor dst,
				   edu_u64 len, edu_u64 max_len)
{
	edu_u64 done = 0;
	unsigned long n = 0;

	if (len == 0 || max_len == 0)
		return -1;
	while (done < len) {
		edu_u64 want = len - done < max_len ? len - done : max_len;
		struct edu_cursor peek = dst;
		edu_u64 s_addr, d_addr, k, kd;

		/* the destination's run bounds the source's take */
		kd = edu_cursor_take(&peek, want, &d_addr);
		if (!kd)
			return -1;
		k = edu_cursor_take(&src, kd, &s_addr);
		if (!k)
			return -1;
		edu_cursor_take(&dst, k, &d_addr);
		edusg_plan_emit(out, max, n, s_addr, d_addr, k, 0);
		n++;
		done += k;
	}
	return (long)n;
}

#endif /* EDUSG_PLAN_H */
