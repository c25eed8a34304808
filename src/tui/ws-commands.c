/*
 * The workstation's monitor commands (kvmdesk's own, beside QEMU's): the VM's life and
 * settings, and the host's devices. The screens' keys run these, so every action can be typed
 * and scripted too.
 */
#include "config.h"

#include <string.h>

#include "assign/bind.h"
#include "assign/hostdev.h"
#include "cli.h"
#include "i18n.h"
#include "session.h"
#include "tui/workstation-internal.h"
#include "vm/vm.h"
#include "vmdef.h"

static struct kd_workstation *ws_of(struct kd_monitor_context *ctx)
{
	return ctx->extra_opaque;
}

static bool usage(GString *out, const char *cmd, const char *syntax)
{
	g_string_append_printf(out, _("%s: usage: %s %s\n"), cmd, cmd, syntax);
	return false;
}

static bool stopped_only(struct kd_workstation *ws, const char *cmd, GString *out)
{
	if (!ws->session)
		return true;
	g_string_append_printf(out,
			       _("%s: VM '%s' is running; stop it first (vm_kill or "
				 "system_powerdown)\n"),
			       cmd, kd_session_name(ws->session));
	return false;
}

/* Saves the definition (the demo becomes a saved VM the first time it changes). */
static bool save(struct kd_workstation *ws, const char *cmd, GString *out)
{
	g_autoptr(GError) err = NULL;

	if (!kd_vmdef_save_in(ws->vm_dir, ws->def, &err)) {
		g_string_append_printf(out, "%s: %s\n", cmd, err->message);
		return false;
	}
	ws->def_builtin = false;
	return true;
}

/* ---------------------------------------------------------------- the VM's life */

static bool cmd_vm_start(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) warnings = g_string_new(NULL);
	bool paused = argc == 2 && !strcmp(argv[1], "-S");

	if (argc > 2 || (argc == 2 && !paused))
		return usage(out, argv[0], "[-S]");
	if (ws->session) {
		g_string_append_printf(out, _("vm_start: VM '%s' is already running\n"),
				       kd_session_name(ws->session));
		return false;
	}
	if (!kd_vmdef_check(ws->def, warnings, &err)) {
		g_string_append_printf(out, _("vm_start: VM '%s' cannot start:\n%s\n"),
				       ws->def->name, err->message);
		return false;
	}
	g_string_append(out, warnings->str);
	ws->session = kd_session_start(ws->def, paused, ws_vm_ended, ws, &err);
	if (!ws->session) {
		g_string_append_printf(out, "vm_start: %s\n", err->message);
		return false;
	}
	ctx->machine = kd_session_machine(ws->session);
	ws_vm_started(ws);
	g_string_append_printf(out, _("VM '%s' started: %s\n"), ws->def->name,
			       kd_session_command_line(ws->session));
	return true;
}

static bool cmd_vm_kill(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);

	if (argc != 1)
		return usage(out, argv[0], "");
	if (!ws->session) {
		g_string_append(out, _("vm_kill: no VM is running\n"));
		return false;
	}
	g_string_append_printf(out, _("VM '%s' stopped\n"), kd_session_name(ws->session));
	ws_vm_stopped(ws);
	return true;
}

/* ---------------------------------------------------------------- definitions */

static bool cmd_vm_list(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_auto(GStrv) names = kd_vmdef_list_in(ws->vm_dir);
	bool demo_listed = false;

	for (char **n = names; *n; n++) {
		g_string_append_printf(out, "%c %s\n", !strcmp(*n, ws->def->name) ? '*' : ' ', *n);
		demo_listed |= !strcmp(*n, "demo");
	}
	if (!demo_listed)
		g_string_append_printf(out, _("%c demo (built in)\n"),
				       !strcmp(ws->def->name, "demo") ? '*' : ' ');
	return true;
}

static bool cmd_vm_select(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autoptr(GError) err = NULL;

	if (argc != 2)
		return usage(out, argv[0], "NAME");
	if (!stopped_only(ws, argv[0], out))
		return false;
	if (!ws_select_vm(ws, argv[1], &err)) {
		g_string_append_printf(out, "vm_select: %s\n", err->message);
		return false;
	}
	return true;
}

