// SPDX-License-Identifier: MIT
/*
 * The native lab's outputs: a table for people (a section per group of
 * experiments, then the reading), CSV and JSON for programs. Each starts
 * with where it ran - libdma's env lines (libdma/measure/env.c) and this
 * lab's own: page sizes, caches, limits, the load average at the start and
 * the end (on a shared machine the noise has a cause). Cells without
 * figures carry their status and reason, never a number. Escaping and
 * human forms are libdma's writer (libdma/measure/writer.c).
 */
#include <errno.h>
#include <string.h>

#include "native_lab.h"
#include "../../libdma/measure/measure_internal.h"

static double spread(const struct nl_cell *c)
{
	return c->ns_median > 0 ? 100.0 * (c->ns_max - c->ns_min) / c->ns_median : 0;
}

/* GB/s (10^9 bytes per second) of one operation moving c->bytes. */
static double gbps(const struct nl_cell *c)
{
	return c->ns_median > 0 ? (double)c->bytes / c->ns_median : 0;
}

static const char *kib(uint64_t bytes, char *buf)
{
	return libdma__fmt_size(bytes, buf);
}

/* A time per page: "0.72 ns", "51.7 ns", "812 ns", "145.3 us". */
static const char *per_ns(double ns, char *buf)
{
	if (ns < 10)
		snprintf(buf, 32, "%.2f ns", ns);
	else if (ns < 100)
		snprintf(buf, 32, "%.1f ns", ns);
	else
		libdma__fmt_ns(ns, buf);
	return buf;
}

/* ------------------------------------------------------------------ table */

