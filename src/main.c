/*
 * kvmdesk: command line -> configuration -> a running VM.
 *
 * main() is the only place that prints errors for the user and picks exit codes: 0 success,
 * 1 runtime failure, 2 bad usage or configuration (as QEMU and most tools do). A guest that
 * writes V to an isa-debug-exit device ends kvmdesk with (V << 1) | 1, as QEMU does.
 */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assign/bind.h"
#include "assign/vfio-pci.h"
#include "assign/hostdev.h"
#include "cli.h"
#include "hw/machine.h"
#include "i18n.h"
#include "monitor/monitor.h"
#include "tui/display-curses.h"
#include "tui/workstation.h"
#ifdef HAVE_SDL
#include "tui/display-sdl.h"
#endif
#include "vm/vm.h"

#define KD_EXIT_USAGE 2

struct session {
	struct kd_machine *machine;
	struct kd_monitor *monitor;
	struct kd_curses_display *curses;
#ifdef HAVE_SDL
	struct kd_sdl_display *sdl;
#endif
	GMainLoop *loop;
	int status;
};

static gboolean on_vm_event(gint fd, GIOCondition cond, gpointer data)
{
	struct session *s = data;
	struct kd_vm *vm = s->machine->vm;

	if (kd_vm_handle_events(vm) == KD_VM_EXIT) {
		if (kd_vm_state(vm) == KD_VM_STATE_INTERNAL_ERROR && kd_vm_last_error(vm))
			fprintf(stderr, "%s: %s", PACKAGE, kd_vm_last_error(vm));
		s->status = kd_vm_exit_status(vm);
		g_main_loop_quit(s->loop);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data)
{
	struct session *s = data;

	fprintf(stderr, _("%s: terminating on signal\n"), PACKAGE);
	s->status = 0;
	g_main_loop_quit(s->loop);
	return G_SOURCE_CONTINUE;
}

static void on_monitor_quit(void *opaque)
{
	struct session *s = opaque;

	s->status = 0;
	g_main_loop_quit(s->loop);
}

static int run_inventory(const struct kd_config *cfg)
{
	g_autoptr(GError) err = NULL;
	struct kd_host *host = kd_host_scan(cfg->host_root, &err);
	g_autoptr(GString) recovered = g_string_new(NULL);
	g_autofree char *text = NULL;

	if (!host) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		return EXIT_FAILURE;
	}
	/* Devices an earlier kvmdesk held when it died go back to their drivers first. */
	if (kd_bind_recover(host, recovered)) {
		fprintf(stderr, "%s", recovered->str);
		kd_host_free(host);
		host = kd_host_scan(cfg->host_root, &err);
		if (!host) {
			fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
			return EXIT_FAILURE;
		}
	}
	if (cfg->vfio_bind || cfg->vfio_restore) {
		bool ok = cfg->vfio_bind ? kd_bind_vfio(host, cfg->vfio_bind, cfg->force, 0, &err)
					 : kd_bind_restore(host, cfg->vfio_restore, &err);

		if (!ok)
			fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		kd_host_free(host);
		return ok				  ? EXIT_SUCCESS
		       : err->code == KD_BIND_ERROR_SYSFS ? EXIT_FAILURE
							  : KD_EXIT_USAGE;
	}
	if (cfg->dump_host) {
		bool ok = kd_host_dump(host, cfg->dump_host, &err);

		if (ok)
			printf(_("%s: wrote %u devices to %s (read it with -host-root)\n"), PACKAGE,
			       host->devices->len, cfg->dump_host);
		else
			fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		kd_host_free(host);
		return ok ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (cfg->check_host)
		text = kd_host_format_checks(host);
	else if (cfg->json)
		text = kd_host_format_json(host);
	else
		text = kd_host_format_table(host);
	fputs(text, stdout);
	kd_host_free(host);
	return EXIT_SUCCESS;
}

static void on_display_quit(void *opaque)
{
	struct session *s = opaque;

	s->status = 0;
	g_main_loop_quit(s->loop);
}

static bool stdio_taken(const struct kd_config *cfg)
{
	for (unsigned i = 0; i < KD_MAX_SERIAL; i++)
		if (cfg->pc.serial[i] && strcmp(cfg->pc.serial[i], "stdio") == 0)
			return true;
	return (cfg->monitor && strcmp(cfg->monitor, "stdio") == 0) ||
	       (cfg->pc.debugcon && strcmp(cfg->pc.debugcon, "stdio") == 0);
}

/* -display, or what fits where kvmdesk runs: a window in a graphical session, this terminal
 * when it is one and nothing else talks on it, else nothing (scripts, tests, services). */
static const char *choose_display(const struct kd_config *cfg)
{
	if (cfg->display)
		return cfg->display;
	if (cfg->nographic)
		return "none";
#ifdef HAVE_SDL
	if (g_getenv("DISPLAY") || g_getenv("WAYLAND_DISPLAY"))
		return "sdl";
#endif
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !stdio_taken(cfg))
		return "curses";
	return "none";
}

