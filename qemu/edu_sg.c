/*
 * edu-sg: an edu-style PCI device with a scatter-gather descriptor engine.
 *
 * Part of the edudma project (docs/edu-sg.md is the specification; the
 * registers and the descriptor are in edusg_regs.h, shared with the
 * driver). It is built into Debian's QEMU source by scripts/qemu-build.sh.
 *
 * What it models: a card with on-card RAM (BAR2) and one DMA engine that
 * walks a ring of descriptors in host memory. Each descriptor moves bytes
 * host<->host, host<->card or card<->card; the device writes a status back
 * into the descriptor and a completion record to host memory, so a driver
 * keeps many requests in flight and reaps them without reading registers.
 *
 * Time: with the timing model on (the default) a descriptor completes at
 * the virtual time the model gives it (latency per descriptor, hidden by
 * fetching ahead, then length / bandwidth), so under -icount a run is
 * deterministic and costs no wall time. With timing=off the engine copies
 * in a bottom half as fast as QEMU can, for wall-clock bandwidth.
 *
 * Every guest-controlled value is checked: a bad descriptor completes with
 * an error status, a bad ring halts the engine; neither aborts QEMU. All
 * DMA goes through the PCI device's address space (pci_dma_*), so bus
 * mastering, an emulated IOMMU and VFIO apply as they do for edu, and only
 * RAM is accepted as a DMA target (never MMIO: no device re-entrancy).
 *
 * SPDX-License-Identifier: MIT
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/units.h"
#include "qemu/host-utils.h"
#include "qemu/bitops.h"
#include "qemu/timer.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/rcu.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "exec/memory.h"
#include "sysemu/dma.h"
#include "qom/object.h"

#include "edusg_regs.h"

#define TYPE_EDU_SG "edu-sg"
OBJECT_DECLARE_SIMPLE_TYPE(EduSgState, EDU_SG)

/*
 * With timing=off the bottom half moves at most this much per run, then
 * reschedules itself, so the main loop stays responsive to the guest.
 */
#define EDUSG_BH_BUDGET_BYTES   (64 * MiB)
#define EDUSG_BH_BUDGET_DESCS   1024

/* A fetched descriptor waiting in the engine. */
typedef struct EduSgSlot {
    struct edusg_desc d;    /* host-endian copy, as fetched */
    uint32_t index;         /* ring index */
    uint8_t code;           /* error found when fetched, or 0 */
    int64_t avail;          /* timing: when the engine could start on it */
    int64_t end;            /* timing: when it completes */
} EduSgSlot;

struct EduSgState {
    PCIDevice pdev;
    MemoryRegion mmio;
    MemoryRegion card;
    uint8_t *card_ptr;
    QEMUTimer *timer;       /* timing on: the next completion */
    QEMUBH *bh;             /* timing off: the engine runs here */

    /* properties */
    uint64_t dma_mask;
    uint64_t bandwidth;     /* bytes per second */
    uint32_t card_size;
    uint32_t latency_ns;
    uint32_t fetch_ahead;
    bool timing;

    /* registers */
    bool enabled;
    bool halted;
    uint32_t error, error_info;
    uint32_t irq_status, irq_mask;
    uint32_t scratch;
    uint64_t ring_base, cpl_base;
    uint32_t ring_size;
    uint32_t tail;

    /*
     * The engine. Sequence numbers run free; a ring index is seq % size.
     * [done_seq, fetch_seq) are fetched and waiting in win[seq % fa],
     * [fetch_seq, tail_seq) are posted and not fetched yet.
     */
    uint64_t tail_seq, fetch_seq, done_seq;
    uint64_t avail_seq;     /* the last doorbell made [avail_seq, tail_seq) */
    int64_t avail_time;     /* available at this time */
    int64_t last_end;       /* completion time of the last fetched one */
    int64_t slot_free[EDUSG_MAX_FETCH_AHEAD]; /* a fetch slot frees then */
    EduSgSlot win[EDUSG_MAX_FETCH_AHEAD];
    bool skipping;          /* a descriptor of this request failed */
    bool in_engine;         /* guards against re-entry from our own DMA */
    uint32_t desc_done, req_done, err_count;
    uint64_t busy_ns, bytes;
};