/* The common hypervisors' CPUID signatures in words. */
static const char *hypervisor_name(const char *sig)
{
	static const char *const names[][2] = {
		{ "KVMKVMKVM", "KVM" }, { "Microsoft Hv", "Hyper-V" },
		{ "VMwareVMware", "VMware" }, { "XenVMMXenVMM", "Xen" },
		{ "TCGTCGTCGTCG", "QEMU TCG" }, { "bhyve bhyve ", "bhyve" },
		{ " lrpepyh  vr", "Parallels" }, { "ACRNACRNACRN", "ACRN" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(sig, names[i][0]))
			return names[i][1];
	return "";
}

static void table_head(const struct nl_result *r, FILE *out)
{
	const struct nl_host *h = &r->host;
	const struct nl_pool *p = &h->pool;
	char b[3][32];

	fprintf(out, "libdma %s lab --native: is contiguous memory faster? Measured "
		"on this machine's CPU: no device, no QEMU\n", h->env.libdma_version);
	libdma__env_table_host(&h->env, out);
	fprintf(out, "  cpuid     %s%s%s%s\n", h->hypervisor[0] ?
		"under a hypervisor: " : "no hypervisor (hardware)",
		hypervisor_name(h->hypervisor), h->hypervisor[0] ? " signature " : "",
		h->hypervisor);
	fprintf(out, "  pages     %s base pages; THP %s (defrag: %s); hugetlb 2 MiB: ",
		kib(h->env.page_size, b[0]), h->thp_size ? kib(h->thp_size, b[1]) :
		"none", h->thp_defrag[0] ? h->thp_defrag : "?");
	if (p->reserved)
		fprintf(out, "pool %llu (%llu free), %llu reserved for the run and %s",
			(unsigned long long)p->total_before,
			(unsigned long long)p->free_before,
			(unsigned long long)p->reserved,
			p->given_back ? "given back" : "NOT given back");
	else
		fprintf(out, "pool %llu (%llu free)", (unsigned long long)p->total_before,
			(unsigned long long)p->free_before);
	fprintf(out, "; %s %s\n", h->llc_name[0] ? h->llc_name : "last-level cache",
		h->llc_bytes ? kib(h->llc_bytes, b[2]) : "?");
	fprintf(out, "  limits    %s; io_uring_disabled %d; RLIMIT_MEMLOCK ",
		h->root ? "root" : "not root", h->io_uring_disabled);
	if (h->memlock_limit == UINT64_MAX)
		fputs("unlimited", out);
	else
		fputs(kib(h->memlock_limit, b[0]), out);
	fprintf(out, "%s; MemAvailable %llu MiB\n", h->ipc_lock ?
		" (CAP_IPC_LOCK: not charged)" : "",
		(unsigned long long)(h->mem_available >> 20));
	fprintf(out, "  load      /proc/loadavg %s at the start, %s at the end\n",
		h->loadavg_start, h->loadavg_end[0] ? h->loadavg_end : "?");
	if (h->env.label[0])
		fprintf(out, "  label     %s\n", h->env.label);
	fprintf(out, "  run       %s; %u sample%s per cell; figures are medians, "
		"spread = (slowest - fastest) / median\n", h->env.date, r->repeat,
		r->repeat == 1 ? "" : "s");
}

/* The figure of a cell in a column 'w' wide: value, unit, spread. */
static void figure(const struct nl_cell *c, int w, FILE *out)
{
	char v[48], b[32];

	if (!c)
		snprintf(v, sizeof(v), "-");
	else if (c->status != NL_OK)
		snprintf(v, sizeof(v), "%s", c->status == NL_FAILED ? "FAILED" :
			 "unavailable");
	else if (c->experiment == NL_RANDOM_READ)
		snprintf(v, sizeof(v), "%.1f ns %3.0f%%", c->ns_median, spread(c));
	else if (c->experiment == NL_SEQ_READ || c->experiment == NL_SEQ_WRITE ||
		 c->experiment == NL_COPY_WARM || c->experiment == NL_COPY_COLD)
		snprintf(v, sizeof(v), "%.2f GB/s %3.0f%%", gbps(c), spread(c));
	else
		snprintf(v, sizeof(v), "%s %3.0f%%", libdma__fmt_ns(c->ns_median, b),
			 spread(c));
	fprintf(out, "%*s", w, v);
}

/*
 * The reasons of a row's cells without figures: once, across the row, when
 * they all share one; else a line per cell under it.
 */
static void row_notes(const struct nl_cell *const *c, unsigned int n, FILE *out)
{
	const struct nl_cell *first = NULL;
	unsigned int i, present = 0, bad = 0, same = 1;

	for (i = 0; i < n; i++) {
		if (!c[i])
			continue;
		present++;
		if (c[i]->status == NL_OK)
			continue;
		bad++;
		if (!first)
			first = c[i];
		same &= !strcmp(c[i]->note, first->note);
	}
	if (!bad)
		return;
	if (bad == present && same) {
		fprintf(out, "      %s: %s\n", nl_status_name(first->status),
			first->note);
		return;
	}
	for (i = 0; i < n; i++)
		if (c[i] && c[i]->status != NL_OK)
			fprintf(out, "      %s: %s: %s\n",
				nl_experiment_name(c[i]->experiment),
				nl_status_name(c[i]->status), c[i]->note);
}

/* The distinct sizes of the cells of group 'g', ascending. */
static unsigned int sizes_in(const struct nl_result *r, unsigned int g,
			     uint64_t *sizes)
{
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i < r->nr_cells; i++)
		if (nl_group_of(r->cells[i].experiment) == g)
			n = libdma__sizes_add(sizes, n, NL_MAX_SIZES, r->cells[i].size);
	return n;
}

/* Rows of a section: size x backing, one column per experiment. */
static void rows(const struct nl_result *r, unsigned int g,
		 const unsigned int *exps, unsigned int nexp,
		 const unsigned int *backings, unsigned int nb, int w, FILE *out)
{
	uint64_t sizes[NL_MAX_SIZES];
	unsigned int n = sizes_in(r, g, sizes), i, b, e;
	char s[32];

	for (i = 0; i < n; i++)
		for (b = 0; b < nb; b++) {
			const struct nl_cell *c[4] = { NULL };

			for (e = 0; e < nexp; e++)
				c[e] = nl_find(r, exps[e], backings[b], sizes[i]);
			if (!c[0] && !c[nexp - 1])
				continue;
			fprintf(out, "%-9s %-8s", b ? "" : kib(sizes[i], s),
				nl_backing_name(backings[b]));
			for (e = 0; e < nexp; e++)
				figure(c[e], w, out);
			fputc('\n', out);
			row_notes(c, nexp, out);
		}
}

