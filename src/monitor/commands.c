/*
 * Monitor commands. Names, arguments and output follow QEMU's HMP so that habits and scripts
 * carry over.
 */
#include "config.h"

#include "monitor/commands.h"

#include <string.h>

#include "hw/ide.h"
#include "hw/machine.h"
#include "hw/net/net.h"
#include "hw/pci.h"
#include "hw/piix-ide.h"
#include "hw/device.h"
#include "i18n.h"
#include "monitor/hotplug.h"
#include "monitor/inspect.h"
#include "vm/vcpu.h"

static bool cmd_help(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);
static bool cmd_info(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);

static const struct kd_monitor_command *find(const struct kd_monitor_command *table,
					     const char *name)
{
	for (const struct kd_monitor_command *c = table; c && c->name; c++)
		if (!strcmp(c->name, name) || (c->alias && !strcmp(c->alias, name)))
			return c;
	return NULL;
}

/* A built-in command (or info subcommand) that reaches for the VM says so when none runs. */
static bool need_machine(struct kd_monitor_context *ctx, const char *name, GString *out)
{
	static const char *const without[] = { "help", "info", "quit", "version", "kvm" };

	if (ctx->machine)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(without); i++)
		if (!strcmp(name, without[i]))
			return true;
	g_string_append_printf(out, _("%s: no VM is running (start one with vm_start)\n"), name);
	return false;
}

static bool no_arguments(int argc, char **argv, GString *out)
{
	if (argc == 1)
		return true;
	g_string_append_printf(out, _("%s: takes no arguments\n"), argv[0]);
	return false;
}

static bool cmd_stop(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	if (!no_arguments(argc, argv, out))
		return false;
	kd_vm_pause(ctx->machine->vm);
	return true;
}

static bool cmd_cont(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	enum kd_vm_state state;

	if (!no_arguments(argc, argv, out))
		return false;
	state = kd_vm_state(ctx->machine->vm);
	if (state == KD_VM_STATE_SHUTDOWN || state == KD_VM_STATE_INTERNAL_ERROR) {
		g_string_append_printf(out, _("cont: the VM is in state %s; system_reset first\n"),
				       kd_vm_state_name(state));
		return false;
	}
	kd_vm_resume(ctx->machine->vm);
	return true;
}

static bool cmd_system_reset(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	if (!no_arguments(argc, argv, out))
		return false;
	kd_vm_reset(ctx->machine->vm);
	return true;
}

/* eject [-f] DEVICE */
static bool cmd_eject(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_autoptr(GError) err = NULL;
	bool force = argc == 3 && !strcmp(argv[1], "-f");
	const char *name = argv[argc - 1];
	struct kd_ide_drive *d;
	bool ok = false;

	if (argc != 2 && !force) {
		g_string_append(out, _("eject: usage: eject [-f] DEVICE (see info block)\n"));
		return false;
	}
	kd_vm_lock(ctx->machine->vm);
	d = kd_piix_ide_find(ctx->machine, name);
	if (!d)
		g_string_append_printf(out, _("Device '%s' not found\n"), name);
	else if (!(ok = kd_ide_drive_eject(d, force, &err)))
		g_string_append_printf(out, "%s: %s\n", name, err->message);
	kd_vm_unlock(ctx->machine->vm);
	return ok;
}

/* change DEVICE FILE [raw] */
static bool cmd_change(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_autoptr(GError) err = NULL;
	bool ok;

	if (argc < 3 || argc > 4) {
		g_string_append(out, _("change: usage: change DEVICE FILE [raw]\n"));
		return false;
	}
	if (argc == 4 && strcmp(argv[3], "raw") != 0) {
		g_string_append_printf(out, _("change: format '%s' is not supported (raw)\n"),
				       argv[3]);
		return false;
	}
	kd_vm_lock(ctx->machine->vm);
	ok = kd_piix_ide_change(ctx->machine, argv[1], argv[2], &err);
	kd_vm_unlock(ctx->machine->vm);
	if (!ok)
		g_string_append_printf(out, "%s\n", err->message);
	return ok;
}

static bool cmd_quit(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	if (!no_arguments(argc, argv, out))
		return false;
	ctx->quit_requested = true;
	return true;
}

