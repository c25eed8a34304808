/*
 * User-mode networking with libslirp: a private 10.0.2.0/24 network behind NAT with a DHCP
 * server, a DNS forwarder at .3, the gateway (the host) at .2, optional TFTP and port
 * forwarding from the host (hostfwd=tcp::2222-:22, so that an admin can ssh into the guest).
 *
 * libslirp is not thread-safe: every call into it happens with the machine lock held, from the
 * vCPU that transmits (slirp_input) or from the main loop (its sockets and timers), which
 * takes the lock. Its sockets are polled by a GSource of our own that asks libslirp which
 * descriptors to watch before each main-loop iteration.
 */
#include "config.h"

#include "hw/net/backends.h"

#include <arpa/inet.h>
#include <errno.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/net/net.h"
#include "i18n.h"
#include "vm/vm.h"

struct user_net {
	struct kd_device dev;
	struct kd_machine *m;
	struct kd_net_port *port;
	Slirp *slirp;
	GSource *source;
	GArray *pollfds; /* GPollFD, rebuilt each iteration */
	char *describe;
};

struct slirp_source {
	GSource source;
	struct user_net *u;
};

struct timer {
	struct user_net *u;
	SlirpTimerId id;
	void *cb_opaque;
	guint source;
};

/* ------------------------------------------------------------------ callbacks */

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
	struct user_net *u = opaque;

	kd_net_send(u->port, buf, len);
	return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
	g_warning("user-mode network: %s", msg);
}

static int64_t clock_get_ns(void *opaque)
{
	return g_get_monotonic_time() * 1000;
}

static gboolean timer_fired(gpointer data)
{
	struct timer *t = data;
	struct user_net *u = t->u;

	t->source = 0;
	kd_vm_lock(u->m->vm);
	slirp_handle_timer(u->slirp, t->id, t->cb_opaque);
	kd_vm_unlock(u->m->vm);
	return G_SOURCE_REMOVE;
}

static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct timer *t = g_new0(struct timer, 1);

	t->u = opaque;
	t->id = id;
	t->cb_opaque = cb_opaque;
	return t;
}

static void timer_free(void *timer, void *opaque)
{
	struct timer *t = timer;

	if (t->source)
		g_source_remove(t->source);
	g_free(t);
}

/* expire_time is in milliseconds of clock_get_ns's clock. */
static void timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	struct timer *t = timer;
	int64_t now_ms = g_get_monotonic_time() / 1000;
	int64_t delay = expire_time - now_ms;

	if (t->source)
		g_source_remove(t->source);
	t->source = g_timeout_add((guint)CLAMP(delay, 0, G_MAXINT), timer_fired, t);
}

static void register_poll_fd(int fd, void *opaque)
{
}

static void unregister_poll_fd(int fd, void *opaque)
{
}

static void notify(void *opaque)
{
	g_main_context_wakeup(NULL);
}

static const SlirpCb callbacks = {
	.send_packet = send_packet,
	.guest_error = guest_error,
	.clock_get_ns = clock_get_ns,
	.timer_free = timer_free,
	.timer_mod = timer_mod,
	.register_poll_fd = register_poll_fd,
	.unregister_poll_fd = unregister_poll_fd,
	.notify = notify,
	.timer_new_opaque = timer_new_opaque,
};

/* ------------------------------------------------------------------ polling */

static int add_poll(int fd, int events, void *opaque)
{
	struct user_net *u = opaque;
	GPollFD p = { .fd = fd };

	if (events & SLIRP_POLL_IN)
		p.events |= G_IO_IN;
	if (events & SLIRP_POLL_OUT)
		p.events |= G_IO_OUT;
	if (events & SLIRP_POLL_PRI)
		p.events |= G_IO_PRI;
	if (events & SLIRP_POLL_ERR)
		p.events |= G_IO_ERR;
	if (events & SLIRP_POLL_HUP)
		p.events |= G_IO_HUP;
	g_array_append_val(u->pollfds, p);
	return (int)u->pollfds->len - 1;
}