static bool cmd_vm_new(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL;
	struct kd_vmdef *def;

	if (argc != 2)
		return usage(out, argv[0], "NAME");
	if (!stopped_only(ws, argv[0], out))
		return false;
	path = kd_vmdef_path_in(ws->vm_dir, argv[1], &err);
	if (!path) {
		g_string_append_printf(out, "vm_new: %s\n", err->message);
		return false;
	}
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_string_append_printf(out, _("vm_new: VM '%s' exists already (vm_select %s)\n"),
				       argv[1], argv[1]);
		return false;
	}
	def = kd_vmdef_new(argv[1], &err);
	if (!def || !kd_vmdef_save_in(ws->vm_dir, def, &err)) {
		g_string_append_printf(out, "vm_new: %s\n", err->message);
		kd_vmdef_free(def);
		return false;
	}
	kd_vmdef_free(ws->def);
	ws->def = def;
	ws->def_builtin = false;
	ws->settings_row = 0;
	g_string_append_printf(out, _("VM '%s' created in %s\n"), argv[1], path);
	return true;
}

static bool cmd_vm_rename(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL;
	g_autofree char *old = NULL;
	bool was_saved;

	if (argc != 2)
		return usage(out, argv[0], "NAME");
	if (!stopped_only(ws, argv[0], out))
		return false;
	path = kd_vmdef_path_in(ws->vm_dir, argv[1], &err);
	if (!path) {
		g_string_append_printf(out, "vm_rename: %s\n", err->message);
		return false;
	}
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_string_append_printf(out, _("vm_rename: VM '%s' exists already\n"), argv[1]);
		return false;
	}
	/* Saved under the new name first: a failure leaves the old file as it was. */
	old = ws->def->name;
	was_saved = !ws->def_builtin;
	ws->def->name = g_strdup(argv[1]);
	if (!kd_vmdef_save_in(ws->vm_dir, ws->def, &err)) {
		g_string_append_printf(out, "vm_rename: %s\n", err->message);
		g_free(ws->def->name);
		ws->def->name = g_steal_pointer(&old);
		return false;
	}
	ws->def_builtin = false;
	if (was_saved && !kd_vmdef_delete_in(ws->vm_dir, old, &err))
		g_string_append_printf(out, _("warning: %s\n"), err->message);
	g_string_append_printf(out, _("VM '%s' is now called '%s'\n"), old, argv[1]);
	return true;
}

static bool cmd_vm_delete(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autoptr(GError) err = NULL;

	if (argc != 2)
		return usage(out, argv[0], "NAME");
	if (ws->session && !strcmp(argv[1], kd_session_name(ws->session))) {
		g_string_append_printf(out, _("vm_delete: VM '%s' is running\n"), argv[1]);
		return false;
	}
	if (!kd_vmdef_delete_in(ws->vm_dir, argv[1], &err)) {
		g_string_append_printf(out, "vm_delete: %s\n", err->message);
		return false;
	}
	g_string_append_printf(out, _("VM '%s' deleted\n"), argv[1]);
	/* The one shown goes: show the demo instead (built in until it changes). */
	if (!strcmp(argv[1], ws->def->name) && !ws_select_vm(ws, "demo", &err))
		g_string_append_printf(out, "%s\n", err->message);
	return true;
}

static char *join_rest(int argc, char **argv, int from)
{
	return from < argc ? g_strjoinv(" ", argv + from) : g_strdup("");
}

static bool parse_index(const char *text, unsigned max, unsigned *index)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (!*text || *end || v >= max)
		return false;
	*index = (unsigned)v;
	return true;
}

static void set_string(char **field, const char *value)
{
	g_free(*field);
	*field = (value && *value && strcmp(value, "none") && strcmp(value, "default"))
			 ? g_strdup(value)
			 : NULL;
}

