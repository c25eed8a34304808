/*
 * Network options in their three generations, all onto one model (hw/net/net.h: hubs with
 * NICs and backends):
 *   qemu-kvm 0.12:  -net nic[,vlan=N][,model=M][,macaddr=MAC]  -net user|tap[,vlan=N][,...]
 *                   -net none   (vlan N is the hub "vlanN")
 *   -netdev:        -netdev user|tap,id=X[,...]  -device e1000|rtl8139,netdev=X[,mac=MAC]
 *   -nic:           -nic user|tap[,model=M][,mac=MAC][,...]  (a backend and its NIC)
 */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "hw/net/net.h"
#include "i18n.h"

static const char *const models[] = { "e1000", "rtl8139" };

static bool valid_model(const char *model, const char *option, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(models); i++)
		if (!strcmp(model, models[i]))
			return true;
	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
		    _("%s: unknown NIC model '%s' (valid models: e1000, rtl8139)"), option, model);
	return false;
}

static bool bad_property(const char *option, const char *prop, const char *valid, GError **err)
{
	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE, _("%s: bad property '%s' (%s)"),
		    option, prop, valid);
	return false;
}

static bool parse_mac(const char *option, const char *text, struct kd_nic_config *nic, GError **err)
{
	if (kd_net_parse_mac(text, nic->mac)) {
		nic->mac_set = true;
		return true;
	}
	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
		    _("%s: '%s' is not a usable MAC address (six hex bytes like 52:54:00:12:34:56, "
		      "and the first byte even: a NIC's address is not a multicast address)"),
		    option, text);
	return false;
}

static bool parse_vlan(const char *option, const char *text, const char **hub, GError **err)
{
	guint64 n;

	if (!g_ascii_string_to_unsigned(text, 10, 0, 4095, &n, NULL)) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("%s: vlan must be a number from 0 to 4095, not '%s'"), option, text);
		return false;
	}
	g_autofree char *name = g_strdup_printf("vlan%u", (unsigned)n);
	*hub = kd_cli_keep(name);
	return true;
}

static bool parse_slot_prop(const char *option, const char *text, int *slot, GError **err)
{
	guint64 n;
	const char *t = g_str_has_prefix(text, "0x") ? text + 2 : text;

	if (!g_ascii_string_to_unsigned(t, 16, 1, 31, &n, NULL)) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("%s: addr must be a slot from 1 to 1f, not '%s'"), option, text);
		return false;
	}
	*slot = (int)n;
	return true;
}

static struct kd_netdev_config *new_netdev(struct kd_config *cfg, const char *option, GError **err)
{
	if (cfg->pc.nnetdev == KD_MAX_NETDEVS) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("%s: at most %d network backends"), option, KD_MAX_NETDEVS);
		return NULL;
	}
	struct kd_netdev_config *n = &cfg->pc.netdev[cfg->pc.nnetdev];

	memset(n, 0, sizeof(*n));
	return n;
}

static struct kd_nic_config *new_nic(struct kd_config *cfg, const char *option, GError **err)
{
	if (cfg->pc.nnic == KD_MAX_NICS) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE, _("%s: at most %d NICs"),
			    option, KD_MAX_NICS);
		return NULL;
	}
	struct kd_nic_config *n = &cfg->pc.nic[cfg->pc.nnic];

	memset(n, 0, sizeof(*n));
	n->slot = -1;
	n->model = "rtl8139";
	return n;
}

/* A backend's own properties (user: net, host, dhcpstart, dns, hostname, tftp, bootfile,
 * restrict, hostfwd; tap: ifname, script=no, downscript=no). Returns -1 for a property that is
 * not a backend's, 0 on error, 1 when taken. */
