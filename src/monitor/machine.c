/*
 * The monitor's commands that act on the machine like its buttons and keyboard would:
 * system_powerdown (the ACPI power button) and sendkey (key combinations the host's own
 * keyboard would catch, such as ctrl-alt-delete or ctrl-alt-f1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hw/display.h"
#include "hw/i8042.h"
#include "hw/keymap.h"
#include "hw/machine.h"
#include "hw/piix4-pm.h"
#include "i18n.h"
#include "monitor/commands.h"
#include "monitor/inspect.h"
#include "vm/vm.h"

KD_MONITOR_CMD(kd_monitor_cmd_system_powerdown)
{
	struct kd_machine *m = ctx->machine;

	if (argc != 1) {
		g_string_append(out, _("system_powerdown: takes no arguments\n"));
		return false;
	}
	if (!m->pm) {
		g_string_append(out,
				_("system_powerdown: this machine has no ACPI power button\n"));
		return false;
	}
	kd_vm_lock(m->vm);
	kd_piix4_pm_power_button(m->pm);
	kd_vm_unlock(m->vm);
	return true;
}

void kd_monitor_complete_keys(const char *word, GPtrArray *out)
{
	/* After the last '-' of a combination: "ctrl-alt-de" completes to "ctrl-alt-delete". */
	const char *last = strrchr(word, '-');
	size_t head = last ? (size_t)(last - word) + 1 : 0;

	const struct kd_keymap_name *k;

	for (size_t i = 0; (k = kd_keymap_name_at(i)); i++)
		if (g_str_has_prefix(k->name, word + head))
			g_ptr_array_add(out, g_strdup_printf("%.*s%s", (int)head, word, k->name));
}

#define MAX_COMBO 8

struct release {
	struct kd_machine *m;
	uint8_t codes[MAX_COMBO * KD_KEYMAP_PUT_MAX];
	size_t len;
};

static gboolean release_keys(gpointer data)
{
	struct release *r = data;

	kd_vm_lock(r->m->vm);
	if (r->m->i8042)
		kd_i8042_put_keycode(r->m->i8042, r->codes, r->len);
	kd_vm_unlock(r->m->vm);
	return G_SOURCE_REMOVE;
}

/* sendkey KEYS [HOLD_MS]: KEYS like ctrl-alt-delete are pressed in order, held, and released in
 * the reverse order, as QEMU does. */
KD_MONITOR_CMD(kd_monitor_cmd_sendkey)
{
	struct kd_machine *m = ctx->machine;
	g_auto(GStrv) names = NULL;
	const struct kd_keymap_name *combo[MAX_COMBO];
	uint8_t press[MAX_COMBO * KD_KEYMAP_PUT_MAX];
	struct release *r;
	size_t n = 0, plen = 0;
	guint64 hold = 100;

	if (argc < 2 || argc > 3) {
		g_string_append(out, _("sendkey: usage: sendkey KEYS [HOLD_MS] (e.g. "
				       "ctrl-alt-delete, ctrl-alt-f2)\n"));
		return false;
	}
	if (argc == 3) {
		char *end;

		hold = g_ascii_strtoull(argv[2], &end, 10);
		if (!*argv[2] || *end || hold > 10000) {
			g_string_append_printf(
				out, _("sendkey: hold time '%s' is not milliseconds (0-10000)\n"),
				argv[2]);
			return false;
		}
	}
	names = g_strsplit(argv[1], "-", -1);
	for (char **p = names; *p; p++) {
		if (n == MAX_COMBO) {
			g_string_append_printf(out, _("sendkey: at most %d keys at once\n"),
					       MAX_COMBO);
			return false;
		}
		combo[n] = kd_keymap_find(*p);
		if (!combo[n]) {
			g_string_append_printf(
				out,
				_("sendkey: unknown key '%s' (QEMU's names: a-z, 0-9, "
				  "f1-f12, ctrl, alt, shift, delete, ret, esc, spc, "
				  "tab, up, ...)\n"),
				*p);
			return false;
		}
		n++;
	}
	if (!m->i8042) {
		g_string_append(out, _("sendkey: this machine has no keyboard\n"));
		return false;
	}
	r = g_new0(struct release, 1);
	r->m = m;
	for (size_t i = 0; i < n; i++)
		plen += kd_keymap_put(press + plen, combo[i]->key, false);
	for (size_t i = n; i-- > 0;)
		r->len += kd_keymap_put(r->codes + r->len, combo[i]->key, true);
	kd_vm_lock(m->vm);
	kd_i8042_put_keycode(m->i8042, press, plen);
	kd_vm_unlock(m->vm);
	g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)hold, release_keys, r, g_free);
	return true;
}

/* screendump FILE: what the screen shows now, in any mode, as a binary PPM (QEMU's format). */
KD_MONITOR_CMD(kd_monitor_cmd_screendump)
{
	g_autoptr(GError) err = NULL;
	const struct kd_display_frame *frame;

	if (argc != 2) {
		g_string_append(out, _("screendump: usage: screendump FILE\n"));
		return false;
	}
	if (!ctx->machine->display) {
		g_string_append(out, _("screendump: this VM has no display adapter (-vga none)\n"));
		return false;
	}
	frame = kd_display_refresh(ctx->machine->display, true);
	if (!kd_display_write_ppm(frame, argv[1], &err)) {
		g_string_append_printf(out, "screendump: %s\n", err->message);
		return false;
	}
	return true;
}

/* info display [cells ROW]: the adapter, mode, cursor and text rows; or one row's character
 * and attribute bytes. Read through the display interface, as every consumer sees it. */
KD_MONITOR_CMD(kd_monitor_info_display)
{
	struct kd_display *display = ctx->machine->display;
	const struct kd_display_frame *frame;
	unsigned long row;
	char *end;

	if (!display) {
		g_string_append(out,
				_("info display: this VM has no display adapter (-vga none)\n"));
		return false;
	}
	if (argc == 1) {
		kd_display_describe(display, out);
		return true;
	}
	if (argc != 3 || strcmp(argv[1], "cells") != 0) {
		g_string_append(out, _("info display: usage: info display [cells ROW]\n"));
		return false;
	}
	frame = kd_display_refresh(display, false);
	row = strtoul(argv[2], &end, 10);
	if (frame->mode != KD_DISPLAY_TEXT || !*argv[2] || *end || row >= frame->text.rows) {
		g_string_append_printf(
			out, _("info display: '%s' is not a text row (the screen has %u)\n"),
			argv[2], frame->mode == KD_DISPLAY_TEXT ? frame->text.rows : 0);
		return false;
	}
	g_string_append_printf(out, "row %lu:", row);
	for (unsigned c = 0; c < frame->text.cols; c++) {
		const struct kd_display_cell *cell = &frame->text.cells[row * frame->text.cols + c];

		g_string_append_printf(out, " %02x:%02x", cell->ch, cell->attr);
	}
	g_string_append_c(out, '\n');
	return true;
}