static const unsigned int three[] = { NL_4K, NL_THP, NL_HUGETLB };

static void table_access(const struct nl_result *r, FILE *out)
{
	static const unsigned int e[] = { NL_SEQ_READ, NL_SEQ_WRITE, NL_RANDOM_READ };

	fprintf(out, "\naccess: one buffer, the same code on each backing; sequential "
		"passes in GB/s, random-read = dependent\n64-byte reads (each address "
		"the previous read's value), ns per read; %% = spread\n");
	fprintf(out, "%-9s %-8s%20s%20s%20s\n", "size", "pages", "seq-read",
		"seq-write", "random-read");
	rows(r, NL_G_ACCESS, e, 3, three, 3, 20, out);
}

static void table_pin(const struct nl_result *r, FILE *out)
{
	uint64_t sizes[NL_MAX_SIZES];
	unsigned int n = sizes_in(r, NL_G_PIN, sizes), i, b, k;
	char s[32], x[4][32];

	fprintf(out, "\npinning touched memory: pin = io_uring buffer registration "
		"(pin_user_pages(FOLL_LONGTERM), as the\ndriver pins), unpin = "
		"unregistration; mlock and munlock; per 4K = per 4 KiB of buffer\n");
	fprintf(out, "%-9s %-8s%18s%10s%11s%18s%10s%11s\n", "size", "pages", "pin",
		"per 4K", "unpin", "mlock", "per 4K", "munlock");
	for (i = 0; i < n; i++)
		for (b = 0; b < 3; b++) {
			const struct nl_cell *c[2] = {
				nl_find(r, NL_PIN, three[b], sizes[i]),
				nl_find(r, NL_MLOCK, three[b], sizes[i]),
			};

			if (!c[0] && !c[1])
				continue;
			fprintf(out, "%-9s %-8s", b ? "" : kib(sizes[i], s),
				nl_backing_name(three[b]));
			for (k = 0; k < 2; k++) {
				if (!c[k] || c[k]->status != NL_OK) {
					fprintf(out, "%18s%10s%11s", c[k] ?
						nl_status_name(c[k]->status) : "-", "", "");
					continue;
				}
				figure(c[k], 18, out);
				per_ns(c[k]->ns_median / (double)c[k]->pages, x[0]);
				fprintf(out, "%10s%11s", x[0],
					libdma__fmt_ns(c[k]->undo_ns_median, x[1]));
			}
			fputc('\n', out);
			row_notes(c, 2, out);
		}
}

static void table_copy(const struct nl_result *r, FILE *out)
{
	uint64_t sizes[NL_MAX_SIZES];
	unsigned int n = sizes_in(r, NL_G_COPY, sizes), i, k;
	char s[32], t[32];

	fprintf(out, "\ncopying: one memcpy between two malloc'd buffers (what the "
		"bounce strategy pays per direction);\nwarm = both in the caches, "
		"cold = both flushed from every cache first (clflush)\n");
	fprintf(out, "%-9s %12s%20s %12s%20s\n", "size", "warm: time", "GB/s",
		"cold: time", "GB/s");
	for (i = 0; i < n; i++) {
		const struct nl_cell *c[2] = {
			nl_find(r, NL_COPY_WARM, NL_MALLOC, sizes[i]),
			nl_find(r, NL_COPY_COLD, NL_MALLOC, sizes[i]),
		};

		fprintf(out, "%-9s", kib(sizes[i], s));
		for (k = 0; k < 2; k++) {
			if (c[k] && c[k]->status == NL_OK)
				fprintf(out, " %12s", libdma__fmt_ns(c[k]->ns_median, t));
			else
				fprintf(out, " %12s", "");
			figure(c[k], 20, out);
		}
		fputc('\n', out);
		row_notes(c, 2, out);
	}
}

