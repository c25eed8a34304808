/*
 * VM definitions: save/load round trips, names, hostile files, checks, the command line they
 * make, and --vm.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cli.h"
#include "vmdef.h"

/* Set before anything asks GLib for the user's config directory (GLib caches it). */
static char *config_home;

static char *vm_dir(void)
{
	return g_build_filename(config_home, "kvmdesk", "vms", NULL);
}

static char *write_vm_file(const char *name, const char *text)
{
	g_autofree char *dir = vm_dir();
	g_autofree char *file = g_strconcat(name, ".vm", NULL);
	char *path = g_build_filename(dir, file, NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static struct kd_vmdef *full_def(void)
{
	struct kd_vmdef *def = kd_vmdef_new("full-vm_1.0", NULL);
	static const char *const fwd[] = { "tcp::2222-:22", "udp::5353-:53", NULL };
	static const char *const extra[] = { "-serial", "file:/tmp/a b;c", "-no-reboot", NULL };

	g_assert_nonnull(def);
	def->memory_mib = 1024;
	def->cpus = 4;
	def->disk[0] = (struct kd_vmdef_disk){ true, g_strdup("/images/win,98 disk.img"), false,
					       false, true };
	def->disk[1] =
		(struct kd_vmdef_disk){ true, g_strdup("/images/data.img"), false, true, false };
	def->disk[3] =
		(struct kd_vmdef_disk){ true, g_strdup("/iso/drivers.iso"), true, true, false };
	def->cdrom = g_strdup("/iso/install.iso");
	g_free(def->nic[0].model);
	def->nic[0].model = g_strdup("e1000");
	def->nic[0].mac = g_strdup("52:54:00:aa:bb:cc");
	def->nic[0].hostfwd = g_strdupv((char **)fwd);
	def->nic[2].present = true;
	def->nic[2].model = g_strdup("rtl8139");
	def->nic[2].backend = g_strdup("tap");
	def->nic[2].ifname = g_strdup("tap7");
	def->hostdev[0] = g_strdup("0000:05:06.0");
	def->hostdev[1] = g_strdup("01:00.1");
	def->boot = g_strdup("dc");
	g_free(def->display);
	def->display = g_strdup("curses");
	def->vga = g_strdup("cirrus");
	def->extra = g_strdupv((char **)extra);
	return def;
}

static void assert_same(const struct kd_vmdef *a, const struct kd_vmdef *b)
{
	g_assert_cmpstr(a->name, ==, b->name);
	g_assert_cmpuint(a->memory_mib, ==, b->memory_mib);
	g_assert_cmpuint(a->cpus, ==, b->cpus);
	for (unsigned i = 0; i < KD_VMDEF_MAX_DISKS; i++) {
		g_assert_cmpint(a->disk[i].present, ==, b->disk[i].present);
		g_assert_cmpstr(a->disk[i].file, ==, b->disk[i].file);
		g_assert_cmpint(a->disk[i].cdrom, ==, b->disk[i].cdrom);
		g_assert_cmpint(a->disk[i].readonly, ==, b->disk[i].readonly);
		g_assert_cmpint(a->disk[i].direct, ==, b->disk[i].direct);
	}
	g_assert_cmpstr(a->cdrom, ==, b->cdrom);
	for (unsigned i = 0; i < KD_VMDEF_MAX_NICS; i++) {
		g_assert_cmpint(a->nic[i].present, ==, b->nic[i].present);
		g_assert_cmpstr(a->nic[i].model, ==, b->nic[i].model);
		g_assert_cmpstr(a->nic[i].mac, ==, b->nic[i].mac);
		g_assert_cmpstr(a->nic[i].backend, ==, b->nic[i].backend);
		g_assert_cmpstr(a->nic[i].ifname, ==, b->nic[i].ifname);
		g_assert_cmpint(!a->nic[i].hostfwd, ==, !b->nic[i].hostfwd);
		if (a->nic[i].hostfwd)
			g_assert_true(g_strv_equal((const char *const *)a->nic[i].hostfwd,
						   (const char *const *)b->nic[i].hostfwd));
	}
	for (unsigned i = 0; i < KD_VMDEF_MAX_HOSTDEVS; i++)
		g_assert_cmpstr(a->hostdev[i], ==, b->hostdev[i]);
	g_assert_cmpstr(a->boot, ==, b->boot);
	g_assert_cmpstr(a->display, ==, b->display);
	g_assert_cmpstr(a->vga, ==, b->vga);
	g_assert_cmpint(!a->extra, ==, !b->extra);
	if (a->extra)
		g_assert_true(
			g_strv_equal((const char *const *)a->extra, (const char *const *)b->extra));
}

static void test_defaults(void)
{
	g_autoptr(kd_vmdef) def = kd_vmdef_new("plain", NULL);

	g_assert_cmpuint(def->memory_mib, ==, 256);
	g_assert_cmpuint(def->cpus, ==, 1);
	g_assert_true(def->nic[0].present);
	g_assert_cmpstr(def->nic[0].model, ==, "rtl8139");
	g_assert_cmpstr(def->nic[0].backend, ==, "user");
	g_assert_false(def->nic[1].present);
	g_assert_cmpstr(def->display, ==, "default");
	g_assert_true(kd_vmdef_check(def, NULL, NULL));
}

static void test_round_trip(void)
{
	g_autoptr(kd_vmdef) def = full_def();
	g_autoptr(kd_vmdef) back = NULL;
	g_autoptr(kd_vmdef) none = kd_vmdef_new("offline", NULL);
	g_autoptr(kd_vmdef) none_back = NULL;
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) warnings = g_string_new(NULL);
	g_autofree char *dir = vm_dir();
	g_autofree char *path = g_build_filename(dir, "full-vm_1.0.vm", NULL);
	GStatBuf st;

	g_assert_true(kd_vmdef_save(def, &err));
	g_assert_no_error(err);
	g_assert_cmpint(g_stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	back = kd_vmdef_load("full-vm_1.0", warnings, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(warnings->str, ==, "");
	assert_same(def, back);

	/* No NICs at all is kept as such, not turned back into the default NIC. */
	g_free(none->nic[0].model);
	g_free(none->nic[0].backend);
	memset(&none->nic[0], 0, sizeof(none->nic[0]));
	g_assert_true(kd_vmdef_save(none, &err));
	none_back = kd_vmdef_load("offline", NULL, &err);
	g_assert_no_error(err);
	assert_same(none, none_back);
}

static void test_list_delete(void)
{
	g_autofree char *dir = g_build_filename(config_home, "listing", NULL);
	static const char *const names[] = { "zeta", "Alpha", "beta.2", NULL };
	g_auto(GStrv) empty = kd_vmdef_list_in(dir);
	g_auto(GStrv) listed = NULL;
	g_auto(GStrv) after = NULL;
	g_autoptr(GError) err = NULL;
	static const char *const sorted[] = { "Alpha", "beta.2", "zeta", NULL };
	static const char *const remaining[] = { "Alpha", "zeta", NULL };
	g_autofree char *stray = NULL;

	g_assert_cmpuint(g_strv_length(empty), ==, 0);
	for (const char *const *n = names; *n; n++) {
		g_autoptr(kd_vmdef) def = kd_vmdef_new(*n, NULL);

		g_assert_true(kd_vmdef_save_in(dir, def, NULL));
	}
	/* Files that are not VM definitions are not listed. */
	stray = g_build_filename(dir, ".hidden.vm", NULL);
	g_assert_true(g_file_set_contents(stray, "[vm]\n", -1, NULL));
	g_free(stray);
	stray = g_build_filename(dir, "notes.txt", NULL);
	g_assert_true(g_file_set_contents(stray, "x", -1, NULL));
	listed = kd_vmdef_list_in(dir);
	g_assert_true(g_strv_equal((const char *const *)listed, sorted));
	g_assert_true(kd_vmdef_delete_in(dir, "beta.2", &err));
	g_assert_no_error(err);
	after = kd_vmdef_list_in(dir);
	g_assert_true(g_strv_equal((const char *const *)after, remaining));
	g_assert_false(kd_vmdef_delete_in(dir, "beta.2", &err));
	g_assert_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_false(kd_vmdef_delete_in(dir, "../listing/zeta", &err));
	g_assert_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_NAME);
}

static void test_names(void)
{
	g_autofree char *long_name = g_strnfill(65, 'a');
	g_autofree char *max_name = g_strnfill(64, 'a');
	static const char *const bad[] = { "../x", "", ".hidden", "a/b", "a b", "x\n", "é", NULL };
	g_autoptr(GError) err = NULL;

	for (const char *const *n = bad; *n; n++) {
		g_assert_false(kd_vmdef_name_valid(*n, NULL));
		g_assert_null(kd_vmdef_new(*n, NULL));
	}
	g_assert_false(kd_vmdef_name_valid(NULL, NULL));
	g_assert_false(kd_vmdef_name_valid(long_name, &err));
	g_assert_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_NAME);
	g_assert_true(kd_vmdef_name_valid(max_name, NULL));
	g_assert_true(kd_vmdef_name_valid("win98-SE_2.img", NULL));
	g_assert_null(kd_vmdef_load("../../etc/passwd", NULL, NULL));
}

struct hostile_case {
	const char *text;
	const char *message_part; /* NULL: loads */
};

static void test_hostile_files(void)
{
	static const struct hostile_case cases[] = {
		{ "\x01\x02garbage without groups\n", "hostile.vm" },
		{ "[vm\nmemory=1\n", "hostile.vm" },
		{ "[disk 0]\nfile=/x\n", "[vm] is missing" },
		{ "[vm]\nmemory=lots\n", "[vm] memory: 'lots' is not a whole number" },
		{ "[vm]\nmemory=-5\n", "[vm] memory" },
		{ "[vm]\ncpus=99999999999999999999\n", "[vm] cpus" },
		{ "[vm]\n[disk 0]\nreadonly=maybe\n", "[disk 0] readonly" },
		{ "[vm]\n[disk 4]\nfile=x\n", "[disk 4]" },
		{ "[vm]\n[disk -1]\nfile=x\n", "[disk -1]" },
		{ "[vm]\n[disk 0]\nmedia=tape\n", "[disk 0] media" },
		{ "[vm]\n[nic 8]\n", "[nic 8]" },
		{ "[vm]\n[hostdev 0]\n", "[hostdev 0] host" },
		{ "[vm]\nnics=0\n[nic 0]\n", "nics=0" },
		{ "[vm]\nnics=3\n", "[vm] nics" },
		{ "[vm]\nboot=\xff\xfe\n", "[vm] boot" },
		{ "[vm]\nmemory=512\nfuture=1\n[gpu 0]\nx=1\n", NULL },
	};
	g_autoptr(GString) many = g_string_new("[vm]\n");

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = write_vm_file("hostile", cases[i].text);
		g_autoptr(GError) err = NULL;
		g_autoptr(GString) warnings = g_string_new(NULL);
		g_autoptr(kd_vmdef) def = kd_vmdef_load_file(path, warnings, &err);

		if (!cases[i].message_part) {
			g_assert_no_error(err);
			g_assert_cmpuint(def->memory_mib, ==, 512);
			g_assert_nonnull(strstr(warnings->str, "[vm] future: unknown key"));
			g_assert_nonnull(strstr(warnings->str, "[gpu 0]: unknown group"));
			continue;
		}
		if (def)
			g_error("case %zu loaded", i);
		g_assert_nonnull(err);
		if (!strstr(err->message, cases[i].message_part) || !strstr(err->message, path))
			g_error("case %zu: '%s' lacks '%s' or the path", i, err->message,
				cases[i].message_part);
	}
	/* 10000 NICs: refused at the first one past the limit, not allocated. */
	for (unsigned i = 0; i < 10000; i++)
		g_string_append_printf(many, "[nic %u]\nmodel=e1000\n", i);
	{
		g_autofree char *path = write_vm_file("many", many->str);
		g_autoptr(GError) err = NULL;
		g_autoptr(kd_vmdef) def = kd_vmdef_load_file(path, NULL, &err);

		g_assert_null(def);
		g_assert_error(err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_INVALID);
		g_assert_nonnull(strstr(err->message, "[nic 8]"));
		g_assert_true(kd_vmdef_delete("many", NULL));
	}
	g_assert_true(kd_vmdef_delete("hostile", NULL));
}

