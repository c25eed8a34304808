/*
 * VM definitions (see vmdef.h): load, save, list, delete, check, and the command line.
 */
#include "config.h"

#include "vmdef.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "assign/hostdev.h"
#include "hw/net/net.h"
#include "i18n.h"

#define VMDEF_SUFFIX ".vm"

static const char *const nic_models[] = { "rtl8139", "e1000" };
static const char *const nic_backends[] = { "user", "tap" };
static const char *const displays[] = { "default", "none", "curses", "sdl" };
static const char *const vgas[] = { "cirrus", "none" };

GQuark kd_vmdef_error_quark(void)
{
	return g_quark_from_static_string("kd-vmdef-error-quark");
}

static bool one_of(const char *value, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (value && !strcmp(value, words[i]))
			return true;
	return false;
}

bool kd_vmdef_name_valid(const char *name, GError **err)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > KD_VMDEF_NAME_MAX || name[0] == '.' ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
		    len) {
		g_set_error(
			err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_NAME,
			_("'%s' is not a VM name: use 1 to %d letters, digits, '.', '_' or '-', "
			  "not starting with '.'"),
			name ? name : "", KD_VMDEF_NAME_MAX);
		return false;
	}
	return true;
}

static void nic_set_default(struct kd_vmdef_nic *nic)
{
	nic->present = true;
	nic->model = g_strdup("rtl8139");
	nic->backend = g_strdup("user");
}

struct kd_vmdef *kd_vmdef_new(const char *name, GError **err)
{
	struct kd_vmdef *def;

	if (!kd_vmdef_name_valid(name, err))
		return NULL;
	def = g_new0(struct kd_vmdef, 1);
	def->name = g_strdup(name);
	def->memory_mib = 256;
	def->cpus = 1;
	/* As the command line without network options: an RTL8139 on user networking. */
	nic_set_default(&def->nic[0]);
	def->display = g_strdup("default");
	return def;
}

static void nic_clear(struct kd_vmdef_nic *nic)
{
	g_free(nic->model);
	g_free(nic->mac);
	g_free(nic->backend);
	g_strfreev(nic->hostfwd);
	g_free(nic->ifname);
	memset(nic, 0, sizeof(*nic));
}

void kd_vmdef_free(struct kd_vmdef *def)
{
	if (!def)
		return;
	g_free(def->name);
	for (unsigned i = 0; i < KD_VMDEF_MAX_DISKS; i++)
		g_free(def->disk[i].file);
	g_free(def->cdrom);
	for (unsigned i = 0; i < KD_VMDEF_MAX_NICS; i++)
		nic_clear(&def->nic[i]);
	for (unsigned i = 0; i < KD_VMDEF_MAX_HOSTDEVS; i++)
		g_free(def->hostdev[i]);
	g_free(def->boot);
	g_free(def->display);
	g_free(def->vga);
	g_strfreev(def->extra);
	g_free(def);
}

char *kd_vmdef_dir(void)
{
	return g_build_filename(g_get_user_config_dir(), PACKAGE, "vms", NULL);
}

char *kd_vmdef_path_in(const char *dir, const char *name, GError **err)
{
	g_autofree char *file = NULL;

	if (!kd_vmdef_name_valid(name, err))
		return NULL;
	file = g_strconcat(name, VMDEF_SUFFIX, NULL);
	return g_build_filename(dir, file, NULL);
}

/* ------------------------------------------------------------------ loading */

/* Reading one file: the key file, its path for messages, and where warnings go. */
struct reader {
	GKeyFile *kf;
	const char *path;
	GString *warnings;
};

static bool key_error(const struct reader *r, const char *group, const char *key, GError *cause,
		      GError **err)
{
	g_set_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_INVALID, "%s: [%s] %s: %s", r->path, group,
		    key, cause->message);
	g_error_free(cause);
	return false;
}

static bool bad_value(const struct reader *r, const char *group, const char *key, const char *what,
		      GError **err)
{
	g_set_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_INVALID, "%s: [%s] %s: %s", r->path, group,
		    key, what);
	return false;
}