static int get_revents(int idx, void *opaque)
{
	struct user_net *u = opaque;
	GPollFD *p;
	int r = 0;

	if (idx < 0 || (guint)idx >= u->pollfds->len)
		return 0;
	p = &g_array_index(u->pollfds, GPollFD, idx);
	if (p->revents & G_IO_IN)
		r |= SLIRP_POLL_IN;
	if (p->revents & G_IO_OUT)
		r |= SLIRP_POLL_OUT;
	if (p->revents & G_IO_PRI)
		r |= SLIRP_POLL_PRI;
	if (p->revents & G_IO_ERR)
		r |= SLIRP_POLL_ERR;
	if (p->revents & G_IO_HUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

static void drop_polls(struct user_net *u)
{
	for (guint i = 0; i < u->pollfds->len; i++)
		g_source_remove_poll(u->source, &g_array_index(u->pollfds, GPollFD, i));
	g_array_set_size(u->pollfds, 0);
}

static gboolean source_prepare(GSource *source, gint *timeout)
{
	struct user_net *u = ((struct slirp_source *)source)->u;
	uint32_t t = UINT32_MAX;

	drop_polls(u);
	kd_vm_lock(u->m->vm);
	slirp_pollfds_fill(u->slirp, &t, add_poll, u);
	kd_vm_unlock(u->m->vm);
	/* The array is final now: its elements may be handed to GLib. */
	for (guint i = 0; i < u->pollfds->len; i++)
		g_source_add_poll(source, &g_array_index(u->pollfds, GPollFD, i));
	*timeout = t == UINT32_MAX ? -1 : (gint)MIN(t, (uint32_t)G_MAXINT);
	return FALSE;
}

static gboolean source_check(GSource *source)
{
	struct user_net *u = ((struct slirp_source *)source)->u;

	for (guint i = 0; i < u->pollfds->len; i++)
		if (g_array_index(u->pollfds, GPollFD, i).revents)
			return TRUE;
	return FALSE;
}

static gboolean source_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
	struct user_net *u = ((struct slirp_source *)source)->u;

	kd_vm_lock(u->m->vm);
	slirp_pollfds_poll(u->slirp, 0, get_revents, u);
	kd_vm_unlock(u->m->vm);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
	.prepare = source_prepare,
	.check = source_check,
	.dispatch = source_dispatch,
};

/* ------------------------------------------------------------------ the port */

static bool user_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct user_net *u = opaque;

	slirp_input(u->slirp, frame, (int)len);
	return true;
}

static void user_describe(void *opaque, GString *out)
{
	struct user_net *u = opaque;

	g_string_append(out, u->describe);
}

static const struct kd_net_port_ops user_ops = { .receive = user_receive,
						 .describe = user_describe };

/* ------------------------------------------------------------------ configuration */

static bool parse_addr(const char *what, const char *text, struct in_addr *out, GError **err)
{
	if (inet_pton(AF_INET, text, out) == 1)
		return true;
	g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
		    _("user network: %s '%s' is not an IPv4 address"), what, text);
	return false;
}

/* "10.0.2.0/24" or "10.0.2.0/255.255.255.0" */
static bool parse_net(const char *text, struct in_addr *net, struct in_addr *mask, GError **err)
{
	g_auto(GStrv) parts = g_strsplit(text, "/", 2);
	guint64 bits = 24;

	if (!parse_addr("net", parts[0], net, err))
		return false;
	if (parts[1]) {
		if (strchr(parts[1], '.')) {
			if (!parse_addr("netmask", parts[1], mask, err))
				return false;
			net->s_addr &= mask->s_addr;
			return true;
		}
		if (!g_ascii_string_to_unsigned(parts[1], 10, 8, 30, &bits, NULL)) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
				    _("user network: prefix length '%s' must be 8 to 30"),
				    parts[1]);
			return false;
		}
	}
	mask->s_addr = htonl(~0u << (32 - bits));
	net->s_addr &= mask->s_addr;
	return true;
}

static struct in_addr in_net(struct in_addr net, unsigned host)
{
	struct in_addr a = { htonl(ntohl(net.s_addr) + host) };

	return a;
}

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static bool add_hostfwd(struct user_net *u, const char *spec, struct in_addr guest_default,
			GError **err)
{
	g_auto(GStrv) sides = g_strsplit(spec, "-", 2);
	g_auto(GStrv) host = NULL, guest = NULL;
	struct in_addr host_addr = { INADDR_ANY }, guest_addr = guest_default;
	guint64 host_port, guest_port;
	bool udp = false;
	const char *h;

	if (!sides[0] || !sides[1])
		goto bad;
	h = sides[0];
	if (g_str_has_prefix(h, "tcp:"))
		h += 4;
	else if (g_str_has_prefix(h, "udp:")) {
		h += 4;
		udp = true;
	} else if (*h != ':')
		goto bad;
	else
		h += 1;
	host = g_strsplit(h, ":", 2);
	guest = g_strsplit(sides[1], ":", 2);
	if (!host[0] || !host[1] || !guest[0] || !guest[1])
		goto bad;
	if (*host[0] && inet_pton(AF_INET, host[0], &host_addr) != 1)
		goto bad;
	if (*guest[0] && inet_pton(AF_INET, guest[0], &guest_addr) != 1)
		goto bad;
	if (!g_ascii_string_to_unsigned(host[1], 10, 0, 65535, &host_port, NULL) ||
	    !g_ascii_string_to_unsigned(guest[1], 10, 1, 65535, &guest_port, NULL))
		goto bad;
	if (slirp_add_hostfwd(u->slirp, udp, host_addr, (int)host_port, guest_addr,
			      (int)guest_port) < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("hostfwd=%s: cannot listen on host port %" G_GUINT64_FORMAT
			      " (%s; is it in use?)"),
			    spec, host_port, g_strerror(errno));
		return false;
	}
	return true;
