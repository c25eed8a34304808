/*
 * The workstation's key table (see keys.h).
 */
#include "config.h"

#include "tui/keys.h"

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <string.h>

#include "i18n.h"

#define ALL KD_TUI_EVERYWHERE
#define ON(s) KD_TUI_ON(KD_TUI_##s)
#define LISTS (ON(HOSTDEVS) | ON(SETTINGS) | ON(HELP))
#define CH(c)                                                                                      \
	{                                                                                          \
		(c), false, false                                                                  \
	}
#define KC(c)                                                                                      \
	{                                                                                          \
		(c), true, false                                                                   \
	}
#define ALT(c)                                                                                     \
	{                                                                                          \
		(c), false, true                                                                   \
	}

/* Order matters twice: the first match wins, and the hint bar shows entries in this order,
 * dropping the last ones when the terminal is narrow. */
static const struct kd_tui_key keys[] = {
	{ ALL, KC(KEY_F(1)), "F1", N_("Help"), N_("show this help"), KD_ACT_SHOW_HELP },
	{ ALL, KC(KEY_F(2)), "F2", N_("Devices"),
	  N_("the host's PCI devices by IOMMU group, with what stands in the way of assigning "
	     "them"),
	  KD_ACT_SHOW_HOSTDEVS },
	{ ALL, KC(KEY_F(3)), "F3", N_("VM"), N_("the VM's settings; start and stop it"),
	  KD_ACT_SHOW_SETTINGS },
	{ ALL, KC(KEY_F(4)), "F4", N_("Console"),
	  N_("the guest's screen; keys go to the guest (see Ctrl+A)"), KD_ACT_SHOW_CONSOLE },
	{ ALL, KC(KEY_F(5)), "F5", N_("Monitor"),
	  N_("the monitor: type commands; every action of the other screens shows up here as the "
	     "command it ran"),
	  KD_ACT_SHOW_MONITOR },
	{ ALL, ALT('1'), "Alt+1", NULL, N_("the guest's screen (Ctrl+Alt+1 in QEMU)"),
	  KD_ACT_SHOW_CONSOLE },
	{ ALL, ALT('2'), "Alt+2", NULL, N_("the monitor (Ctrl+Alt+2 in QEMU)"),
	  KD_ACT_SHOW_MONITOR },
	{ ALL, ALT('3'), "Alt+3", NULL,
	  N_("the guest's first serial port in the console (Ctrl+Alt+3 in QEMU)"),
	  KD_ACT_SHOW_SERIAL },

	{ ON(HOSTDEVS), CH('a'), "a", N_("Assign"),
	  N_("give the device to the VM: into its settings when it is stopped, hot-added when it "
	     "runs"),
	  KD_ACT_ASSIGN },
	{ ON(HOSTDEVS), CH('D'), "D", N_("Detach"),
	  N_("take the device away from the VM (hot-removed when it runs)"), KD_ACT_DETACH, true },
	{ ON(HOSTDEVS), CH('B'), "B", N_("Bind"),
	  N_("give the device (and its IOMMU group) to vfio-pci now, away from its host driver"),
	  KD_ACT_BIND, true },
	{ ON(HOSTDEVS), CH('R'), "R", N_("Restore"),
	  N_("give the device back to the host driver it had"), KD_ACT_RESTORE, true },
	{ ON(HOSTDEVS), CH('/'), "/", N_("Filter"),
	  N_("show only devices whose address, name, class or driver contains a text"),
	  KD_ACT_FILTER },
	{ ON(HOSTDEVS), CH('u'), "u", N_("Rescan"), N_("read the host's devices again"),
	  KD_ACT_RESCAN },
	{ ON(HOSTDEVS), CH('['), "[", NULL, N_("scroll the detail panel up"), KD_ACT_DETAIL_UP },
	{ ON(HOSTDEVS), CH(']'), "]", NULL, N_("scroll the detail panel down"),
	  KD_ACT_DETAIL_DOWN },

	{ ON(SETTINGS), CH('\r'), "Enter", N_("Edit"), N_("change the selected setting"),
	  KD_ACT_EDIT },
	{ ON(SETTINGS), CH('\n'), "Enter", NULL, NULL, KD_ACT_EDIT },
	{ ON(SETTINGS), KC(KEY_ENTER), "Enter", NULL, NULL, KD_ACT_EDIT },
	{ ON(SETTINGS), CH('s'), "s", N_("Start"), N_("start the VM"), KD_ACT_START },
	{ ON(SETTINGS), CH('p'), "p", N_("Pause"), N_("pause the VM, or let it run on"),
	  KD_ACT_PAUSE },
	{ ON(SETTINGS), CH('x'), "x", N_("Remove"),
	  N_("remove the selected disk, NIC or host device from the settings"), KD_ACT_REMOVE },
	{ ON(SETTINGS), CH('P'), "P", N_("Shutdown"),
	  N_("press the VM's power button (the guest shuts down)"), KD_ACT_POWERDOWN, true },
	{ ON(SETTINGS), CH('X'), "X", N_("Reset"), N_("reset the VM (like its reset button)"),
	  KD_ACT_RESET, true },
	{ ON(SETTINGS), CH('K'), "K", N_("Kill"),
	  N_("stop the VM at once, as if its power were cut"), KD_ACT_FORCE_STOP, true },
	{ ON(SETTINGS), CH('\t'), "Tab", N_("Next"), N_("show the next saved VM"), KD_ACT_NEXT_VM },
	{ ON(SETTINGS), CH('n'), "n", NULL, N_("make a new VM"), KD_ACT_NEW_VM },

	{ ON(CONSOLE), CH(0x01), "Ctrl+A", N_("kvmdesk keys"),
	  N_("the next key is for kvmdesk: q quit, a send Ctrl+A, F1-F12 send that F-key to "
	     "the guest"),
	  KD_ACT_ESCAPE },

	{ LISTS, KC(KEY_UP), "Up", NULL, N_("previous line"), KD_ACT_UP },
	{ LISTS, CH('k'), "k", NULL, NULL, KD_ACT_UP },
	{ LISTS, KC(KEY_DOWN), "Down", NULL, N_("next line"), KD_ACT_DOWN },
	{ LISTS, CH('j'), "j", NULL, NULL, KD_ACT_DOWN },
	{ LISTS, KC(KEY_PPAGE), "PgUp", NULL, N_("a page up"), KD_ACT_PAGE_UP },
	{ LISTS, KC(KEY_NPAGE), "PgDn", NULL, N_("a page down"), KD_ACT_PAGE_DOWN },
	{ LISTS, KC(KEY_HOME), "Home", NULL, N_("the first line"), KD_ACT_HOME },
	{ LISTS, KC(KEY_END), "End", NULL, N_("the last line"), KD_ACT_END },
	{ ALL & ~ON(CONSOLE), CH(0x0C), "Ctrl+L", NULL, N_("draw the terminal anew"),
	  KD_ACT_REDRAW },
	{ LISTS, CH('q'), "q", N_("Quit"), N_("quit kvmdesk (asks first when a VM runs)"),
	  KD_ACT_QUIT },
	{ ALL & ~ON(CONSOLE), KC(KEY_F(10)), "F10", N_("Quit"), N_("quit kvmdesk"), KD_ACT_QUIT },
	{ 0, { 0, false, false }, NULL, NULL, NULL, KD_ACT_NONE },
};

