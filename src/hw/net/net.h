/*
 * The guest's networks. A hub joins ports: NICs (guest side) and backends (user-mode
 * networking, tap). A frame sent by one port goes to every other port of its hub, as on
 * qemu-kvm's "vlan": `-net nic,vlan=0 -net user,vlan=0` is one hub; `-netdev user,id=n0` with
 * `-device e1000,netdev=n0` is a hub of two.
 *
 * Locking: everything runs with the machine lock held. NICs send from vCPU threads (a guest
 * wrote a transmit register); backends deliver from the main loop, taking the lock.
 */
#ifndef KD_HW_NET_NET_H
#define KD_HW_NET_NET_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kd_machine;
struct kd_net_hub;
struct kd_net_port;

/* Largest frame that crosses a hub: a TSO segment is cut by the NIC before it gets here; jumbo
 * frames up to 16 KiB (e1000 with long packets) pass. */
#define KD_NET_MAX_FRAME 16384
/* Frames a port holds while its NIC has no receive buffers; older ones are dropped. */
#define KD_NET_QUEUE_LIMIT 256
/* Backends that can pause stop reading once every NIC of the hub holds this many: enough that
 * the guest's next "buffers are free" write is answered at once from the queue, without
 * waiting for the main loop to read the host again. */
#define KD_NET_BLOCK_AT 64

enum kd_net_port_kind { KD_NET_PORT_NIC, KD_NET_PORT_BACKEND };

struct kd_net_port_ops {
	/* A frame for this port. Returns false when it cannot take it now (a NIC without free
	 * receive descriptors): the hub queues it and offers it again after kd_net_port_flush().
	 * Backends always take (or drop) what they get. */
	bool (*receive)(void *opaque, const uint8_t *frame, size_t len);
	/* One line for `info network`: "model=e1000,macaddr=...", "user,net=10.0.2.0/24". */
	void (*describe)(void *opaque, GString *out);
	/* Optional, for backends that stop reading while kd_net_port_blocked(): a port of the
	 * hub can take frames again. */
	void (*unblocked)(void *opaque);
};

struct kd_net_stats {
	uint64_t tx_packets, tx_bytes; /* sent into the hub by this port */
	uint64_t rx_packets, rx_bytes; /* delivered to this port */
	uint64_t dropped; /* queued frames dropped, frames refused as too large */
};

struct kd_net_port {
	struct kd_net_hub *hub;
	enum kd_net_port_kind kind;
	char *name; /* "e1000.0", "user.0", "tap.0" */
	const struct kd_net_port_ops *ops;
	void *opaque;
	GQueue pending; /* GBytes * waiting for this port */
	struct kd_net_stats stats;
};

/* The hub named name ("vlan0", "netdev:n0"), created on first use. */
struct kd_net_hub *kd_net_hub_get(struct kd_machine *m, const char *name);
/* The same without creating it: NULL when there is none. */
struct kd_net_hub *kd_net_hub_find(struct kd_machine *m, const char *name);
const char *kd_net_hub_name(const struct kd_net_hub *hub);
unsigned kd_net_hub_nports(const struct kd_net_hub *hub);
struct kd_net_port *kd_net_hub_port(const struct kd_net_hub *hub, unsigned i);
/* Frees every hub of m (after their ports are gone). */
void kd_net_hubs_free(struct kd_machine *m);

struct kd_net_port *kd_net_port_new(struct kd_net_hub *hub, enum kd_net_port_kind kind,
				    const char *name, const struct kd_net_port_ops *ops,
				    void *opaque);
void kd_net_port_free(struct kd_net_port *port);
/* Sends a frame from port to the other ports of its hub. */
void kd_net_send(struct kd_net_port *port, const uint8_t *frame, size_t len);
/* The port can receive again (the guest gave buffers): queued frames are offered; once fewer
 * than KD_NET_BLOCK_AT wait, the hub's paused backends hear of it (ops->unblocked), as they
 * do when a port goes away. */
void kd_net_port_flush(struct kd_net_port *port);
/* True when every other port of port's hub has KD_NET_BLOCK_AT frames waiting: a backend that
 * can leave frames with its host (tap) stops reading, as QEMU's backends do, and the host's
 * queue drops them instead of the hub, at no cost to the vCPUs' host CPU. */
bool kd_net_port_blocked(struct kd_net_port *port);
/* Another port of the same hub, of the given kind, or NULL. */
struct kd_net_port *kd_net_peer(struct kd_net_port *port, enum kd_net_port_kind kind);

/* `info network`: hubs, their ports and counters. */
void kd_net_info(struct kd_machine *m, GString *out);

/* MAC addresses: "52:54:00:12:34:56"; false for bad syntax or a multicast address. */
bool kd_net_parse_mac(const char *text, uint8_t mac[6]);
void kd_net_format_mac(const uint8_t mac[6], char out[18]);
/* The MAC QEMU gives its index-th NIC: 52:54:00:12:34:56 counting up in the last byte. */
void kd_net_default_mac(unsigned index, uint8_t mac[6]);

/* Internet checksum pieces for NIC offloads: the 16-bit big-endian ones' complement sum of
 * data added to sum (an odd last byte padded), and its fold to 16 bits. */
uint32_t kd_net_csum_add(const uint8_t *data, size_t len, uint32_t sum);
uint16_t kd_net_csum_fold(uint32_t sum);

/* Ethernet CRC-32 (IEEE 802.3), for NICs that hand the FCS to the guest. */
uint32_t kd_net_crc32(const uint8_t *data, size_t len);

#endif