static const struct kd_monitor_command commands[] = {
	{ "help", "?", "[cmd]", N_("show the help for all commands or just for [cmd]"), cmd_help },
	{ "info", NULL, "[subcommand]", N_("show various information about the system state"),
	  cmd_info },
	{ "stop", NULL, "", N_("stop emulation"), cmd_stop },
	{ "cont", "c", "", N_("resume emulation"), cmd_cont },
	{ "system_reset", NULL, "", N_("reset the system"), cmd_system_reset },
	{ "eject", NULL, "[-f] device", N_("eject a removable medium (use -f to force it)"),
	  cmd_eject },
	{ "change", NULL, "device filename [format]",
	  N_("change a removable medium (an ISO image into a CD-ROM drive)"), cmd_change },
	{ "pci_add", NULL, "auto|[[0:]0:]SLOT nic|host|storage [OPTIONS]",
	  N_("hot-add a PCI card: nic [model=e1000|rtl8139][,macaddr=MAC][,vlan=N], "
	     "host host=BB:DD.F[,name=ID]"),
	  kd_monitor_cmd_pci_add },
	{ "pci_del", NULL, "[[0:]0:]SLOT", N_("hot-remove the card in SLOT (the guest ejects it)"),
	  kd_monitor_cmd_pci_del },
	{ "device_add", NULL, "DRIVER[,PROP=VALUE,...]",
	  N_("hot-add a device: e1000|rtl8139,netdev=ID[,mac=MAC][,id=ID][,addr=SLOT], "
	     "vfio-pci,host=BB:DD.F[,id=ID][,addr=SLOT]"),
	  kd_monitor_cmd_device_add },
	{ "device_del", NULL, "ID", N_("hot-remove the device ID (the guest ejects it)"),
	  kd_monitor_cmd_device_del },
	{ "netdev_add", NULL, "user|tap,id=ID[,...]", N_("add a network backend"),
	  kd_monitor_cmd_netdev_add },
	{ "netdev_del", NULL, "ID", N_("remove a network backend"), kd_monitor_cmd_netdev_del },
	{ "drive_add", NULL, "auto|[[0:]0:]SLOT file=FILE[,if=TYPE]",
	  N_("add a drive to a hot-pluggable disk controller (this PC has none)"),
	  kd_monitor_cmd_drive_add },
	{ "system_powerdown", NULL, "", N_("send system power down event (ACPI power button)"),
	  kd_monitor_cmd_system_powerdown },
	{ "sendkey", NULL, "keys [hold_ms]",
	  N_("send keys to the VM (e.g. 'sendkey ctrl-alt-f1', default hold time=100 ms)"),
	  kd_monitor_cmd_sendkey },
	{ "screendump", NULL, "filename", N_("save screen from the display into a PPM image"),
	  kd_monitor_cmd_screendump },
	{ "x", NULL, "/fmt addr",
	  N_("virtual memory dump starting at 'addr' (fmt: /[count][x|d|u|o|c][b|h|w|g])"),
	  kd_monitor_cmd_x },
	{ "xp", NULL, "/fmt addr", N_("physical memory dump starting at 'addr'"),
	  kd_monitor_cmd_xp },
	{ "balloon", NULL, "target", N_("request VM to change its memory allocation (in MB)"),
	  kd_monitor_cmd_balloon },
	{ "quit", "q", "", N_("quit the emulator"), cmd_quit },
	{ NULL },
};

/* ------------------------------------------------------------------ info */
static bool info_status(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	enum kd_vm_state state = kd_vm_state(ctx->machine->vm);

	if (state == KD_VM_STATE_RUNNING)
		g_string_append(out, "VM status: running\n");
	else if (state == KD_VM_STATE_PAUSED)
		g_string_append(out, "VM status: paused\n");
	else
		g_string_append_printf(out, "VM status: paused (%s)\n", kd_vm_state_name(state));
	return true;
}

static bool info_version(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_string_append_printf(out, "%s (%s)\n", PACKAGE_VERSION, PACKAGE_NAME);
	return true;
}

static bool info_kvm(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_string_append(out, "kvm support: enabled\n");
	return true;
}

static bool info_cpus(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_vm *vm = ctx->machine->vm;

	for (unsigned i = 0; i < kd_vm_ncpus(vm); i++)
		g_string_append_printf(out, "%c CPU #%u: thread_id=%d\n", i == 0 ? '*' : ' ', i,
				       kd_vcpu_thread_id(kd_vm_vcpu(vm, i)));
	return true;
}