const struct kd_tui_key *kd_tui_keys(void)
{
	return keys;
}

const struct kd_tui_key *kd_tui_key_find(enum kd_tui_screen screen,
					 const struct kd_tui_keypress *press)
{
	for (const struct kd_tui_key *k = keys; k->label; k++)
		if ((k->screens & KD_TUI_ON(screen)) && k->press.code == press->code &&
		    k->press.keycode == press->keycode && k->press.alt == press->alt)
			return k;
	return NULL;
}

static int columns(const char *text)
{
	return (int)g_utf8_strlen(text, -1);
}

GPtrArray *kd_tui_hint_segments(enum kd_tui_screen screen, unsigned which, int width,
				bool *complete)
{
	GPtrArray *segments = g_ptr_array_new();
	guint64 shown = 0; /* actions already in the bar: F10 and q both quit */
	int used = 0;

	if (complete)
		*complete = true;
	for (const struct kd_tui_key *k = keys; k->label; k++) {
		unsigned kind =
			k->screens == KD_TUI_EVERYWHERE ? KD_TUI_HINT_GLOBAL : KD_TUI_HINT_LOCAL;
		const char *word;
		int need;

		if (!(k->screens & KD_TUI_ON(screen)) || !k->hint || !(which & kind))
			continue;
		if (shown & (G_GUINT64_CONSTANT(1) << k->action))
			continue;
		word = _(k->hint);
		need = (used ? 1 : 0) + columns(k->label) + 1 + columns(word);
		if (used + need > width) {
			if (complete)
				*complete = false;
			break;
		}
		g_ptr_array_add(segments, (gpointer)k->label);
		g_ptr_array_add(segments, (gpointer)word);
		used += need;
		shown |= G_GUINT64_CONSTANT(1) << k->action;
	}
	return segments;
}

int kd_tui_hint_rows(int width)
{
	for (int s = 0; s < KD_TUI_NSCREENS; s++) {
		bool complete;
		GPtrArray *segments = kd_tui_hint_segments(s, KD_TUI_HINT_ALL, width, &complete);

		g_ptr_array_free(segments, TRUE);
		if (!complete)
			return 2;
	}
	return 1;
}

const char *kd_tui_screen_title(enum kd_tui_screen screen)
{
	static const char *const titles[KD_TUI_NSCREENS] = {
		N_("Help"),	     N_("Host devices"), N_("VM settings"),
		N_("Guest console"), N_("Monitor"),
	};

	return (unsigned)screen < KD_TUI_NSCREENS ? _(titles[screen]) : "";
}

char *kd_tui_help_text(void)
{
	static const enum kd_tui_screen order[] = { KD_TUI_HOSTDEVS, KD_TUI_SETTINGS,
						    KD_TUI_CONSOLE, KD_TUI_MONITOR, KD_TUI_HELP };
	GString *text = g_string_new(NULL);

	g_string_append(text, _("Everywhere:\n"));
	for (const struct kd_tui_key *k = keys; k->label; k++)
		if (k->screens == KD_TUI_EVERYWHERE && k->help)
			g_string_append_printf(text, "  %-8s %s\n", k->label, _(k->help));
	for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
		g_string_append_printf(text, "\n%s:\n", kd_tui_screen_title(order[i]));
		for (const struct kd_tui_key *k = keys; k->label; k++) {
			if (k->screens == KD_TUI_EVERYWHERE ||
			    !(k->screens & KD_TUI_ON(order[i])) || !k->help)
				continue;
			g_string_append_printf(text, "  %-8s %s%s\n", k->label, _(k->help),
					       k->confirm ? _(" (asks first)") : "");
		}
		if (order[i] == KD_TUI_MONITOR)
			g_string_append(
				text,
				_("  Tab      complete a command, device or file name\n"
				  "  Up/Down  earlier commands (history; Ctrl+R searches it)\n"
				  "  PgUp/PgDn scroll the output\n"));
	}
	return g_string_free(text, FALSE);
}