static int backend_property(struct kd_netdev_config *n, const char *option, const char *p,
			    GError **err)
{
	const char *eq = strchr(p, '=');
	g_autofree char *key = eq ? g_strndup(p, (gsize)(eq - p)) : g_strdup(p);
	const char *v = eq ? eq + 1 : "";

	if (n->type == KD_NETDEV_USER) {
		static const char *const keys[] = { "net",	"host", "dhcpstart", "dns",
						    "hostname", "tftp", "bootfile" };
		const char **slots[] = { &n->net,      &n->host, &n->dhcpstart, &n->dns,
					 &n->hostname, &n->tftp, &n->bootfile };

		for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
			if (!strcmp(key, keys[i]) && *v) {
				*slots[i] = kd_cli_keep(v);
				return 1;
			}
		}
		if (!strcmp(key, "restrict")) {
			if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "y"))
				n->restrict_net = true;
			else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "n"))
				n->restrict_net = false;
			else
				return bad_property(option, p, "restrict=on|off", err) ? 1 : 0;
			return 1;
		}
		if (!strcmp(key, "hostfwd") && *v) {
			if (n->nhostfwd == KD_MAX_HOSTFWD) {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
					    _("%s: at most %d hostfwd rules"), option,
					    KD_MAX_HOSTFWD);
				return 0;
			}
			n->hostfwd[n->nhostfwd++] = kd_cli_keep(v);
			return 1;
		}
		return -1;
	}
	if (!strcmp(key, "ifname") && *v) {
		n->ifname = kd_cli_keep(v);
		return 1;
	}
	if (!strcmp(key, "script") || !strcmp(key, "downscript")) {
		if (strcmp(v, "no") != 0) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("%s: kvmdesk runs no %s (give %s=no, and set the interface "
				      "up yourself, e.g. in a bridge)"),
				    option, key, key);
			return 0;
		}
		return 1;
	}
	return -1;
}

static bool backend_type(const char *option, const char *type, struct kd_netdev_config *n,
			 GError **err)
{
	if (!strcmp(type, "user")) {
		n->type = KD_NETDEV_USER;
		return true;
	}
	if (!strcmp(type, "tap")) {
		n->type = KD_NETDEV_TAP;
		return true;
	}
	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
		    _("%s: unknown network backend '%s' (user, tap)"), option, type);
	return false;
}

static const char *user_props =
	"vlan, net, host, dhcpstart, dns, hostname, tftp, bootfile, restrict, hostfwd";
static const char *tap_props = "vlan, ifname, script=no, downscript=no";

/* -net nic|user|tap|none[,...] */
bool kd_cli_apply_net(struct kd_config *cfg, const char *value, GError **err)
{
	g_autoptr(GPtrArray) props = kd_split_options(value);
	const char *type = g_ptr_array_index(props, 0);

	cfg->net_given = true;
	cfg->vm_requested = true;
	if (!strcmp(type, "none")) {
		if (props->len > 1)
			return bad_property("-net none", g_ptr_array_index(props, 1), "none", err);
		cfg->net_none = true;
		return true;
	}
	if (!strcmp(type, "nic")) {
		struct kd_nic_config *nic = new_nic(cfg, "-net nic", err);

		if (!nic)
			return false;
		nic->hub = "vlan0";
		for (guint i = 1; i < props->len; i++) {
			const char *p = g_ptr_array_index(props, i);

			if (g_str_has_prefix(p, "vlan=")) {
				if (!parse_vlan("-net nic", p + 5, &nic->hub, err))
					return false;
			} else if (g_str_has_prefix(p, "model=")) {
				if (!valid_model(p + 6, "-net nic", err))
					return false;
				nic->model = kd_cli_keep(p + 6);
			} else if (g_str_has_prefix(p, "macaddr=")) {
				if (!parse_mac("-net nic", p + 8, nic, err))
					return false;
			} else if (g_str_has_prefix(p, "name=") && p[5]) {
				nic->id = kd_cli_keep(p + 5);
			} else if (g_str_has_prefix(p, "addr=")) {
				if (!parse_slot_prop("-net nic", p + 5, &nic->slot, err))
					return false;
			} else if (g_str_has_prefix(p, "romfile=")) {
				nic->romfile = kd_cli_keep(p + 8);
			} else {
				return bad_property("-net nic", p,
						    "vlan, model, macaddr, name, addr, romfile",
						    err);
			}
		}
		cfg->pc.nnic++;
		return true;
	}
	{
		g_autofree char *option = g_strdup_printf("-net %s", type);
		struct kd_netdev_config *n = new_netdev(cfg, option, err);

		if (!n || !backend_type("-net", type, n, err))
			return false;
		n->hub = "vlan0";
		for (guint i = 1; i < props->len; i++) {
			const char *p = g_ptr_array_index(props, i);
			int r;

			if (g_str_has_prefix(p, "vlan=")) {
				if (!parse_vlan(option, p + 5, &n->hub, err))
					return false;
				continue;
			}
			if (g_str_has_prefix(p, "name=") && p[5]) {
				n->id = kd_cli_keep(p + 5);
				continue;
			}
			r = backend_property(n, option, p, err);
			if (r == 0)
				return false;
			if (r < 0)
				return bad_property(
					option, p,
					n->type == KD_NETDEV_USER ? user_props : tap_props, err);
		}
		cfg->pc.nnetdev++;
		return true;
	}
}

