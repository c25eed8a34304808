/*
 * The monitor's hotplug commands: qemu-kvm 0.12's pci_add / pci_del as the 2010 articles use
 * them, and the newer device_add / device_del / netdev_add / netdev_del. Arguments go through
 * the command line's parsers (cli.c, cli-net.c), so a device is described the same way in
 * both places. Cards arrive at once and the guest is told through ACPI; removal is a request
 * the guest answers (hw/pci-hotplug.h).
 */
#include "config.h"

#include <string.h>

#include "assign/vfio-pci.h"
#include "cli.h"
#include "hw/device.h"
#include "hw/machine.h"
#include "hw/net/backends.h"
#include "hw/net/net.h"
#include "hw/pci-hotplug.h"
#include "hw/pci.h"
#include "i18n.h"
#include "monitor/commands.h"
#include "monitor/hotplug.h"
#include "vm/vm.h"

/* Parses "[[0:]0:]SLOT" (hex, as QEMU's pci_add/pci_del); "auto" gives -1 when allowed. */
static bool parse_pci_address(const char *text, bool allow_auto, int *slot, GString *out,
			      const char *cmd)
{
	g_auto(GStrv) parts = g_strsplit(text, ":", -1);
	guint n = g_strv_length(parts);
	guint64 v;

	if (allow_auto && !strcmp(text, "auto")) {
		*slot = -1;
		return true;
	}
	if (n < 1 || n > 3)
		goto bad;
	for (guint i = 0; i < n; i++) {
		char *end;

		if (!*parts[i] || !g_ascii_isxdigit(*parts[i]))
			goto bad;
		v = g_ascii_strtoull(parts[i], &end, 16);
		if (*end || v > (i == n - 1 ? 31u : 0u)) /* domain 0, bus 0 only */
			goto bad;
	}
	*slot = (int)g_ascii_strtoull(parts[n - 1], NULL, 16);
	return true;
bad:
	g_string_append_printf(out,
			       _("%s: invalid PCI address '%s' (%s[[0:]0:]SLOT, SLOT in hex from 0 "
				 "to 1f)\n"),
			       cmd, text, allow_auto ? "auto or " : "");
	return false;
}

static bool slot_free(struct kd_machine *m, int slot, GString *out, const char *cmd)
{
	if (slot < 0)
		return true;
	if (slot < KD_HOTPLUG_FIRST_SLOT) {
		g_string_append_printf(out, _("%s: slot %d is reserved for the board's devices\n"),
				       cmd, slot);
		return false;
	}
	if (kd_pci_find(m->pci, PCI_DEVFN(slot, 0))) {
		g_string_append_printf(out, _("%s: slot %d is taken (see info pci)\n"), cmd, slot);
		return false;
	}
	return true;
}

static bool id_free(struct kd_machine *m, const char *id, GString *out, const char *cmd)
{
	if (id && kd_machine_find_device(m, id)) {
		g_string_append_printf(out, _("%s: the id '%s' is in use already\n"), cmd, id);
		return false;
	}
	return true;
}

/* The kinds of ports on hub: backends and NICs. */
static void hub_ports(struct kd_machine *m, const char *hub, unsigned *backends, unsigned *nics)
{
	struct kd_net_hub *h = kd_net_hub_find(m, hub);

	*backends = *nics = 0;
	for (guint i = 0; h && i < kd_net_hub_nports(h); i++) {
		if (kd_net_hub_port(h, i)->kind == KD_NET_PORT_NIC)
			(*nics)++;
		else
			(*backends)++;
	}
}

/* Plugs what a parsed -device/-pcidevice/-net nic configuration holds (one card) and tells
 * the guest. vCPUs paused, machine lock held. */
static struct kd_pci_device *plug(struct kd_machine *m, struct kd_config *c, const char *cmd,
				  GString *out)
{
	g_autoptr(GError) err = NULL;
	struct kd_pci_device *dev = NULL;

	if (c->pc.nnic == 1 && !c->nassign) {
		struct kd_nic_config *nic = &c->pc.nic[0];
		unsigned backends, nics;

		if (!slot_free(m, nic->slot, out, cmd) || !id_free(m, nic->id, out, cmd))
			return NULL;
		if (!nic->hub) {
			g_string_append_printf(out,
					       _("%s: %s: netdev=ID is missing (netdev_add makes "
						 "one)\n"),
					       cmd, nic->model);
			return NULL;
		}
		if (g_str_has_prefix(nic->hub, "netdev:")) {
			hub_ports(m, nic->hub, &backends, &nics);
			if (!backends) {
				g_string_append_printf(out,
						       _("%s: there is no netdev '%s' (netdev_add "
							 "makes one)\n"),
						       cmd, nic->hub + 7);
				return NULL;
			}
			if (nics) {
				g_string_append_printf(out,
						       _("%s: netdev '%s' serves another NIC "
							 "already\n"),
						       cmd, nic->hub + 7);
				return NULL;
			}
		}
		if (!nic->mac_set)
			kd_net_default_mac(m->nics_made, nic->mac);
		dev = kd_pc_add_nic(m, nic, &err);
	} else if (c->nassign == 1 && !c->pc.nnic) {
		struct kd_vfio_pci_config *a = &c->assign[0];

		if (!slot_free(m, a->slot, out, cmd) || !id_free(m, a->id, out, cmd))
			return NULL;
		dev = kd_vfio_pci_create(m, a, &err);
	} else {
		g_string_append_printf(out, _("%s: that device cannot be hot-plugged\n"), cmd);
		return NULL;
	}
	if (!dev) {
		g_string_append_printf(out, "%s: %s\n", cmd, err->message);
		return NULL;
	}
	kd_pci_hotplug_announce(m->hotplug, dev);
	return dev;
}