static bool info_registers(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_vm *vm = ctx->machine->vm;
	/* A vCPU inside KVM_RUN holds its registers: stop them all for a consistent picture
	 * (a guest spinning without exits would otherwise keep the monitor waiting). */
	bool was_running = kd_vm_pause(vm);

	for (unsigned i = 0; i < kd_vm_ncpus(vm); i++) {
		g_autofree char *regs = kd_vcpu_format_registers(kd_vm_vcpu(vm, i));

		g_string_append(out, regs);
	}
	if (was_running)
		kd_vm_resume(vm);
	return true;
}

static bool info_pci(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	kd_vm_lock(ctx->machine->vm);
	kd_pci_info(ctx->machine->pci, out);
	kd_vm_unlock(ctx->machine->vm);
	return true;
}

static bool info_exits(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_vm_stats st;
	struct kd_bus_stats io, mmio;
	struct kd_vm *vm = ctx->machine->vm;

	kd_vm_get_stats(vm, &st);
	kd_vm_lock(vm);
	kd_bus_get_stats(kd_vm_pio(vm), &io);
	kd_bus_get_stats(kd_vm_mmio(vm), &mmio);
	kd_vm_unlock(vm);
	g_string_append_printf(out,
			       "exits to userspace: %" G_GUINT64_FORMAT
			       " (port I/O %" G_GUINT64_FORMAT ", MMIO %" G_GUINT64_FORMAT
			       ", other %" G_GUINT64_FORMAT ")\n",
			       st.exits, st.exits_io, st.exits_mmio, st.exits_other);
	g_string_append_printf(out,
			       "unclaimed port I/O: %" G_GUINT64_FORMAT " reads, %" G_GUINT64_FORMAT
			       " writes (last at %#" G_GINT64_MODIFIER "x)\n",
			       io.unclaimed_reads, io.unclaimed_writes, io.last_unclaimed_address);
	g_string_append_printf(out,
			       "unclaimed MMIO: %" G_GUINT64_FORMAT " reads, %" G_GUINT64_FORMAT
			       " writes (last at %#" G_GINT64_MODIFIER "x)\n",
			       mmio.unclaimed_reads, mmio.unclaimed_writes,
			       mmio.last_unclaimed_address);
	g_string_append_printf(out, "resets: %" G_GUINT64_FORMAT "\n", st.resets);
	return true;
}

static bool info_qtree(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	GPtrArray *devices = ctx->machine->devices;

	kd_vm_lock(ctx->machine->vm);
	for (guint i = 0; i < devices->len; i++) {
		struct kd_device *d = g_ptr_array_index(devices, i);

		g_string_append_printf(out, "dev: %s, id \"%s\"\n", d->type, d->id);
		if (d->info) {
			g_autoptr(GString) detail = g_string_new(NULL);

			d->info(d, detail);
			g_string_append_printf(out, "  %s", detail->str);
		}
	}
	kd_vm_unlock(ctx->machine->vm);
	return true;
}

static bool info_network(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	kd_vm_lock(ctx->machine->vm);
	kd_net_info(ctx->machine, out);
	kd_vm_unlock(ctx->machine->vm);
	return true;
}

static bool info_block(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	kd_vm_lock(ctx->machine->vm);
	kd_piix_ide_info_block(ctx->machine, out);
	kd_vm_unlock(ctx->machine->vm);
	return true;
}

static const struct kd_monitor_command info_commands[] = {
	{ "status", NULL, "", N_("show the current VM status (running|paused)"), info_status },
	{ "version", NULL, "", N_("show the version of kvmdesk"), info_version },
	{ "kvm", NULL, "", N_("show KVM information"), info_kvm },
	{ "cpus", NULL, "", N_("show infos for each CPU"), info_cpus },
	{ "registers", NULL, "", N_("show the cpu registers"), info_registers },
	{ "pci", NULL, "", N_("show PCI info"), info_pci },
	{ "block", NULL, "", N_("show the block devices"), info_block },
	{ "network", NULL, "", N_("show the network state"), info_network },
	{ "qtree", NULL, "", N_("show the device tree"), info_qtree },
	{ "irq", NULL, "", N_("show the interrupts statistics"), kd_monitor_info_irq },
	{ "mtree", NULL, "", N_("show memory tree"), kd_monitor_info_mtree },
	{ "chardev", NULL, "", N_("show the character devices"), kd_monitor_info_chardev },
	{ "ksm", NULL, "", N_("show kernel same-page merging of guest RAM (kvmdesk)"),
	  kd_monitor_info_ksm },
	{ "balloon", NULL, "", N_("show balloon information"), kd_monitor_info_balloon },
	{ "exits", NULL, "", N_("show exits to userspace and unclaimed I/O (kvmdesk)"),
	  info_exits },
	{ "display", NULL, "[cells ROW]",
	  N_("show the display: mode, cursor and text rows; cells ROW: a row's character and "
	     "attribute bytes (kvmdesk)"),
	  kd_monitor_info_display },
	{ NULL },
};