static void table_touch(const struct nl_result *r, FILE *out)
{
	uint64_t sizes[NL_MAX_SIZES];
	unsigned int n = sizes_in(r, NL_G_TOUCH, sizes), i, b;
	char s[32], x[3][32];

	fprintf(out, "\nfirst touch: faulting fresh memory in, one write per 4 KiB "
		"(the kernel zeroes each page it gives);\na huge buffer is whole "
		"2 MiB pages, per 4K = per 4 KiB of them\n");
	fprintf(out, "%-9s %-8s%18s%12s%14s\n", "size", "pages", "all", "per 4K",
		"per 2M page");
	for (i = 0; i < n; i++)
		for (b = 0; b < 3; b++) {
			const struct nl_cell *c = nl_find(r, NL_FIRST_TOUCH, three[b],
							  sizes[i]);

			if (!c)
				continue;
			fprintf(out, "%-9s %-8s", b ? "" : kib(sizes[i], s),
				nl_backing_name(three[b]));
			figure(c, 18, out);
			if (c->status == NL_OK) {
				per_ns(c->ns_median / (double)(c->huge_pages ?
					c->huge_pages * (NL_HUGE / 4096) : c->pages), x[0]);
				fprintf(out, "%12s%14s", x[0], c->huge_pages ?
					libdma__fmt_ns(c->ns_median / (double)c->huge_pages,
						       x[1]) : "-");
			}
			fputc('\n', out);
			row_notes(&c, 1, out);
		}
}

static void table_runs(const struct nl_result *r, FILE *out)
{
	static const unsigned int two[] = { NL_MALLOC, NL_THP };
	uint64_t sizes[NL_MAX_SIZES];
	unsigned int n = sizes_in(r, NL_G_CONTIGUITY, sizes), i, b;
	char s[32];

	fprintf(out, "\nphysical contiguity (/proc/self/pagemap): a touched buffer's "
		"4 KiB pages in physically\ncontiguous runs - the segments the driver "
		"would count for it pinned\n");
	fprintf(out, "%-9s %-8s%10s%10s%14s\n", "size", "buffer", "pages", "runs",
		"largest run");
	for (i = 0; i < n; i++)
		for (b = 0; b < 2; b++) {
			const struct nl_cell *c = nl_find(r, NL_RUNS, two[b], sizes[i]);

			if (!c)
				continue;
			fprintf(out, "%-9s %-8s", b ? "" : kib(sizes[i], s),
				nl_backing_name(two[b]));
			if (c->status == NL_OK)
				fprintf(out, "%10llu%10llu%14llu\n",
					(unsigned long long)c->pages,
					(unsigned long long)c->runs,
					(unsigned long long)c->largest_run);
			else
				fputc('\n', out);
			row_notes(&c, 1, out);
		}
}

static void crossing(const char *what, int have, uint64_t cross, uint64_t below,
		     FILE *out)
{
	char a[32], b[32];

	if (!have)
		fprintf(out, "    %s: not measured\n", what);
	else if (!cross)
		fprintf(out, "    %s: at no size, up to the largest\n", what);
	else if (!below)
		fprintf(out, "    %s: at every size measured, from %s\n", what,
			kib(cross, a));
	else
		fprintf(out, "    %s: from %s up (not at %s)\n", what, kib(cross, a),
			kib(below, b));
}