static int64_t edusg_now(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/* ------------------------------------------------------------ interrupts */

static void edusg_irq_update(EduSgState *s, uint32_t new_bits)
{
    PCIDevice *pdev = &s->pdev;

    if (msi_enabled(pdev)) {
        /* every event with an enabled bit sends one message */
        if (new_bits & s->irq_mask) {
            msi_notify(pdev, 0);
        }
    } else {
        pci_set_irq(pdev, (s->irq_status & s->irq_mask) != 0);
    }
}

static void edusg_irq_raise(EduSgState *s, uint32_t bits)
{
    bits &= EDUSG_IRQ_VALID;
    if (bits) {
        s->irq_status |= bits;
        edusg_irq_update(s, bits);
    }
}

/* ------------------------------------------------------------------- DMA */

/*
 * Is [addr, addr + len) of the device's DMA address space RAM it may read
 * (or write)? Translation goes through the IOMMU if there is one (a fault
 * is reported to the guest there) and fails when bus mastering is off.
 * MMIO is refused: no descriptor may make the device access registers,
 * its own included.
 */
static bool edusg_dma_is_ram(EduSgState *s, uint64_t addr, uint64_t len,
                             bool is_write)
{
    AddressSpace *as = pci_get_address_space(&s->pdev);

    RCU_READ_LOCK_GUARD();
    while (len) {
        hwaddr xlat, l = len;
        MemoryRegion *mr = address_space_translate(as, addr, &xlat, &l,
                                                   is_write,
                                                   MEMTXATTRS_UNSPECIFIED);
        if (!memory_access_is_direct(mr, is_write) || l == 0) {
            return false;
        }
        l = MIN(l, len);
        addr += l;
        len -= l;
    }
    return true;
}

/* Is a host range within the DMA mask (and not wrapping past 2^64)? */
static bool edusg_in_mask(EduSgState *s, uint64_t addr, uint64_t len)
{
    uint64_t last = addr + len - 1;

    return len && last >= addr && last <= s->dma_mask;
}

/* Small reads and writes of rings and records: RAM only. */
static bool edusg_mem_rw(EduSgState *s, uint64_t addr, void *buf,
                         uint64_t len, bool is_write)
{
    if (!edusg_in_mask(s, addr, len) ||
        !edusg_dma_is_ram(s, addr, len, is_write)) {
        return false;
    }
    return pci_dma_rw(&s->pdev, addr, buf, len,
                      is_write ? DMA_DIRECTION_FROM_DEVICE
                               : DMA_DIRECTION_TO_DEVICE,
                      MEMTXATTRS_UNSPECIFIED) == MEMTX_OK;
}

/* One side of a copy: a pointer to 'n' bytes at 'pos' of it, or NULL. */
static void *edusg_side_map(EduSgState *s, bool card, uint64_t addr,
                            dma_addr_t *n, bool is_write)
{
    if (card) {
        return s->card_ptr + addr;
    }
    return pci_dma_map(&s->pdev, addr, n,
                       is_write ? DMA_DIRECTION_FROM_DEVICE
                                : DMA_DIRECTION_TO_DEVICE);
}

static void edusg_side_unmap(EduSgState *s, bool card, uint64_t addr,
                             void *p, dma_addr_t n, bool is_write,
                             dma_addr_t done)
{
    if (card) {
        if (is_write && done) {
            memory_region_set_dirty(&s->card, addr, done);
        }
        return;
    }
    pci_dma_unmap(&s->pdev, p, n,
                  is_write ? DMA_DIRECTION_FROM_DEVICE
                           : DMA_DIRECTION_TO_DEVICE, done);
}

/*
 * Move the bytes of a validated descriptor. Both host ranges are checked
 * whole before a byte moves, so a descriptor that fails moves nothing.
 * Mapped directly (one memmove per contiguous piece, no bounce), which is
 * what lets a timing=off run show memory bandwidth.
 */
static uint8_t edusg_transfer(EduSgState *s, const struct edusg_desc *d)
{
    bool scard = d->flags & EDUSG_DESC_SRC_CARD;
    bool dcard = d->flags & EDUSG_DESC_DST_CARD;
    uint64_t len = d->len, done = 0;

    if (!scard && !edusg_dma_is_ram(s, d->src, len, false)) {
        return EDUSG_ERR_READ;
    }
    if (!dcard && !edusg_dma_is_ram(s, d->dst, len, true)) {
        return EDUSG_ERR_WRITE;
    }
    while (done < len) {
        dma_addr_t sn = len - done, dn;
        void *sp, *dp;

        sp = edusg_side_map(s, scard, d->src + done, &sn, false);
        if (!sp || !sn) {
            if (sp) {
                edusg_side_unmap(s, scard, d->src + done, sp, sn, false, 0);
            }
            return EDUSG_ERR_READ;
        }
        dn = sn;
        dp = edusg_side_map(s, dcard, d->dst + done, &dn, true);
        if (!dp || !dn) {
            if (dp) {
                edusg_side_unmap(s, dcard, d->dst + done, dp, dn, true, 0);
            }
            edusg_side_unmap(s, scard, d->src + done, sp, sn, false, 0);
            return EDUSG_ERR_WRITE;
        }
        dn = MIN(sn, dn);
        memmove(dp, sp, dn);
        edusg_side_unmap(s, dcard, d->dst + done, dp, dn, true, dn);
        edusg_side_unmap(s, scard, d->src + done, sp, sn, false, dn);
        done += dn;
    }
    return EDUSG_ERR_OK;
}

/* ---------------------------------------------------------------- engine */

static void edusg_halt(EduSgState *s, uint32_t code, uint32_t info)
{
    qemu_log_mask(LOG_GUEST_ERROR, "edu-sg: engine halted: error %u info %u\n",
                  code, info);
    s->enabled = false;
    s->halted = true;
    s->error = code;
    s->error_info = info;
    s->fetch_seq = s->done_seq;     /* fetched descriptors are dropped */
    s->tail_seq = s->done_seq;
    timer_del(s->timer);
    qemu_bh_cancel(s->bh);
    edusg_irq_raise(s, EDUSG_IRQ_HALT);
}

/* What is wrong with a descriptor, found when it is fetched; 0: nothing. */
static uint8_t edusg_check_desc(EduSgState *s, const struct edusg_desc *d)
{
    bool card[2] = { d->flags & EDUSG_DESC_SRC_CARD,
                     d->flags & EDUSG_DESC_DST_CARD };
    uint64_t addr[2] = { d->src, d->dst };
    int i;

    if (d->flags & ~EDUSG_DESC_FLAGS_ALL) {
        return EDUSG_ERR_FLAGS;
    }
    if (d->len == 0 || d->len > EDUSG_MAX_LEN) {
        return EDUSG_ERR_LEN;
    }
    for (i = 0; i < 2; i++) {
        if (card[i]) {
            if (addr[i] > s->card_size || d->len > s->card_size - addr[i]) {
                return EDUSG_ERR_CARD_RANGE;
            }
        } else if (!edusg_in_mask(s, addr[i], d->len)) {
            return EDUSG_ERR_MASK;
        }
    }
    return EDUSG_ERR_OK;
}

static uint64_t edusg_desc_addr(EduSgState *s, uint64_t seq)
{
    return s->ring_base + (seq % s->ring_size) * EDUSG_DESC_SIZE;
}

/*
 * Fetch the next posted descriptor into the window. The timing model
 * (docs/edu-sg.md): its fetch starts when it is available and a fetch slot
 * is free (the descriptor fetch_ahead places earlier has completed), takes
 * latency_ns, and the transfer starts when both the fetch and the previous
 * transfer are done. A descriptor not fetched when its doorbell rang was
 * waiting for a slot, so its slot time is the later one.
 */
static bool edusg_fetch(EduSgState *s, int64_t now)
{
    uint64_t seq = s->fetch_seq;
    unsigned k = seq % s->fetch_ahead;
    EduSgSlot *slot = &s->win[k];
    uint8_t raw[EDUSG_DESC_SIZE];
    int64_t avail = seq >= s->avail_seq ? s->avail_time : 0;
    int64_t fetch_start, start, dur = 0;

    if (!edusg_mem_rw(s, edusg_desc_addr(s, seq), raw, sizeof(raw), false)) {
        edusg_halt(s, EDUSG_HALT_FETCH, seq % s->ring_size);
        return false;
    }
    slot->d.src = ldq_le_p(raw + EDUSG_DESC_SRC);
    slot->d.dst = ldq_le_p(raw + EDUSG_DESC_DST);
    slot->d.len = ldl_le_p(raw + EDUSG_DESC_LEN);
    slot->d.flags = ldl_le_p(raw + EDUSG_DESC_FLAGS);
    slot->d.status = 0;
    slot->d.elapsed_ns = 0;
    slot->index = seq % s->ring_size;
    slot->code = edusg_check_desc(s, &slot->d);

    if (s->timing) {
        fetch_start = MAX(s->slot_free[k], avail);
        start = MAX(fetch_start + (int64_t)s->latency_ns, s->last_end);
        if (!slot->code) {
            /* len <= 2^24, so len * 1e9 cannot overflow */
            dur = ((uint64_t)slot->d.len * NANOSECONDS_PER_SECOND +
                   s->bandwidth - 1) / s->bandwidth;
        }
        slot->avail = MAX(avail, s->last_end);
        slot->end = start + dur;
        s->last_end = slot->end;
    } else {
        /* timing off: measured when it completes (edusg_complete) */
        slot->avail = avail;
        slot->end = now;
    }
    s->fetch_seq++;
    return true;
}

/* Complete the oldest fetched descriptor: move, write back, interrupt. */
static bool edusg_complete(EduSgState *s)
{
    uint64_t seq = s->done_seq;
    unsigned k = seq % s->fetch_ahead;
    EduSgSlot *slot = &s->win[k];
    uint8_t code = slot->code, wb[8], rec[EDUSG_CPL_SIZE];
    uint32_t bits = 0;
    int64_t elapsed;

    if (!code && s->skipping) {
        code = EDUSG_ERR_SKIPPED;
    }
    if (!code) {
        code = edusg_transfer(s, &slot->d);
    }
    if (s->timing) {
        elapsed = slot->end - slot->avail;
    } else {
        int64_t end = edusg_now(), start = MAX(slot->avail, s->last_end);

        elapsed = end - start;
        slot->end = end;
        s->last_end = end;
    }
    elapsed = MAX(elapsed, 0);
    stl_le_p(wb, EDUSG_ST_DONE | code);
    stl_le_p(wb + 4, MIN(elapsed, (int64_t)UINT32_MAX));
    if (!edusg_mem_rw(s, edusg_desc_addr(s, seq) + EDUSG_DESC_STATUS, wb,
                      sizeof(wb), true)) {
        edusg_halt(s, EDUSG_HALT_WRITEBACK, slot->index);
        return false;
    }

    s->desc_done++;
    s->busy_ns += elapsed;
    if (code) {
        s->err_count++;
        bits |= EDUSG_IRQ_DESC_ERROR;
    } else {
        s->bytes += slot->d.len;
    }
    if (slot->d.flags & EDUSG_DESC_EOR) {
        s->req_done++;
        s->skipping = false;
    } else if (code) {
        s->skipping = true;
    }
    if (slot->d.flags & EDUSG_DESC_IRQ) {
        bits |= EDUSG_IRQ_DONE;
    }
    s->slot_free[k] = slot->end;
    s->done_seq++;

    stl_le_p(rec + 0, s->desc_done);
    stl_le_p(rec + 4, s->req_done);
    stl_le_p(rec + 8, s->err_count);
    stl_le_p(rec + 12, s->done_seq % s->ring_size);
    if (!edusg_mem_rw(s, s->cpl_base, rec, sizeof(rec), true)) {
        edusg_halt(s, EDUSG_HALT_WRITEBACK, slot->index);
        return false;
    }
    edusg_irq_raise(s, bits);
    return true;
}

/*
 * Run the engine up to now: complete what is due, fetch what may be
 * fetched, until neither can go on; then arm the timer for the next
 * completion (timing on) or reschedule the bottom half (timing off, budget
 * spent).
 */
static void edusg_run(EduSgState *s)
{
    int64_t now = edusg_now();
    uint64_t bytes = 0;
    unsigned descs = 0;

    if (!s->enabled || s->in_engine) {
        return;
    }
    s->in_engine = true;
    while (s->enabled) {
        if (s->done_seq != s->fetch_seq &&
            (!s->timing || s->win[s->done_seq % s->fetch_ahead].end <= now)) {
            if (!s->timing && (bytes >= EDUSG_BH_BUDGET_BYTES ||
                               descs >= EDUSG_BH_BUDGET_DESCS)) {
                qemu_bh_schedule(s->bh);
                break;
            }
            bytes += s->win[s->done_seq % s->fetch_ahead].d.len;
            descs++;
            if (!edusg_complete(s)) {
                break;
            }
            continue;
        }
        if (s->fetch_seq != s->tail_seq &&
            s->fetch_seq - s->done_seq < s->fetch_ahead) {
            if (!edusg_fetch(s, now)) {
                break;
            }
            continue;
        }
        break;
    }
    s->in_engine = false;
    if (s->timing && s->enabled && s->done_seq != s->fetch_seq) {
        timer_mod(s->timer, s->win[s->done_seq % s->fetch_ahead].end);
    } else {
        timer_del(s->timer);
    }
}

static void edusg_timer_cb(void *opaque)
{
    edusg_run(opaque);
}

static void edusg_bh_cb(void *opaque)
{
    edusg_run(opaque);
}

/* Stop the engine at once: nothing fetched completes, no DMA follows. */
static void edusg_stop(EduSgState *s)
{
    s->enabled = false;
    s->fetch_seq = s->tail_seq = s->done_seq;
    timer_del(s->timer);
    qemu_bh_cancel(s->bh);
}

/* ENABLE 0 -> 1: check the ring and the record, start at index 0. */
static void edusg_enable(EduSgState *s)
{
    uint64_t ring_len = (uint64_t)s->ring_size * EDUSG_DESC_SIZE;
    uint32_t field = 0;
    int i;

    if (s->ring_size < 2 || s->ring_size > EDUSG_MAX_RING ||
        (s->ring_size & (s->ring_size - 1))) {
        field = EDUSG_FIELD_RING_SIZE;
    } else if (s->ring_base % EDUSG_DESC_SIZE ||
               !edusg_in_mask(s, s->ring_base, ring_len)) {
        field = EDUSG_FIELD_RING_BASE;
    } else if (s->cpl_base % EDUSG_CPL_SIZE ||
               !edusg_in_mask(s, s->cpl_base, EDUSG_CPL_SIZE) ||
               (s->cpl_base < s->ring_base + ring_len &&
                s->ring_base < s->cpl_base + EDUSG_CPL_SIZE)) {
        field = EDUSG_FIELD_CPL;
    }
    if (field) {
        edusg_halt(s, EDUSG_HALT_CONFIG, field);
        return;
    }
    s->enabled = true;
    s->halted = false;
    s->error = s->error_info = 0;
    s->tail = 0;
    s->tail_seq = s->fetch_seq = s->done_seq = s->avail_seq = 0;
    s->avail_time = s->last_end = 0;
    for (i = 0; i < EDUSG_MAX_FETCH_AHEAD; i++) {
        s->slot_free[i] = 0;
    }
    s->skipping = false;
    s->desc_done = s->req_done = s->err_count = 0;
}

/* The driver moved the tail: descriptors up to it are posted. */
static void edusg_doorbell(EduSgState *s, uint32_t tail)
{
    uint64_t posted;
    uint32_t delta;

    if (!s->enabled) {
        qemu_log_mask(LOG_GUEST_ERROR, "edu-sg: tail written while disabled\n");
        return;
    }
    if (tail >= s->ring_size) {
        edusg_halt(s, EDUSG_HALT_TAIL, tail);
        return;
    }
    if (s->timing) {
        edusg_run(s);   /* everything due before this doorbell first */
        if (!s->enabled) {
            return;
        }
    }
    delta = (tail - s->tail) & (s->ring_size - 1);
    posted = s->tail_seq + delta - s->done_seq;
    if (posted > s->ring_size - 1) {
        edusg_halt(s, EDUSG_HALT_OVERFLOW, tail);
        return;
    }
    if (!delta) {
        return;
    }
    s->tail = tail;
    s->avail_seq = s->tail_seq;
    s->avail_time = edusg_now();
    s->tail_seq += delta;
    if (s->timing) {
        edusg_run(s);
    } else {
        qemu_bh_schedule(s->bh);
    }
}

/* ------------------------------------------------------------- registers */

static void edusg_reset_state(EduSgState *s)
{
    edusg_stop(s);
    s->halted = false;
    s->error = s->error_info = 0;
    s->irq_status = s->irq_mask = 0;
    s->scratch = 0;
    s->ring_base = s->cpl_base = 0;
    s->ring_size = 0;
    s->tail = 0;
    s->tail_seq = s->fetch_seq = s->done_seq = s->avail_seq = 0;
    s->avail_time = s->last_end = 0;
    memset(s->slot_free, 0, sizeof(s->slot_free));
    s->skipping = false;
    s->desc_done = s->req_done = s->err_count = 0;
    s->busy_ns = s->bytes = 0;
    memset(s->card_ptr, 0, s->card_size);
    memory_region_set_dirty(&s->card, 0, s->card_size);
}

static uint32_t edusg_status(EduSgState *s)
{
    uint32_t st = 0;

    if (s->enabled) {
        st |= EDUSG_STATUS_ENABLED;
        if (s->done_seq != s->tail_seq) {
            st |= EDUSG_STATUS_BUSY;
        }
    }
    if (s->halted) {
        st |= EDUSG_STATUS_HALTED;
    }
    return st;
}

static uint32_t edusg_read32(EduSgState *s, hwaddr addr)
{
    uint64_t bw = s->timing ? s->bandwidth : 0;

    switch (addr) {
    case EDUSG_REG_IDENT:       return EDUSG_IDENT;
    case EDUSG_REG_VERSION:     return EDUSG_SUPPORTED_MAJOR << 16 | EDUSG_MINOR;
    case EDUSG_REG_CAPS:
        return EDUSG_CAP_MSI | (s->timing ? EDUSG_CAP_TIMING : 0);
    case EDUSG_REG_CARD_SIZE:   return s->card_size;
    case EDUSG_REG_MAX_LEN:     return EDUSG_MAX_LEN;
    case EDUSG_REG_MAX_RING:    return EDUSG_MAX_RING;
    case EDUSG_REG_FETCH_AHEAD: return s->fetch_ahead;
    case EDUSG_REG_LATENCY_NS:  return s->timing ? s->latency_ns : 0;
    case EDUSG_REG_BANDWIDTH_LO: return bw;
    case EDUSG_REG_BANDWIDTH_HI: return bw >> 32;
    case EDUSG_REG_DMA_MASK_LO: return s->dma_mask;
    case EDUSG_REG_DMA_MASK_HI: return s->dma_mask >> 32;
    case EDUSG_REG_CTRL:        return s->enabled ? EDUSG_CTRL_ENABLE : 0;
    case EDUSG_REG_STATUS:      return edusg_status(s);
    case EDUSG_REG_ERROR:       return s->error;
    case EDUSG_REG_ERROR_INFO:  return s->error_info;
    case EDUSG_REG_IRQ_STATUS:  return s->irq_status;
    case EDUSG_REG_IRQ_MASK:    return s->irq_mask;
    case EDUSG_REG_RING_LO:     return s->ring_base;
    case EDUSG_REG_RING_HI:     return s->ring_base >> 32;
    case EDUSG_REG_RING_SIZE:   return s->ring_size;
    case EDUSG_REG_CPL_LO:      return s->cpl_base;
    case EDUSG_REG_CPL_HI:      return s->cpl_base >> 32;
    case EDUSG_REG_TAIL:        return s->tail;
    case EDUSG_REG_HEAD:
        return s->ring_size ? s->done_seq % s->ring_size : 0;
    case EDUSG_REG_DESC_DONE:   return s->desc_done;
    case EDUSG_REG_REQ_DONE:    return s->req_done;
    case EDUSG_REG_ERR_COUNT:   return s->err_count;
    case EDUSG_REG_TIME_LO:     return edusg_now();
    case EDUSG_REG_TIME_HI:     return (uint64_t)edusg_now() >> 32;
    case EDUSG_REG_BUSY_NS_LO:  return s->busy_ns;
    case EDUSG_REG_BUSY_NS_HI:  return s->busy_ns >> 32;
    case EDUSG_REG_BYTES_LO:    return s->bytes;
    case EDUSG_REG_BYTES_HI:    return s->bytes >> 32;
    case EDUSG_REG_SCRATCH:     return ~s->scratch;
    }
    return 0;
}

/* Ring registers hold still while the engine runs. */
static bool edusg_ring_writable(EduSgState *s, hwaddr addr)
{
    if (s->enabled) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "edu-sg: ring register 0x%" HWADDR_PRIx
                      " written while enabled: ignored\n", addr);
        return false;
    }
    return true;
}