const struct kd_monitor_command *kd_monitor_commands(void)
{
	return commands;
}

const struct kd_monitor_command *kd_monitor_info_commands(void)
{
	return info_commands;
}

static void describe(const struct kd_monitor_command *c, const char *prefix, GString *out)
{
	/* QEMU's layout, "name|alias params -- help", kept for scripts that parse it. */
	g_string_append_printf(out, "%s%s%s%s %s -- %s\n", prefix, c->name, c->alias ? "|" : "",
			       c->alias ? c->alias : "", c->args, _(c->help));
}

static bool cmd_info(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	const struct kd_monitor_command *c;

	if (argc < 2) {
		for (c = info_commands; c->name; c++)
			describe(c, "info ", out);
		for (c = ctx->extra_info; c && c->name; c++)
			describe(c, "info ", out);
		return true;
	}
	c = find(info_commands, argv[1]);
	if (c) {
		if (!need_machine(ctx, c->name, out))
			return false;
		return c->run(ctx, argc - 1, argv + 1, out);
	}
	c = find(ctx->extra_info, argv[1]);
	if (c)
		return c->run(ctx, argc - 1, argv + 1, out);
	g_string_append_printf(out, _("info: unknown subcommand '%s'; 'info' lists them\n"),
			       argv[1]);
	return false;
}

static bool cmd_help(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	const struct kd_monitor_command *c;

	if (argc < 2) {
		for (c = commands; c->name; c++)
			describe(c, "", out);
		for (c = ctx->extra; c && c->name; c++)
			describe(c, "", out);
		return true;
	}
	if (!strcmp(argv[1], "info") && argc > 2) {
		c = find(info_commands, argv[2]);
		if (!c)
			c = find(ctx->extra_info, argv[2]);
		if (c) {
			describe(c, "info ", out);
			return true;
		}
	}
	c = find(commands, argv[1]);
	if (!c)
		c = find(ctx->extra, argv[1]);
	if (!c) {
		g_string_append_printf(out, _("help: unknown command '%s'\n"), argv[1]);
		return false;
	}
	describe(c, "", out);
	if (c->run == cmd_info) {
		for (c = info_commands; c->name; c++)
			describe(c, "info ", out);
		for (c = ctx->extra_info; c && c->name; c++)
			describe(c, "info ", out);
	}
	return true;
}

bool kd_monitor_run_line(struct kd_monitor_context *ctx, const char *line, GString *out)
{
	g_auto(GStrv) argv = NULL;
	const struct kd_monitor_command *c;
	int argc;

	argv = g_strsplit_set(line, " \t\r\n", -1);
	/* Drop the empty strings that repeated separators leave. */
	argc = 0;
	for (int i = 0; argv[i]; i++) {
		if (*argv[i])
			argv[argc++] = argv[i];
		else
			g_free(argv[i]);
	}
	argv[argc] = NULL;
	if (argc == 0)
		return true;
	c = find(commands, argv[0]);
	if (c) {
		if (!need_machine(ctx, c->name, out))
			return false;
		return c->run(ctx, argc, argv, out);
	}
	c = find(ctx->extra, argv[0]);
	if (c)
		return c->run(ctx, argc, argv, out);
	g_string_append_printf(out, _("unknown command: '%s'\n"), argv[0]);
	return false;
}

/* ------------------------------------------------------------------ completion */

static void add_if_prefix(GPtrArray *out, const char *candidate, const char *word)
{
	if (g_str_has_prefix(candidate, word))
		g_ptr_array_add(out, g_strdup(candidate));
}

static void complete_cards(struct kd_machine *m, const char *word, bool slots, GPtrArray *out)
{
	if (!m) /* no VM runs: nothing of it to complete */
		return;
	kd_vm_lock(m->vm);
	for (unsigned s = 0; s < 32; s++) {
		struct kd_pci_device *p = kd_pci_find(m->pci, PCI_DEVFN(s, 0));
		g_autofree char *slot = g_strdup_printf("%x", s);

		if (p && p->owner && p->owner->id)
			add_if_prefix(out, slots ? slot : p->owner->id, word);
	}
	kd_vm_unlock(m->vm);
}