/* -netdev user|tap,id=X[,...] */
bool kd_cli_apply_netdev(struct kd_config *cfg, const char *value, GError **err)
{
	g_autoptr(GPtrArray) props = kd_split_options(value);
	const char *type = g_ptr_array_index(props, 0);
	struct kd_netdev_config *n = new_netdev(cfg, "-netdev", err);

	cfg->net_given = true;
	cfg->vm_requested = true;
	if (!n || !backend_type("-netdev", type, n, err))
		return false;
	for (guint i = 1; i < props->len; i++) {
		const char *p = g_ptr_array_index(props, i);
		int r;

		if (g_str_has_prefix(p, "id=") && p[3]) {
			n->id = kd_cli_keep(p + 3);
			continue;
		}
		r = backend_property(n, "-netdev", p, err);
		if (r == 0)
			return false;
		if (r < 0)
			return bad_property(
				"-netdev", p,
				n->type == KD_NETDEV_USER
					? "id, net, host, dhcpstart, dns, hostname, tftp, "
					  "bootfile, restrict, hostfwd"
					: "id, ifname, script=no, downscript=no",
				err);
	}
	if (!n->id) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-netdev %s: id=NAME is missing (the NIC names it with netdev=NAME)"),
			    type);
		return false;
	}
	for (unsigned i = 0; i < cfg->pc.nnetdev; i++)
		if (cfg->pc.netdev[i].id && !strcmp(cfg->pc.netdev[i].id, n->id)) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-netdev: id '%s' is used twice"), n->id);
			return false;
		}
	{
		g_autofree char *hub = g_strdup_printf("netdev:%s", n->id);

		n->hub = kd_cli_keep(hub);
	}
	cfg->pc.nnetdev++;
	return true;
}

/* -device e1000|rtl8139,netdev=X[,mac=MAC][,id=NAME][,addr=SLOT][,romfile=FILE] */
bool kd_cli_apply_nic_device(struct kd_config *cfg, GPtrArray *props, GError **err)
{
	const char *model = g_ptr_array_index(props, 0);
	g_autofree char *option = g_strdup_printf("-device %s", model);
	struct kd_nic_config *nic = new_nic(cfg, option, err);

	if (!nic)
		return false;
	nic->model = kd_cli_keep(model);
	for (guint i = 1; i < props->len; i++) {
		const char *p = g_ptr_array_index(props, i);

		if (g_str_has_prefix(p, "netdev=") && p[7]) {
			g_autofree char *hub = g_strdup_printf("netdev:%s", p + 7);

			nic->hub = kd_cli_keep(hub);
		} else if (g_str_has_prefix(p, "mac=")) {
			if (!parse_mac(option, p + 4, nic, err))
				return false;
		} else if (g_str_has_prefix(p, "id=") && p[3]) {
			nic->id = kd_cli_keep(p + 3);
		} else if (g_str_has_prefix(p, "addr=")) {
			if (!parse_slot_prop(option, p + 5, &nic->slot, err))
				return false;
		} else if (g_str_has_prefix(p, "romfile=")) {
			nic->romfile = kd_cli_keep(p + 8);
		} else {
			return bad_property(option, p, "netdev, mac, id, addr, romfile", err);
		}
	}
	cfg->net_given = true;
	cfg->pc.nnic++;
	return true;
}