/* Runs plug() with the vCPUs paused: no vCPU is inside the bus while it changes. */
static struct kd_pci_device *plug_paused(struct kd_monitor_context *ctx, struct kd_config *c,
					 const char *cmd, GString *out)
{
	struct kd_vm *vm = ctx->machine->vm;
	struct kd_pci_device *dev;
	bool was_running;

	if (!ctx->machine->hotplug) {
		g_string_append_printf(out, _("%s: this machine has no PCI hotplug\n"), cmd);
		return NULL;
	}
	was_running = kd_vm_pause(vm);
	kd_vm_lock(vm);
	dev = plug(ctx->machine, c, cmd, out);
	kd_vm_unlock(vm);
	if (was_running)
		kd_vm_resume(vm);
	return dev;
}

static void print_ok(struct kd_pci_device *dev, GString *out)
{
	g_string_append_printf(out, "OK domain 0, bus 0, slot %u, function %u\n",
			       PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
}

/* pci_add auto|[[0:]0:]SLOT nic|host|storage OPTIONS */
bool kd_monitor_cmd_pci_add(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_autofree struct kd_config *c = g_new0(struct kd_config, 1);
	g_autoptr(GError) err = NULL;
	g_autofree char *spec = NULL;
	const char *opts = argc > 3 ? argv[3] : "";
	struct kd_pci_device *dev;
	int slot;
	bool ok;

	if (argc < 3 || argc > 4) {
		g_string_append(out, _("pci_add: usage: pci_add auto|[[0:]0:]SLOT nic|host|storage "
				       "[OPTIONS] (help pci_add)\n"));
		return false;
	}
	if (!parse_pci_address(argv[1], true, &slot, out, "pci_add"))
		return false;
	kd_config_init(c);
	if (!strcmp(argv[2], "nic")) {
		spec = *opts ? g_strdup_printf("nic,%s", opts) : g_strdup("nic");
		ok = kd_cli_apply_net(c, spec, &err);
		if (ok && c->pc.nnic != 1) {
			g_string_append(out, _("pci_add: nic: give NIC options only\n"));
			return false;
		}
		if (ok)
			c->pc.nic[0].slot = slot;
	} else if (!strcmp(argv[2], "host")) {
		ok = kd_cli_apply_pcidevice(c, opts, &err);
		if (ok)
			c->assign[0].slot = slot;
	} else if (!strcmp(argv[2], "storage")) {
		g_string_append(out,
				_("pci_add: storage: this PC has no hot-pluggable disk controller "
				  "(its IDE drives are fixed; 'change' puts a disc into a CD-ROM "
				  "drive)\n"));
		return false;
	} else {
		g_string_append_printf(out, _("pci_add: unknown device type '%s' (nic, host)\n"),
				       argv[2]);
		return false;
	}
	if (!ok) {
		g_string_append_printf(out, "pci_add: %s\n", err->message);
		return false;
	}
	dev = plug_paused(ctx, c, "pci_add", out);
	if (!dev)
		return false;
	print_ok(dev, out);
	return true;
}

static bool request_removal(struct kd_monitor_context *ctx, unsigned slot, const char *cmd,
			    GString *out)
{
	g_autoptr(GError) err = NULL;
	bool ok;

	if (!ctx->machine->hotplug) {
		g_string_append_printf(out, _("%s: this machine has no PCI hotplug\n"), cmd);
		return false;
	}
	kd_vm_lock(ctx->machine->vm);
	ok = kd_pci_hotplug_request_removal(ctx->machine->hotplug, slot, &err);
	kd_vm_unlock(ctx->machine->vm);
	if (!ok)
		g_string_append_printf(out, "%s: %s\n", cmd, err->message);
	return ok;
}

/* pci_del [[0:]0:]SLOT */
bool kd_monitor_cmd_pci_del(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	int slot;

	if (argc != 2) {
		g_string_append(out, _("pci_del: usage: pci_del [[0:]0:]SLOT\n"));
		return false;
	}
	if (!parse_pci_address(argv[1], false, &slot, out, "pci_del"))
		return false;
	return request_removal(ctx, (unsigned)slot, "pci_del", out);
}

/* device_add DRIVER[,PROP=VALUE...] */
bool kd_monitor_cmd_device_add(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_autofree struct kd_config *c = g_new0(struct kd_config, 1);
	g_autoptr(GError) err = NULL;

	if (argc != 2) {
		g_string_append(out, _("device_add: usage: device_add DRIVER[,PROP=VALUE,...] "
				       "(e1000, rtl8139, vfio-pci)\n"));
		return false;
	}
	kd_config_init(c);
	if (!kd_cli_apply_device(c, argv[1], &err)) {
		g_string_append_printf(out, "device_add: %s\n", err->message);
		return false;
	}
	return plug_paused(ctx, c, "device_add", out) != NULL;
}

/* device_del ID */
bool kd_monitor_cmd_device_del(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_machine *m = ctx->machine;
	struct kd_device *d;
	int slot = -1;

	if (argc != 2) {
		g_string_append(out, _("device_del: usage: device_del ID\n"));
		return false;
	}
	kd_vm_lock(m->vm);
	d = kd_machine_find_device(m, argv[1]);
	for (unsigned s = 0; d && s < 32 && slot < 0; s++) {
		struct kd_pci_device *p = kd_pci_find(m->pci, PCI_DEVFN(s, 0));

		if (p && p->owner == d)
			slot = (int)s;
	}
	kd_vm_unlock(m->vm);
	if (!d) {
		g_string_append_printf(out, _("device_del: Device '%s' not found\n"), argv[1]);
		return false;
	}
	if (slot < 0) {
		g_string_append_printf(out,
				       _("device_del: '%s' (%s) is not a hot-pluggable card\n"),
				       argv[1], d->type);
		return false;
	}
	return request_removal(ctx, (unsigned)slot, "device_del", out);
}

/* netdev_add user|tap,id=ID[,...] */
bool kd_monitor_cmd_netdev_add(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_autofree struct kd_config *c = g_new0(struct kd_config, 1);
	g_autoptr(GError) err = NULL;
	struct kd_machine *m = ctx->machine;
	struct kd_netdev_config *n;
	unsigned backends, nics;
	bool ok;

	if (argc != 2) {
		g_string_append(out, _("netdev_add: usage: netdev_add user|tap,id=ID[,...]\n"));
		return false;
	}
	kd_config_init(c);
	if (!kd_cli_apply_netdev(c, argv[1], &err)) {
		g_string_append_printf(out, "netdev_add: %s\n", err->message);
		return false;
	}
	n = &c->pc.netdev[0];
	kd_vm_lock(m->vm);
	hub_ports(m, n->hub, &backends, &nics);
	if (backends || kd_machine_find_device(m, n->id)) {
		kd_vm_unlock(m->vm);
		g_string_append_printf(out, _("netdev_add: the id '%s' is in use already\n"),
				       n->id);
		return false;
	}
	ok = n->type == KD_NETDEV_USER ? kd_net_user_create(m, n, &err)
				       : kd_net_tap_create(m, n, &err);
	kd_vm_unlock(m->vm);
	if (!ok)
		g_string_append_printf(out, "netdev_add: %s\n", err->message);
	return ok;
}

/* netdev_del ID: the backend goes; a NIC on it stays, cut off, as on QEMU. */
bool kd_monitor_cmd_netdev_del(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_machine *m = ctx->machine;
	struct kd_device *d;

	if (argc != 2) {
		g_string_append(out, _("netdev_del: usage: netdev_del ID\n"));
		return false;
	}
	kd_vm_lock(m->vm);
	d = kd_machine_find_device(m, argv[1]);
	if (d && (!strcmp(d->type, "user-net") || !strcmp(d->type, "tap"))) {
		kd_device_remove(d);
		kd_vm_unlock(m->vm);
		return true;
	}
	kd_vm_unlock(m->vm);
	g_string_append_printf(out, _("netdev_del: there is no netdev '%s' (info network)\n"),
			       argv[1]);
	return false;
}

/* drive_add: qemu-kvm hot-added disks to a SCSI controller; this PC's disks are IDE, fixed at
 * start. The arguments are checked all the same, so that a script learns what is wrong. */
bool kd_monitor_cmd_drive_add(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	int slot;

	if (argc != 3) {
		g_string_append(out, _("drive_add: usage: drive_add auto|[[0:]0:]SLOT "
				       "file=FILE[,if=TYPE][,...]\n"));
		return false;
	}
	if (!parse_pci_address(argv[1], true, &slot, out, "drive_add"))
		return false;
	g_string_append(out, _("drive_add: this PC has no hot-pluggable disk controller (its IDE "
			       "drives are fixed at start; 'change' puts a disc into a CD-ROM "
			       "drive)\n"));
	return false;
}
