/*
 * The monitor's commands that act on the machine like its buttons and keyboard would:
 * system_powerdown (the ACPI power button) and sendkey (key combinations the host's own
 * keyboard would catch, such as ctrl-alt-delete or ctrl-alt-f1).
 */
#include "config.h"

#include <string.h>

#include "hw/i8042.h"
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

/* QEMU's key names and their PS/2 scan code set 2 make codes (0xE0 prefix in the high byte). */
static const struct key {
	const char *name;
	uint16_t code;
} keys[] = {
	{ "a", 0x1C },
	{ "b", 0x32 },
	{ "c", 0x21 },
	{ "d", 0x23 },
	{ "e", 0x24 },
	{ "f", 0x2B },
	{ "g", 0x34 },
	{ "h", 0x33 },
	{ "i", 0x43 },
	{ "j", 0x3B },
	{ "k", 0x42 },
	{ "l", 0x4B },
	{ "m", 0x3A },
	{ "n", 0x31 },
	{ "o", 0x44 },
	{ "p", 0x4D },
	{ "q", 0x15 },
	{ "r", 0x2D },
	{ "s", 0x1B },
	{ "t", 0x2C },
	{ "u", 0x3C },
	{ "v", 0x2A },
	{ "w", 0x1D },
	{ "x", 0x22 },
	{ "y", 0x35 },
	{ "z", 0x1A },
	{ "1", 0x16 },
	{ "2", 0x1E },
	{ "3", 0x26 },
	{ "4", 0x25 },
	{ "5", 0x2E },
	{ "6", 0x36 },
	{ "7", 0x3D },
	{ "8", 0x3E },
	{ "9", 0x46 },
	{ "0", 0x45 },
	{ "f1", 0x05 },
	{ "f2", 0x06 },
	{ "f3", 0x04 },
	{ "f4", 0x0C },
	{ "f5", 0x03 },
	{ "f6", 0x0B },
	{ "f7", 0x83 },
	{ "f8", 0x0A },
	{ "f9", 0x01 },
	{ "f10", 0x09 },
	{ "f11", 0x78 },
	{ "f12", 0x07 },
	{ "esc", 0x76 },
	{ "minus", 0x4E },
	{ "equal", 0x55 },
	{ "backspace", 0x66 },
	{ "tab", 0x0D },
	{ "bracket_left", 0x54 },
	{ "bracket_right", 0x5B },
	{ "ret", 0x5A },
	{ "semicolon", 0x4C },
	{ "apostrophe", 0x52 },
	{ "grave_accent", 0x0E },
	{ "backslash", 0x5D },
	{ "comma", 0x41 },
	{ "dot", 0x49 },
	{ "slash", 0x4A },
	{ "spc", 0x29 },
	{ "caps_lock", 0x58 },
	{ "num_lock", 0x77 },
	{ "scroll_lock", 0x7E },
	{ "shift", 0x12 },
	{ "shift_r", 0x59 },
	{ "ctrl", 0x14 },
	{ "ctrl_r", 0xE014 },
	{ "alt", 0x11 },
	{ "alt_r", 0xE011 },
	{ "altgr", 0xE011 },
	{ "meta_l", 0xE01F },
	{ "meta_r", 0xE027 },
	{ "menu", 0xE02F },
	{ "less", 0x61 },
	{ "asterisk", 0x7C },
	{ "kp_multiply", 0x7C },
	{ "kp_divide", 0xE04A },
	{ "kp_subtract", 0x7B },
	{ "kp_add", 0x79 },
	{ "kp_enter", 0xE05A },
	{ "kp_decimal", 0x71 },
	{ "kp_0", 0x70 },
	{ "kp_1", 0x69 },
	{ "kp_2", 0x72 },
	{ "kp_3", 0x7A },
	{ "kp_4", 0x6B },
	{ "kp_5", 0x73 },
	{ "kp_6", 0x74 },
	{ "kp_7", 0x6C },
	{ "kp_8", 0x75 },
	{ "kp_9", 0x7D },
	{ "insert", 0xE070 },
	{ "delete", 0xE071 },
	{ "home", 0xE06C },
	{ "end", 0xE069 },
	{ "pgup", 0xE07D },
	{ "pgdn", 0xE07A },
	{ "up", 0xE075 },
	{ "down", 0xE072 },
	{ "left", 0xE06B },
	{ "right", 0xE074 },
	{ "sysrq", 0xE07C },
};

static const struct key *find_key(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(keys); i++)
		if (!g_ascii_strcasecmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

void kd_monitor_complete_keys(const char *word, GPtrArray *out)
{
	/* After the last '-' of a combination: "ctrl-alt-de" completes to "ctrl-alt-delete". */
	const char *last = strrchr(word, '-');
	size_t head = last ? (size_t)(last - word) + 1 : 0;

	for (unsigned i = 0; i < G_N_ELEMENTS(keys); i++)
		if (g_str_has_prefix(keys[i].name, word + head))
			g_ptr_array_add(out,
					g_strdup_printf("%.*s%s", (int)head, word, keys[i].name));
}

#define MAX_COMBO 8

struct release {
	struct kd_machine *m;
	uint8_t codes[MAX_COMBO * 3];
	size_t len;
};

/* Appends the make (release = false) or break code of k. */
static size_t put_code(uint8_t *p, const struct key *k, bool release)
{
	size_t n = 0;

	if (k->code >> 8)
		p[n++] = 0xE0;
	if (release)
		p[n++] = 0xF0;
	p[n++] = (uint8_t)k->code;
	return n;
}

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
	const struct key *combo[MAX_COMBO];
	uint8_t press[MAX_COMBO * 3];
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
		combo[n] = find_key(*p);
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
		plen += put_code(press + plen, combo[i], false);
	for (size_t i = n; i-- > 0;)
		r->len += put_code(r->codes + r->len, combo[i], true);
	kd_vm_lock(m->vm);
	kd_i8042_put_keycode(m->i8042, press, plen);
	kd_vm_unlock(m->vm);
	g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)hold, release_keys, r, g_free);
	return true;
}

/* screendump FILE: the PC has no display adapter yet, so there is no screen to dump. */
KD_MONITOR_CMD(kd_monitor_cmd_screendump)
{
	if (argc != 2) {
		g_string_append(out, _("screendump: usage: screendump FILE\n"));
		return false;
	}
	g_string_append(out, _("screendump: this PC has no display adapter yet: there is no "
			       "screen to dump\n"));
	return false;
}