static bool set_nic(struct kd_vmdef_nic *nic, const char *spec, GString *out)
{
	g_autoptr(GPtrArray) parts = kd_split_options(spec);

	g_free(nic->model);
	g_free(nic->mac);
	g_free(nic->backend);
	g_free(nic->ifname);
	g_strfreev(nic->hostfwd);
	memset(nic, 0, sizeof(*nic));
	if (!strcmp(spec, "none"))
		return true;
	nic->present = true;
	nic->backend = g_strdup("user");
	for (guint i = 0; i < parts->len; i++) {
		const char *p = g_ptr_array_index(parts, i);

		if (i == 0 && !strchr(p, '=')) {
			nic->model = g_strdup(p);
		} else if (g_str_has_prefix(p, "model=")) {
			g_free(nic->model);
			nic->model = g_strdup(p + 6);
		} else if (g_str_has_prefix(p, "mac=")) {
			nic->mac = g_strdup(p + 4);
		} else if (g_str_has_prefix(p, "backend=")) {
			g_free(nic->backend);
			nic->backend = g_strdup(p + 8);
		} else if (g_str_has_prefix(p, "ifname=")) {
			nic->ifname = g_strdup(p + 7);
		} else if (g_str_has_prefix(p, "hostfwd=")) {
			guint n = nic->hostfwd ? g_strv_length(nic->hostfwd) : 0;

			nic->hostfwd = g_renew(char *, nic->hostfwd, n + 2);
			nic->hostfwd[n] = g_strdup(p + 8);
			nic->hostfwd[n + 1] = NULL;
		} else {
			g_string_append_printf(
				out,
				_("vm_set: nic: unknown part '%s' (MODEL[,mac=MAC]"
				  "[,backend=user|tap][,hostfwd=RULE...][,ifname=IF])\n"),
				p);
			return false;
		}
	}
	if (!nic->model)
		nic->model = g_strdup("rtl8139");
	return true;
}

/* Applies one setting to def; false with the reason in out. */
static bool apply_setting(struct kd_vmdef *def, int argc, char **argv, GString *out)
{
	const char *key = argv[1];
	g_autofree char *value = join_rest(argc, argv, 2);
	g_autoptr(GError) err = NULL;
	unsigned index;

	if (!strcmp(key, "memory")) {
		uint64_t bytes;

		if (!kd_parse_size(value, &bytes, &err)) {
			g_string_append_printf(out, "vm_set: memory: %s\n", err->message);
			return false;
		}
		/* check() warns when it is little. */
		def->memory_mib = (unsigned)MIN(bytes >> 20, G_MAXUINT);
		return true;
	}
	if (!strcmp(key, "cpus")) {
		if (!parse_index(value, 1000, &index) || index == 0) {
			g_string_append_printf(
				out, _("vm_set: cpus: '%s' is not a number of CPUs\n"), value);
			return false;
		}
		def->cpus = index;
		return true;
	}
	if (!strcmp(key, "cdrom")) {
		set_string(&def->cdrom, value);
		return true;
	}
	if (!strcmp(key, "boot")) {
		set_string(&def->boot, value);
		return true;
	}
	if (!strcmp(key, "display")) {
		g_free(def->display);
		def->display = g_strdup(*value ? value : "default");
		return true;
	}
	if (!strcmp(key, "vga")) {
		set_string(&def->vga, strcmp(value, "none") ? value : NULL);
		if (!strcmp(value, "none"))
			def->vga = g_strdup("none");
		return true;
	}
	if (!strcmp(key, "disk") && argc >= 4 && parse_index(argv[2], KD_VMDEF_MAX_DISKS, &index)) {
		struct kd_vmdef_disk *d = &def->disk[index];
		g_autofree char *file = join_rest(argc, argv, 3);
		bool readonly = g_str_has_suffix(file, " ro");

		if (readonly)
			file[strlen(file) - 3] = '\0';
		g_free(d->file);
		memset(d, 0, sizeof(*d));
		if (strcmp(file, "none") != 0) {
			d->present = true;
			d->file = g_strdup(file);
			d->readonly = readonly;
		}
		return true;
	}
	if (!strcmp(key, "nic") && argc == 4 && parse_index(argv[2], KD_VMDEF_MAX_NICS, &index))
		return set_nic(&def->nic[index], argv[3], out);
	g_string_append(out, _("vm_set: usage: vm_set memory SIZE | cpus N | cdrom FILE|none | "
			       "disk N FILE[ ro]|none | nic N MODEL[,OPTIONS]|none | boot "
			       "LETTERS|default | display default|none|curses|sdl | vga "
			       "cirrus|none\n"));
	return false;
}