static bool read_string(const struct reader *r, const char *group, const char *key, char **out,
			GError **err)
{
	GError *cause = NULL;
	char *v;

	if (!g_key_file_has_key(r->kf, group, key, NULL))
		return true;
	v = g_key_file_get_string(r->kf, group, key, &cause);
	if (!v)
		return key_error(r, group, key, cause, err);
	g_free(*out);
	*out = v;
	return true;
}

static bool read_list(const struct reader *r, const char *group, const char *key, char ***out,
		      GError **err)
{
	GError *cause = NULL;
	char **v;

	if (!g_key_file_has_key(r->kf, group, key, NULL))
		return true;
	v = g_key_file_get_string_list(r->kf, group, key, NULL, &cause);
	if (!v)
		return key_error(r, group, key, cause, err);
	g_strfreev(*out);
	*out = v;
	return true;
}

static bool read_bool(const struct reader *r, const char *group, const char *key, bool *out,
		      GError **err)
{
	GError *cause = NULL;
	gboolean v;

	if (!g_key_file_has_key(r->kf, group, key, NULL))
		return true;
	v = g_key_file_get_boolean(r->kf, group, key, &cause);
	if (cause)
		return key_error(r, group, key, cause, err);
	*out = v;
	return true;
}

static bool read_unsigned(const struct reader *r, const char *group, const char *key, unsigned max,
			  unsigned *out, GError **err)
{
	g_autofree char *text = NULL;
	guint64 v;

	if (!read_string(r, group, key, &text, err))
		return false;
	if (!text)
		return true;
	if (!g_ascii_string_to_unsigned(text, 10, 0, max, &v, NULL)) {
		g_autofree char *what =
			g_strdup_printf(_("'%s' is not a whole number from 0 to %u"), text, max);

		return bad_value(r, group, key, what, err);
	}
	*out = (unsigned)v;
	return true;
}

/* Warns about keys of group other than the known ones. */
static void warn_unknown_keys(const struct reader *r, const char *group, const char *const *known)
{
	g_auto(GStrv) keys = g_key_file_get_keys(r->kf, group, NULL, NULL);

	for (char **k = keys; k && *k; k++)
		if (r->warnings && !g_strv_contains(known, *k))
			g_string_append_printf(r->warnings,
					       _("%s: [%s] %s: unknown key, ignored\n"), r->path,
					       group, *k);
}

static bool load_vm_group(const struct reader *r, struct kd_vmdef *def, GError **err)
{
	static const char *const known[] = { "name", "memory", "cpus",	"boot", "display",
					     "vga",  "cdrom",  "extra", "nics", NULL };
	g_autofree char *name = NULL;

	if (!g_key_file_has_group(r->kf, "vm")) {
		g_set_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_INVALID,
			    _("%s: the group [vm] is missing"), r->path);
		return false;
	}
	warn_unknown_keys(r, "vm", known);
	if (!read_string(r, "vm", "name", &name, err))
		return false;
	if (name && strcmp(name, def->name) != 0 && r->warnings)
		g_string_append_printf(r->warnings,
				       _("%s: [vm] name: '%s' differs from the file name; the "
					 "file name counts\n"),
				       r->path, name);
	return read_unsigned(r, "vm", "memory", G_MAXUINT32 >> 1, &def->memory_mib, err) &&
	       read_unsigned(r, "vm", "cpus", 4096, &def->cpus, err) &&
	       read_string(r, "vm", "boot", &def->boot, err) &&
	       read_string(r, "vm", "display", &def->display, err) &&
	       read_string(r, "vm", "vga", &def->vga, err) &&
	       read_string(r, "vm", "cdrom", &def->cdrom, err) &&
	       read_list(r, "vm", "extra", &def->extra, err);
}

