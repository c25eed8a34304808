/*
 * The command-line table: parsing, errors that name the option, and help made from the table.
 */
#include "config.h"

#include <stdarg.h>

#include <string.h>

#include "cli.h"

struct probe {
	int flag_count;
	char *last_value;
};

static struct probe probe;

static bool apply_flag(struct kd_config *cfg, const char *value, GError **err)
{
	g_assert_null(value);
	probe.flag_count++;
	return true;
}

static bool apply_value(struct kd_config *cfg, const char *value, GError **err)
{
	g_assert_nonnull(value);
	if (!strcmp(value, "bad")) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE, "value 'bad' is bad");
		return false;
	}
	g_free(probe.last_value);
	probe.last_value = g_strdup(value);
	return true;
}

static const struct kd_cli_option test_table[] = {
	{ "flag", "f", NULL, "a flag", apply_flag },
	{ "size", NULL, "SIZE", "a value", apply_value },
	{ NULL },
};

static bool parse(const char *const *args, GError **err)
{
	struct kd_config cfg = { 0 };
	int argc = 0;
	char *argv[16];

	argv[argc++] = (char *)"kvmdesk";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	memset(&probe, 0, sizeof(probe));
	return kd_cli_parse_with(test_table, argc, argv, &cfg, err);
}

static void test_dash_forms(void)
{
	static const char *const args[] = { "-flag", "--flag", "-f", "-size", "128M", NULL };

	g_assert_true(parse(args, NULL));
	g_assert_cmpint(probe.flag_count, ==, 3);
	g_assert_cmpstr(probe.last_value, ==, "128M");
	g_free(probe.last_value);
}

static void test_gnu_equals_form(void)
{
	static const char *const args[] = { "--size=3G", NULL };

	g_assert_true(parse(args, NULL));
	g_assert_cmpstr(probe.last_value, ==, "3G");
	g_free(probe.last_value);
}

struct error_case {
	const char *args[4];
	int code;
	const char *message_part;
};

static const struct error_case error_cases[] = {
	{ { "-nosuch", NULL }, KD_CLI_ERROR_UNKNOWN_OPTION, "unknown option '-nosuch'" },
	{ { "--", NULL }, KD_CLI_ERROR_UNKNOWN_OPTION, "unknown option '--'" },
	{ { "-size", NULL }, KD_CLI_ERROR_MISSING_ARGUMENT, "'-size' needs an argument (SIZE)" },
	{ { "--flag=1", NULL }, KD_CLI_ERROR_BAD_VALUE, "'-flag' takes no argument" },
	{ { "disk.img", NULL },
	  KD_CLI_ERROR_UNEXPECTED_ARGUMENT,
	  "unexpected argument 'disk.img'" },
	{ { "-", NULL }, KD_CLI_ERROR_UNEXPECTED_ARGUMENT, "unexpected argument '-'" },
	{ { "-size", "bad", NULL }, KD_CLI_ERROR_BAD_VALUE, "value 'bad' is bad" },
	/* An option's name must match whole, not as a prefix. */
	{ { "-fla", NULL }, KD_CLI_ERROR_UNKNOWN_OPTION, "unknown option '-fla'" },
	{ { "-flagx", NULL }, KD_CLI_ERROR_UNKNOWN_OPTION, "unknown option '-flagx'" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
		g_autoptr(GError) err = NULL;

		g_assert_false(parse(error_cases[i].args, &err));
		g_assert_error(err, KD_CLI_ERROR, error_cases[i].code);
		if (!strstr(err->message, error_cases[i].message_part))
			g_error("case %zu: '%s' lacks '%s'", i, err->message,
				error_cases[i].message_part);
		g_free(probe.last_value);
	}
}

