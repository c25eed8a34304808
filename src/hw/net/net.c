/*
 * Hubs and ports (see net.h).
 */
#include "config.h"

#include "hw/net/net.h"

#include <stdio.h>
#include <string.h>

#include "hw/machine.h"
#include "i18n.h"

struct kd_net_hub {
	char *name;
	GPtrArray *ports; /* struct kd_net_port * */
};

struct kd_net_hub *kd_net_hub_find(struct kd_machine *m, const char *name)
{
	for (guint i = 0; m->net_hubs && i < m->net_hubs->len; i++) {
		struct kd_net_hub *hub = g_ptr_array_index(m->net_hubs, i);

		if (!strcmp(hub->name, name))
			return hub;
	}
	return NULL;
}

struct kd_net_hub *kd_net_hub_get(struct kd_machine *m, const char *name)
{
	struct kd_net_hub *hub = kd_net_hub_find(m, name);

	if (hub)
		return hub;
	if (!m->net_hubs)
		m->net_hubs = g_ptr_array_new();
	hub = g_new0(struct kd_net_hub, 1);
	hub->name = g_strdup(name);
	hub->ports = g_ptr_array_new();
	g_ptr_array_add(m->net_hubs, hub);
	return hub;
}

const char *kd_net_hub_name(const struct kd_net_hub *hub)
{
	return hub->name;
}

unsigned kd_net_hub_nports(const struct kd_net_hub *hub)
{
	return hub->ports->len;
}

struct kd_net_port *kd_net_hub_port(const struct kd_net_hub *hub, unsigned i)
{
	return i < hub->ports->len ? g_ptr_array_index(hub->ports, i) : NULL;
}

void kd_net_hubs_free(struct kd_machine *m)
{
	if (!m->net_hubs)
		return;
	for (guint i = 0; i < m->net_hubs->len; i++) {
		struct kd_net_hub *hub = g_ptr_array_index(m->net_hubs, i);

		g_ptr_array_free(hub->ports, TRUE);
		g_free(hub->name);
		g_free(hub);
	}
	g_ptr_array_free(m->net_hubs, TRUE);
	m->net_hubs = NULL;
}

struct kd_net_port *kd_net_port_new(struct kd_net_hub *hub, enum kd_net_port_kind kind,
				    const char *name, const struct kd_net_port_ops *ops,
				    void *opaque)
{
	struct kd_net_port *port = g_new0(struct kd_net_port, 1);

	port->hub = hub;
	port->kind = kind;
	port->name = g_strdup(name);
	port->ops = ops;
	port->opaque = opaque;
	g_queue_init(&port->pending);
	g_ptr_array_add(hub->ports, port);
	return port;
}

/* Backends that paused because of port's queue (or its peers') may read again. */
static void notify_unblocked(struct kd_net_port *port)
{
	for (guint i = 0; i < port->hub->ports->len; i++) {
		struct kd_net_port *p = g_ptr_array_index(port->hub->ports, i);

		if (p != port && p->ops->unblocked)
			p->ops->unblocked(p->opaque);
	}
}

void kd_net_port_free(struct kd_net_port *port)
{
	if (!port)
		return;
	/* A NIC unplugged while its full queue held the backend must not leave it paused. */
	notify_unblocked(port);
	g_ptr_array_remove(port->hub->ports, port);
	g_queue_clear_full(&port->pending, (GDestroyNotify)g_bytes_unref);
	g_free(port->name);
	g_free(port);
}

static void deliver(struct kd_net_port *to, const uint8_t *frame, size_t len)
{
	/* Order is kept: while older frames wait, a new one waits behind them. */
	if (g_queue_is_empty(&to->pending) && to->ops->receive(to->opaque, frame, len)) {
		to->stats.rx_packets++;
		to->stats.rx_bytes += len;
		return;
	}
	if (g_queue_get_length(&to->pending) >= KD_NET_QUEUE_LIMIT) {
		g_bytes_unref(g_queue_pop_head(&to->pending));
		to->stats.dropped++;
	}
	g_queue_push_tail(&to->pending, g_bytes_new(frame, len));
}

void kd_net_send(struct kd_net_port *port, const uint8_t *frame, size_t len)
{
	GPtrArray *ports = port->hub->ports;

	if (len > KD_NET_MAX_FRAME) {
		port->stats.dropped++;
		return;
	}
	port->stats.tx_packets++;
	port->stats.tx_bytes += len;
	for (guint i = 0; i < ports->len; i++) {
		struct kd_net_port *to = g_ptr_array_index(ports, i);

		if (to != port)
			deliver(to, frame, len);
	}
}