static bool start_display(struct session *s, const struct kd_config *cfg, GError **err)
{
	const char *display = choose_display(cfg);

	if (strcmp(display, "none") == 0)
		return true;
	/* A display nobody asked for is no reason to fail: without an adapter there is nothing
	 * to show. */
	if (!s->machine->display && !cfg->display)
		return true;
	if (!s->machine->display) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("-display %s: the VM has no display adapter (-vga none)"), display);
		return false;
	}
	if (strcmp(display, "curses") == 0) {
		if (stdio_taken(cfg)) {
			g_set_error(
				err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
				_("-display curses needs the terminal, which a chardev on stdio "
				  "already uses"));
			return false;
		}
		s->curses = kd_curses_display_new(s->machine, s->machine->display, on_display_quit,
						  s, err);
		return s->curses != NULL;
	}
#ifdef HAVE_SDL
	s->sdl = kd_sdl_display_new(s->machine, s->machine->display, on_display_quit, s, err);
	if (!s->sdl && !cfg->display) {
		/* The default window could not open (no usable video driver behind $DISPLAY):
		 * say so and go on with the terminal, or without a display. */
		fprintf(stderr, _("%s: no window (%s); "), PACKAGE, (*err)->message);
		g_clear_error(err);
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !stdio_taken(cfg)) {
			fprintf(stderr, _("showing the guest in this terminal\n"));
			s->curses = kd_curses_display_new(s->machine, s->machine->display,
							  on_display_quit, s, err);
			return s->curses != NULL;
		}
		fprintf(stderr, _("running without a display\n"));
		return true;
	}
	return s->sdl != NULL;
#else
	return true;
#endif
}

static bool is_usage_error(const GError *err)
{
	return err->domain == KD_VM_ERROR &&
	       (err->code == KD_VM_ERROR_CONFIG || err->code == KD_VM_ERROR_LOADER ||
		err->code == KD_VM_ERROR_BUSY);
}

/* Host devices for the guest: first, devices an earlier kvmdesk died holding go back to their
 * drivers; then each -device vfio-pci / -pcidevice is checked, bound and plugged. */
static bool assign_devices(struct kd_machine *m, struct kd_config *cfg, GError **err)
{
	if (!cfg->nassign)
		return true;
	{
		g_autoptr(GString) recovered = g_string_new(NULL);
		struct kd_host *host = kd_host_scan(NULL, NULL);

		if (host && kd_bind_recover(host, recovered))
			fprintf(stderr, "%s", recovered->str);
		kd_host_free(host);
	}
	for (unsigned i = 0; i < cfg->nassign; i++) {
		cfg->assign[i].force = cfg->force;
		if (!kd_vfio_pci_create(m, &cfg->assign[i], err))
			return false;
	}
	return true;
}

