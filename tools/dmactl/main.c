// SPDX-License-Identifier: MIT
/*
 * dmactl - look at and exercise edudma devices from the shell.
 *
 *   dmactl COMMAND [ARGS...]      dmactl help [COMMAND]
 *
 * This file holds the command table and the global help; each command
 * lives in a cmd_*.c file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmactl.h"

/*
 * Every command, in the order `dmactl help` lists them. A new command is a
 * struct dmactl_cmd in its own file and one line here.
 */
static const struct dmactl_cmd *const commands[] = {
	&dmactl_cmd_list,
	&dmactl_cmd_info,
	&dmactl_cmd_irq_test,
	&dmactl_cmd_factorial,
	&dmactl_cmd_copy,
	&dmactl_cmd_dmabuf,
	&dmactl_cmd_bench,
	&dmactl_cmd_lab,
	&dmactl_cmd_bind,
	&dmactl_cmd_version,
	NULL,
};

static const char global_help_head[] =
"Usage: dmactl COMMAND [ARGS...]\n"
"       dmactl help [COMMAND]      (or: dmactl COMMAND --help)\n"
"\n"
"dmactl looks at and exercises the devices of the edudma driver (QEMU's\n"
"\"edu\" PCI device) through libdma: it lists them, shows what they can do,\n"
"proves their interrupt works and moves data through their DMA engine,\n"
"checking every byte.\n"
"\n"
"Commands:\n";

static const char global_help_tail[] =
"\n"
"DEV names a device, as libdma_open() accepts it: an index (\"0\", the\n"
"default; \"edudma0\" works too), a device node (\"/dev/edudma0\"), a PCI\n"
"address (\"0000:00:04.0\" or \"00:04.0\"), or \"vfio:0000:00:04.0\" for a\n"
"device bound to vfio-pci (see `dmactl bind`), driven from dmactl itself\n"
"through VFIO. `dmactl list` shows them all.\n"
"\n"
"Exit status (every command):\n"
"  0  success\n"
"  1  the device answered wrongly: data differs after a copy, a wrong\n"
"     factorial\n"
"  2  usage error: unknown command or option, missing or bad argument\n"
"  3  no device: DEV not found or not openable (module edudma not loaded,\n"
"     no such device, permission denied, malformed DEV); `list` also\n"
"     when there is no device at all\n"
"  4  not supported by this driver (e.g. copy --mode pinned while the\n"
"     driver cannot pin user memory)\n"
"  5  the operation failed on the device (timeout, I/O error, interrupted,\n"
"     out of memory)\n"
"\n"
"Messages go to stderr and say what went wrong and, where libdma can tell,\n"
"how to fix it (e.g. \"module edudma not loaded ...: load it with\n"
"'modprobe edudma'\").\n";

static void global_help(FILE *out)
{
	const struct dmactl_cmd *const *c;

	fputs(global_help_head, out);
	for (c = commands; *c; c++)
		fprintf(out, "  %-10s  %s\n", (*c)->name, (*c)->summary);
	fprintf(out, "  %-10s  %s\n", "help", "this text, or a command's help");
	fputs(global_help_tail, out);
}

static const struct dmactl_cmd *find_command(const char *name)
{
	const struct dmactl_cmd *const *c;

	for (c = commands; *c; c++)
		if (!strcmp((*c)->name, name))
			return *c;
	return NULL;
}

static int unknown_command(const char *name)
{
	fprintf(stderr, "dmactl: unknown command '%s'; the commands are:", name);
	for (const struct dmactl_cmd *const *c = commands; *c; c++)
		fprintf(stderr, " %s", (*c)->name);
	fprintf(stderr, " (see 'dmactl help')\n");
	return DM_EXIT_USAGE;
}

static int help_command(int argc, char **argv)
{
	const struct dmactl_cmd *cmd;

	if (argc <= 2) {
		global_help(stdout);
		return DM_EXIT_OK;
	}
	cmd = find_command(argv[2]);
	if (!cmd)
		return unknown_command(argv[2]);
	dm_print_help(cmd);
	return DM_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct dmactl_cmd *cmd;
	char name[64];

	if (argc < 2) {
		global_help(stderr);
		return DM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h"))
		return help_command(argc, argv);
	if (!strcmp(argv[1], "--version"))
		argv[1] = (char *)"version";
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);

	/* getopt's own messages then read "dmactl copy: ...". */
	snprintf(name, sizeof(name), "dmactl %s", cmd->name);
	argv[1] = name;
	return cmd->run(argc - 1, argv + 1);
}
