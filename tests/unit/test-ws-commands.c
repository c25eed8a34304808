/*
 * The workstation's monitor commands without a terminal or KVM: settings are checked before
 * they land (a refused value changes nothing), saved at once, and the VM definitions can be
 * made, listed and switched.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tui/workstation-internal.h"
#include "vmdef.h"

struct fixture {
	struct kd_workstation ws;
	char *dir;
};

static void setup(struct fixture *f, gconstpointer data)
{
	memset(f, 0, sizeof(*f));
	f->dir = g_dir_make_tmp("kvmdesk-ws-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->ws.vm_dir = g_build_filename(f->dir, "vms", NULL);
	f->ws.options.demo_image = "/nonexistent/demo.img";
	f->ws.def = ws_demo_vmdef(&f->ws);
	f->ws.def_builtin = true;
	f->ws.mctx.extra = kd_ws_commands;
	f->ws.mctx.extra_info = kd_ws_info_commands;
	f->ws.mctx.extra_opaque = &f->ws;
	f->ws.mctx.extra_complete = kd_ws_complete;
	f->ws.host_error = g_strdup("no host in this test");
}

static void remove_tree(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			g_unlink(child);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(path);
}

static void teardown(struct fixture *f, gconstpointer data)
{
	remove_tree(f->dir);
	g_free(f->dir);
	g_free(f->ws.vm_dir);
	g_free(f->ws.host_error);
	kd_vmdef_free(f->ws.def);
}

/* Runs line; returns its output and checks the outcome. */
static char *run(struct fixture *f, const char *line, bool want_ok)
{
	GString *out = g_string_new(NULL);
	bool ok = kd_monitor_run_line(&f->ws.mctx, line, out);

	if (ok != want_ok)
		g_error("'%s' %s: %s", line, ok ? "succeeded" : "failed", out->str);
	return g_string_free(out, FALSE);
}

static void test_vm_set(struct fixture *f, gconstpointer data)
{
	g_autofree char *path = g_build_filename(f->ws.vm_dir, "demo.vm", NULL);
	g_autofree char *out = NULL;
	struct kd_vmdef *saved;

	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	out = run(f, "vm_set memory 128", true);
	g_assert_nonnull(strstr(out, "installers"));
	g_assert_cmpuint(f->ws.def->memory_mib, ==, 128);
	/* The demo becomes a saved VM with its first change. */
	g_assert_false(f->ws.def_builtin);
	saved = kd_vmdef_load_file(path, NULL, NULL);
	g_assert_nonnull(saved);
	g_assert_cmpuint(saved->memory_mib, ==, 128);
	kd_vmdef_free(saved);

	g_free(run(f, "vm_set memory lots", false));
	g_free(run(f, "vm_set cpus 0", false));
	g_free(run(f, "vm_set cpus many", false));
	g_assert_cmpuint(f->ws.def->memory_mib, ==, 128);
	g_free(run(f, "vm_set memory 1G", true));
	g_free(run(f, "vm_set cpus 2", true));
	g_assert_cmpuint(f->ws.def->memory_mib, ==, 1024);
	g_assert_cmpuint(f->ws.def->cpus, ==, 2);

	g_free(run(f, "vm_set nic 0 e1000,mac=52:54:00:12:34:56,hostfwd=tcp::2222-:22", true));
	g_assert_true(f->ws.def->nic[0].present);
	g_assert_cmpstr(f->ws.def->nic[0].model, ==, "e1000");
	g_assert_cmpstr(f->ws.def->nic[0].hostfwd[0], ==, "tcp::2222-:22");
	/* check() refuses what kvmdesk cannot build: nothing changes. */
	g_free(run(f, "vm_set nic 0 ne2k_pci", false));
	g_free(run(f, "vm_set nic 1 e1000,speed=10", false));
	g_assert_cmpstr(f->ws.def->nic[0].model, ==, "e1000");
	g_assert_false(f->ws.def->nic[1].present);
	g_free(run(f, "vm_set nic 9 e1000", false));
	g_free(run(f, "vm_set nic 0 none", true));
	g_assert_false(f->ws.def->nic[0].present);

	g_free(run(f, "vm_set disk 1 /srv/images/data disk.img ro", true));
	g_assert_cmpstr(f->ws.def->disk[1].file, ==, "/srv/images/data disk.img");
	g_assert_true(f->ws.def->disk[1].readonly);
	g_free(run(f, "vm_set disk 1 none", true));
	g_assert_false(f->ws.def->disk[1].present);
	g_free(run(f, "vm_set disk 7 x.img", false));
	g_free(run(f, "vm_set colour blue", false));
	g_free(run(f, "vm_set", false));

	g_free(run(f, "vm_set cdrom /isos/debian.iso", true));
	g_assert_cmpstr(f->ws.def->cdrom, ==, "/isos/debian.iso");
	g_free(run(f, "vm_set cdrom none", true));
	g_assert_null(f->ws.def->cdrom);
	g_free(run(f, "vm_set boot dc", true));
	g_assert_cmpstr(f->ws.def->boot, ==, "dc");
	g_free(run(f, "vm_set boot default", true));
	g_assert_null(f->ws.def->boot);

	out = (g_free(out), run(f, "info vm", true));
	g_assert_nonnull(strstr(out, "VM 'demo' (stopped)"));
	g_assert_nonnull(strstr(out, "memory=1024"));
}

