/*
 * The guest's side of tests/system/net-peer.py's exchange, shared by the NIC test guests: the
 * peer says HELLO until it hears from us; we send 24 pattern frames (60 to 1514 bytes) and
 * DONE; it sends 24 pattern frames back, which must arrive intact. Each guest supplies its
 * driver's send and receive.
 */
#ifndef KD_GUEST_NET_PEER_H
#define KD_GUEST_NET_PEER_H

#include "kd.h"

#define PEER_ETHERTYPE 0x88B5 /* IEEE local experimental */
#define PEER_FRAMES 24

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

typedef bool (*peer_send_fn)(const uint8_t *frame, unsigned len);
/* The next frame, without its CRC, or 0 after `seconds`. */
typedef unsigned (*peer_receive_fn)(uint8_t *frame, unsigned seconds);

static inline unsigned peer_frame_len(unsigned seq)
{
	return 60 + seq * (1514 - 60) / (PEER_FRAMES - 1);
}

/* Frame seq of the pattern: byte i is (31 seq + 7 i) mod 256 after the header and seq. */
static inline void peer_build(uint8_t *f, const uint8_t *dst, const uint8_t *src, unsigned len,
			      unsigned seq)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = PEER_ETHERTYPE >> 8;
	f[13] = PEER_ETHERTYPE & 0xFF;
	f[14] = (uint8_t)seq;
	for (unsigned i = 15; i < len; i++)
		f[i] = (uint8_t)(seq * 31 + i * 7);
}

static inline bool peer_is_test_frame(const uint8_t *f, unsigned len)
{
	return len >= 19 && f[12] == (PEER_ETHERTYPE >> 8) && f[13] == (PEER_ETHERTYPE & 0xFF);
}

static inline bool peer_wait_hello(peer_receive_fn receive, uint8_t *buf)
{
	unsigned len;

	while ((len = receive(buf, 30)))
		if (peer_is_test_frame(buf, len) && !memcmp(buf + 14, "HELLO", 5))
			return true;
	return false;
}

static inline bool peer_send_patterns(const uint8_t *mac, peer_send_fn send, uint8_t *buf)
{
	bool ok = true;

	for (unsigned seq = 0; seq < PEER_FRAMES; seq++) {
		peer_build(buf, peer_mac, mac, peer_frame_len(seq), seq);
		ok &= send(buf, peer_frame_len(seq));
	}
	return ok;
}

static inline bool peer_send_done(const uint8_t *mac, peer_send_fn send, uint8_t *buf)
{
	peer_build(buf, peer_mac, mac, 60, 200);
	memcpy(buf + 14, "DONE", 4);
	return send(buf, 60);
}

/* Receives the peer's frames; returns how many arrived intact. Late HELLOs and anything the
 * host's stack says on the link are skipped. f and g hold a frame each. */
static inline unsigned peer_receive_patterns(const uint8_t *mac, peer_receive_fn receive,
					     uint8_t *f, uint8_t *g)
{
	unsigned good = 0;

	for (unsigned seq = 0; seq < PEER_FRAMES;) {
		unsigned want = peer_frame_len(seq), len = receive(f, 20);

		if (!len)
			break;
		if (!peer_is_test_frame(f, len) || !memcmp(f + 14, "HELLO", 5))
			continue;
		peer_build(g, mac, peer_mac, want, seq);
		if (len == want && !memcmp(f, g, want))
			good++;
		else
			kd_printf("peer frame %u: %u bytes (want %u)\n", seq, len, want);
		seq++;
	}
	return good;
}

#endif