static void test_check(void)
{
	g_autoptr(kd_vmdef) def = kd_vmdef_new("checked", NULL);
	g_autoptr(GString) warnings = g_string_new(NULL);
	g_autoptr(GError) err = NULL;
	static const char *const errors[] = {
		"cpus: 0",	     "memory: the guest",	  "nic 0: 'zz:",
		"nic 1: 'ne2k_pci'", "hostdev 0: '0000:05:20.0'", "hostdev 1: 'banana'",
		"boot: 'cca'",	     "a VM cannot include",	  NULL
	};

	def->memory_mib = 128;
	def->disk[0] = (struct kd_vmdef_disk){ true, g_strdup("/nonexistent/disk.img") };
	g_assert_true(kd_vmdef_check(def, warnings, &err));
	g_assert_no_error(err);
	g_assert_nonnull(strstr(warnings->str, "installers fail there"));
	g_assert_nonnull(strstr(warnings->str, "/nonexistent/disk.img"));

	def->cpus = 256;
	g_assert_false(kd_vmdef_check(def, NULL, &err));
	g_assert_nonnull(strstr(err->message, "cpus: 256"));
	g_clear_error(&err);

	def->cpus = 0;
	def->memory_mib = 0;
	def->nic[0].mac = g_strdup("zz:54:00:12:34:56");
	def->nic[1].present = true;
	def->nic[1].model = g_strdup("ne2k_pci");
	def->nic[1].backend = g_strdup("user");
	def->hostdev[0] = g_strdup("0000:05:20.0");
	def->hostdev[1] = g_strdup("banana");
	def->boot = g_strdup("cca");
	def->extra = g_strsplit("-vm other", " ", -1);
	g_assert_false(kd_vmdef_check(def, NULL, &err));
	for (const char *const *e = errors; *e; e++)
		if (!strstr(err->message, *e))
			g_error("'%s' lacks '%s'", err->message, *e);
	g_clear_error(&err);

	/* A multicast MAC is refused like the command line refuses it. */
	g_free(def->nic[0].mac);
	def->nic[0].mac = g_strdup("01:00:5e:00:00:01");
	g_assert_false(kd_vmdef_check(def, NULL, &err));
	g_assert_nonnull(strstr(err->message, "01:00:5e:00:00:01"));
}