static bool load_disk(const struct reader *r, const char *group, struct kd_vmdef_disk *d,
		      GError **err)
{
	static const char *const known[] = { "file", "media", "readonly", "cache", NULL };
	g_autofree char *media = NULL, *cache = NULL;

	warn_unknown_keys(r, group, known);
	d->present = true;
	if (!read_string(r, group, "file", &d->file, err) ||
	    !read_string(r, group, "media", &media, err) ||
	    !read_bool(r, group, "readonly", &d->readonly, err) ||
	    !read_string(r, group, "cache", &cache, err))
		return false;
	if (media && strcmp(media, "disk") && strcmp(media, "cdrom"))
		return bad_value(r, group, "media", _("give disk or cdrom"), err);
	d->cdrom = media && !strcmp(media, "cdrom");
	if (cache && strcmp(cache, "writeback") && strcmp(cache, "none"))
		return bad_value(r, group, "cache", _("give writeback or none"), err);
	d->direct = cache && !strcmp(cache, "none");
	return true;
}

static bool load_nic(const struct reader *r, const char *group, struct kd_vmdef_nic *nic,
		     GError **err)
{
	static const char *const known[] = { "model", "mac", "backend", "hostfwd", "ifname", NULL };

	warn_unknown_keys(r, group, known);
	nic_set_default(nic);
	if (!read_string(r, group, "model", &nic->model, err) ||
	    !read_string(r, group, "mac", &nic->mac, err) ||
	    !read_string(r, group, "backend", &nic->backend, err) ||
	    !read_list(r, group, "hostfwd", &nic->hostfwd, err) ||
	    !read_string(r, group, "ifname", &nic->ifname, err))
		return false;
	if (nic->hostfwd && g_strv_length(nic->hostfwd) > KD_VMDEF_MAX_HOSTFWD) {
		g_autofree char *what =
			g_strdup_printf(_("at most %d rules"), KD_VMDEF_MAX_HOSTFWD);

		return bad_value(r, group, "hostfwd", what, err);
	}
	return true;
}

static bool load_hostdev(const struct reader *r, const char *group, char **host, GError **err)
{
	static const char *const known[] = { "host", NULL };

	warn_unknown_keys(r, group, known);
	if (!read_string(r, group, "host", host, err))
		return false;
	if (!*host)
		return bad_value(r, group, "host", _("the PCI address is missing"), err);
	return true;
}

/* "[nic 3]" -> 3 when the group is "nic" and 3 < max. -1: another kind of group. */
static int group_index(const struct reader *r, const char *group, const char *kind, unsigned max,
		       GError **err)
{
	size_t len = strlen(kind);
	guint64 n;

	if (strncmp(group, kind, len) != 0 || group[len] != ' ')
		return -1;
	if (!g_ascii_string_to_unsigned(group + len + 1, 10, 0, max - 1, &n, NULL)) {
		g_set_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_INVALID,
			    _("%s: [%s]: a VM has %s 0 to %u; '%s' is not one of them"), r->path,
			    group, kind, max - 1, group + len + 1);
		return -2;
	}
	return (int)n;
}

static bool load_groups(const struct reader *r, struct kd_vmdef *def, GError **err)
{
	g_auto(GStrv) groups = g_key_file_get_groups(r->kf, NULL);
	bool nic_seen = false;

	for (char **g = groups; *g; g++) {
		int i;

		if (!strcmp(*g, "vm"))
			continue;
		if ((i = group_index(r, *g, "disk", KD_VMDEF_MAX_DISKS, err)) >= 0) {
			if (!load_disk(r, *g, &def->disk[i], err))
				return false;
		} else if (i == -1 &&
			   (i = group_index(r, *g, "nic", KD_VMDEF_MAX_NICS, err)) >= 0) {
			/* A file with NIC groups lists all NICs: the default one goes. */
			if (!nic_seen)
				for (unsigned j = 0; j < KD_VMDEF_MAX_NICS; j++)
					nic_clear(&def->nic[j]);
			nic_seen = true;
			if (!load_nic(r, *g, &def->nic[i], err))
				return false;
		} else if (i == -1 &&
			   (i = group_index(r, *g, "hostdev", KD_VMDEF_MAX_HOSTDEVS, err)) >= 0) {
			if (!load_hostdev(r, *g, &def->hostdev[i], err))
				return false;
		} else if (i == -1) {
			if (r->warnings)
				g_string_append_printf(r->warnings,
						       _("%s: [%s]: unknown group, ignored\n"),
						       r->path, *g);
		} else {
			return false;
		}
	}
	return true;
}

