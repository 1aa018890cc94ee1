// SPDX-License-Identifier: GPL-2.0
/*
 * Register access for the edu device. Every read and write of BAR0 happens
 * here, with the offsets and bits from <edu/edu_regs.h>; the rest of the
 * driver speaks of interrupts, factorials and commands.
 */
#include <linux/io.h>
/*
 * 64-bit registers written as two 32-bit halves, low half first: a 4-byte
 * write to a DMA register zeroes its upper half (docs/edu-device.md,
 * "Register access rules"), so the high half must come second. On 64-bit
 * kernels this is a single writeq.
 */
#include <linux/io-64-nonatomic-lo-hi.h>

#include <edu/edu_plan.h>

#include "edudma.h"

static u32 rd32(struct edudma_dev *edev, unsigned int reg)
{
	return ioread32(edev->bar + reg);
}

static void wr32(struct edudma_dev *edev, unsigned int reg, u32 val)
{
	iowrite32(val, edev->bar + reg);
}

/*
 * Refuse anything that is not a live edu device of a version we know:
 * identification magic and major version, then the liveness register with
 * several patterns, so a stuck bus (all ones or all zeros) cannot pass.
 */
int edudma_hw_check(struct edudma_dev *edev)
{
	struct device *dev = &edev->pdev->dev;
	unsigned int i;
	u32 id = rd32(edev, EDU_REG_IDENT);

	switch (edu_ident_check(id)) {
	case EDU_IDENT_NOT_EDU:
		dev_err(dev, "not an edu device: ident 0x%08x lacks magic 0x%02x\n",
			id, EDU_IDENT_MAGIC);
		return -ENODEV;
	case EDU_IDENT_BAD_MAJOR:
		dev_err(dev, "unsupported edu version %u.%u (ident 0x%08x), driver supports %u.x\n",
			EDU_IDENT_MAJOR(id), EDU_IDENT_MINOR(id), id,
			EDU_SUPPORTED_MAJOR);
		return -ENODEV;
	}
	for (i = 0; i < EDU_LIVENESS_PATTERNS; i++) {
		u32 pattern = edu_liveness_pattern(i), got;

		wr32(edev, EDU_REG_LIVENESS, pattern);
		got = rd32(edev, EDU_REG_LIVENESS);
		if (got != ~pattern) {
			dev_err(dev, "liveness check failed: wrote 0x%08x, read 0x%08x, expected 0x%08x\n",
				pattern, got, ~pattern);
			return -EIO;
		}
	}
	edev->ident = id;
	return 0;
}

/* All ones only when nothing answers on the bus (edu_irq_status_valid). */
u32 edudma_hw_ident(struct edudma_dev *edev)
{
	return rd32(edev, EDU_REG_IDENT);
}

/*
 * Before remove() gives memory back: no factorial completion may raise an
 * interrupt any more (a computation may still be running - it cannot be
 * stopped, but it ends silently). DMA is stopped by bus mastering.
 */
void edudma_hw_quiesce(struct edudma_dev *edev)
{
	wr32(edev, EDU_REG_STATUS, 0);
}

u32 edudma_hw_irq_status(struct edudma_dev *edev)
{
	return rd32(edev, EDU_REG_IRQ_STATUS);
}

void edudma_hw_irq_ack(struct edudma_dev *edev, u32 bits)
{
	wr32(edev, EDU_REG_IRQ_ACK, bits);
}

void edudma_hw_irq_raise(struct edudma_dev *edev, u32 bits)
{
	wr32(edev, EDU_REG_IRQ_RAISE, bits);
}

bool edudma_hw_fact_busy(struct edudma_dev *edev)
{
	return rd32(edev, EDU_REG_STATUS) & EDU_STATUS_COMPUTING;
}

/* The status write must come first: it decides whether completion raises an IRQ. */
void edudma_hw_fact_start(struct edudma_dev *edev, u32 n, bool irq)
{
	wr32(edev, EDU_REG_STATUS, irq ? EDU_STATUS_FACT_IRQ : 0);
	wr32(edev, EDU_REG_FACT, n);
}

u32 edudma_hw_fact_result(struct edudma_dev *edev)
{
	return rd32(edev, EDU_REG_FACT);
}

/*
 * Start one DMA command: the writes and their order come from
 * edu_cmd_regs() (shared with the VFIO backend), each a 64-bit register
 * written whole (see the lo-hi note above); the command register last.
 */
void edudma_hw_dma_start(struct edudma_dev *edev, const struct edu_cmd *cmd)
{
	struct edu_reg_write w[EDU_CMD_WRITES];
	unsigned int i;

	edu_cmd_regs(cmd, w);
	for (i = 0; i < EDU_CMD_WRITES; i++)
		writeq(w[i].val, edev->bar + w[i].reg);
}

bool edudma_hw_dma_busy(struct edudma_dev *edev)
{
	return readq(edev->bar + EDU_REG_DMA_CMD) & EDU_DMA_RUN;
}