static void edusg_write32(EduSgState *s, hwaddr addr, uint32_t val)
{
    switch (addr) {
    case EDUSG_REG_CTRL:
        if (val & EDUSG_CTRL_RESET) {
            edusg_reset_state(s);
            edusg_irq_update(s, 0);
            break;
        }
        if ((val & EDUSG_CTRL_ENABLE) && !s->enabled) {
            edusg_enable(s);
        } else if (!(val & EDUSG_CTRL_ENABLE) && s->enabled) {
            edusg_stop(s);
        }
        break;
    case EDUSG_REG_IRQ_ACK:
        s->irq_status &= ~val;
        edusg_irq_update(s, 0);
        break;
    case EDUSG_REG_IRQ_MASK: {
        uint32_t newly = val & ~s->irq_mask & s->irq_status;

        s->irq_mask = val & EDUSG_IRQ_VALID;
        edusg_irq_update(s, newly);     /* pending events now enabled */
        break;
    }
    case EDUSG_REG_IRQ_RAISE:
        edusg_irq_raise(s, val);
        break;
    case EDUSG_REG_RING_LO:
        if (edusg_ring_writable(s, addr)) {
            s->ring_base = deposit64(s->ring_base, 0, 32, val);
        }
        break;
    case EDUSG_REG_RING_HI:
        if (edusg_ring_writable(s, addr)) {
            s->ring_base = deposit64(s->ring_base, 32, 32, val);
        }
        break;
    case EDUSG_REG_RING_SIZE:
        if (edusg_ring_writable(s, addr)) {
            s->ring_size = val;
        }
        break;
    case EDUSG_REG_CPL_LO:
        if (edusg_ring_writable(s, addr)) {
            s->cpl_base = deposit64(s->cpl_base, 0, 32, val);
        }
        break;
    case EDUSG_REG_CPL_HI:
        if (edusg_ring_writable(s, addr)) {
            s->cpl_base = deposit64(s->cpl_base, 32, 32, val);
        }
        break;
    case EDUSG_REG_TAIL:
        edusg_doorbell(s, val);
        break;
    case EDUSG_REG_SCRATCH:
        s->scratch = val;
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "edu-sg: write to 0x%" HWADDR_PRIx
                      " ignored\n", addr);
        break;
    }
}