static void test_help_lists_every_option(void)
{
	g_autofree char *text = kd_cli_help_text_with(test_table, "kvmdesk");
	g_autofree char *real = kd_cli_help_text("kvmdesk");

	g_assert_nonnull(strstr(text, "Usage: kvmdesk [options]"));
	g_assert_nonnull(strstr(text, "-f, -flag"));
	g_assert_nonnull(strstr(text, "-size SIZE"));
	for (const struct kd_cli_option *o = kd_cli_options(); o->name; o++) {
		g_autofree char *needle = g_strdup_printf("-%s", o->name);

		g_assert_nonnull(strstr(real, needle));
		g_assert_nonnull(strstr(real, o->help));
	}
}

static void test_program_table(void)
{
	struct kd_config cfg = { 0 };
	char *argv[] = { (char *)"kvmdesk", (char *)"--version", (char *)"-h", NULL };
	g_autofree char *version = kd_cli_version_text();

	g_assert_true(kd_cli_parse(3, argv, &cfg, NULL));
	g_assert_true(cfg.show_version);
	g_assert_true(cfg.show_help);
	g_assert_cmpstr(version, ==, PACKAGE_NAME " " PACKAGE_VERSION "\n");
}

static void test_sizes(void)
{
	static const struct {
		const char *text;
		uint64_t bytes; /* 0: must be refused */
	} cases[] = {
		{ "128", 128ull << 20 },
		{ "128M", 128ull << 20 },
		{ "128m", 128ull << 20 },
		{ "3G", 3ull << 30 },
		{ "3GB", 3ull << 30 },
		{ "512K", 512ull << 10 },
		{ "1T", 1ull << 40 },
		{ "size=256M", 256ull << 20 },
		{ "0", 0 + 1 },
		{ "", 0 },
		{ "M", 0 },
		{ "12X", 0 },
		{ "-1", 0 },
		{ "1.5G", 0 },
		{ "99999999999999999999", 0 },
		{ "20000000T", 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) err = NULL;
		uint64_t bytes = 42;
		bool ok = kd_parse_size(cases[i].text, &bytes, &err);

		if (!strcmp(cases[i].text, "0")) {
			g_assert_true(ok); /* "0" parses; -m refuses it as too small */
			g_assert_cmpuint(bytes, ==, 0);
		} else if (cases[i].bytes) {
			g_assert_true(ok);
			g_assert_cmpuint(bytes, ==, cases[i].bytes);
		} else {
			g_assert_false(ok);
			g_assert_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE);
		}
	}
}

static void test_vm_options(void)
{
	struct kd_config cfg;
	char *argv[] = { (char *)"kvmdesk", (char *)"-m",	  (char *)"3G",
			 (char *)"-smp",    (char *)"cpus=2",	  (char *)"-serial",
			 (char *)"stdio",   (char *)"-serial",	  (char *)"file:/tmp/x",
			 (char *)"-S",	    (char *)"-no-reboot", NULL };

	kd_config_init(&cfg);
	g_assert_false(cfg.vm_requested);
	g_assert_cmpuint(cfg.pc.vm.ram_size, ==, 128ull << 20);
	g_assert_true(kd_cli_parse(G_N_ELEMENTS(argv) - 1, argv, &cfg, NULL));
	g_assert_true(cfg.vm_requested);
	g_assert_cmpuint(cfg.pc.vm.ram_size, ==, 3ull << 30);
	g_assert_cmpuint(cfg.pc.vm.ncpus, ==, 2);
	g_assert_cmpstr(cfg.pc.serial[0], ==, "stdio");
	g_assert_cmpstr(cfg.pc.serial[1], ==, "file:/tmp/x");
	g_assert_true(cfg.start_paused && cfg.no_reboot);
}

static bool parse_args(struct kd_config *cfg, GError **err, ...)
{
	const char *args[32] = { "kvmdesk" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 31;)
		args[argc++] = a;
	va_end(ap);
	kd_config_init(cfg);
	return kd_cli_parse(argc, (char *const *)args, cfg, err);
}

/* One option with a bad value: parsing fails and the message names the problem. */
struct bad_option {
	const char *opt, *value, *message;
};