bad:
	g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
		    _("hostfwd=%s: expected [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, "
		      "like tcp::2222-:22"),
		    spec);
	return false;
}

static void user_destroy(struct kd_device *dev)
{
	struct user_net *u = (struct user_net *)dev;

	if (u->source) {
		drop_polls(u);
		g_source_destroy(u->source);
		g_source_unref(u->source);
	}
	if (u->slirp)
		slirp_cleanup(u->slirp);
	if (u->pollfds)
		g_array_free(u->pollfds, TRUE);
	kd_net_port_free(u->port);
	g_free(u->describe);
	g_free(u);
}

bool kd_net_user_create(struct kd_machine *m, const struct kd_netdev_config *cfg, GError **err)
{
	struct user_net *u = g_new0(struct user_net, 1);
	SlirpConfig sc = { 0 };
	struct in_addr net, mask;
	g_autofree char *name = NULL;

	u->m = m;
	u->dev.destroy = user_destroy;
	if (!parse_net(cfg->net ? cfg->net : "10.0.2.0/24", &net, &mask, err))
		goto fail;
	sc.version = 4;
	sc.restricted = cfg->restrict_net;
	sc.in_enabled = true;
	sc.vnetwork = net;
	sc.vnetmask = mask;
	sc.vhost = in_net(net, 2);
	sc.vdhcp_start = in_net(net, 15);
	sc.vnameserver = in_net(net, 3);
	if ((cfg->host && !parse_addr("host", cfg->host, &sc.vhost, err)) ||
	    (cfg->dhcpstart && !parse_addr("dhcpstart", cfg->dhcpstart, &sc.vdhcp_start, err)) ||
	    (cfg->dns && !parse_addr("dns", cfg->dns, &sc.vnameserver, err)))
		goto fail;
	if ((sc.vhost.s_addr & mask.s_addr) != net.s_addr ||
	    (sc.vdhcp_start.s_addr & mask.s_addr) != net.s_addr ||
	    (sc.vnameserver.s_addr & mask.s_addr) != net.s_addr) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("user network: host, dhcpstart and dns must lie in net %s"),
			    cfg->net ? cfg->net : "10.0.2.0/24");
		goto fail;
	}
	if (cfg->tftp && !g_file_test(cfg->tftp, G_FILE_TEST_IS_DIR)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("user network: tftp=%s is not a directory"), cfg->tftp);
		goto fail;
	}
	sc.vhostname = cfg->hostname;
	sc.tftp_server_name = NULL;
	sc.tftp_path = cfg->tftp;
	sc.bootfile = cfg->bootfile;
	sc.if_mtu = 0;
	sc.if_mru = 0;
	sc.disable_host_loopback = false;
	u->slirp = slirp_new(&sc, &callbacks, u);
	if (!u->slirp) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("user network: libslirp refused the configuration"));
		goto fail;
	}
	for (unsigned i = 0; i < cfg->nhostfwd; i++)
		if (!add_hostfwd(u, cfg->hostfwd[i], sc.vdhcp_start, err))
			goto fail;
	{
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
		GString *d = g_string_new(NULL);

		inet_ntop(AF_INET, &net, a, sizeof(a));
		inet_ntop(AF_INET, &sc.vhost, b, sizeof(b));
		g_string_append_printf(d, "user,net=%s/%d,host=%s", a,
				       32 - __builtin_ctz(ntohl(mask.s_addr)), b);
		if (cfg->restrict_net)
			g_string_append(d, ",restrict=on");
		if (cfg->tftp)
			g_string_append_printf(d, ",tftp=%s", cfg->tftp);
		for (unsigned i = 0; i < cfg->nhostfwd; i++)
			g_string_append_printf(d, ",hostfwd=%s", cfg->hostfwd[i]);
		u->describe = g_string_free(d, FALSE);
	}
	name = g_strdup_printf("user.%s", cfg->id ? cfg->id : "0");
	u->port = kd_net_port_new(kd_net_hub_get(m, cfg->hub), KD_NET_PORT_BACKEND, name, &user_ops,
				  u);
	u->pollfds = g_array_new(FALSE, TRUE, sizeof(GPollFD));
	u->source = g_source_new(&source_funcs, sizeof(struct slirp_source));
	((struct slirp_source *)u->source)->u = u;
	g_source_attach(u->source, NULL);
	kd_device_add(m, &u->dev, "user-net", cfg->id);
	return true;
fail:
	user_destroy(&u->dev);
	return false;
}
