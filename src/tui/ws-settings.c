/*
 * The workstation's VM settings screen: the definition as rows, edited through `vm_set`
 * and friends, and the VM's life (start, pause, reset, power down, kill) through the monitor's
 * commands, so each change shows in the monitor log as what it ran.
 */
#include "config.h"

#include <string.h>

#include "assign/hostdev.h"
#include "i18n.h"
#include "session.h"
#include "tui/workstation-internal.h"
#include "vmdef.h"

enum row_kind {
	ROW_NAME,
	ROW_MEMORY,
	ROW_CPUS,
	ROW_DISK,
	ROW_ADD_DISK,
	ROW_CDROM,
	ROW_NIC,
	ROW_ADD_NIC,
	ROW_HOSTDEV,
	ROW_BOOT,
	ROW_DISPLAY,
	ROW_VGA,
};

struct row {
	enum row_kind kind;
	unsigned index;
};

static unsigned build_rows(const struct kd_vmdef *def, struct row *rows)
{
	unsigned n = 0;
	bool room;

	rows[n++] = (struct row){ ROW_NAME, 0 };
	rows[n++] = (struct row){ ROW_MEMORY, 0 };
	rows[n++] = (struct row){ ROW_CPUS, 0 };
	room = false;
	for (unsigned i = 0; i < KD_VMDEF_MAX_DISKS; i++) {
		if (def->disk[i].present)
			rows[n++] = (struct row){ ROW_DISK, i };
		else if (i != 2 || !def->cdrom)
			room = true;
	}
	if (room)
		rows[n++] = (struct row){ ROW_ADD_DISK, 0 };
	rows[n++] = (struct row){ ROW_CDROM, 0 };
	room = false;
	for (unsigned i = 0; i < KD_VMDEF_MAX_NICS; i++) {
		if (def->nic[i].present)
			rows[n++] = (struct row){ ROW_NIC, i };
		else
			room = true;
	}
	if (room)
		rows[n++] = (struct row){ ROW_ADD_NIC, 0 };
	for (unsigned i = 0; i < KD_VMDEF_MAX_HOSTDEVS; i++)
		if (def->hostdev[i])
			rows[n++] = (struct row){ ROW_HOSTDEV, i };
	rows[n++] = (struct row){ ROW_BOOT, 0 };
	rows[n++] = (struct row){ ROW_DISPLAY, 0 };
	rows[n++] = (struct row){ ROW_VGA, 0 };
	return n;
}

#define MAX_ROWS (8 + KD_VMDEF_MAX_DISKS + KD_VMDEF_MAX_NICS + KD_VMDEF_MAX_HOSTDEVS + 2)

static char *nic_text(const struct kd_vmdef_nic *nic)
{
	GString *s = g_string_new(nic->model);

	if (nic->mac)
		g_string_append_printf(s, ",mac=%s", nic->mac);
	if (nic->backend && strcmp(nic->backend, "user") != 0)
		g_string_append_printf(s, ",backend=%s", nic->backend);
	for (char **h = nic->hostfwd; h && *h; h++)
		g_string_append_printf(s, ",hostfwd=%s", *h);
	if (nic->ifname)
		g_string_append_printf(s, ",ifname=%s", nic->ifname);
	return g_string_free(s, FALSE);
}