static bool has_nic_groups(GKeyFile *kf)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

	for (char **g = groups; *g; g++)
		if (g_str_has_prefix(*g, "nic "))
			return true;
	return false;
}

/* A definition named name from kf; path names the source in messages. */
static struct kd_vmdef *from_key_file(GKeyFile *kf, const char *path, const char *name,
				      GString *warnings, GError **err)
{
	struct reader r = { kf, path, warnings };
	g_autoptr(kd_vmdef) def = NULL;
	GError *cause = NULL;
	gboolean has_nics;

	def = kd_vmdef_new(name, &cause);
	if (!def) {
		g_set_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_NAME, "%s: %s", path,
			    cause->message);
		g_error_free(cause);
		return NULL;
	}
	if (!load_vm_group(&r, def, err) || !load_groups(&r, def, err))
		return NULL;
	/* [vm] nics=0 records a VM without network (no [nic N] groups would mean the default). */
	has_nics = g_key_file_has_key(kf, "vm", "nics", NULL);
	if (has_nics) {
		unsigned n = 1;

		if (!read_unsigned(&r, "vm", "nics", 0, &n, err))
			return NULL;
		if (has_nic_groups(kf)) {
			bad_value(&r, "vm", "nics",
				  _("nics=0 (no network) contradicts the [nic N] groups"), err);
			return NULL;
		}
		nic_clear(&def->nic[0]);
	}
	return g_steal_pointer(&def);
}

struct kd_vmdef *kd_vmdef_load_file(const char *path, GString *warnings, GError **err)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *base = g_path_get_basename(path);
	GError *cause = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &cause)) {
		int code = g_error_matches(cause, G_FILE_ERROR, G_FILE_ERROR_NOENT)
				   ? KD_VMDEF_ERROR_NOT_FOUND
				   : KD_VMDEF_ERROR_FILE;

		g_set_error(err, KD_VMDEF_ERROR, code, "%s: %s", path, cause->message);
		g_error_free(cause);
		return NULL;
	}
	if (g_str_has_suffix(base, VMDEF_SUFFIX))
		base[strlen(base) - strlen(VMDEF_SUFFIX)] = 0;
	return from_key_file(kf, path, base, warnings, err);
}

struct kd_vmdef *kd_vmdef_copy(const struct kd_vmdef *def)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *data = kd_vmdef_to_data(def);

	/* Through the file format: what is saved is exactly what a copy holds. */
	if (!g_key_file_load_from_data(kf, data, (gsize)-1, G_KEY_FILE_NONE, NULL))
		return NULL;
	return from_key_file(kf, def->name, def->name, NULL, NULL);
}

struct kd_vmdef *kd_vmdef_load_in(const char *dir, const char *name, GString *warnings,
				  GError **err)
{
	g_autofree char *path = kd_vmdef_path_in(dir, name, err);

	return path ? kd_vmdef_load_file(path, warnings, err) : NULL;
}

struct kd_vmdef *kd_vmdef_load(const char *name, GString *warnings, GError **err)
{
	g_autofree char *dir = kd_vmdef_dir();

	return kd_vmdef_load_in(dir, name, warnings, err);
}

/* ------------------------------------------------------------------ saving */

static void set_string(GKeyFile *kf, const char *group, const char *key, const char *value)
{
	if (value)
		g_key_file_set_string(kf, group, key, value);
}