static void complete_netdevs(struct kd_machine *m, const char *word, GPtrArray *out)
{
	if (!m) /* no VM runs: nothing of it to complete */
		return;
	kd_vm_lock(m->vm);
	for (guint i = 0; i < m->devices->len; i++) {
		struct kd_device *d = g_ptr_array_index(m->devices, i);

		if (!strcmp(d->type, "user-net") || !strcmp(d->type, "tap"))
			add_if_prefix(out, d->id, word);
	}
	kd_vm_unlock(m->vm);
}

static void complete_drives(struct kd_machine *m, const char *word, GPtrArray *out)
{
	if (!m) /* no VM runs: nothing of it to complete */
		return;
	kd_vm_lock(m->vm);
	for (unsigned i = 0; i < 4; i++)
		for (unsigned cd = 0; cd < 2; cd++) {
			g_autofree char *name =
				g_strdup_printf("ide%u-%s%u", i / 2, cd ? "cd" : "hd", i % 2);

			if (kd_piix_ide_find(m, name))
				add_if_prefix(out, name, word);
		}
	kd_vm_unlock(m->vm);
}

GPtrArray *kd_monitor_complete(struct kd_monitor_context *ctx, const char *line, bool *files)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
	guint n = 0, argn;
	const char *word, *cmd;
	const struct kd_monitor_command *c;

	*files = false;
	for (guint i = 0; words[i]; i++)
		if (*words[i] || !words[i + 1])
			words[n++] = words[i];
		else
			g_free(words[i]);
	words[n] = NULL;
	word = n ? words[n - 1] : "";
	argn = n ? n - 1 : 0; /* which word is being completed: 0 = the command */
	if (argn == 0 || (argn == 1 && n && !strcmp(words[0], "help"))) {
		for (c = commands; c->name; c++) {
			add_if_prefix(out, c->name, word);
			if (c->alias && argn == 0)
				add_if_prefix(out, c->alias, word);
		}
		for (c = ctx->extra; c && c->name; c++)
			add_if_prefix(out, c->name, word);
		return out;
	}
	c = find(commands, words[0]);
	cmd = c ? c->name : "";
	if (!c && ctx->extra_complete && find(ctx->extra, words[0])) {
		ctx->extra_complete(ctx->extra_opaque, find(ctx->extra, words[0])->name, argn, word,
				    out);
		return out;
	}
	if (!strcmp(cmd, "info") && argn == 1) {
		for (c = info_commands; c->name; c++)
			add_if_prefix(out, c->name, word);
		for (c = ctx->extra_info; c && c->name; c++)
			add_if_prefix(out, c->name, word);
	} else if (!strcmp(cmd, "device_del") && argn == 1) {
		complete_cards(ctx->machine, word, false, out);
	} else if (!strcmp(cmd, "pci_del") && argn == 1) {
		complete_cards(ctx->machine, word, true, out);
	} else if (!strcmp(cmd, "netdev_del") && argn == 1) {
		complete_netdevs(ctx->machine, word, out);
	} else if ((!strcmp(cmd, "eject") || !strcmp(cmd, "change")) && argn == 1) {
		if (!strcmp(cmd, "eject"))
			add_if_prefix(out, "-f", word);
		complete_drives(ctx->machine, word, out);
	} else if (!strcmp(cmd, "eject") && argn == 2 && !strcmp(words[1], "-f")) {
		complete_drives(ctx->machine, word, out);
	} else if (!strcmp(cmd, "change") && argn == 2) {
		*files = true;
	} else if (!strcmp(cmd, "pci_add") && argn == 1) {
		add_if_prefix(out, "auto", word);
	} else if (!strcmp(cmd, "pci_add") && argn == 2) {
		static const char *const kinds[] = { "nic", "host", "storage" };

		for (unsigned i = 0; i < G_N_ELEMENTS(kinds); i++)
			add_if_prefix(out, kinds[i], word);
	} else if (!strcmp(cmd, "device_add") && argn == 1) {
		static const char *const drivers[] = { "e1000,netdev=", "rtl8139,netdev=",
						       "vfio-pci,host=" };

		for (unsigned i = 0; i < G_N_ELEMENTS(drivers); i++)
			add_if_prefix(out, drivers[i], word);
	} else if (!strcmp(cmd, "netdev_add") && argn == 1) {
		add_if_prefix(out, "user,id=", word);
		add_if_prefix(out, "tap,id=", word);
	} else if (!strcmp(cmd, "sendkey") && argn == 1) {
		kd_monitor_complete_keys(word, out);
	}
	return out;
}