static bool parse_argv(char **argv, struct kd_config *cfg, GError **err)
{
	kd_config_init(cfg);
	return kd_cli_parse((int)g_strv_length(argv), argv, cfg, err);
}

static void test_to_argv(void)
{
	g_autoptr(kd_vmdef) def = full_def();
	g_auto(GStrv) argv = NULL;
	g_autoptr(GError) err = NULL;
	struct kd_config cfg;
	bool found_drive = false;

	g_strfreev(def->extra);
	def->extra = g_strsplit("-no-reboot", " ", -1);
	argv = kd_vmdef_to_argv(def);
	/* One element per value: the file name with its space is one element, its comma doubled. */
	for (char **a = argv; *a; a++)
		found_drive |= !strcmp(*a, "file=/images/win,,98 disk.img,if=ide,index=0,"
					   "media=disk,readonly=off,cache=none");
	g_assert_true(found_drive);
	g_assert_true(parse_argv(argv, &cfg, &err));
	g_assert_no_error(err);
	g_assert_cmpstr(cfg.pc.vm.name, ==, "full-vm_1.0");
	g_assert_cmpuint(cfg.pc.vm.ram_size, ==, 1024ull << 20);
	g_assert_cmpuint(cfg.pc.vm.ncpus, ==, 4);
	g_assert_cmpstr(cfg.pc.ide[0].file, ==, "/images/win,98 disk.img");
	g_assert_true(cfg.pc.ide[0].direct);
	g_assert_cmpstr(cfg.pc.ide[1].file, ==, "/images/data.img");
	g_assert_true(cfg.pc.ide[1].readonly);
	g_assert_true(cfg.pc.ide[2].cdrom);
	g_assert_cmpstr(cfg.pc.ide[2].file, ==, "/iso/install.iso");
	g_assert_true(cfg.pc.ide[3].cdrom);
	g_assert_cmpuint(cfg.pc.nnic, ==, 2);
	g_assert_cmpstr(cfg.pc.nic[0].model, ==, "e1000");
	g_assert_true(cfg.pc.nic[0].mac_set);
	g_assert_cmpuint(cfg.pc.nic[0].mac[5], ==, 0xcc);
	g_assert_cmpstr(cfg.pc.nic[1].model, ==, "rtl8139");
	g_assert_cmpuint(cfg.pc.nnetdev, ==, 2);
	g_assert_cmpuint(cfg.pc.netdev[0].type, ==, KD_NETDEV_USER);
	g_assert_cmpuint(cfg.pc.netdev[0].nhostfwd, ==, 2);
	g_assert_cmpstr(cfg.pc.netdev[0].hostfwd[1], ==, "udp::5353-:53");
	g_assert_cmpuint(cfg.pc.netdev[1].type, ==, KD_NETDEV_TAP);
	g_assert_cmpstr(cfg.pc.netdev[1].ifname, ==, "tap7");
	g_assert_cmpuint(cfg.nassign, ==, 2);
	g_assert_cmpstr(cfg.assign[0].host, ==, "0000:05:06.0");
	g_assert_cmpstr(cfg.pc.boot_order, ==, "dc");
	g_assert_cmpstr(cfg.display, ==, "curses");
	g_assert_cmpstr(cfg.pc.vga, ==, "cirrus");
	g_assert_true(cfg.no_reboot);
}