char *kd_vmdef_to_data(const struct kd_vmdef *def)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	bool any_nic = false;

	set_string(kf, "vm", "name", def->name);
	g_key_file_set_uint64(kf, "vm", "memory", def->memory_mib);
	g_key_file_set_uint64(kf, "vm", "cpus", def->cpus);
	set_string(kf, "vm", "boot", def->boot);
	set_string(kf, "vm", "display", def->display);
	set_string(kf, "vm", "vga", def->vga);
	set_string(kf, "vm", "cdrom", def->cdrom);
	if (def->extra)
		g_key_file_set_string_list(kf, "vm", "extra", (const char *const *)def->extra,
					   g_strv_length(def->extra));
	for (unsigned i = 0; i < KD_VMDEF_MAX_NICS; i++)
		any_nic |= def->nic[i].present;
	if (!any_nic)
		g_key_file_set_uint64(kf, "vm", "nics", 0);
	for (unsigned i = 0; i < KD_VMDEF_MAX_DISKS; i++) {
		const struct kd_vmdef_disk *d = &def->disk[i];
		g_autofree char *group = g_strdup_printf("disk %u", i);

		if (!d->present)
			continue;
		set_string(kf, group, "file", d->file);
		g_key_file_set_string(kf, group, "media", d->cdrom ? "cdrom" : "disk");
		g_key_file_set_boolean(kf, group, "readonly", d->readonly);
		g_key_file_set_string(kf, group, "cache", d->direct ? "none" : "writeback");
	}
	for (unsigned i = 0; i < KD_VMDEF_MAX_NICS; i++) {
		const struct kd_vmdef_nic *n = &def->nic[i];
		g_autofree char *group = g_strdup_printf("nic %u", i);

		if (!n->present)
			continue;
		set_string(kf, group, "model", n->model);
		set_string(kf, group, "mac", n->mac);
		set_string(kf, group, "backend", n->backend);
		if (n->hostfwd)
			g_key_file_set_string_list(kf, group, "hostfwd",
						   (const char *const *)n->hostfwd,
						   g_strv_length(n->hostfwd));
		set_string(kf, group, "ifname", n->ifname);
	}
	for (unsigned i = 0; i < KD_VMDEF_MAX_HOSTDEVS; i++) {
		g_autofree char *group = g_strdup_printf("hostdev %u", i);

		set_string(kf, group, "host", def->hostdev[i]);
	}
	return g_key_file_to_data(kf, NULL, NULL);
}

bool kd_vmdef_save_in(const char *dir, const struct kd_vmdef *def, GError **err)
{
	g_autofree char *path = kd_vmdef_path_in(dir, def->name, err);
	g_autofree char *data = NULL;
	GError *cause = NULL;

	if (!path)
		return false;
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		int e = errno;

		g_set_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_FILE,
			    _("%s: cannot create the directory: %s"), dir, g_strerror(e));
		return false;
	}
	data = kd_vmdef_to_data(def);
	/* g_file_set_contents writes a temporary file and renames it over the old one. */
	if (!g_file_set_contents(path, data, -1, &cause)) {
		g_set_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_FILE, "%s", cause->message);
		g_error_free(cause);
		return false;
	}
	return true;
}