static void table_reading(const struct nl_result *r, FILE *out)
{
	struct nl_reading rd;
	char a[32], b[32], c[32], d[32];

	nl_read(r, &rd);
	fprintf(out, "\nreading (medians of this run)\n");
	fprintf(out, "  pin or copy? pinning 4 KiB pages (pin + unpin) is cheaper "
		"than one memcpy of the same size\n");
	crossing("cold copy", rd.have_cold, rd.cross_cold, rd.cross_cold_below, out);
	crossing("warm copy", rd.have_warm, rd.cross_warm, rd.cross_warm_below, out);
	if (rd.pin_page_size[NL_4K])
		fprintf(out, "    pin per 4 KiB: %s with 4 KiB pages, %s with THP, "
			"%s with hugetlb (at %s)\n", per_ns(rd.pin_page_ns[NL_4K], a),
			per_ns(rd.pin_page_ns[NL_THP], b),
			per_ns(rd.pin_page_ns[NL_HUGETLB], c),
			kib(rd.pin_page_size[NL_4K], d));
	if (rd.tlb_thp.nr)
		fprintf(out, "  TLB: from 2 MiB, dependent random 64-byte reads with 4 KiB pages "
			"take %.2fx (at %s) to %.2fx (at %s)\n    the time with THP; "
			"at %s %.1f ns against %.1f ns\n", rd.tlb_thp.min,
			kib(rd.tlb_thp.size_min, a), rd.tlb_thp.max,
			kib(rd.tlb_thp.size_max, b), kib(rd.rnd_max_size, c),
			rd.rnd_4k_at_max, rd.rnd_thp_at_max);
	if (rd.tlb_hugetlb.nr)
		fprintf(out, "    against hugetlb: %.2fx (at %s) to %.2fx (at %s)\n",
			rd.tlb_hugetlb.min, kib(rd.tlb_hugetlb.size_min, a),
			rd.tlb_hugetlb.max, kib(rd.tlb_hugetlb.size_max, b));
	if (rd.seq_read.nr && rd.seq_write.nr) {
		double rmax = rd.seq_read_at_max, wmax = rd.seq_write_at_max;
		int flat = rmax < 1.1 && rmax > 0.9 && wmax < 1.1 && wmax > 0.9;

		fprintf(out, "  sequential: from 2 MiB, 4 KiB pages take %.2fx to %.2fx "
			"the time of THP to read, %.2fx to %.2fx\n    to write; at %s "
			"%.2fx and %.2fx: %s\n", rd.seq_read.min, rd.seq_read.max,
			rd.seq_write.min, rd.seq_write.max, kib(rd.seq_max_size, a),
			rmax, wmax, flat ? "sequential access does not care "
			"(within 10%)" : "the page size shows (beyond 10%)");
	}
	if (rd.touch_4k_page > 0)
		fprintf(out, "  first touch: %s per 4 KiB page; %s per 2 MiB THP "
			"page (%s per 4 KiB of it)\n", per_ns(rd.touch_4k_page, a),
			libdma__fmt_ns(rd.touch_thp_huge, b),
			per_ns(rd.touch_thp_huge / (NL_HUGE / 4096), c));
	fprintf(out, "  checks: the reads' sums agreed across backings in %u of %u "
		"comparisons; %u cells unavailable, %u failed\n",
		rd.nr_sums_compared - rd.nr_sums_differ, rd.nr_sums_compared,
		rd.nr_unavailable, rd.nr_failed);
}

static void write_table(const struct nl_result *r, FILE *out)
{
	uint32_t groups = 0, i;

	for (i = 0; i < r->nr_cells; i++)
		groups |= 1u << nl_group_of(r->cells[i].experiment);
	table_head(r, out);
	if (groups & (1u << NL_G_ACCESS))
		table_access(r, out);
	if (groups & (1u << NL_G_PIN))
		table_pin(r, out);
	if (groups & (1u << NL_G_COPY))
		table_copy(r, out);
	if (groups & (1u << NL_G_TOUCH))
		table_touch(r, out);
	if (groups & (1u << NL_G_CONTIGUITY))
		table_runs(r, out);
	table_reading(r, out);
}

/* -------------------------------------------------------------------- CSV */