static void test_to_argv_no_network(void)
{
	g_autoptr(kd_vmdef) def = kd_vmdef_new("quiet", NULL);
	g_auto(GStrv) argv = NULL;
	struct kd_config cfg;

	g_free(def->nic[0].model);
	g_free(def->nic[0].backend);
	memset(&def->nic[0], 0, sizeof(def->nic[0]));
	argv = kd_vmdef_to_argv(def);
	g_assert_true(parse_argv(argv, &cfg, NULL));
	g_assert_cmpuint(cfg.pc.nnic, ==, 0);
	g_assert_true(cfg.net_none);
	g_assert_null(cfg.display);
	g_assert_cmpuint(cfg.pc.vm.ram_size, ==, 256ull << 20);
}

static void test_cli_vm(void)
{
	g_autoptr(kd_vmdef) def = full_def();
	g_autoptr(GError) err = NULL;
	struct kd_config cfg;
	char *override[] = { (char *)"kvmdesk", (char *)"--vm", (char *)"full-vm_1.0", (char *)"-m",
			     (char *)"2G",	(char *)"-smp", (char *)"2",	       NULL };
	char *missing[] = { (char *)"kvmdesk", (char *)"-vm", (char *)"nosuch", NULL };
	char *bad_name[] = { (char *)"kvmdesk", (char *)"-vm", (char *)"../x", NULL };

	g_strfreev(def->extra);
	def->extra = NULL;
	g_assert_true(kd_vmdef_save(def, NULL));
	g_assert_true(parse_argv(override, &cfg, &err));
	g_assert_no_error(err);
	g_assert_true(cfg.vm_requested);
	g_assert_cmpuint(cfg.pc.vm.ram_size, ==, 2ull << 30);
	g_assert_cmpuint(cfg.pc.vm.ncpus, ==, 2);
	g_assert_cmpstr(cfg.pc.ide[0].file, ==, "/images/win,98 disk.img");
	g_assert_cmpstr(cfg.pc.nic[0].model, ==, "e1000");

	g_assert_false(parse_argv(missing, &cfg, &err));
	g_assert_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE);
	g_assert_nonnull(strstr(err->message, "nosuch.vm"));
	g_assert_nonnull(strstr(err->message, "full-vm_1.0"));
	g_assert_null(strchr(err->message, '\n'));
	g_clear_error(&err);

	g_assert_false(parse_argv(bad_name, &cfg, &err));
	g_assert_nonnull(strstr(err->message, "not a VM name"));
	g_clear_error(&err);

	/* A definition that fails its check does not start. */
	def->cpus = 0;
	g_assert_true(kd_vmdef_save(def, NULL));
	override[1] = (char *)"-vm";
	g_assert_false(parse_argv(override, &cfg, &err));
	g_assert_nonnull(strstr(err->message, "cpus: 0"));
	g_assert_true(kd_vmdef_delete("full-vm_1.0", NULL));
}

static void remove_tree(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *entry;

	while (d && (entry = g_dir_read_name(d))) {
		g_autofree char *child = g_build_filename(path, entry, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

int main(int argc, char **argv)
{
	int status;

	config_home = g_dir_make_tmp("kvmdesk-vmdef-XXXXXX", NULL);
	g_assert_nonnull(config_home);
	g_setenv("XDG_CONFIG_HOME", config_home, TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmdef/defaults", test_defaults);
	g_test_add_func("/vmdef/round-trip", test_round_trip);
	g_test_add_func("/vmdef/list-delete", test_list_delete);
	g_test_add_func("/vmdef/names", test_names);
	g_test_add_func("/vmdef/hostile-files", test_hostile_files);
	g_test_add_func("/vmdef/check", test_check);
	g_test_add_func("/vmdef/to-argv", test_to_argv);
	g_test_add_func("/vmdef/to-argv-no-network", test_to_argv_no_network);
	g_test_add_func("/vmdef/cli-vm", test_cli_vm);
	status = g_test_run();
	remove_tree(config_home);
	g_free(config_home);
	return status;
}