bool kd_vmdef_save(const struct kd_vmdef *def, GError **err)
{
	g_autofree char *dir = kd_vmdef_dir();

	return kd_vmdef_save_in(dir, def, err);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **kd_vmdef_list_in(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new();
	const char *entry;

	while (d && (entry = g_dir_read_name(d))) {
		g_autofree char *name = NULL;

		if (!g_str_has_suffix(entry, VMDEF_SUFFIX))
			continue;
		name = g_strndup(entry, strlen(entry) - strlen(VMDEF_SUFFIX));
		if (kd_vmdef_name_valid(name, NULL))
			g_ptr_array_add(names, g_steal_pointer(&name));
	}
	g_ptr_array_sort(names, compare_names);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

char **kd_vmdef_list(void)
{
	g_autofree char *dir = kd_vmdef_dir();

	return kd_vmdef_list_in(dir);
}

bool kd_vmdef_delete_in(const char *dir, const char *name, GError **err)
{
	g_autofree char *path = kd_vmdef_path_in(dir, name, err);

	if (!path)
		return false;
	if (g_unlink(path) != 0) {
		int e = errno;

		g_set_error(err, KD_VMDEF_ERROR,
			    e == ENOENT ? KD_VMDEF_ERROR_NOT_FOUND : KD_VMDEF_ERROR_FILE,
			    _("%s: cannot delete: %s"), path, g_strerror(e));
		return false;
	}
	return true;
}

bool kd_vmdef_delete(const char *name, GError **err)
{
	g_autofree char *dir = kd_vmdef_dir();

	return kd_vmdef_delete_in(dir, name, err);
}

/* ------------------------------------------------------------------ checking */

/* [DDDD:]BB:DD.F with a slot up to 1f and a function up to 7, as lspci -D prints. */
static bool valid_pci_address(const char *a)
{
	size_t len = strlen(a);
	const char *bdf = len == 12 ? a + 5 : a;

	if (len != 7 && len != 12)
		return false;
	if (len == 12 && !(g_ascii_isxdigit(a[0]) && g_ascii_isxdigit(a[1]) &&
			   g_ascii_isxdigit(a[2]) && g_ascii_isxdigit(a[3]) && a[4] == ':'))
		return false;
	return g_ascii_isxdigit(bdf[0]) && g_ascii_isxdigit(bdf[1]) && bdf[2] == ':' &&
	       g_ascii_isxdigit(bdf[3]) && g_ascii_isxdigit(bdf[4]) && bdf[5] == '.' &&
	       bdf[6] >= '0' && bdf[6] <= '7' &&
	       g_ascii_xdigit_value(bdf[3]) * 16 + g_ascii_xdigit_value(bdf[4]) <= 0x1f;
}

static bool valid_boot_order(const char *order)
{
	if (!*order)
		return false;
	for (const char *o = order; *o; o++)
		if (!strchr("cdn", *o) || strchr(o + 1, *o))
			return false;
	return true;
}

G_GNUC_PRINTF(2, 3)
static void problem(GString *s, const char *format, ...)
{
	va_list ap;

	if (!s)
		return;
	va_start(ap, format);
	g_string_append_vprintf(s, format, ap);
	va_end(ap);
	g_string_append_c(s, '\n');
}

static void check_disks(const struct kd_vmdef *def, GString *errors, GString *warnings)
{
	for (unsigned i = 0; i < KD_VMDEF_MAX_DISKS; i++) {
		const struct kd_vmdef_disk *d = &def->disk[i];

		if (!d->present)
			continue;
		if (!d->file && !d->cdrom)
			problem(errors, _("disk %u: a hard disk needs an image file"), i);
		else if (d->file && !g_file_test(d->file, G_FILE_TEST_EXISTS))
			problem(warnings, _("disk %u: '%s' does not exist (yet)"), i, d->file);
	}
	if (def->cdrom && def->disk[2].present)
		problem(errors,
			_("cdrom: the CD-ROM drive is IDE index 2, which disk 2 already uses"));
	else if (def->cdrom && !g_file_test(def->cdrom, G_FILE_TEST_EXISTS))
		problem(warnings, _("cdrom: '%s' does not exist (yet)"), def->cdrom);
}

static void check_nics(const struct kd_vmdef *def, GString *errors)
{
	for (unsigned i = 0; i < KD_VMDEF_MAX_NICS; i++) {
		const struct kd_vmdef_nic *n = &def->nic[i];
		uint8_t mac[6];

		if (!n->present)
			continue;
		if (!one_of(n->model, nic_models, G_N_ELEMENTS(nic_models)))
			problem(errors, _("nic %u: '%s' is not a NIC model (e1000, rtl8139)"), i,
				n->model ? n->model : "");
		if (n->mac && !kd_net_parse_mac(n->mac, mac))
			problem(errors,
				_("nic %u: '%s' is not a usable MAC address (like "
				  "52:54:00:12:34:56, first byte even)"),
				i, n->mac);
		if (!one_of(n->backend, nic_backends, G_N_ELEMENTS(nic_backends)))
			problem(errors, _("nic %u: '%s' is not a network backend (user, tap)"), i,
				n->backend ? n->backend : "");
		else if (!strcmp(n->backend, "tap") && n->hostfwd && n->hostfwd[0])
			problem(errors, _("nic %u: hostfwd is for user networking, not tap"), i);
		else if (!strcmp(n->backend, "user") && n->ifname)
			problem(errors, _("nic %u: ifname is for tap, not user networking"), i);
		if (n->hostfwd && g_strv_length(n->hostfwd) > KD_VMDEF_MAX_HOSTFWD)
			problem(errors, _("nic %u: at most %d hostfwd rules"), i,
				KD_VMDEF_MAX_HOSTFWD);
		for (char **h = n->hostfwd; h && *h; h++)
			if (!**h)
				problem(errors, _("nic %u: an empty hostfwd rule"), i);
	}
}

static void check_extra(const struct kd_vmdef *def, GString *errors)
{
	for (char **e = def->extra; e && *e; e++)
		if (!strcmp(*e, "-vm") || !strcmp(*e, "--vm") || g_str_has_prefix(*e, "--vm="))
			problem(errors, _("extra: a VM cannot include another with %s"), *e);
}

bool kd_vmdef_check(const struct kd_vmdef *def, GString *warnings, GError **err)
{
	g_autoptr(GString) errors = g_string_new(NULL);

	if (!kd_vmdef_name_valid(def->name, NULL))
		problem(errors, _("'%s' is not a VM name"), def->name ? def->name : "");
	if (def->memory_mib == 0)
		problem(errors, _("memory: the guest needs some memory"));
	else if (def->memory_mib < KD_VMDEF_MIN_MEMORY_MIB)
		problem(warnings,
			_("memory: %u MiB is little; installers fail there (give 256 or more)"),
			def->memory_mib);
	if (def->cpus == 0 || def->cpus > 255)
		problem(errors, _("cpus: %u is not a CPU count from 1 to 255"), def->cpus);
	if (def->boot && !valid_boot_order(def->boot))
		problem(errors, _("boot: '%s' is not a boot order (letters c, d, n, each once)"),
			def->boot);
	if (def->display && !one_of(def->display, displays, G_N_ELEMENTS(displays)))
		problem(errors, _("display: '%s' is not one of default, none, curses, sdl"),
			def->display);
	if (def->vga && !one_of(def->vga, vgas, G_N_ELEMENTS(vgas)))
		problem(errors, _("vga: '%s' is not one of cirrus, none"), def->vga);
	check_disks(def, errors, warnings);
	check_nics(def, errors);
	for (unsigned i = 0; i < KD_VMDEF_MAX_HOSTDEVS; i++)
		if (def->hostdev[i] && !valid_pci_address(def->hostdev[i]))
			problem(errors,
				_("hostdev %u: '%s' is not a PCI address (like 0000:05:06.0)"), i,
				def->hostdev[i]);
	check_extra(def, errors);
	if (errors->len) {
		g_string_truncate(errors, errors->len - 1);
		g_set_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_INVALID, "%s", errors->str);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ command line */

/* Appends value with its commas doubled: kd_split_options reads ",," as a literal comma. */
static void append_escaped(GString *s, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p == ',')
			g_string_append_c(s, ',');
		g_string_append_c(s, *p);
	}
}

static void add(GPtrArray *argv, const char *option, char *value)
{
	g_ptr_array_add(argv, g_strdup(option));
	g_ptr_array_add(argv, value);
}

static void add_disks(const struct kd_vmdef *def, GPtrArray *argv)
{
	for (unsigned i = 0; i < KD_VMDEF_MAX_DISKS; i++) {
		const struct kd_vmdef_disk *d = &def->disk[i];
		GString *s;

		if (!d->present)
			continue;
		s = g_string_new(NULL);
		if (d->file) {
			g_string_append(s, "file=");
			append_escaped(s, d->file);
			g_string_append_c(s, ',');
		}
		g_string_append_printf(s, "if=ide,index=%u,media=%s,readonly=%s,cache=%s", i,
				       d->cdrom ? "cdrom" : "disk", d->readonly ? "on" : "off",
				       d->direct ? "none" : "writeback");
		add(argv, "-drive", g_string_free(s, FALSE));
	}
	/* -cdrom takes the file name as it is: no option list, no commas to double. */
	if (def->cdrom)
		add(argv, "-cdrom", g_strdup(def->cdrom));
}

static void add_nics(const struct kd_vmdef *def, GPtrArray *argv)
{
	bool any = false;

	for (unsigned i = 0; i < KD_VMDEF_MAX_NICS; i++) {
		const struct kd_vmdef_nic *n = &def->nic[i];
		GString *backend, *device;

		if (!n->present)
			continue;
		any = true;
		/* The ids are the definition's own: "vmnicN" meets no id that -nic generates. */
		backend = g_string_new(NULL);
		append_escaped(backend, n->backend);
		g_string_append_printf(backend, ",id=vmnic%u", i);
		for (char **h = n->hostfwd; h && *h; h++) {
			g_string_append(backend, ",hostfwd=");
			append_escaped(backend, *h);
		}
		if (n->ifname) {
			g_string_append(backend, ",ifname=");
			append_escaped(backend, n->ifname);
		}
		add(argv, "-netdev", g_string_free(backend, FALSE));
		device = g_string_new(NULL);
		append_escaped(device, n->model);
		g_string_append_printf(device, ",netdev=vmnic%u", i);
		if (n->mac) {
			g_string_append(device, ",mac=");
			append_escaped(device, n->mac);
		}
		add(argv, "-device", g_string_free(device, FALSE));
	}
	if (!any)
		add(argv, "-net", g_strdup("none"));
}

char **kd_vmdef_to_argv(const struct kd_vmdef *def)
{
	GPtrArray *argv = g_ptr_array_new();

	g_ptr_array_add(argv, g_strdup(PACKAGE));
	add(argv, "-name", g_strdup(def->name));
	add(argv, "-m", g_strdup_printf("%uM", def->memory_mib));
	add(argv, "-smp", g_strdup_printf("%u", def->cpus));
	add_disks(def, argv);
	add_nics(def, argv);
	for (unsigned i = 0; i < KD_VMDEF_MAX_HOSTDEVS; i++) {
		GString *s;

		if (!def->hostdev[i])
			continue;
		s = g_string_new("vfio-pci,host=");
		append_escaped(s, def->hostdev[i]);
		/* The id follows the definition's index, so the workstation finds the device
		 * again for device_del whatever other slots are empty. */
		g_string_append_printf(s, ",id=hostdev%u", i);
		add(argv, "-device", g_string_free(s, FALSE));
	}
	if (def->boot)
		add(argv, "-boot", g_strdup_printf("order=%s", def->boot));
	if (def->display && strcmp(def->display, "default") != 0)
		add(argv, "-display", g_strdup(def->display));
	if (def->vga)
		add(argv, "-vga", g_strdup(def->vga));
	for (char **e = def->extra; e && *e; e++)
		g_ptr_array_add(argv, g_strdup(*e));
	g_ptr_array_add(argv, NULL);
	return (char **)g_ptr_array_free(argv, FALSE);
}

char *kd_vmdef_demo_image(void)
{
	const char *env = g_getenv("KVMDESK_DEMO_IMAGE");
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *installed = g_build_filename(KVMDESK_DATADIR, "kvmdesk-demo.img", NULL);

	if (env && *env)
		return g_strdup(env);
	/* A program run from its build tree takes that tree's image, unless one is installed. */
	if (exe && !g_file_test(installed, G_FILE_TEST_IS_REGULAR)) {
		g_autofree char *dir = g_path_get_dirname(exe);
		g_autofree char *relative =
			g_build_filename(dir, "..", "data", "demo", "kvmdesk-demo.img", NULL);
		char *built = g_canonicalize_filename(relative, NULL);

		if (g_file_test(built, G_FILE_TEST_IS_REGULAR))
			return built;
		g_free(built);
	}
	return g_steal_pointer(&installed);
}

struct kd_vmdef *kd_vmdef_demo(const char *image)
{
	struct kd_vmdef *def = kd_vmdef_new("demo", NULL);

	def->disk[0].present = true;
	def->disk[0].file = g_strdup(image);
	def->disk[0].readonly = true;
	/* The demo needs no network; iPXE's ROM would only slow its start (and cannot run on
	 * nested software KVM hosts). */
	for (unsigned i = 0; i < KD_VMDEF_MAX_NICS; i++)
		nic_clear(&def->nic[i]);
	return def;
}

int kd_vmdef_hostdev_find(const struct kd_vmdef *def, const char *address)
{
	g_autofree char *want = kd_pci_address_normalize(address);

	for (int i = 0; want && i < KD_VMDEF_MAX_HOSTDEVS; i++) {
		g_autofree char *have =
			def->hostdev[i] ? kd_pci_address_normalize(def->hostdev[i]) : NULL;

		if (have && !strcmp(have, want))
			return i;
	}
	return -1;
}