static void write_csv(const struct nl_result *r, FILE *out)
{
	const struct nl_host *h = &r->host;
	char buf[256];
	uint32_t i;

	libdma__csv_comment(out, "lab", "native");
	libdma__env_csv_host(&h->env, out);
	snprintf(buf, sizeof(buf), "base %llu thp %llu thp_defrag %s hugetlb 2097152 "
		 "pool %llu free %llu reserved %llu given_back %d",
		 (unsigned long long)h->env.page_size,
		 (unsigned long long)h->thp_size, h->thp_defrag,
		 (unsigned long long)h->pool.total_before,
		 (unsigned long long)h->pool.free_before,
		 (unsigned long long)h->pool.reserved, h->pool.given_back);
	libdma__csv_comment(out, "pages", buf);
	snprintf(buf, sizeof(buf), "%s %llu", h->llc_name,
		 (unsigned long long)h->llc_bytes);
	libdma__csv_comment(out, "llc", buf);
	snprintf(buf, sizeof(buf), "root %d io_uring_disabled %d memlock %llu "
		 "cap_ipc_lock %d mem_available %llu", h->root,
		 h->io_uring_disabled, (unsigned long long)h->memlock_limit,
		 h->ipc_lock, (unsigned long long)h->mem_available);
	libdma__csv_comment(out, "limits", buf);
	libdma__csv_comment(out, "hypervisor", h->hypervisor[0] ? h->hypervisor : "none");
	libdma__csv_comment(out, "loadavg_start", h->loadavg_start);
	libdma__csv_comment(out, "loadavg_end", h->loadavg_end);
	libdma__csv_comment(out, "label", h->env.label);
	libdma__csv_comment(out, "date", h->env.date);
	fputs("experiment,backing,size,status,samples,ns_median,ns_min,ns_max,"
	      "spread_pct,undo_ns_median,gb_per_s,ns_per_4k,ns_per_huge_page,"
	      "pages,huge_bytes,checksum,runs,largest_run,note\n", out);
	for (i = 0; i < r->nr_cells; i++) {
		const struct nl_cell *c = &r->cells[i];

		fprintf(out, "%s,%s,%llu,%s,%u,%.1f,%.1f,%.1f,%.1f,%.1f,%.3f,%.2f,%.1f,"
			"%llu,%llu,%llu,%llu,%llu,", nl_experiment_name(c->experiment),
			nl_backing_name(c->backing), (unsigned long long)c->size,
			nl_status_name(c->status), c->samples, c->ns_median, c->ns_min,
			c->ns_max, spread(c), c->undo_ns_median, gbps(c),
			c->pages ? c->ns_median / (double)c->pages : 0,
			c->huge_pages ? c->ns_median / (double)c->huge_pages : 0,
			(unsigned long long)c->pages, (unsigned long long)c->huge_bytes,
			(unsigned long long)c->checksum, (unsigned long long)c->runs,
			(unsigned long long)c->largest_run);
		libdma__csv_field(out, c->note);
		fputc('\n', out);
	}
}

/* ------------------------------------------------------------------- JSON */

