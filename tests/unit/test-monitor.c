/*
 * The monitor's command table without a machine: completion candidates (what Tab offers on a
 * terminal) and the answers to malformed lines that never reach the machine.
 */
#include "config.h"

#include <string.h>

#include "hw/machine.h"
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
	/* A machine with nothing in it: a command that reached for it would crash the test. */
	struct kd_machine empty = { 0 };
	struct kd_monitor_context ctx = { .machine = &empty };

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) out = g_string_new(NULL);

		g_assert_false(kd_monitor_run_line(&ctx, cases[i].line, out));
		if (!strstr(out->str, cases[i].want))
			g_error("'%s' -> '%s', want '%s'", cases[i].line, out->str, cases[i].want);
		/* One line each. */
		g_assert_cmpint(strchr(out->str, '\n') - out->str + 1, ==, (int)out->len);
	}
}

static bool extra_hello(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_string_append_printf(out, "hello %s\n", (const char *)ctx->extra_opaque);
	return true;
}

static void extra_complete(void *opaque, const char *command, unsigned argn, const char *word,
			   GPtrArray *out)
{
	if (argn == 1)
		g_ptr_array_add(out, g_strdup("world"));
}

/* Without a VM (the workstation before vm_start) only what needs none works; an embedder's
 * commands join the table, help and completion. */
static void test_no_machine(void)
{
	static const struct kd_monitor_command extra[] = {
		{ "hello", NULL, "", "say hello", extra_hello },
		{ NULL },
	};
	static const struct kd_monitor_command extra_info[] = {
		{ "greeting", NULL, "", "show the greeting", extra_hello },
		{ NULL },
	};
	struct kd_monitor_context ctx = { .extra = extra,
					  .extra_info = extra_info,
					  .extra_opaque = (void *)"there",
					  .extra_complete = extra_complete };
	static const char *const refused[] = { "info pci",     "stop",	       "cont",
					       "system_reset", "device_del x", "sendkey a",
					       "xp /4xb 0" };
	g_autoptr(GString) out = g_string_new(NULL);
	GPtrArray *a;
	bool files;

	for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_string_truncate(out, 0);
		g_assert_false(kd_monitor_run_line(&ctx, refused[i], out));
		g_assert_nonnull(strstr(out->str, "no VM is running"));
	}
	g_string_truncate(out, 0);
	g_assert_true(kd_monitor_run_line(&ctx, "info version", out));
	g_string_truncate(out, 0);
	g_assert_true(kd_monitor_run_line(&ctx, "hello", out));
	g_assert_cmpstr(out->str, ==, "hello there\n");
	g_string_truncate(out, 0);
	g_assert_true(kd_monitor_run_line(&ctx, "info greeting", out));
	g_assert_cmpstr(out->str, ==, "hello there\n");
	g_string_truncate(out, 0);
	g_assert_true(kd_monitor_run_line(&ctx, "help", out));
	g_assert_nonnull(strstr(out->str, "hello  -- say hello"));
	g_string_truncate(out, 0);
	g_assert_true(kd_monitor_run_line(&ctx, "info", out));
	g_assert_nonnull(strstr(out->str, "info greeting  -- show the greeting"));
	g_assert_true(kd_monitor_run_line(&ctx, "quit", out));
	g_assert_true(ctx.quit_requested);

	a = kd_monitor_complete(&ctx, "hel", &files);
	g_assert_true(has(a, "hello") && has(a, "help"));
	g_ptr_array_unref(a);
	a = kd_monitor_complete(&ctx, "hello w", &files);
	g_assert_true(has(a, "world"));
	g_ptr_array_unref(a);
	a = kd_monitor_complete(&ctx, "info gr", &files);
	g_assert_true(has(a, "greeting"));
	g_ptr_array_unref(a);
	a = kd_monitor_complete(&ctx, "device_del ", &files);
	g_assert_cmpuint(a->len, ==, 0);
	g_ptr_array_unref(a);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/monitor/complete", test_complete);
	g_test_add_func("/monitor/malformed", test_malformed);
	g_test_add_func("/monitor/no-machine", test_no_machine);
	return g_test_run();
}