static void check_bad_options(const struct bad_option *bad, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct kd_config cfg;
		g_autoptr(GError) err = NULL;

		g_assert_false(parse_args(&cfg, &err, bad[i].opt, bad[i].value, NULL));
		g_assert_nonnull(err);
		if (!strstr(err->message, bad[i].message))
			g_error("%s %s: '%s' lacks '%s'", bad[i].opt, bad[i].value, err->message,
				bad[i].message);
	}
}

static void test_drives(void)
{
	struct kd_config cfg;
	g_autoptr(GError) err = NULL;

	/* Without drive options: the empty CD-ROM drive of QEMU's PC, unless -nodefaults. */
	g_assert_true(parse_args(&cfg, NULL, "-m", "64", NULL));
	g_assert_true(cfg.pc.ide[2].present && cfg.pc.ide[2].cdrom && !cfg.pc.ide[2].file);
	g_assert_false(cfg.pc.ide[0].present);
	g_assert_true(parse_args(&cfg, NULL, "-nodefaults", NULL));
	g_assert_false(cfg.pc.ide[2].present);

	g_assert_true(parse_args(&cfg, NULL, "-hda", "a.img", "-hdd", "d.img", "-cdrom", "x.iso",
				 "-boot", "order=dc", NULL));
	g_assert_cmpstr(cfg.pc.ide[0].file, ==, "a.img");
	g_assert_false(cfg.pc.ide[0].cdrom);
	g_assert_cmpstr(cfg.pc.ide[3].file, ==, "d.img");
	g_assert_true(cfg.pc.ide[2].cdrom && cfg.pc.ide[2].readonly);
	g_assert_cmpstr(cfg.pc.ide[2].file, ==, "x.iso");
	g_assert_cmpstr(cfg.pc.boot_order, ==, "dc");

	/* -drive: doubled commas in file names, bus/unit, first free index, options. */
	g_assert_true(parse_args(&cfg, NULL, "-drive", "file=my,,disk.img,if=ide,cache=none",
				 "-drive", "file=b.img,bus=1,unit=1,readonly=on,format=raw",
				 "-drive", "media=cdrom,index=1", NULL));
	g_assert_cmpstr(cfg.pc.ide[0].file, ==, "my,disk.img");
	g_assert_true(cfg.pc.ide[0].direct);
	g_assert_cmpstr(cfg.pc.ide[3].file, ==, "b.img");
	g_assert_true(cfg.pc.ide[3].readonly);
	g_assert_true(cfg.pc.ide[1].present && cfg.pc.ide[1].cdrom && !cfg.pc.ide[1].file);
	g_assert_true(cfg.pc.ide[2].present && cfg.pc.ide[2].cdrom); /* the default one */

	/* Errors name the problem. */
	static const struct bad_option bad[] = {
		{ "-drive", "file=a.img,if=scsi", "kvmdesk's PC has IDE only" },
		{ "-drive", "file=a.img,format=qcow2", "format 'qcow2' is not supported" },
		{ "-drive", "file=a.img,media=tape", "media must be disk or cdrom" },
		{ "-drive", "file=a.img,index=4", "index must be a number from 0 to 3" },
		{ "-drive", "file=a.img,cache=unsafe", "cache must be writeback or none" },
		{ "-drive", "file=a.img,readonly=maybe", "readonly must be on or off" },
		{ "-drive", "file=a.img,snapshot=on", "unknown parameter 'snapshot'" },
		{ "-drive", "if=ide", "a disk needs file=IMAGE" },
		{ "-drive", "file=a.img,index=1,bus=1,unit=1", "index=1 contradicts bus=1,unit=1" },
		{ "-drive", "file=a.img,nokey", "'nokey' is not KEY=VALUE" },
		{ "-boot", "order=a", "invalid boot device 'a'" },
		{ "-boot", "order=cc", "boot device 'c' was given twice" },
		{ "-boot", "order=", "empty boot order" },
	};
	check_bad_options(bad, G_N_ELEMENTS(bad));
	g_clear_error(&err);
	g_assert_false(
		parse_args(&cfg, &err, "-hda", "a.img", "-drive", "file=b.img,index=0", NULL));
	g_assert_nonnull(strstr(err->message, "IDE index 0 (primary master) is already in use"));
	g_clear_error(&err);
	g_assert_false(parse_args(&cfg, &err, "-hda", "a", "-hdb", "b", "-hdc", "c", "-hdd", "d",
				  "-drive", "file=e", NULL));
	g_assert_nonnull(strstr(err->message, "all four IDE positions are in use"));
}