static bool cmd_vm_set(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) warnings = g_string_new(NULL);
	g_autoptr(kd_vmdef) changed = NULL;

	if (argc < 3)
		return usage(out, argv[0], "SETTING VALUE (see help vm_set)");
	/* A copy takes the change: a value check() refuses leaves the definition as it was. */
	changed = kd_vmdef_copy(ws->def);
	if (!changed) {
		g_string_append(out, _("vm_set: the definition cannot be copied\n"));
		return false;
	}
	if (!apply_setting(changed, argc, argv, out))
		return false;
	if (!kd_vmdef_check(changed, warnings, &err)) {
		g_string_append_printf(out, "vm_set: %s\n", err->message);
		return false;
	}
	g_string_append(out, warnings->str);
	kd_vmdef_free(ws->def);
	ws->def = g_steal_pointer(&changed);
	if (ws->session)
		g_string_append(out, _("saved; the change takes effect when the VM starts next\n"));
	return save(ws, argv[0], out);
}

/* ---------------------------------------------------------------- host devices */

static bool cmd_vm_hostdev(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autofree char *address = NULL;
	int i;

	if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")))
		return usage(out, argv[0], "add|del BB:DD.F");
	address = kd_pci_address_normalize(argv[2]);
	if (!address) {
		g_string_append_printf(out, _("vm_hostdev: '%s' is not a PCI address (BB:DD.F)\n"),
				       argv[2]);
		return false;
	}
	i = kd_vmdef_hostdev_find(ws->def, address);
	if (!strcmp(argv[1], "del")) {
		if (i < 0) {
			g_string_append_printf(out, _("vm_hostdev: %s is not in VM '%s'\n"),
					       kd_pci_address_short(address), ws->def->name);
			return false;
		}
		g_clear_pointer(&ws->def->hostdev[i], g_free);
		g_string_append_printf(out, _("%s removed from VM '%s'\n"),
				       kd_pci_address_short(address), ws->def->name);
		return save(ws, argv[0], out);
	}
	if (i >= 0) {
		g_string_append_printf(out, _("vm_hostdev: %s is in VM '%s' already\n"),
				       kd_pci_address_short(address), ws->def->name);
		return false;
	}
	if (ws->host && !kd_host_find(ws->host, address)) {
		g_string_append_printf(out, _("vm_hostdev: the host has no device %s\n"),
				       kd_pci_address_short(address));
		return false;
	}
	for (i = 0; i < KD_VMDEF_MAX_HOSTDEVS && ws->def->hostdev[i]; i++)
		;
	if (i == KD_VMDEF_MAX_HOSTDEVS) {
		g_string_append_printf(out,
				       _("vm_hostdev: VM '%s' has %u host devices, the most it "
					 "can have\n"),
				       ws->def->name, KD_VMDEF_MAX_HOSTDEVS);
		return false;
	}
	ws->def->hostdev[i] = g_strdup(kd_pci_address_short(address));
	g_string_append_printf(out, _("%s added to VM '%s'\n"), kd_pci_address_short(address),
			       ws->def->name);
	return save(ws, argv[0], out);
}

static bool cmd_host_bind(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autoptr(GError) err = NULL;
	bool restore = !strcmp(argv[0], "host_restore");
	bool force = argc == 3 && !strcmp(argv[2], "force") && !restore;
	g_autofree char *address = NULL;
	bool ok;

	if (argc != 2 && !force)
		return usage(out, argv[0], restore ? "BB:DD.F" : "BB:DD.F [force]");
	if (!ws->host) {
		g_string_append_printf(out, "%s: %s\n", argv[0], ws->host_error);
		return false;
	}
	address = kd_pci_address_normalize(argv[1]);
	if (!address) {
		g_string_append_printf(out, _("%s: '%s' is not a PCI address (BB:DD.F)\n"), argv[0],
				       argv[1]);
		return false;
	}
	/* Bound until host_restore, not to this process's life: the admin asked for it. */
	ok = restore ? kd_bind_restore(ws->host, address, &err)
		     : kd_bind_vfio(ws->host, address, force, 0, &err);
	if (!ok) {
		g_string_append_printf(out, "%s: %s\n", argv[0], err->message);
		return false;
	}
	g_string_append_printf(out,
			       restore ? _("%s is back with its host driver\n")
				       : _("%s and its IOMMU group are bound to vfio-pci\n"),
			       kd_pci_address_short(address));
	ws_rescan_host(ws);
	return true;
}

static bool info_hostdevs(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autofree char *text = NULL;

	if (!ws->host) {
		g_string_append_printf(out, "info hostdevs: %s\n", ws->host_error);
		return false;
	}
	text = kd_host_format_table(ws->host);
	g_string_append(out, text);
	return true;
}

