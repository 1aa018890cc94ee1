// SPDX-License-Identifier: MIT
/*
 * Where a run takes place, so that its figures are never read out of
 * context: the platform (QEMU under TCG or KVM, another virtual machine,
 * hardware), machine, CPU, kernel, clock source, transparent huge pages,
 * date, libdma's version and the device - gathered once per run of the
 * benchmark or the lab, and the lines that say it at the top of each of
 * their three outputs.
 */
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "measure_internal.h"

/* ------------------------------------------------------------- gathering */

/* The value of the first "key<spaces>: value" line of /proc/cpuinfo. */
static void cpuinfo_value(const char *key, char *buf, size_t len)
{
	char line[1024];
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/cpuinfo", "re");

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, key, klen) || !colon ||
		    strspn(line + klen, " \t") != (size_t)(colon - line - (long)klen))
			continue;
		colon++;
		colon += strspn(colon, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

void libdma__env_host_get(const char *label, struct libdma_bench_env *env)
{
	char vendor[64], product[64], flags[2048], clocks[256], thp[128];
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;
	long page = sysconf(_SC_PAGESIZE);

	memset(env, 0, sizeof(*env));
	libdma__read_line("/sys/class/dmi/id/sys_vendor", vendor,
			  sizeof(vendor));
	libdma__read_line("/sys/class/dmi/id/product_name", product,
			  sizeof(product));
	snprintf(env->machine, sizeof(env->machine), "%.40s%s%.50s", vendor,
		 vendor[0] && product[0] ? " " : "", product);
	cpuinfo_value("model name", env->cpu, sizeof(env->cpu));
	cpuinfo_value("flags", flags, sizeof(flags));
	libdma__read_line("/sys/devices/system/clocksource/clocksource0/available_clocksource",
			  clocks, sizeof(clocks));
	libdma__read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			  env->clocksource, sizeof(env->clocksource));

	/*
	 * QEMU names itself in the DMI tables and, under TCG, in the CPU's
	 * model name ("QEMU TCG CPU ..."); a KVM guest has kvm-clock.
	 */
	if (strstr(vendor, "QEMU") || strstr(env->cpu, "QEMU"))
		snprintf(env->platform, sizeof(env->platform), "QEMU%s",
			 strstr(env->cpu, "TCG") ? " (TCG)" :
			 strstr(clocks, "kvm-clock") ? " (KVM)" : "");
	else if (strstr(flags, " hypervisor"))
		snprintf(env->platform, sizeof(env->platform), "virtual machine");
	else
		snprintf(env->platform, sizeof(env->platform), "hardware");

	if (uname(&u) == 0)
		snprintf(env->kernel, sizeof(env->kernel), "%.15s %.60s %.15s",
			 u.sysname, u.release, u.machine);
	libdma__read_line("/sys/kernel/mm/transparent_hugepage/enabled", thp,
			  sizeof(thp));
	{
		char *open = strchr(thp, '['), *close = open ? strchr(open, ']') : NULL;

		if (open && close)
			snprintf(env->thp, sizeof(env->thp), "%.*s",
				 (int)(close - open - 1), open + 1);
		else
			snprintf(env->thp, sizeof(env->thp), "%.31s",
				 thp[0] ? thp : "unknown");
	}
	if (label)
		snprintf(env->label, sizeof(env->label), "%s", label);
	if (gmtime_r(&t, &tm))
		strftime(env->date, sizeof(env->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(env->libdma_version, sizeof(env->libdma_version), "%s",
		 libdma_version_string());
	env->page_size = page > 0 ? (uint64_t)page : 4096;
}

void libdma__env_get(struct libdma_device *dev, const char *label,
		     struct libdma_bench_env *env)
{
	libdma__env_host_get(label, env);
	libdma_get_info(dev, &env->info);
}

/* ---------------------------------------------------------------- outputs */

static const char *irq_name(int mode)
{
	return mode == LIBDMA_IRQ_MSI ? "msi" : mode == LIBDMA_IRQ_INTX ? "intx" :
	       mode == LIBDMA_IRQ_NONE ? "none" : "unknown";
}

/* The "where it ran" lines of the table about the host: where, kernel. */
void libdma__env_table_host(const struct libdma_bench_env *e, FILE *out)
{
	fprintf(out, "  where     %s%s%s; cpu: %s\n", e->platform,
		e->machine[0] ? ", " : "", e->machine, e->cpu[0] ? e->cpu : "?");
	fprintf(out, "  kernel    %s; clocksource %s; transparent huge pages: %s\n",
		e->kernel, e->clocksource[0] ? e->clocksource : "?", e->thp);
}

/* The device's kind, as INFO's engine says (API 1.4): "edu" or "edu-sg". */
static const char *engine_name(uint32_t engine)
{
	return engine == LIBDMA_ENGINE_EDUSG ? "edu-sg" : "edu";
}

/* The "where it ran" lines of the table: machine, kernel, device. */
void libdma__env_table(const struct libdma_bench_env *e, FILE *out)
{
	const struct libdma_info *i = &e->info;

	libdma__env_table_host(e, out);
	fprintf(out, "  device    %s%s%s%s: %s %u.%u, %u-byte window, %u-bit DMA "
		"mask, %s interrupt, driver ABI %u\n", i->node,
		i->pci_address[0] ? " (" : "", i->pci_address,
		i->pci_address[0] ? ")" : "", engine_name(i->engine),
		i->version_major, i->version_minor,
		i->window_size, i->dma_mask_bits, irq_name(i->irq_mode),
		i->abi_version);
}

/* The '#' lines of a CSV about the host: platform ... thp. */
void libdma__env_csv_host(const struct libdma_bench_env *e, FILE *out)
{
	libdma__csv_comment(out, "platform", e->platform);
	libdma__csv_comment(out, "machine", e->machine);
	libdma__csv_comment(out, "cpu", e->cpu);
	libdma__csv_comment(out, "kernel", e->kernel);
	libdma__csv_comment(out, "clocksource", e->clocksource);
	libdma__csv_comment(out, "thp", e->thp);
}

/* The '#' lines of a CSV that say where it ran: platform ... device. */
void libdma__env_csv(const struct libdma_bench_env *e, FILE *out)
{
	const struct libdma_info *i = &e->info;
	char buf[256];

	libdma__env_csv_host(e, out);
	snprintf(buf, sizeof(buf), "%s %s %s %u.%u window %u dma_mask_bits %u "
		 "irq %s driver_abi %u", i->node, i->pci_address[0] ?
		 i->pci_address : "-", engine_name(i->engine),
		 i->version_major, i->version_minor,
		 i->window_size, i->dma_mask_bits, irq_name(i->irq_mode),
		 i->abi_version);
	libdma__csv_comment(out, "device", buf);
}

/* The environment object's first keys: platform ... page_size (indent 4). */
void libdma__env_json_head(const struct libdma_bench_env *e, FILE *out)
{
	libdma__json_kv_string(out, "    ", "platform", e->platform, 1);
	libdma__json_kv_string(out, "    ", "machine", e->machine, 1);
	libdma__json_kv_string(out, "    ", "cpu", e->cpu, 1);
	libdma__json_kv_string(out, "    ", "kernel", e->kernel, 1);
	libdma__json_kv_string(out, "    ", "clocksource", e->clocksource, 1);
	libdma__json_kv_string(out, "    ", "thp", e->thp, 1);
	libdma__json_kv_string(out, "    ", "label", e->label, 1);
	libdma__json_kv_string(out, "    ", "date", e->date, 1);
	fprintf(out, "    \"page_size\": %llu,\n", (unsigned long long)e->page_size);
}

/* "device": {...}, inside the environment object, with a trailing comma. */
void libdma__env_json_device(const struct libdma_info *i, FILE *out)
{
	char ver[16];

	fputs("    \"device\": {\n", out);
	libdma__json_kv_string(out, "      ", "node", i->node, 1);
	libdma__json_kv_string(out, "      ", "pci_address", i->pci_address, 1);
	libdma__json_kv_string(out, "      ", "engine", engine_name(i->engine), 1);
	snprintf(ver, sizeof(ver), "%u.%u", i->version_major, i->version_minor);
	libdma__json_kv_string(out, "      ", "version", ver, 1);
	fprintf(out, "      \"driver_abi\": %u,\n", i->abi_version);
	fprintf(out, "      \"window_size\": %u,\n", i->window_size);
	fprintf(out, "      \"dma_mask_bits\": %u,\n", i->dma_mask_bits);
	fprintf(out, "      \"max_alloc\": %llu,\n", (unsigned long long)i->max_alloc);
	fprintf(out, "      \"max_cmd_length\": %u,\n", i->max_cmd_length);
	fprintf(out, "      \"max_requests\": %u,\n", i->max_requests);
	libdma__json_kv_string(out, "      ", "irq_mode", irq_name(i->irq_mode),
			       0);
	fputs("    },\n", out);
}