static void test_hostdev(struct fixture *f, gconstpointer data)
{
	g_autofree char *out = NULL;

	g_free(run(f, "vm_hostdev add 05:06.0", true));
	g_assert_cmpstr(f->ws.def->hostdev[0], ==, "05:06.0");
	out = run(f, "vm_hostdev add 0000:05:06.0", false);
	g_assert_nonnull(strstr(out, "already"));
	g_free(run(f, "vm_hostdev add 05:07.0", true));
	g_free(run(f, "vm_hostdev del 05:06.0", true));
	g_assert_null(f->ws.def->hostdev[0]);
	g_assert_cmpstr(f->ws.def->hostdev[1], ==, "05:07.0");
	g_free(run(f, "vm_hostdev del 05:06.0", false));
	g_free(run(f, "vm_hostdev add zz:zz", false));
	g_free(run(f, "vm_hostdev move 05:06.0", false));
	/* Without an inventory the host commands say why. */
	g_free(out);
	out = run(f, "host_bind 05:06.0", false);
	g_assert_nonnull(strstr(out, "no host in this test"));
	g_free(run(f, "info hostdevs", false));
}

static void test_definitions(struct fixture *f, gconstpointer data)
{
	g_autofree char *out = NULL;
	GPtrArray *c;
	bool files;

	g_free(run(f, "vm_new lab", true));
	g_assert_cmpstr(f->ws.def->name, ==, "lab");
	g_free(run(f, "vm_new lab", false));
	g_free(run(f, "vm_new ../etc", false));
	out = run(f, "vm_list", true);
	g_assert_cmpstr(out, ==, "* lab\n  demo (built in)\n");
	g_free(run(f, "vm_select demo", true));
	g_assert_cmpstr(f->ws.def->name, ==, "demo");
	g_assert_true(f->ws.def_builtin);
	g_free(run(f, "vm_select nosuch", false));
	g_assert_cmpstr(f->ws.def->name, ==, "demo");
	g_free(run(f, "vm_kill", false));

	c = kd_monitor_complete(&f->ws.mctx, "vm_select l", &files);
	g_assert_cmpuint(c->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(c, 0), ==, "lab");
	g_ptr_array_unref(c);
	c = kd_monitor_complete(&f->ws.mctx, "vm_set me", &files);
	g_assert_cmpuint(c->len, ==, 1);
	g_ptr_array_unref(c);
	c = kd_monitor_complete(&f->ws.mctx, "vm_", &files);
	g_assert_cmpuint(c->len, ==, 9);
	g_ptr_array_unref(c);

	/* Renaming moves the file; deleting the VM shown shows the demo. */
	g_free(run(f, "vm_new other", true));
	g_free(run(f, "vm_select lab", true));
	g_free(run(f, "vm_rename other", false));
	g_free(run(f, "vm_rename ../x", false));
	g_free(run(f, "vm_rename bench", true));
	g_assert_cmpstr(f->ws.def->name, ==, "bench");
	{
		g_autofree char *old = g_build_filename(f->ws.vm_dir, "lab.vm", NULL);
		g_autofree char *now = g_build_filename(f->ws.vm_dir, "bench.vm", NULL);

		g_assert_false(g_file_test(old, G_FILE_TEST_EXISTS));
		g_assert_true(g_file_test(now, G_FILE_TEST_EXISTS));
	}
	g_free(run(f, "vm_delete bench", true));
	g_assert_cmpstr(f->ws.def->name, ==, "demo");
	g_free(run(f, "vm_delete bench", false));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/ws-commands/vm-set", struct fixture, NULL, setup, test_vm_set, teardown);
	g_test_add("/ws-commands/hostdev", struct fixture, NULL, setup, test_hostdev, teardown);
	g_test_add("/ws-commands/definitions", struct fixture, NULL, setup, test_definitions,
		   teardown);
	return g_test_run();
}
