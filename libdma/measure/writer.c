// SPDX-License-Identifier: MIT
/*
 * The output writer of the benchmark and the lab: the three formats
 * (LIBDMA_BENCH_TABLE, _CSV, _JSON) dispatched, flushed and checked in one
 * place, and the pieces both formats are made of - CSV and JSON escaping,
 * and sizes, times and rates in human form.
 */
#include <errno.h>
#include <string.h>

#include "measure_internal.h"

/* --------------------------------------------------------------- escaping */

void libdma__csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void libdma__csv_comment(FILE *out, const char *key, const char *value)
{
	fprintf(out, "# %s: %s\n", key, value);
}

void libdma__json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

void libdma__json_kv_string(FILE *out, const char *indent, const char *key,
			    const char *value, int comma)
{
	fprintf(out, "%s\"%s\": ", indent, key);
	libdma__json_string(out, value);
	fputs(comma ? ",\n" : "\n", out);
}

/* ------------------------------------------------------------ human forms */

const char *libdma__fmt_size(uint64_t bytes, char *buf)
{
	static const char *const units[] = { "KiB", "MiB", "GiB" };
	int u;

	for (u = 2; u >= 0; u--) {
		uint64_t unit = 1ull << (10 * (u + 1));

		if (bytes >= unit && bytes % unit == 0) {
			snprintf(buf, 32, "%llu %s",
				 (unsigned long long)(bytes / unit), units[u]);
			return buf;
		}
	}
	snprintf(buf, 32, "%llu B", (unsigned long long)bytes);
	return buf;
}

const char *libdma__fmt_ns(double ns, char *buf)
{
	if (ns < 1e3)
		snprintf(buf, 32, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, 32, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, 32, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, 32, "%.2f s", ns / 1e9);
	return buf;
}

const char *libdma__fmt_rate(double bps, char *buf)
{
	if (bps >= 1024.0 * 1024 * 1024)
		snprintf(buf, 32, "%.2f GiB/s", bps / (1024.0 * 1024 * 1024));
	else if (bps >= 1024.0 * 1024)
		snprintf(buf, 32, "%.2f MiB/s", bps / (1024.0 * 1024));
	else if (bps >= 1024.0)
		snprintf(buf, 32, "%.2f KiB/s", bps / 1024.0);
	else
		snprintf(buf, 32, "%.0f B/s", bps);
	return buf;
}

unsigned int libdma__sizes_add(uint64_t *sizes, unsigned int n,
			       unsigned int max, uint64_t s)
{
	unsigned int j;

	for (j = 0; j < n && sizes[j] != s; j++)
		;
	if (j < n || n == max)
		return n;
	for (j = n++; j > 0 && sizes[j - 1] > s; j--)
		sizes[j] = sizes[j - 1];
	sizes[j] = s;
	return n;
}

/* ------------------------------------------------------------- the writer */

int libdma__write(const struct libdma__writer *w, const void *result,
		  unsigned int format, FILE *out)
{
	if (!result || !out)
		return libdma__fail(-EINVAL, "%s: NULL result or stream", w->what);
	switch (format) {
	case LIBDMA_BENCH_TABLE:
		w->table(result, out);
		break;
	case LIBDMA_BENCH_CSV:
		w->csv(result, out);
		break;
	case LIBDMA_BENCH_JSON:
		w->json(result, out);
		break;
	default:
		return libdma__fail(-EINVAL, "%s: unknown output format %u",
				    w->what, format);
	}
	if (fflush(out) || ferror(out))
		return libdma__fail(-EIO, "%s: writing the %s failed", w->what,
				    format == LIBDMA_BENCH_TABLE ? "table" :
				    format == LIBDMA_BENCH_CSV ? "CSV" : "JSON");
	return 0;
}