static void write_json(const struct nl_result *r, FILE *out)
{
	const struct nl_host *h = &r->host;
	struct nl_reading rd;
	uint32_t i;

	nl_read(r, &rd);
	fputs("{\n  \"lab\": \"native\",\n", out);
	libdma__json_kv_string(out, "  ", "libdma_version", h->env.libdma_version, 1);
	fputs("  \"environment\": {\n", out);
	libdma__env_json_head(&h->env, out);
	libdma__json_kv_string(out, "    ", "hypervisor", h->hypervisor, 1);
	libdma__json_kv_string(out, "    ", "thp_defrag", h->thp_defrag, 1);
	fprintf(out, "    \"thp_size\": %llu,\n    \"hugetlb_page_size\": %u,\n",
		(unsigned long long)h->thp_size, NL_HUGE);
	fprintf(out, "    \"hugetlb_pool\": {\"total\": %llu, \"free\": %llu, "
		"\"reserved_for_run\": %llu, \"given_back\": %s},\n",
		(unsigned long long)h->pool.total_before,
		(unsigned long long)h->pool.free_before,
		(unsigned long long)h->pool.reserved,
		h->pool.given_back ? "true" : "false");
	libdma__json_kv_string(out, "    ", "llc", h->llc_name, 1);
	fprintf(out, "    \"llc_bytes\": %llu,\n    \"root\": %s,\n"
		"    \"io_uring_disabled\": %d,\n    \"memlock_limit\": %lld,\n"
		"    \"cap_ipc_lock\": %s,\n    \"mem_available\": %llu,\n",
		(unsigned long long)h->llc_bytes, h->root ? "true" : "false",
		h->io_uring_disabled, h->memlock_limit == UINT64_MAX ? -1ll :
		(long long)h->memlock_limit, h->ipc_lock ? "true" : "false",
		(unsigned long long)h->mem_available);
	libdma__json_kv_string(out, "    ", "loadavg_start", h->loadavg_start, 1);
	libdma__json_kv_string(out, "    ", "loadavg_end", h->loadavg_end, 0);
	fprintf(out, "  },\n  \"samples\": %u,\n  \"cells\": [\n", r->repeat);
	for (i = 0; i < r->nr_cells; i++) {
		const struct nl_cell *c = &r->cells[i];

		fprintf(out, "    {\"experiment\": \"%s\", \"backing\": \"%s\", "
			"\"size\": %llu, \"status\": \"%s\", \"samples\": %u, "
			"\"ns_median\": %.1f, \"ns_min\": %.1f, \"ns_max\": %.1f, "
			"\"undo_ns_median\": %.1f, \"gb_per_s\": %.3f, \"pages\": %llu, "
			"\"huge_pages\": %llu, \"huge_bytes\": %llu, \"checksum\": %llu, "
			"\"runs\": %llu, \"largest_run\": %llu, \"note\": ",
			nl_experiment_name(c->experiment), nl_backing_name(c->backing),
			(unsigned long long)c->size, nl_status_name(c->status),
			c->samples, c->ns_median, c->ns_min, c->ns_max,
			c->undo_ns_median, gbps(c), (unsigned long long)c->pages,
			(unsigned long long)c->huge_pages,
			(unsigned long long)c->huge_bytes,
			(unsigned long long)c->checksum, (unsigned long long)c->runs,
			(unsigned long long)c->largest_run);
		libdma__json_string(out, c->note);
		fputs(i + 1 < r->nr_cells ? "},\n" : "}\n", out);
	}
	fprintf(out, "  ],\n  \"reading\": {\n"
		"    \"pin_cheaper_than_cold_copy_from\": %llu,\n"
		"    \"pin_cheaper_than_warm_copy_from\": %llu,\n"
		"    \"pin_ns_per_4k\": {\"4k\": %.2f, \"thp\": %.2f, \"hugetlb\": %.2f},\n"
		"    \"random_4k_over_thp\": {\"min\": %.3f, \"max\": %.3f, "
		"\"size_max\": %llu},\n"
		"    \"random_4k_over_hugetlb\": {\"min\": %.3f, \"max\": %.3f},\n"
		"    \"seq_read_4k_over_thp\": {\"min\": %.3f, \"max\": %.3f},\n"
		"    \"seq_write_4k_over_thp\": {\"min\": %.3f, \"max\": %.3f},\n"
		"    \"first_touch_ns_per_4k\": %.1f,\n"
		"    \"first_touch_ns_per_thp\": %.1f,\n"
		"    \"sums_compared\": %u,\n    \"sums_differ\": %u,\n"
		"    \"unavailable\": %u,\n    \"failed\": %u\n  }\n}\n",
		(unsigned long long)rd.cross_cold, (unsigned long long)rd.cross_warm,
		rd.pin_page_ns[NL_4K], rd.pin_page_ns[NL_THP],
		rd.pin_page_ns[NL_HUGETLB], rd.tlb_thp.min, rd.tlb_thp.max,
		(unsigned long long)rd.tlb_thp.size_max, rd.tlb_hugetlb.min,
		rd.tlb_hugetlb.max, rd.seq_read.min, rd.seq_read.max,
		rd.seq_write.min, rd.seq_write.max, rd.touch_4k_page,
		rd.touch_thp_huge, rd.nr_sums_compared, rd.nr_sums_differ,
		rd.nr_unavailable, rd.nr_failed);
}

/* ----------------------------------------------------------------- writer */

static void table_fn(const void *r, FILE *out) { write_table(r, out); }
static void csv_fn(const void *r, FILE *out) { write_csv(r, out); }
static void json_fn(const void *r, FILE *out) { write_json(r, out); }

int nl_write(const struct nl_result *r, unsigned int format, FILE *out)
{
	static const struct libdma__writer w = {
		.what = "lab --native", .table = table_fn, .csv = csv_fn,
		.json = json_fn,
	};

	/* the formats are libdma's (LIBDMA_BENCH_TABLE, _CSV, _JSON) */
	return libdma__write(&w, r, format, out);
}