/* Label and value of a row; *attention: the value deserves a warning colour. */
static void row_text(struct kd_workstation *ws, const struct row *r, char **label, char **value,
		     bool *attention)
{
	const struct kd_vmdef *def = ws->def;

	*attention = false;
	switch (r->kind) {
	case ROW_NAME:
		*label = g_strdup(_("Name"));
		*value = g_strdup(def->name);
		break;
	case ROW_MEMORY:
		*label = g_strdup(_("Memory"));
		if (def->memory_mib < KD_VMDEF_MIN_MEMORY_MIB) {
			*value = g_strdup_printf(_("%u MiB (installers fail below %u MiB)"),
						 def->memory_mib, KD_VMDEF_MIN_MEMORY_MIB);
			*attention = true;
		} else {
			*value = g_strdup_printf(_("%u MiB"), def->memory_mib);
		}
		break;
	case ROW_CPUS:
		*label = g_strdup(_("CPUs"));
		*value = g_strdup_printf("%u", def->cpus);
		break;
	case ROW_DISK: {
		const struct kd_vmdef_disk *d = &def->disk[r->index];

		*label = g_strdup_printf(_("Disk %u"), r->index);
		*value = g_strdup_printf("%s%s%s", d->file ? d->file : _("(empty CD-ROM drive)"),
					 d->cdrom ? _(" (CD-ROM)") : "",
					 d->readonly ? _(" (read-only)") : "");
		*attention = d->file && !g_file_test(d->file, G_FILE_TEST_EXISTS);
		break;
	}
	case ROW_ADD_DISK:
		*label = g_strdup(_("Disk"));
		*value = g_strdup(_("(Enter adds a disk image)"));
		break;
	case ROW_CDROM:
		*label = g_strdup(_("CD-ROM"));
		*value = g_strdup(def->cdrom ? def->cdrom : _("(empty)"));
		*attention = def->cdrom && !g_file_test(def->cdrom, G_FILE_TEST_EXISTS);
		break;
	case ROW_NIC:
		*label = g_strdup_printf(_("NIC %u"), r->index);
		*value = nic_text(&def->nic[r->index]);
		break;
	case ROW_ADD_NIC:
		*label = g_strdup(_("NIC"));
		*value = g_strdup(_("(Enter adds a network card)"));
		break;
	case ROW_HOSTDEV: {
		g_autofree char *address = kd_pci_address_normalize(def->hostdev[r->index]);
		struct kd_hostdev *dev =
			ws->host && address ? kd_host_find(ws->host, address) : NULL;

		*label = g_strdup(_("Host device"));
		if (dev) {
			*value =
				g_strdup_printf("%s %s %s (%s)", kd_pci_address_short(dev->address),
						dev->vendor_name ? dev->vendor_name : "",
						dev->device_name ? dev->device_name : "",
						_(kd_verdict_name(dev->verdict)));
			*attention = dev->verdict != KD_VERDICT_READY;
		} else {
			*value =
				g_strdup_printf(_("%s (not on this host)"), def->hostdev[r->index]);
			*attention = true;
		}
		break;
	}
	case ROW_BOOT:
		*label = g_strdup(_("Boot order"));
		*value = g_strdup(def->boot ? def->boot : _("(firmware default)"));
		break;
	case ROW_DISPLAY:
		*label = g_strdup(_("Display"));
		*value = g_strdup(def->display ? def->display : "default");
		break;
	case ROW_VGA:
		*label = g_strdup(_("Graphics card"));
		*value = g_strdup(def->vga ? def->vga : "cirrus");
		break;
	}
}

void ws_settings_draw(struct kd_workstation *ws, WINDOW *win)
{
	struct row rows[MAX_ROWS];
	unsigned n = build_rows(ws->def, rows);
	int h = getmaxy(win), w = getmaxx(win), top_rows = 2;
	g_autofree char *head = NULL;
	const char *state = ws_vm_state(ws);

	ws->settings_row = CLAMP(ws->settings_row, 0, (int)n - 1);
	head = g_strdup_printf(_("VM '%s': %s%s"), ws->def->name, state,
			       ws->def_builtin ? _(" (built-in demo; saved as soon as it changes)")
					       : "");
	wattrset(win, ws->theme.title);
	mvwaddnstr(win, 0, 1, head, w - 1);
	wattrset(win, A_NORMAL);
	if (h <= top_rows)
		return;
	/* Keep the selected row in view. */
	if (ws->settings_row < ws->settings_top)
		ws->settings_top = ws->settings_row;
	if (ws->settings_row >= ws->settings_top + h - top_rows)
		ws->settings_top = ws->settings_row - (h - top_rows) + 1;
	for (int y = top_rows; y < h; y++) {
		int i = ws->settings_top + y - top_rows;
		g_autofree char *label = NULL, *value = NULL;
		bool attention, selected = i == ws->settings_row;

		if (i >= (int)n)
			break;
		row_text(ws, &rows[i], &label, &value, &attention);
		wattrset(win, selected ? ws->theme.selected : ws->theme.normal);
		mvwhline(win, y, 0, ' ', w);
		mvwaddnstr(win, y, 1, label, MIN(14, w - 1));
		if (!selected && attention)
			wattrset(win, ws->theme.warning);
		if (w > 18)
			mvwaddnstr(win, y, 17, value, w - 18);
	}
	wattrset(win, A_NORMAL);
}

