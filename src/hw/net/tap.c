/*
 * The tap backend: the guest's frames go to and come from a tap interface of the host
 * (/dev/net/tun, IFF_TAP without packet information). kvmdesk runs no scripts: the admin (or
 * the test) puts the interface in a bridge or gives it an address.
 */
#include "config.h"

#include "hw/net/backends.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hw/machine.h"
#include "hw/net/net.h"
#include "i18n.h"
#include "vm/vm.h"

struct tap {
	struct kd_device dev;
	struct kd_machine *m;
	struct kd_net_port *port;
	int fd;
	guint watch;
	char ifname[IFNAMSIZ];
	uint64_t write_errors;
};

/* A frame from the guest: the tap takes whole frames; when its queue is full the frame is
 * dropped (and counted), as a real wire would lose it. */
static bool tap_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct tap *t = opaque;

	if (write(t->fd, frame, len) != (ssize_t)len) {
		t->write_errors++;
		t->port->stats.dropped++;
	}
	return true;
}

static void tap_describe(void *opaque, GString *out)
{
	struct tap *t = opaque;

	g_string_append_printf(out, "tap,ifname=%s,script=no,downscript=no", t->ifname);
}

static gboolean tap_readable(gint fd, GIOCondition cond, gpointer data);

/* The NIC took frames again: read the interface again (machine lock held). */
static void tap_unblocked(void *opaque)
{
	struct tap *t = opaque;

	if (!t->watch && t->fd >= 0)
		t->watch = g_unix_fd_add(t->fd, G_IO_IN, tap_readable, t);
}

static const struct kd_net_port_ops tap_ops = {
	.receive = tap_receive,
	.describe = tap_describe,
	.unblocked = tap_unblocked,
};

static gboolean tap_readable(gint fd, GIOCondition cond, gpointer data)
{
	struct tap *t = data;
	static uint8_t frame[KD_NET_MAX_FRAME + 64];
	gboolean keep = G_SOURCE_CONTINUE;

	kd_vm_lock(t->m->vm);
	/* A bounded batch per wake-up: a flooding host cannot starve the main loop. */
	for (int i = 0; i < 64; i++) {
		ssize_t n;

		/* Frames nobody can take stay in the kernel's queue (which drops the excess)
		 * until the NIC has buffers again: no copying frames only to throw them away. */
		if (kd_net_port_blocked(t->port)) {
			t->watch = 0;
			keep = G_SOURCE_REMOVE;
			break;
		}
		n = read(fd, frame, sizeof(frame));
		if (n <= 0)
			break;
		kd_net_send(t->port, frame, (size_t)n);
	}
	kd_vm_unlock(t->m->vm);
	return keep;
}

static void tap_destroy(struct kd_device *dev)
{
	struct tap *t = (struct tap *)dev;

	if (t->watch)
		g_source_remove(t->watch);
	if (t->fd >= 0)
		close(t->fd);
	kd_net_port_free(t->port);
	g_free(t);
}

bool kd_net_tap_create(struct kd_machine *m, const struct kd_netdev_config *cfg, GError **err)
{
	struct tap *t = g_new0(struct tap, 1);
	struct ifreq ifr = { 0 };
	g_autofree char *name = NULL;

	t->m = m;
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("tap: cannot open /dev/net/tun: %s%s"), g_strerror(errno),
			    errno == ENOENT ? _(" (load the tun module: modprobe tun)")
			    : errno == EACCES || errno == EPERM
				    ? _(" (kvmdesk needs access to it: run as root, or make the "
					"interface for your user with `ip tuntap add mode tap user "
					"$USER`)")
				    : "");
		g_free(t);
		return false;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (cfg->ifname) {
		if (strlen(cfg->ifname) >= IFNAMSIZ) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
				    _("tap: ifname '%s' is longer than %d characters"), cfg->ifname,
				    IFNAMSIZ - 1);
			goto fail;
		}
		g_strlcpy(ifr.ifr_name, cfg->ifname, IFNAMSIZ);
	}
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		g_set_error(
			err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("tap: cannot attach to %s: %s%s"),
			cfg->ifname ? cfg->ifname : _("a new tap interface"), g_strerror(errno),
			errno == EPERM	 ? _(" (needs CAP_NET_ADMIN, or an interface made for your "
					       "user with `ip tuntap add mode tap user $USER`)")
			: errno == EBUSY ? _(" (another program has it)")
					 : "");
		goto fail;
	}
	g_strlcpy(t->ifname, ifr.ifr_name, sizeof(t->ifname));
	name = g_strdup_printf("tap.%s", t->ifname);
	t->port = kd_net_port_new(kd_net_hub_get(m, cfg->hub), KD_NET_PORT_BACKEND, name, &tap_ops,
				  t);
	t->watch = g_unix_fd_add(t->fd, G_IO_IN, tap_readable, t);
	t->dev.destroy = tap_destroy;
	kd_device_add(m, &t->dev, "tap", cfg->id);
	return true;
fail:
	close(t->fd);
	g_free(t);
	return false;
}
