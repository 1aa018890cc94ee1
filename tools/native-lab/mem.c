// SPDX-License-Identifier: MIT
/*
 * Memory of each backing the native lab compares, and the proof that a
 * huge-page buffer really is one: the kernel may quietly give 4 KiB pages
 * where THP was asked for (fragmentation, defrag settings), and a figure
 * labelled "thp" over 4 KiB pages would answer the question wrongly. So
 * every huge buffer is checked in /proc/self/smaps after it is touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "native_lab.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)	/* MAP_HUGE_SHIFT 26: log2 of 2 MiB */
#endif

/* ---------------------------------------------------------------- parsers */

char *nl_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t len = 0, cap = 0;
	char *s = NULL, *t;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 16384;
			t = realloc(s, cap);
			if (!t) {
				free(s);
				fclose(f);
				return NULL;
			}
			s = t;
		}
		size_t n = fread(s + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	s[len] = '\0';
	return s;
}

/* "  123 kB" -> bytes; a bare number as it is. */
static uint64_t kb_value(const char *v)
{
	char *end;
	uint64_t n = strtoull(v, &end, 10);

	end += strspn(end, " \t");
	return strncmp(end, "kB", 2) ? n : n * 1024;
}

int nl_meminfo_value(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *l;

	for (l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, klen) && l[klen] == ':') {
			*out = kb_value(l + klen + 1 + strspn(l + klen + 1, " \t"));
			return 0;
		}
	return -ENOENT;
}

/*
 * smaps: a header line per VMA ("start-end perms ..."; lowercase hex),
 * then "Key:   value" lines, whose keys start with a capital letter.
 */
int nl_smaps_field(const char *smaps, uintptr_t addr, const char *key,
		   uint64_t *out)
{
	const char *l;
	int in = 0;
	size_t klen = strlen(key);

	for (l = smaps; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		unsigned long lo, hi;

		if ((*l >= '0' && *l <= '9') || (*l >= 'a' && *l <= 'f')) {
			if (in)
				return -ENOENT;	/* the VMA had no such field */
			in = sscanf(l, "%lx-%lx ", &lo, &hi) == 2 &&
			     addr >= lo && addr < hi;
			continue;
		}
		if (in && !strncmp(l, key, klen) && l[klen] == ':') {
			*out = kb_value(l + klen + 1 + strspn(l + klen + 1, " \t"));
			return 0;
		}
	}
	return -ENOENT;
}

/* ---------------------------------------------------------------- buffers */

static size_t round_huge(size_t size)
{
	return (size + NL_HUGE - 1) & ~(size_t)(NL_HUGE - 1);
}

int nl_buf_get(unsigned int backing, size_t size, const struct nl_host *h,
	       struct nl_buf *b, char *note)
{
	size_t len = round_huge(size);
	uintptr_t a;

	memset(b, 0, sizeof(*b));
	b->backing = backing;
	b->size = size;
	note[0] = '\0';
	switch (backing) {
	case NL_4K:
		b->map = mmap(NULL, size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b->map == MAP_FAILED)
			break;
		b->map_len = size;
		b->p = b->map;
		/* THP "always" would otherwise make this a huge buffer */
		madvise(b->map, size, MADV_NOHUGEPAGE);
		return 0;
	case NL_THP:
		if (!h->thp_size || !strcmp(h->env.thp, "never")) {
			snprintf(note, NL_NOTE, "transparent huge pages are off "
				 "(/sys/kernel/mm/transparent_hugepage/enabled: %s)",
				 h->env.thp);
			return -EOPNOTSUPP;
		}
		/*
		 * 2 MiB aligned, with untouched slack on both sides: its VMA
		 * (VM_HUGEPAGE) then never merges with a neighbour, so
		 * smaps' AnonHugePages for it is this buffer's alone.
		 */
		b->map_len = len + 2 * (size_t)NL_HUGE;
		b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (b->map == MAP_FAILED)
			break;
		a = ((uintptr_t)b->map + 4096 + NL_HUGE - 1) & ~(uintptr_t)(NL_HUGE - 1);
		b->p = (uint8_t *)a;
		if (madvise(b->p, len, MADV_HUGEPAGE)) {
			snprintf(note, NL_NOTE, "madvise(MADV_HUGEPAGE): %s",
				 strerror(errno));
			munmap(b->map, b->map_len);
			b->map = NULL;
			return -EOPNOTSUPP;
		}
		return 0;
	case NL_HUGETLB:
		b->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
		if (b->map == MAP_FAILED) {
			int err = errno;

			b->map = NULL;
			if (h->pool.note[0] && !h->pool.free)
				snprintf(note, NL_NOTE, "%s", h->pool.note);
			else
				snprintf(note, NL_NOTE, "mmap(MAP_HUGETLB) of %zu "
					 "2 MiB pages: %s (the pool has %llu free)",
					 len / NL_HUGE, strerror(err),
					 (unsigned long long)h->pool.free);
			return -err;
		}
		b->map_len = len;
		b->p = b->map;
		return 0;
	case NL_MALLOC:
		b->map = malloc(size);
		if (!b->map)
			break;
		b->p = b->map;
		return 0;
	}
	snprintf(note, NL_NOTE, "no memory for %zu bytes: %s", size, strerror(errno));
	b->map = NULL;
	return -ENOMEM;
}

void nl_buf_put(struct nl_buf *b)
{
	if (!b->map)
		return;
	if (b->backing == NL_MALLOC)
		free(b->map);
	else
		munmap(b->map, b->map_len);
	b->map = NULL;
}

void nl_buf_touch(struct nl_buf *b)
{
	volatile uint8_t *p = b->p;
	size_t off, len = b->backing == NL_THP || b->backing == NL_HUGETLB ?
			  round_huge(b->size) : b->size;

	for (off = 0; off < len; off += 4096)
		p[off] = 1;
}

uint64_t nl_buf_huge_bytes(const struct nl_buf *b)
{
	char *smaps;
	uint64_t v = 0;

	if (b->backing != NL_THP && b->backing != NL_HUGETLB)
		return 0;
	smaps = nl_read_file("/proc/self/smaps");
	if (!smaps)
		return 0;
	if (b->backing == NL_THP) {
		if (nl_smaps_field(smaps, (uintptr_t)b->p, "AnonHugePages", &v))
			v = 0;
	} else if (!nl_smaps_field(smaps, (uintptr_t)b->p, "KernelPageSize", &v)) {
		v = v == NL_HUGE ? round_huge(b->size) : 0;
	}
	free(smaps);
	return v;
}
