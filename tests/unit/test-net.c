/*
 * The network helpers every NIC model uses: Ethernet CRC-32 (slicing-by-8 against a bitwise
 * reference), MAC parsing, and the hub's queueing and backpressure.
 */
#include "config.h"

#include <string.h>

#include "hw/machine.h"
#include "hw/net/net.h"

static uint32_t crc_bitwise(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xFFFFFFFF;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
	}
	return ~crc;
}

static void test_crc32(void)
{
	static uint8_t buf[1600];
	GRand *r = g_rand_new_with_seed(7);

	/* The standard check value of CRC-32/ISO-HDLC. */
	g_assert_cmphex(kd_net_crc32((const uint8_t *)"123456789", 9), ==, 0xCBF43926);
	g_assert_cmphex(kd_net_crc32(buf, 0), ==, 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)g_rand_int(r);
	/* Every length and misalignment the 8-byte steps and the tail can meet. */
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += len < 80 ? 1 : 97)
			g_assert_cmphex(kd_net_crc32(buf + off, len), ==,
					crc_bitwise(buf + off, len));
	g_rand_free(r);
}

static void test_mac(void)
{
	uint8_t mac[6];
	char text[18];

	g_assert_true(kd_net_parse_mac("52:54:00:12:34:56", mac));
	kd_net_format_mac(mac, text);
	g_assert_cmpstr(text, ==, "52:54:00:12:34:56");
	g_assert_false(kd_net_parse_mac("01:00:5e:00:00:01", mac)); /* multicast */
	g_assert_false(kd_net_parse_mac("52:54:00:12:34", mac));
	g_assert_false(kd_net_parse_mac("52:54:00:12:34:567", mac));
	g_assert_false(kd_net_parse_mac("52-54-00-12-34-56", mac));
	g_assert_false(kd_net_parse_mac("", mac));
}

/* A NIC that takes `room` frames, then refuses until given more. */
struct fake_nic {
	unsigned room, got;
};

static bool fake_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct fake_nic *n = opaque;

	if (!n->room)
		return false;
	n->room--;
	n->got++;
	return true;
}

static unsigned unblocked_calls;

static bool backend_receive(void *opaque, const uint8_t *frame, size_t len)
{
	return true;
}

static void backend_unblocked(void *opaque)
{
	unblocked_calls++;
}

static const struct kd_net_port_ops nic_ops = { .receive = fake_receive };
static const struct kd_net_port_ops backend_ops = { .receive = backend_receive,
						    .unblocked = backend_unblocked };

static void test_backpressure(void)
{
	struct kd_machine m = { 0 };
	struct kd_net_hub *hub = kd_net_hub_get(&m, "vlan0");
	struct fake_nic nic = { .room = 4 };
	struct kd_net_port *np = kd_net_port_new(hub, KD_NET_PORT_NIC, "nic", &nic_ops, &nic);
	struct kd_net_port *bp =
		kd_net_port_new(hub, KD_NET_PORT_BACKEND, "tap", &backend_ops, NULL);
	uint8_t frame[64] = { 0 };

	/* Four frames go straight in; the rest queue until KD_NET_BLOCK_AT, then the backend is
	 * told to stop reading. */
	for (unsigned i = 0; i < 4 + KD_NET_BLOCK_AT - 1; i++) {
		g_assert_false(kd_net_port_blocked(bp));
		kd_net_send(bp, frame, sizeof(frame));
	}
	g_assert_cmpuint(nic.got, ==, 4);
	g_assert_false(kd_net_port_blocked(bp));
	kd_net_send(bp, frame, sizeof(frame));
	g_assert_true(kd_net_port_blocked(bp));
	/* The NIC is blocked from the NIC's own side never: it sends freely. */
	g_assert_false(kd_net_port_blocked(np));

	/* Room for 10: the queue shrinks below the mark and the backend hears of it. */
	nic.room = 10;
	kd_net_port_flush(np);
	g_assert_cmpuint(nic.got, ==, 14);
	g_assert_cmpuint(unblocked_calls, ==, 1);
	g_assert_false(kd_net_port_blocked(bp));

	/* Past the queue's limit the oldest frames are dropped and counted. */
	for (unsigned i = 0; i < KD_NET_QUEUE_LIMIT + 10; i++)
		kd_net_send(bp, frame, sizeof(frame));
	g_assert_cmpuint(np->stats.dropped, ==, (KD_NET_BLOCK_AT - 10) + 10);
	/* Unplugging the NIC that held the backend wakes the backend. */
	g_assert_true(kd_net_port_blocked(bp));
	unblocked_calls = 0;
	kd_net_port_free(np);
	g_assert_cmpuint(unblocked_calls, ==, 1);
	g_assert_false(kd_net_port_blocked(bp));
	kd_net_port_free(bp);
	g_assert_false(kd_net_port_blocked(
		bp = kd_net_port_new(hub, KD_NET_PORT_BACKEND, "x", &backend_ops, NULL)));
	kd_net_port_free(bp);
	kd_net_hubs_free(&m);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/crc32", test_crc32);
	g_test_add_func("/net/mac", test_mac);
	g_test_add_func("/net/backpressure", test_backpressure);
	return g_test_run();
}