static int run_vm(struct kd_config *cfg)
{
	g_autoptr(GError) err = NULL;
	struct session s = { 0 };
	struct kd_kvm *kvm;

	if (cfg->nographic && cfg->nserial == 0)
		cfg->pc.serial[0] = "stdio";
	kvm = kd_kvm_open(NULL, &err);
	if (!kvm) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		return EXIT_FAILURE;
	}
	s.machine = kd_pc_new(kvm, &cfg->pc, &err);
	if (!s.machine) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		kd_kvm_close(kvm);
		return is_usage_error(err) ? KD_EXIT_USAGE : EXIT_FAILURE;
	}
	kd_vm_set_no_reboot(s.machine->vm, cfg->no_reboot);
	s.loop = g_main_loop_new(NULL, FALSE);
	if (!assign_devices(s.machine, cfg, &err)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		s.status = is_usage_error(err) ? KD_EXIT_USAGE : EXIT_FAILURE;
		goto out;
	}
	if (cfg->monitor && strcmp(cfg->monitor, "none") != 0) {
		s.monitor = kd_monitor_new(s.machine, cfg->monitor, on_monitor_quit, &s, &err);
		if (!s.monitor) {
			fprintf(stderr, "%s: -monitor: %s\n", PACKAGE, err->message);
			s.status = KD_EXIT_USAGE;
			goto out;
		}
	}
	if (!start_display(&s, cfg, &err)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		s.status = is_usage_error(err) ? KD_EXIT_USAGE : EXIT_FAILURE;
		goto out;
	}
	g_unix_fd_add(kd_vm_event_fd(s.machine->vm), G_IO_IN, on_vm_event, &s);
	g_unix_signal_add(SIGINT, on_signal, &s);
	g_unix_signal_add(SIGTERM, on_signal, &s);
	g_unix_signal_add(SIGHUP, on_signal, &s);
	if (!kd_vm_start(s.machine->vm, cfg->start_paused, &err)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		s.status = is_usage_error(err) ? KD_EXIT_USAGE : EXIT_FAILURE;
		goto out;
	}
	g_main_loop_run(s.loop);
out:
	/* The terminal first: messages after this point must reach a sane screen. */
	kd_curses_display_free(s.curses);
#ifdef HAVE_SDL
	kd_sdl_display_free(s.sdl);
#endif
	kd_monitor_free(s.monitor);
	kd_pc_free(s.machine);
	kd_kvm_close(kvm);
	g_main_loop_unref(s.loop);
	return s.status;
}

/* No VM options: the workstation on a terminal, else a pointer to --help. */
static int run_workstation(const struct kd_config *cfg)
{
	struct kd_workstation_options options = { 0 };
	g_autoptr(GError) err = NULL;
	int status;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		printf(_("%s %s: the workstation needs a terminal; to run a VM without it, give "
			 "options for one (see '%s --help'), for example\n"
			 "  %s -nographic -m 256M -hda disk.img\n"),
		       PACKAGE_NAME, PACKAGE_VERSION, PACKAGE, PACKAGE);
		return EXIT_SUCCESS;
	}
	options.host_root = cfg->host_root;
	options.ascii = cfg->ascii;
	options.monochrome = cfg->monochrome;
	options.escape_char = cfg->escape_char;
	status = kd_workstation_run(&options, &err);
	if (err) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		return EXIT_FAILURE;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct kd_config cfg;
	g_autoptr(GError) err = NULL;

	setlocale(LC_ALL, "");
#if ENABLE_NLS
	bindtextdomain(PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
#endif

	kd_config_init(&cfg);
	if (!kd_cli_parse(argc, argv, &cfg, &err)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		return KD_EXIT_USAGE;
	}
	if (cfg.show_help) {
		g_autofree char *text = kd_cli_help_text(PACKAGE);

		fputs(text, stdout);
		return EXIT_SUCCESS;
	}
	if (cfg.show_version) {
		g_autofree char *text = kd_cli_version_text();

		fputs(text, stdout);
		return EXIT_SUCCESS;
	}
	if (cfg.json && !cfg.list_host_devices) {
		fprintf(stderr, _("%s: -json goes with -list-host-devices\n"), PACKAGE);
		return KD_EXIT_USAGE;
	}
	if (cfg.list_host_devices || cfg.check_host || cfg.vfio_bind || cfg.vfio_restore ||
	    cfg.dump_host)
		return run_inventory(&cfg);
	if (cfg.host_root && cfg.vm_requested) {
		fprintf(stderr,
			_("%s: -host-root goes with -list-host-devices, -check-host or the "
			  "workstation (no VM options)\n"),
			PACKAGE);
		return KD_EXIT_USAGE;
	}
	if (!cfg.vm_requested)
		return run_workstation(&cfg);
	return run_vm(&cfg);
}
