/*
 * The workstation's host devices screen: the inventory's table and detail panel, and what its
 * keys do (assign, detach, bind, restore, filter, rescan), each through monitor commands.
 */
#include "config.h"

#include <string.h>

#include "assign/hostdev.h"
#include "i18n.h"
#include "session.h"
#include "tui/hostdevs-view.h"
#include "tui/workstation-internal.h"
#include "vmdef.h"

/* The devices in the VM's settings get the table's mark. */
static void mark_assigned(struct kd_workstation *ws)
{
	const char *addresses[KD_VMDEF_MAX_HOSTDEVS + 1];
	unsigned n = 0;

	for (unsigned i = 0; i < KD_VMDEF_MAX_HOSTDEVS; i++)
		if (ws->def->hostdev[i])
			addresses[n++] = ws->def->hostdev[i];
	addresses[n] = NULL;
	kd_hostdevs_view_set_assigned(ws->hostview, addresses);
}

void ws_hostdevs_draw(struct kd_workstation *ws, WINDOW *win)
{
	int h = getmaxy(win), w = getmaxx(win);
	int table_h, detail_y;
	WINDOW *table, *detail;

	mark_assigned(ws);
	if (!ws->host) {
		wattrset(win, ws->theme.error);
		mvwaddnstr(win, 1, 1, ws->host_error ? ws->host_error : "", w - 2);
		wattrset(win, A_NORMAL);
		return;
	}
	/* The table takes what its rows need, at most 60 %; the detail panel the rest. */
	table_h = MIN((int)kd_hostdevs_view_count(ws->hostview) + 4, h * 3 / 5);
	table_h = MAX(table_h, MIN(h, 5));
	detail_y = table_h + 1;
	table = derwin(win, table_h, w, 0, 0);
	if (table) {
		kd_hostdevs_view_draw_table(ws->hostview, table, &ws->theme);
		delwin(table);
	}
	if (detail_y >= h)
		return;
	wattrset(win, ws->theme.dim);
	for (int x = 0; x < w; x++)
		mvwaddstr(win, table_h, x, ws->theme.hline);
	wattrset(win, A_NORMAL);
	detail = derwin(win, h - detail_y, w, detail_y, 0);
	if (detail) {
		kd_hostdevs_view_draw_detail(ws->hostview, detail, &ws->theme);
		delwin(detail);
	}
}

/* ---------------------------------------------------------------- host device actions */

/* Enter keeps the filter typed, Escape clears it. */
static void filter_done(struct kd_workstation *ws, bool accepted, const char *text)
{
	kd_hostdevs_view_set_filter(ws->hostview, accepted ? text : "");
}

/* The id a device gets in the running VM: its place in the settings (see vmdef.c). */
static char *hostdev_id(const struct kd_vmdef *def, const char *address)
{
	int i = kd_vmdef_hostdev_find(def, address);

	return i < 0 ? NULL : g_strdup_printf("hostdev%d", i);
}

/* The same path hot and cold, in reverse: out of the running guest (it ejects the card),
 * then out of the settings. */
static void detach_done(struct kd_workstation *ws, bool yes, const char *text)
{
	g_autofree char *addr = g_strdup(ws->modal_arg);
	g_autofree char *id = hostdev_id(ws->def, addr);

	if (!yes || !id) {
		ws_message(ws, false, _("nothing done"));
		return;
	}
	if (ws->session && !ws_run(ws, "device_del %s", id))
		return;
	ws_run(ws, "vm_hostdev del %s", addr);
}

void ws_hostdevs_action(struct kd_workstation *ws, const struct kd_tui_key *key)
{
	struct kd_hostdev *dev = kd_hostdevs_view_selected(ws->hostview);
	const char *addr = dev ? kd_pci_address_short(dev->address) : NULL;
	g_autofree char *question = NULL;

	if (!dev && key->action != KD_ACT_FILTER && key->action != KD_ACT_RESCAN) {
		ws_message(ws, true, _("no device selected"));
		return;
	}
	switch (key->action) {
	case KD_ACT_ASSIGN:
		if (kd_vmdef_hostdev_find(ws->def, dev->address) >= 0) {
			ws_message(ws, true, _("%s is in VM '%s' already"), addr, ws->def->name);
			return;
		}
		/* The same path cold and hot: into the settings, then into the running VM. */
		if (!ws_run(ws, "vm_hostdev add %s", addr) || !ws->session)
			break;
		{
			g_autofree char *id = hostdev_id(ws->def, dev->address);

			if (!ws_run(ws, "device_add vfio-pci,host=%s,id=%s", addr, id))
				ws_run(ws, "vm_hostdev del %s", addr);
		}
		break;
	case KD_ACT_DETACH: {
		g_autofree char *id = hostdev_id(ws->def, dev->address);

		if (!id) {
			ws_message(ws, true, _("%s is not in VM '%s'"), addr, ws->def->name);
			return;
		}
		question = ws->session
				   ? g_strdup_printf(_("Hot-remove %s from the running VM '%s'?"),
						     addr, ws->def->name)
				   : g_strdup_printf(_("Remove %s from VM '%s'?"), addr,
						     ws->def->name);
		{
			g_autofree char *prompt = g_strdup_printf(_("%s (y/n) "), question);

			ws_ask(ws, WS_MODAL_CONFIRM, prompt, NULL, addr, detach_done);
		}
		break;
	}
	case KD_ACT_BIND: {
		g_autofree char *line = g_strdup_printf("host_bind %s", addr);

		question = g_strdup_printf(_("Give %s (and its IOMMU group) to vfio-pci? The host "
					     "driver %s lets go of it."),
					   addr, dev->driver ? dev->driver : _("(none)"));
		ws_confirm(ws, question, line);
		break;
	}
	case KD_ACT_RESTORE: {
		g_autofree char *line = g_strdup_printf("host_restore %s", addr);

		question = g_strdup_printf(_("Give %s back to its host driver?"), addr);
		ws_confirm(ws, question, line);
		break;
	}
	case KD_ACT_FILTER:
		ws_ask(ws, WS_MODAL_INPUT, _("Filter:"), kd_hostdevs_view_filter(ws->hostview),
		       "filter", filter_done);
		break;
	case KD_ACT_RESCAN:
		if (ws_rescan_host(ws))
			ws_message(ws, false, _("%u devices"),
				   kd_hostdevs_view_count(ws->hostview));
		else
			ws_message(ws, true, "%s", ws->host_error);
		break;
	default:
		break;
	}
}
