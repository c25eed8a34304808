/*
 * A VM of the workstation (see session.h).
 */
#include "config.h"

#include "session.h"

#include <glib-unix.h>
#include <string.h>

#include "assign/bind.h"
#include "assign/hostdev.h"
#include "assign/vfio-pci.h"
#include "cli.h"
#include "hw/machine.h"
#include "i18n.h"
#include "vm/vm.h"
#include "vmdef.h"

struct kd_session {
	struct kd_config cfg;
	char **argv;
	char *command_line;
	char *name;
	struct kd_kvm *kvm;
	struct kd_machine *machine;
	guint event_source;
	kd_session_ended_fn ended;
	void *opaque;
	char *end_reason;
};

static gboolean on_vm_event(gint fd, GIOCondition cond, gpointer data)
{
	struct kd_session *s = data;
	struct kd_vm *vm = s->machine->vm;

	if (kd_vm_handle_events(vm) != KD_VM_EXIT)
		return G_SOURCE_CONTINUE;
	if (kd_vm_state(vm) == KD_VM_STATE_INTERNAL_ERROR && kd_vm_last_error(vm))
		s->end_reason = g_strdup(kd_vm_last_error(vm));
	s->event_source = 0;
	if (s->ended)
		s->ended(s->opaque);
	return G_SOURCE_REMOVE;
}

static bool uses_stdio(const struct kd_config *cfg)
{
	for (unsigned i = 0; i < cfg->nserial; i++)
		if (cfg->pc.serial[i] && !strcmp(cfg->pc.serial[i], "stdio"))
			return true;
	return cfg->nographic || (cfg->monitor && !strcmp(cfg->monitor, "stdio"));
}

static bool configure(struct kd_session *s, const struct kd_vmdef *def, GError **err)
{
	g_autoptr(GError) parse_err = NULL;

	s->argv = kd_vmdef_to_argv(def);
	s->command_line = g_strjoinv(" ", s->argv);
	kd_config_init(&s->cfg);
	if (!kd_cli_parse((int)g_strv_length(s->argv), s->argv, &s->cfg, &parse_err)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("VM '%s': %s"), def->name,
			    parse_err->message);
		return false;
	}
	/* Without -serial the first port shows in the workstation's console (Alt+3), as
	 * QEMU's graphical window shows serial0 on its third console. */
	if (s->cfg.nserial == 0)
		s->cfg.pc.serial[0] = "vc";
	if (uses_stdio(&s->cfg)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("VM '%s': stdio belongs to the workstation; use -serial file:PATH "
			      "or a monitor socket in its extra options"),
			    def->name);
		return false;
	}
	return true;
}

static bool assign_devices(struct kd_session *s, GError **err)
{
	if (!s->cfg.nassign)
		return true;
	{
		/* Devices an earlier kvmdesk died holding go back to their drivers first. */
		g_autoptr(GString) recovered = g_string_new(NULL);
		struct kd_host *host = kd_host_scan(NULL, NULL);

		if (host)
			kd_bind_recover(host, recovered);
		kd_host_free(host);
	}
	for (unsigned i = 0; i < s->cfg.nassign; i++) {
		s->cfg.assign[i].force = s->cfg.force;
		if (!kd_vfio_pci_create(s->machine, &s->cfg.assign[i], err))
			return false;
	}
	return true;
}

struct kd_session *kd_session_start(const struct kd_vmdef *def, bool paused,
				    kd_session_ended_fn ended, void *opaque, GError **err)
{
	struct kd_session *s = g_new0(struct kd_session, 1);

	s->name = g_strdup(def->name);
	s->ended = ended;
	s->opaque = opaque;
	if (!configure(s, def, err))
		goto fail;
	s->kvm = kd_kvm_open(NULL, err);
	if (!s->kvm)
		goto fail;
	s->machine = kd_pc_new(s->kvm, &s->cfg.pc, err);
	if (!s->machine)
		goto fail;
	kd_vm_set_no_reboot(s->machine->vm, s->cfg.no_reboot);
	if (!assign_devices(s, err))
		goto fail;
	s->event_source = g_unix_fd_add(kd_vm_event_fd(s->machine->vm), G_IO_IN, on_vm_event, s);
	if (!kd_vm_start(s->machine->vm, paused || s->cfg.start_paused, err))
		goto fail;
	return s;
fail:
	kd_session_free(s);
	return NULL;
}

void kd_session_free(struct kd_session *s)
{
	if (!s)
		return;
	if (s->event_source)
		g_source_remove(s->event_source);
	kd_pc_free(s->machine);
	if (s->kvm)
		kd_kvm_close(s->kvm);
	g_strfreev(s->argv);
	g_free(s->command_line);
	g_free(s->name);
	g_free(s->end_reason);
	g_free(s);
}

struct kd_machine *kd_session_machine(struct kd_session *s)
{
	return s->machine;
}

const char *kd_session_name(const struct kd_session *s)
{
	return s->name;
}

const char *kd_session_display(const struct kd_session *s)
{
	return s->cfg.display;
}

const char *kd_session_command_line(const struct kd_session *s)
{
	return s->command_line;
}

const char *kd_session_end_reason(const struct kd_session *s)
{
	return s->end_reason;
}