void kd_net_port_flush(struct kd_net_port *port)
{
	GBytes *b;

	while ((b = g_queue_peek_head(&port->pending))) {
		gsize len;
		const uint8_t *data = g_bytes_get_data(b, &len);

		if (!port->ops->receive(port->opaque, data, len))
			break;
		port->stats.rx_packets++;
		port->stats.rx_bytes += len;
		g_bytes_unref(g_queue_pop_head(&port->pending));
	}
	if (g_queue_get_length(&port->pending) < KD_NET_BLOCK_AT)
		notify_unblocked(port);
}

bool kd_net_port_blocked(struct kd_net_port *port)
{
	bool any = false;

	for (guint i = 0; i < port->hub->ports->len; i++) {
		struct kd_net_port *p = g_ptr_array_index(port->hub->ports, i);

		if (p == port)
			continue;
		if (g_queue_get_length(&p->pending) < KD_NET_BLOCK_AT)
			return false;
		any = true;
	}
	return any;
}

struct kd_net_port *kd_net_peer(struct kd_net_port *port, enum kd_net_port_kind kind)
{
	for (guint i = 0; i < port->hub->ports->len; i++) {
		struct kd_net_port *p = g_ptr_array_index(port->hub->ports, i);

		if (p != port && p->kind == kind)
			return p;
	}
	return NULL;
}

void kd_net_info(struct kd_machine *m, GString *out)
{
	for (guint h = 0; m->net_hubs && h < m->net_hubs->len; h++) {
		struct kd_net_hub *hub = g_ptr_array_index(m->net_hubs, h);

		g_string_append_printf(out, "hub %s:\n", hub->name);
		for (guint i = 0; i < hub->ports->len; i++) {
			struct kd_net_port *p = g_ptr_array_index(hub->ports, i);

			g_string_append_printf(out, " \\ %s: index=%u,type=%s,", p->name, i,
					       p->kind == KD_NET_PORT_NIC ? "nic" : "backend");
			if (p->ops->describe)
				p->ops->describe(p->opaque, out);
			g_string_append_printf(
				out,
				"\n    rx %" G_GUINT64_FORMAT " packets %" G_GUINT64_FORMAT
				" bytes, tx %" G_GUINT64_FORMAT " packets %" G_GUINT64_FORMAT
				" bytes, dropped %" G_GUINT64_FORMAT ", queued %u\n",
				p->stats.rx_packets, p->stats.rx_bytes, p->stats.tx_packets,
				p->stats.tx_bytes, p->stats.dropped,
				g_queue_get_length(&p->pending));
		}
	}
}

bool kd_net_parse_mac(const char *text, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(text) != 17 || sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
					 &v[3], &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (!g_ascii_isxdigit(text[3 * i]) || !g_ascii_isxdigit(text[3 * i + 1]) ||
		    (i < 5 && text[3 * i + 2] != ':'))
			return false;
		mac[i] = (uint8_t)v[i];
	}
	return !(mac[0] & 1); /* a NIC's own address is never a group address */
}

void kd_net_default_mac(unsigned index, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memcpy(mac, base, 6);
	mac[5] = (uint8_t)(base[5] + index);
}

void kd_net_format_mac(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

uint32_t kd_net_csum_add(const uint8_t *data, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(data[i] << 8 | data[i + 1]);
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	return sum;
}

uint16_t kd_net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

/* Slicing-by-8 (eight bytes per step through eight tables): the NICs append the FCS to every
 * frame they receive, so this is on the receive path of each one. */
static uint32_t crc_table[8][256];

static gpointer build_crc_tables(gpointer unused)
{
	(void)unused;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
					  crc_table[0][crc_table[t - 1][i] & 0xFF];
	return NULL;
}

uint32_t kd_net_crc32(const uint8_t *data, size_t len)
{
	static GOnce once = G_ONCE_INIT;
	uint32_t crc = 0xFFFFFFFF;

	g_once(&once, build_crc_tables, NULL);
	for (; len >= 8; data += 8, len -= 8) {
		uint32_t lo = crc ^ ((uint32_t)data[0] | (uint32_t)data[1] << 8 |
				     (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24);
		uint32_t hi = (uint32_t)data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16 |
			      (uint32_t)data[7] << 24;

		crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
		      crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
		      crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
	}
	while (len--)
		crc = crc_table[0][(crc ^ *data++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}