/* ---------------------------------------------------------------- editing */

static void edit_done(struct kd_workstation *ws, bool accepted, const char *text)
{
	g_autofree char *value = g_strstrip(g_strdup(text));

	if (!accepted) {
		ws_message(ws, false, _("nothing changed"));
		return;
	}
	if (!*value)
		return;
	/* modal_arg holds the command up to the value: "vm_set disk 1". */
	ws_run(ws, "%s %s", ws->modal_arg, value);
}

static void new_vm_done(struct kd_workstation *ws, bool accepted, const char *text)
{
	g_autofree char *name = g_strstrip(g_strdup(text));

	if (accepted && *name)
		ws_run(ws, "vm_new %s", name);
}

static void edit(struct kd_workstation *ws, const struct row *r)
{
	const struct kd_vmdef *def = ws->def;
	g_autofree char *current = NULL;
	g_autofree char *command = NULL;
	const char *prompt = NULL;
	unsigned i;

	switch (r->kind) {
	case ROW_NAME:
		prompt = _("Name ([A-Za-z0-9._-], up to 64 characters):");
		current = g_strdup(def->name);
		command = g_strdup("vm_rename");
		break;
	case ROW_HOSTDEV:
		ws_message(ws, true, _("host devices are assigned on F2 (a) and removed with x"));
		return;
	case ROW_MEMORY:
		prompt = _("Memory (e.g. 512M, 2G):");
		current = g_strdup_printf("%uM", def->memory_mib);
		command = g_strdup("vm_set memory");
		break;
	case ROW_CPUS:
		prompt = _("CPUs:");
		current = g_strdup_printf("%u", def->cpus);
		command = g_strdup("vm_set cpus");
		break;
	case ROW_DISK:
		prompt = _("Disk image (add ' ro' for read-only, 'none' removes):");
		current = g_strdup_printf("%s%s",
					  def->disk[r->index].file ? def->disk[r->index].file : "",
					  def->disk[r->index].readonly ? " ro" : "");
		command = g_strdup_printf("vm_set disk %u", r->index);
		break;
	case ROW_ADD_DISK:
		for (i = 0; i < KD_VMDEF_MAX_DISKS; i++)
			if (!def->disk[i].present && (i != 2 || !def->cdrom))
				break;
		prompt = _("Disk image to add:");
		command = g_strdup_printf("vm_set disk %u", i);
		break;
	case ROW_CDROM:
		prompt = _("CD-ROM image (ISO; 'none' empties the drive):");
		current = g_strdup(def->cdrom ? def->cdrom : "");
		command = g_strdup("vm_set cdrom");
		break;
	case ROW_NIC:
		prompt =
			_("NIC (MODEL[,mac=MAC][,backend=user|tap][,hostfwd=tcp::2222-:22]; 'none' "
			  "removes):");
		current = nic_text(&def->nic[r->index]);
		command = g_strdup_printf("vm_set nic %u", r->index);
		break;
	case ROW_ADD_NIC:
		for (i = 0; i < KD_VMDEF_MAX_NICS && def->nic[i].present; i++)
			;
		prompt = _("NIC to add (e1000 or rtl8139, then options):");
		current = g_strdup("e1000");
		command = g_strdup_printf("vm_set nic %u", i);
		break;
	case ROW_BOOT:
		prompt = _("Boot order (c disk, d CD-ROM, n network; 'default'):");
		current = g_strdup(def->boot ? def->boot : "");
		command = g_strdup("vm_set boot");
		break;
	case ROW_DISPLAY:
		prompt = _("Display (default, curses, sdl, none):");
		current = g_strdup(def->display ? def->display : "default");
		command = g_strdup("vm_set display");
		break;
	case ROW_VGA:
		prompt = _("Graphics card (cirrus, none):");
		current = g_strdup(def->vga ? def->vga : "cirrus");
		command = g_strdup("vm_set vga");
		break;
	}
	ws_ask(ws, WS_MODAL_INPUT, prompt, current, command, edit_done);
}