static uint64_t edusg_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    EduSgState *s = opaque;

    if (addr % size) {
        return 0;
    }
    if (size == 8) {
        return edusg_read32(s, addr) |
               (uint64_t)edusg_read32(s, addr + 4) << 32;
    }
    return edusg_read32(s, addr);
}

static void edusg_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    EduSgState *s = opaque;

    if (addr % size) {
        return;
    }
    if (s->in_engine) {
        /* unreachable while only RAM is a DMA target; kept as the guard */
        qemu_log_mask(LOG_GUEST_ERROR, "edu-sg: re-entrant register write\n");
        return;
    }
    edusg_write32(s, addr, val);
    if (size == 8) {
        edusg_write32(s, addr + 4, val >> 32);
    }
}

static const MemoryRegionOps edusg_mmio_ops = {
    .read = edusg_mmio_read,
    .write = edusg_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

/* ------------------------------------------------------------- lifetime */

static void edusg_realize(PCIDevice *pdev, Error **errp)
{
    EduSgState *s = EDU_SG(pdev);
    uint8_t *conf = pdev->config;
    Error *err = NULL;

    if (s->fetch_ahead < 1 || s->fetch_ahead > EDUSG_MAX_FETCH_AHEAD) {
        error_setg(errp, "edu-sg: fetch_ahead must be 1..%u",
                   EDUSG_MAX_FETCH_AHEAD);
        return;
    }
    if (s->timing && s->bandwidth == 0) {
        error_setg(errp, "edu-sg: bandwidth must be > 0 (or timing=off)");
        return;
    }
    if (s->card_size < 64 * KiB || s->card_size > 256 * MiB ||
        (s->card_size & (s->card_size - 1))) {
        error_setg(errp, "edu-sg: card_size must be a power of two "
                   "from 64 KiB to 256 MiB");
        return;
    }
    if (s->dma_mask < 0xfff) {
        error_setg(errp, "edu-sg: dma_mask too small");
        return;
    }

    pci_config_set_interrupt_pin(conf, 1);
    pci_set_word(conf + PCI_SUBSYSTEM_VENDOR_ID, EDUSG_PCI_SUBVENDOR);
    pci_set_word(conf + PCI_SUBSYSTEM_ID, EDUSG_PCI_SUBDEVICE);
    if (msi_init(pdev, 0, 1, true, false, errp)) {
        return;
    }

    memory_region_init_io(&s->mmio, OBJECT(s), &edusg_mmio_ops, s,
                          "edu-sg-regs", EDUSG_BAR_REGS_SIZE);
    pci_register_bar(pdev, EDUSG_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->mmio);
    memory_region_init_ram(&s->card, OBJECT(s), "edu-sg-card", s->card_size,
                           &err);
    if (err) {
        error_propagate(errp, err);
        msi_uninit(pdev);
        return;
    }
    s->card_ptr = memory_region_get_ram_ptr(&s->card);
    pci_register_bar(pdev, EDUSG_BAR_CARD,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_PREFETCH |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->card);

    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, edusg_timer_cb, s);
    s->bh = qemu_bh_new(edusg_bh_cb, s);
}