bool kd_cli_is_nic_model(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(models); i++)
		if (!strcmp(name, models[i]))
			return true;
	return false;
}

/* -nic user|tap|none[,model=M][,mac=MAC][,backend properties] */
bool kd_cli_apply_nic(struct kd_config *cfg, const char *value, GError **err)
{
	g_autoptr(GPtrArray) props = kd_split_options(value);
	const char *type = g_ptr_array_index(props, 0);
	struct kd_netdev_config *n;
	struct kd_nic_config *nic;
	g_autofree char *id = NULL, *hub = NULL;

	cfg->net_given = true;
	cfg->vm_requested = true;
	if (!strcmp(type, "none")) {
		cfg->net_none = true;
		return true;
	}
	n = new_netdev(cfg, "-nic", err);
	if (!n || !backend_type("-nic", type, n, err))
		return false;
	nic = new_nic(cfg, "-nic", err);
	if (!nic)
		return false;
	id = g_strdup_printf("nic%u", cfg->pc.nnic);
	hub = g_strdup_printf("netdev:%s", id);
	n->id = kd_cli_keep(id);
	n->hub = nic->hub = kd_cli_keep(hub);
	for (guint i = 1; i < props->len; i++) {
		const char *p = g_ptr_array_index(props, i);
		int r;

		if (g_str_has_prefix(p, "model=")) {
			if (!valid_model(p + 6, "-nic", err))
				return false;
			nic->model = kd_cli_keep(p + 6);
			continue;
		}
		if (g_str_has_prefix(p, "mac=")) {
			if (!parse_mac("-nic", p + 4, nic, err))
				return false;
			continue;
		}
		r = backend_property(n, "-nic", p, err);
		if (r == 0)
			return false;
		if (r < 0)
			return bad_property(
				"-nic", p, n->type == KD_NETDEV_USER ? user_props : tap_props, err);
	}
	cfg->pc.nnetdev++;
	cfg->pc.nnic++;
	return true;
}

/* After parsing: every NIC's netdev exists (and serves one NIC), MACs get their defaults. */
bool kd_cli_net_finish(struct kd_config *cfg, GError **err)
{
	if (cfg->net_none) {
		if (cfg->pc.nnic || cfg->pc.nnetdev) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-net none contradicts the other network options"));
			return false;
		}
		return true;
	}
	for (unsigned i = 0; i < cfg->pc.nnic; i++) {
		struct kd_nic_config *nic = &cfg->pc.nic[i];

		if (!nic->hub) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-device %s: netdev=NAME is missing"), nic->model);
			return false;
		}
		if (g_str_has_prefix(nic->hub, "netdev:")) {
			bool found = false;

			for (unsigned j = 0; j < cfg->pc.nnetdev; j++)
				found |= !strcmp(cfg->pc.netdev[j].hub, nic->hub);
			for (unsigned j = 0; j < i; j++)
				if (cfg->pc.nic[j].hub && !strcmp(cfg->pc.nic[j].hub, nic->hub)) {
					g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
						    _("netdev %s serves two NICs (use -net with "
						      "vlan= to connect several)"),
						    nic->hub + 7);
					return false;
				}
			if (!found) {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
					    _("-device %s: there is no -netdev with id '%s'"),
					    nic->model, nic->hub + 7);
				return false;
			}
		}
		if (!nic->mac_set)
			kd_net_default_mac(i, nic->mac);
	}
	return true;
}