static void remove_row(struct kd_workstation *ws, const struct row *r)
{
	switch (r->kind) {
	case ROW_DISK:
		ws_run(ws, "vm_set disk %u none", r->index);
		break;
	case ROW_CDROM:
		ws_run(ws, "vm_set cdrom none");
		break;
	case ROW_NIC:
		ws_run(ws, "vm_set nic %u none", r->index);
		break;
	case ROW_HOSTDEV:
		if (ws->session) {
			ws_message(ws, true, _("the VM runs: detach the device on F2 (D)"));
			return;
		}
		ws_run(ws, "vm_hostdev del %s", ws->def->hostdev[r->index]);
		break;
	default:
		ws_message(ws, true,
			   _("only disks, the CD-ROM, NICs and host devices can be "
			     "removed"));
		break;
	}
}

static bool need_running(struct kd_workstation *ws)
{
	if (ws->session)
		return true;
	ws_message(ws, true, _("VM '%s' is not running (s starts it)"), ws->def->name);
	return false;
}

static void next_vm(struct kd_workstation *ws)
{
	g_auto(GStrv) names = kd_vmdef_list_in(ws->vm_dir);
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	guint at = 0;

	if (ws->session) {
		ws_message(ws, true, _("VM '%s' is running; stop it to show another"),
			   ws->def->name);
		return;
	}
	for (char **n = names; *n; n++)
		g_ptr_array_add(all, *n);
	if (!g_strv_contains((const char *const *)names, "demo"))
		g_ptr_array_add(all, (gpointer) "demo");
	for (guint i = 0; i < all->len; i++)
		if (!strcmp(g_ptr_array_index(all, i), ws->def->name))
			at = i;
	if (all->len < 2) {
		ws_message(ws, false, _("there are no other VMs (n makes one)"));
		return;
	}
	ws_run(ws, "vm_select %s", (char *)g_ptr_array_index(all, (at + 1) % all->len));
}

void ws_settings_action(struct kd_workstation *ws, enum kd_tui_action action)
{
	struct row rows[MAX_ROWS];
	unsigned n = build_rows(ws->def, rows);
	int page = MAX(getmaxy(ws->content) - 3, 1);
	g_autofree char *question = NULL;

	ws->settings_row = CLAMP(ws->settings_row, 0, (int)n - 1);
	switch (action) {
	case KD_ACT_UP:
	case KD_ACT_DOWN:
	case KD_ACT_PAGE_UP:
	case KD_ACT_PAGE_DOWN:
		ws->settings_row += action == KD_ACT_UP	       ? -1
				    : action == KD_ACT_DOWN    ? 1
				    : action == KD_ACT_PAGE_UP ? -page
							       : page;
		ws->settings_row = CLAMP(ws->settings_row, 0, (int)n - 1);
		break;
	case KD_ACT_HOME:
		ws->settings_row = 0;
		break;
	case KD_ACT_END:
		ws->settings_row = (int)n - 1;
		break;
	case KD_ACT_EDIT:
		edit(ws, &rows[ws->settings_row]);
		break;
	case KD_ACT_REMOVE:
		remove_row(ws, &rows[ws->settings_row]);
		break;
	case KD_ACT_START:
		ws_run(ws, "vm_start");
		break;
	case KD_ACT_PAUSE:
		if (need_running(ws))
			ws_run(ws, strcmp(ws_vm_state(ws), _("running")) == 0 ? "stop" : "cont");
		break;
	case KD_ACT_RESET:
		if (!need_running(ws))
			break;
		question = g_strdup_printf(_("Reset VM '%s'? Unsaved work in the guest is lost."),
					   ws->def->name);
		ws_confirm(ws, question, "system_reset");
		break;
	case KD_ACT_POWERDOWN:
		if (!need_running(ws))
			break;
		question = g_strdup_printf(_("Press the power button of VM '%s'?"), ws->def->name);
		ws_confirm(ws, question, "system_powerdown");
		break;
	case KD_ACT_FORCE_STOP:
		if (!need_running(ws))
			break;
		question = g_strdup_printf(_("Cut the power of VM '%s'? Unsaved work in the guest "
					     "is lost."),
					   ws->def->name);
		ws_confirm(ws, question, "vm_kill");
		break;
	case KD_ACT_NEXT_VM:
		next_vm(ws);
		break;
	case KD_ACT_NEW_VM:
		ws_ask(ws, WS_MODAL_INPUT, _("Name of the new VM:"), NULL, NULL, new_vm_done);
		break;
	default:
		break;
	}
}
