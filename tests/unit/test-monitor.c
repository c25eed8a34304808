/*
 * The monitor's command table without a machine: completion candidates (what Tab offers on a
 * terminal) and the answers to malformed lines that never reach the machine.
 */
#include "config.h"

#include <string.h>

#include "monitor/commands.h"

static bool has(GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (!strcmp(g_ptr_array_index(a, i), s))
			return true;
	return false;
}

static GPtrArray *complete(const char *line, bool *files)
{
	struct kd_monitor_context ctx = { 0 };

	return kd_monitor_complete(&ctx, line, files);
}

static void test_complete(void)
{
	bool files;
	GPtrArray *a;

	a = complete("", &files);
	g_assert_true(has(a, "info") && has(a, "pci_add") && has(a, "quit") && has(a, "q"));
	g_assert_false(files);
	g_ptr_array_unref(a);

	a = complete("pci_", &files);
	g_assert_cmpuint(a->len, ==, 2);
	g_assert_true(has(a, "pci_add") && has(a, "pci_del"));
	g_ptr_array_unref(a);

	a = complete("info ne", &files);
	g_assert_cmpuint(a->len, ==, 1);
	g_assert_true(has(a, "network"));
	g_ptr_array_unref(a);

	a = complete("help system_", &files);
	g_assert_true(has(a, "system_reset") && has(a, "system_powerdown"));
	g_ptr_array_unref(a);

	a = complete("pci_add auto ", &files);
	g_assert_cmpuint(a->len, ==, 3);
	g_ptr_array_unref(a);

	a = complete("  device_add  e1", &files);
	g_assert_cmpuint(a->len, ==, 1);
	g_assert_true(has(a, "e1000,netdev="));
	g_ptr_array_unref(a);

	a = complete("sendkey ctrl-alt-de", &files);
	g_assert_cmpuint(a->len, ==, 1);
	g_assert_true(has(a, "ctrl-alt-delete"));
	g_ptr_array_unref(a);

	a = complete("change ide1-cd0 /tm", &files);
	g_assert_true(files);
	g_assert_cmpuint(a->len, ==, 0);
	g_ptr_array_unref(a);

	a = complete("nosuchcommand ", &files);
	g_assert_cmpuint(a->len, ==, 0);
	g_assert_false(files);
	g_ptr_array_unref(a);
}

/* Lines the monitor answers before it would look at a machine. */
static void test_malformed(void)
{
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ "nosuch", "unknown command: 'nosuch'" },
		{ "help nosuch", "unknown command 'nosuch'" },
		{ "info nosuch", "unknown subcommand 'nosuch'" },
		{ "xp /4q 0", "bad format '/4q'" },
		{ "xp /0xb 0", "bad format" },
		{ "xp /4xb 0x", "is not an address" },
		{ "xp /4xb 99999999999999999999", "is not an address" },
		{ "x", "usage" },
		{ "pci_add", "usage" },
		{ "pci_add 0:0:0:3 nic", "invalid PCI address" },
		{ "pci_add 20 nic", "invalid PCI address" },
		{ "pci_add auto storage file=x", "no hot-pluggable disk controller" },
		{ "pci_add auto scsi", "unknown device type 'scsi'" },
		{ "pci_add auto nic model=ne2k_pci", "e1000, rtl8139" },
		{ "pci_del", "usage" },
		{ "pci_del zz", "invalid PCI address" },
		{ "device_add", "usage" },
		{ "device_add nosuch", "unknown device 'nosuch'" },
		{ "netdev_add socket,id=s", "user" },
		{ "drive_add auto file=x", "no hot-pluggable disk controller" },
		{ "sendkey ctrl-alt-nokey", "unknown key 'nokey'" },
		{ "sendkey a-b-c-d-e-f-g-h-i", "at most 8 keys" },
		{ "balloon", "usage" },
	};
	struct kd_monitor_context ctx = { 0 };

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) out = g_string_new(NULL);

		g_assert_false(kd_monitor_run_line(&ctx, cases[i].line, out));
		if (!strstr(out->str, cases[i].want))
			g_error("'%s' -> '%s', want '%s'", cases[i].line, out->str, cases[i].want);
		/* One line each. */
		g_assert_cmpint(strchr(out->str, '\n') - out->str + 1, ==, (int)out->len);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/monitor/complete", test_complete);
	g_test_add_func("/monitor/malformed", test_malformed);
	return g_test_run();
}