static void test_assign(void)
{
	struct kd_config cfg;
	g_autoptr(GError) err = NULL;

	g_assert_true(parse_args(&cfg, NULL, "-device", "vfio-pci,host=05:06.0,id=isdn,rombar=0",
				 "-pcidevice", "host=0000:00:0b.0,name=card", "-device",
				 "vfio-pci,host=01:00.0,addr=0x9,romfile=/tmp/r.rom", NULL));
	g_assert_cmpuint(cfg.nassign, ==, 3);
	g_assert_cmpstr(cfg.assign[0].host, ==, "05:06.0");
	g_assert_cmpstr(cfg.assign[0].id, ==, "isdn");
	g_assert_false(cfg.assign[0].rombar);
	g_assert_cmpint(cfg.assign[0].slot, ==, -1);
	g_assert_cmpstr(cfg.assign[1].id, ==, "card");
	g_assert_true(cfg.assign[1].rombar);
	g_assert_cmpint(cfg.assign[2].slot, ==, 9);
	g_assert_cmpstr(cfg.assign[2].romfile, ==, "/tmp/r.rom");

	static const struct bad_option bad[] = {
		{ "-pcidevice", "host=05:06.0,dma=none", "dma=none cannot be honoured" },
		{ "-pcidevice", "name=x", "host=BB:DD.F is missing" },
		{ "-pcidevice", "host=05:06.0,foo=1", "bad property 'foo=1'" },
		{ "-device", "vfio-pci,id=x", "host=ADDR is missing" },
		{ "-device", "vfio-pci,host=05:06.0,addr=40", "addr must be a slot from 1 to 1f" },
		{ "-device", "vfio-pci,host=05:06.0,addr=3.1", "addr must be a slot" },
		{ "-device", "vfio-pci,host=05:06.0,rombar=2", "bad property 'rombar=2'" },
		{ "-device", "e1001", "unknown device 'e1001'" },
	};
	check_bad_options(bad, G_N_ELEMENTS(bad));
}

