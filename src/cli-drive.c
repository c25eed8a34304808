/*
 * Disk and boot options: -hda..-hdd, -cdrom, -drive (QEMU's key=value form, IDE only) and
 * -boot (order, menu, strict, reboot timeout).
 */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "i18n.h"

const char *kd_ide_index_name(unsigned index)
{
	static const char *const names[KD_MAX_IDE_DRIVES] = { "primary master", "primary slave",
							      "secondary master",
							      "secondary slave" };

	return index < KD_MAX_IDE_DRIVES ? names[index] : "?";
}

/* A boot order is a string of device letters: c (first hard disk), d (CD-ROM), n (network),
 * each at most once, as QEMU's -boot order=. */
static bool parse_boot_order(struct kd_config *cfg, const char *order, GError **err)
{
	if (!*order) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-boot: empty boot order (use letters c, d and n)"));
		return false;
	}
	for (const char *o = order; *o; o++) {
		if (!strchr("cdn", *o)) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-boot: invalid boot device '%c' (c = hard disk, d = CD-ROM, "
				      "n = network; kvmdesk has no floppy)"),
				    *o);
			return false;
		}
		if (strchr(o + 1, *o)) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-boot: boot device '%c' was given twice"), *o);
			return false;
		}
	}
	cfg->pc.boot_order = order;
	return true;
}

bool kd_cli_apply_boot(struct kd_config *cfg, const char *value, GError **err)
{
	g_auto(GStrv) parts = g_strsplit(value, ",", -1);

	for (char **p = parts; *p; p++) {
		const char *v = *p;
		char *end = NULL;
		gint64 ms;

		if (g_str_has_prefix(v, "reboot-timeout=")) {
			ms = g_ascii_strtoll(v + 15, &end, 10);
			if (!*(v + 15) || *end || ms < -1 || ms > 0xFFFF) {
				g_set_error(
					err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
					_("-boot: reboot-timeout is milliseconds from 0 to 65535, "
					  "or -1 to wait forever, not '%s'"),
					v + 15);
				return false;
			}
			cfg->pc.boot_reboot_timeout = (int)ms;
			cfg->pc.boot_reboot_timeout_set = true;
		} else if (!strcmp(v, "menu=on") || !strcmp(v, "menu=off")) {
			cfg->pc.boot_menu = !strcmp(v, "menu=on");
		} else if (!strcmp(v, "strict=on") || !strcmp(v, "strict=off")) {
			cfg->pc.boot_strict = !strcmp(v, "strict=on");
		} else if (g_str_has_prefix(v, "order=") || (p == parts && !strchr(v, '=') && *v)) {
			/* order=cd, or the old form -boot cd */
			if (!parse_boot_order(cfg, kd_cli_keep(strchr(v, '=') ? v + 6 : v), err))
				return false;
		} else {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-boot: '%s' is not supported (order=DRIVES, "
				      "reboot-timeout=MS, menu=on|off, strict=on|off)"),
				    v);
			return false;
		}
	}
	cfg->vm_requested = true;
	return true;
}

/* ------------------------------------------------------------------ drives */

static bool set_drive(struct kd_config *cfg, unsigned index, const struct kd_drive_config *d,
		      const char *option, GError **err)
{
	if (cfg->pc.ide[index].present) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("%s: IDE index %u (%s) is already in use"), option, index,
			    kd_ide_index_name(index));
		return false;
	}
	cfg->pc.ide[index] = *d;
	cfg->pc.ide[index].present = true;
	cfg->drives_given = true;
	cfg->vm_requested = true;
	return true;
}

static bool apply_hd(struct kd_config *cfg, unsigned index, const char *option, const char *file,
		     GError **err)
{
	struct kd_drive_config d = { .file = file };

	return set_drive(cfg, index, &d, option, err);
}

bool kd_cli_apply_hda(struct kd_config *cfg, const char *value, GError **err)
{
	return apply_hd(cfg, 0, "-hda", value, err);
}

bool kd_cli_apply_hdb(struct kd_config *cfg, const char *value, GError **err)
{
	return apply_hd(cfg, 1, "-hdb", value, err);
}

bool kd_cli_apply_hdc(struct kd_config *cfg, const char *value, GError **err)
{
	return apply_hd(cfg, 2, "-hdc", value, err);
}

bool kd_cli_apply_hdd(struct kd_config *cfg, const char *value, GError **err)
{
	return apply_hd(cfg, 3, "-hdd", value, err);
}

bool kd_cli_apply_cdrom(struct kd_config *cfg, const char *value, GError **err)
{
	struct kd_drive_config d = { .cdrom = true, .file = value, .readonly = true };

	return set_drive(cfg, 2, &d, "-cdrom", err);
}