static bool info_vm(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_workstation *ws = ws_of(ctx);
	g_autofree char *data = kd_vmdef_to_data(ws->def);

	g_string_append_printf(out, _("VM '%s' (%s)%s\n"), ws->def->name, ws_vm_state(ws),
			       ws->def_builtin ? _(", built in, not saved yet") : "");
	g_string_append(out, data);
	return true;
}

const struct kd_monitor_command kd_ws_commands[] = {
	{ "vm_start", NULL, "[-S]", N_("start the VM shown in the settings (-S: paused) (kvmdesk)"),
	  cmd_vm_start },
	{ "vm_kill", NULL, "", N_("stop the VM at once, like a power cut (kvmdesk)"), cmd_vm_kill },
	{ "vm_list", NULL, "", N_("list the saved VMs; * marks the one shown (kvmdesk)"),
	  cmd_vm_list },
	{ "vm_select", NULL, "NAME", N_("show and use the saved VM NAME (kvmdesk)"),
	  cmd_vm_select },
	{ "vm_new", NULL, "NAME", N_("create a VM with the default settings (kvmdesk)"),
	  cmd_vm_new },
	{ "vm_rename", NULL, "NAME", N_("give the VM shown another name (kvmdesk)"),
	  cmd_vm_rename },
	{ "vm_delete", NULL, "NAME", N_("delete the saved VM NAME (kvmdesk)"), cmd_vm_delete },
	{ "vm_set", NULL, "SETTING VALUE",
	  N_("change and save a setting: memory SIZE, cpus N, cdrom FILE|none, disk N FILE[ "
	     "ro]|none, "
	     "nic N MODEL[,mac=MAC][,backend=user|tap][,hostfwd=RULE]|none, boot LETTERS|default, "
	     "display default|none|curses|sdl, vga cirrus|none (kvmdesk)"),
	  cmd_vm_set },
	{ "vm_hostdev", NULL, "add|del BB:DD.F",
	  N_("add a host PCI device to the VM's settings or remove it (kvmdesk)"), cmd_vm_hostdev },
	{ "host_bind", NULL, "BB:DD.F [force]",
	  N_("give a host device and its IOMMU group to vfio-pci until host_restore (kvmdesk)"),
	  cmd_host_bind },
	{ "host_restore", NULL, "BB:DD.F",
	  N_("give a host device back to the driver it had (kvmdesk)"), cmd_host_bind },
	{ NULL },
};

const struct kd_monitor_command kd_ws_info_commands[] = {
	{ "hostdevs", NULL, "", N_("show the host's PCI devices with verdicts (kvmdesk)"),
	  info_hostdevs },
	{ "vm", NULL, "", N_("show the VM's settings as saved (kvmdesk)"), info_vm },
	{ NULL },
};

static void add_if_prefix(GPtrArray *out, const char *candidate, const char *word)
{
	if (g_str_has_prefix(candidate, word))
		g_ptr_array_add(out, g_strdup(candidate));
}

void kd_ws_complete(void *opaque, const char *command, unsigned argn, const char *word,
		    GPtrArray *out)
{
	struct kd_workstation *ws = opaque;

	if ((!strcmp(command, "vm_select") || !strcmp(command, "vm_delete")) && argn == 1) {
		g_auto(GStrv) names = kd_vmdef_list_in(ws->vm_dir);

		for (char **n = names; *n; n++)
			add_if_prefix(out, *n, word);
	} else if (!strcmp(command, "vm_set") && argn == 1) {
		static const char *const keys[] = { "memory", "cpus", "cdrom",	 "disk",
						    "nic",    "boot", "display", "vga" };

		for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
			add_if_prefix(out, keys[i], word);
	} else if (!strcmp(command, "vm_hostdev") && argn == 1) {
		add_if_prefix(out, "add", word);
		add_if_prefix(out, "del", word);
	} else if ((argn == 2 && !strcmp(command, "vm_hostdev")) ||
		   (argn == 1 && g_str_has_prefix(command, "host_"))) {
		for (guint i = 0; ws->host && i < ws->host->devices->len; i++) {
			struct kd_hostdev *d = g_ptr_array_index(ws->host->devices, i);

			if (!d->bridge)
				add_if_prefix(out, kd_pci_address_short(d->address), word);
		}
	}
}