static void test_network(void)
{
	struct kd_config cfg;
	g_autoptr(GError) err = NULL;

	/* qemu-kvm 0.12: NICs and backends on vlans (hubs), default MACs counted up. */
	g_assert_true(parse_args(&cfg, NULL, "-net", "nic,model=e1000", "-net",
				 "user,hostfwd=tcp::2222-:22,tftp=/srv,bootfile=pxelinux.0", "-net",
				 "nic,vlan=1,model=e1000,macaddr=52:54:00:aa:bb:cc", "-net",
				 "tap,vlan=1,ifname=tap0,script=no", NULL));
	g_assert_cmpuint(cfg.pc.nnic, ==, 2);
	g_assert_cmpuint(cfg.pc.nnetdev, ==, 2);
	g_assert_cmpstr(cfg.pc.nic[0].hub, ==, "vlan0");
	g_assert_cmpmem(cfg.pc.nic[0].mac, 6, "\x52\x54\x00\x12\x34\x56", 6);
	g_assert_cmpstr(cfg.pc.nic[1].hub, ==, "vlan1");
	g_assert_cmpmem(cfg.pc.nic[1].mac, 6, "\x52\x54\x00\xaa\xbb\xcc", 6);
	g_assert_cmpint(cfg.pc.netdev[0].type, ==, KD_NETDEV_USER);
	g_assert_cmpstr(cfg.pc.netdev[0].hostfwd[0], ==, "tcp::2222-:22");
	g_assert_cmpstr(cfg.pc.netdev[0].tftp, ==, "/srv");
	g_assert_cmpint(cfg.pc.netdev[1].type, ==, KD_NETDEV_TAP);
	g_assert_cmpstr(cfg.pc.netdev[1].ifname, ==, "tap0");
	g_assert_cmpstr(cfg.pc.netdev[1].hub, ==, "vlan1");

	/* -netdev with -device, and -nic. */
	g_assert_true(parse_args(&cfg, NULL, "-netdev", "user,id=n0", "-device",
				 "e1000,netdev=n0,mac=52:54:00:00:00:01", "-nic",
				 "user,model=e1000", NULL));
	g_assert_cmpuint(cfg.pc.nnic, ==, 2);
	g_assert_cmpstr(cfg.pc.nic[0].hub, ==, "netdev:n0");
	g_assert_cmpstr(cfg.pc.netdev[0].hub, ==, "netdev:n0");
	g_assert_cmpstr(cfg.pc.nic[1].hub, ==, cfg.pc.netdev[1].hub);
	g_assert_cmpmem(cfg.pc.nic[1].mac, 6, "\x52\x54\x00\x12\x34\x57", 6);
	g_assert_true(parse_args(&cfg, NULL, "-net", "none", NULL));
	g_assert_true(cfg.net_none);
	g_assert_cmpuint(cfg.pc.nnic, ==, 0);

	static const struct bad_option bad[] = {
		{ "-net", "nic,model=ne2k_pci",
		  "unknown NIC model 'ne2k_pci' (valid models: e1000, rtl8139)" },
		{ "-net", "nic,macaddr=53:54:00:12:34:56", "not a usable MAC address" },
		{ "-net", "nic,macaddr=52:54:00:12:34", "not a usable MAC address" },
		{ "-net", "nic,macaddr=52:54:00:12:34:5g", "not a usable MAC address" },
		{ "-net", "nic,vlan=x", "vlan must be a number" },
		{ "-net", "socket,listen=:1234", "unknown network backend 'socket' (user, tap)" },
		{ "-net", "user,foo=1", "bad property 'foo=1'" },
		{ "-net", "tap,script=/etc/qemu-ifup", "kvmdesk runs no script" },
		{ "-netdev", "user", "id=NAME is missing" },
		{ "-device", "e1000", "netdev=NAME is missing" },
		{ "-device", "e1000,netdev=nope", "there is no -netdev with id 'nope'" },
		{ "-nic", "user,model=virtio", "unknown NIC model 'virtio'" },
	};
	check_bad_options(bad, G_N_ELEMENTS(bad));
	g_clear_error(&err);
	g_assert_false(parse_args(&cfg, &err, "-netdev", "user,id=a", "-netdev", "tap,id=a", NULL));
	g_assert_nonnull(strstr(err->message, "id 'a' is used twice"));
	g_clear_error(&err);
	g_assert_false(parse_args(&cfg, &err, "-netdev", "user,id=a", "-device", "e1000,netdev=a",
				  "-device", "e1000,netdev=a", NULL));
	g_assert_nonnull(strstr(err->message, "serves two NICs"));
	g_clear_error(&err);
	g_assert_false(parse_args(&cfg, &err, "-net", "none", "-net", "user", NULL));
	g_assert_nonnull(strstr(err->message, "-net none contradicts"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cli/dash-forms", test_dash_forms);
	g_test_add_func("/cli/gnu-equals", test_gnu_equals_form);
	g_test_add_func("/cli/errors", test_errors);
	g_test_add_func("/cli/help", test_help_lists_every_option);
	g_test_add_func("/cli/program-table", test_program_table);
	g_test_add_func("/cli/sizes", test_sizes);
	g_test_add_func("/cli/vm-options", test_vm_options);
	g_test_add_func("/cli/drives", test_drives);
	g_test_add_func("/cli/assign", test_assign);
	g_test_add_func("/cli/network", test_network);
	return g_test_run();
}