static bool parse_on_off(const char *key, const char *v, bool *out, GError **err)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
		*out = false;
		return true;
	}
	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
		    _("-drive: %s must be on or off, not '%s'"), key, v);
	return false;
}

static bool parse_drive_number(const char *key, const char *v, unsigned max, unsigned *out,
			       GError **err)
{
	guint64 n;

	if (!g_ascii_string_to_unsigned(v, 10, 0, max, &n, NULL)) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-drive: %s must be a number from 0 to %u, not '%s'"), key, max, v);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

/* -drive file=F,if=ide,index=N,bus=B,unit=U,media=disk|cdrom,format=raw,readonly=on|off,
 * cache=writeback|none. Commas inside a file name are doubled, as in QEMU. */
bool kd_cli_apply_drive(struct kd_config *cfg, const char *value, GError **err)
{
	g_autoptr(GPtrArray) items = kd_split_options(value);
	struct kd_drive_config d = { 0 };
	int index = -1, bus = -1, unit = -1;
	bool media_given = false;

	for (guint i = 0; i < items->len; i++) {
		const char *item = g_ptr_array_index(items, i);
		const char *eq = strchr(item, '=');
		g_autofree char *key = eq ? g_strndup(item, (gsize)(eq - item)) : g_strdup(item);
		const char *v = eq ? eq + 1 : "";
		unsigned n;

		if (!eq) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-drive: '%s' is not KEY=VALUE"), item);
			return false;
		}
		if (!strcmp(key, "file")) {
			d.file = kd_cli_keep(v);
		} else if (!strcmp(key, "if")) {
			if (strcmp(v, "ide") != 0) {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
					    _("-drive: interface '%s' is not available; kvmdesk's "
					      "PC has IDE only (if=ide)"),
					    v);
				return false;
			}
		} else if (!strcmp(key, "index")) {
			if (!parse_drive_number(key, v, KD_MAX_IDE_DRIVES - 1, &n, err))
				return false;
			index = (int)n;
		} else if (!strcmp(key, "bus")) {
			if (!parse_drive_number(key, v, 1, &n, err))
				return false;
			bus = (int)n;
		} else if (!strcmp(key, "unit")) {
			if (!parse_drive_number(key, v, 1, &n, err))
				return false;
			unit = (int)n;
		} else if (!strcmp(key, "media")) {
			if (strcmp(v, "disk") != 0 && strcmp(v, "cdrom") != 0) {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
					    _("-drive: media must be disk or cdrom, not '%s'"), v);
				return false;
			}
			d.cdrom = !strcmp(v, "cdrom");
			media_given = true;
		} else if (!strcmp(key, "format")) {
			if (strcmp(v, "raw") != 0) {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
					    _("-drive: format '%s' is not supported; kvmdesk reads "
					      "raw images (convert with qemu-img convert -O raw)"),
					    v);
				return false;
			}
		} else if (!strcmp(key, "readonly")) {
			if (!parse_on_off(key, v, &d.readonly, err))
				return false;
		} else if (!strcmp(key, "cache")) {
			if (strcmp(v, "writeback") != 0 && strcmp(v, "none") != 0) {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
					    _("-drive: cache must be writeback or none, not '%s'"),
					    v);
				return false;
			}
			d.direct = !strcmp(v, "none");
		} else {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-drive: unknown parameter '%s' (file, if, index, bus, unit, "
				      "media, format, readonly, cache)"),
				    key);
			return false;
		}
	}
	if (!media_given)
		d.cdrom = false;
	if (!d.file && !d.cdrom) {
		g_set_error(
			err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			_("-drive: a disk needs file=IMAGE (only a CD-ROM drive may be empty)"));
		return false;
	}
	if (d.cdrom)
		d.readonly = true;
	if (bus >= 0 || unit >= 0) {
		int from_bus = (bus < 0 ? 0 : bus) * 2 + (unit < 0 ? 0 : unit);

		if (index >= 0 && index != from_bus) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-drive: index=%d contradicts bus=%d,unit=%d"), index,
				    bus < 0 ? 0 : bus, unit < 0 ? 0 : unit);
			return false;
		}
		index = from_bus;
	}
	if (index < 0) {
		for (unsigned i = 0; i < KD_MAX_IDE_DRIVES && index < 0; i++)
			if (!cfg->pc.ide[i].present)
				index = (int)i;
		if (index < 0) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-drive: all four IDE positions are in use"));
			return false;
		}
	}
	return set_drive(cfg, (unsigned)index, &d, "-drive", err);
}