static void edusg_exit(PCIDevice *pdev)
{
    EduSgState *s = EDU_SG(pdev);

    timer_free(s->timer);
    qemu_bh_delete(s->bh);
    msi_uninit(pdev);
}

static void edusg_reset(DeviceState *dev)
{
    EduSgState *s = EDU_SG(dev);

    edusg_reset_state(s);
}

static Property edusg_properties[] = {
    DEFINE_PROP_UINT64("dma_mask", EduSgState, dma_mask, UINT64_MAX),
    DEFINE_PROP_BOOL("timing", EduSgState, timing, true),
    DEFINE_PROP_UINT64("bandwidth", EduSgState, bandwidth,
                       EDUSG_DEFAULT_BANDWIDTH),
    DEFINE_PROP_UINT32("latency_ns", EduSgState, latency_ns,
                       EDUSG_DEFAULT_LATENCY_NS),
    DEFINE_PROP_UINT32("fetch_ahead", EduSgState, fetch_ahead,
                       EDUSG_DEFAULT_FETCH_AHEAD),
    DEFINE_PROP_UINT32("card_size", EduSgState, card_size,
                       EDUSG_DEFAULT_CARD_SIZE),
    DEFINE_PROP_END_OF_LIST(),
};

/* Guest memory is read and written behind the migration code's back. */
static const VMStateDescription edusg_vmstate = {
    .name = TYPE_EDU_SG,
    .unmigratable = 1,
};

static void edusg_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = edusg_realize;
    k->exit = edusg_exit;
    k->vendor_id = EDUSG_PCI_VENDOR;
    k->device_id = EDUSG_PCI_DEVICE;
    k->revision = EDUSG_PCI_REVISION;
    k->class_id = PCI_CLASS_OTHERS;
    dc->desc = "edu-style DMA engine with a scatter-gather descriptor ring";
    dc->reset = edusg_reset;
    dc->vmsd = &edusg_vmstate;
    device_class_set_props(dc, edusg_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo edusg_info = {
    .name          = TYPE_EDU_SG,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(EduSgState),
    .class_init    = edusg_class_init,
    .interfaces    = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void edusg_register_types(void)
{
    type_register_static(&edusg_info);
}

type_init(edusg_register_types)
