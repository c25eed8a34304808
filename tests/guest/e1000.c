/*
 * The e1000 (82540EM) driven from ring 3 against a peer on the host (tests/system/net-peer.py
 * on the tap interface, in a network namespace made by tests/system/net-guest.sh):
 *   EEPROM (EERD and Microwire bit-banging: MAC and checksum), PHY identity and link over MDIC,
 *   then, after the peer's HELLO, 24 frames of 60-1514 bytes out (the peer checks them byte for
 *   byte), a UDP frame with checksum offload, a TCP frame of 7300 bytes cut by TSO into
 *   MSS-1000 segments and a VLAN-tagged frame (the peer checks headers and checksums); then 24
 *   frames in, checked here byte for byte (CRC stripped: RCTL.SECRC).
 *   hostile: rings at addresses outside RAM, lengths and heads that make no sense, descriptors
 *   pointing outside RAM, oversized frames; the NIC must still work afterwards (with "peer").
 * Command line: mac=0x525400123456 (the NIC's), peer (talk to the peer), hostile,
 * bench size=N count=N (transmit rate), rxbench seconds=N (receive rate; bench/net.sh).
 */
#include "kd.h"
#include "net-peer.h"

#define BAR0 0xE0000000u
#define CTRL 0x0000
#define STATUS 0x0008
#define EECD 0x0010
#define EERD 0x0014
#define MDIC 0x0020
#define ICR 0x00C0
#define IMS 0x00D0
#define IMC 0x00D8
#define RCTL 0x0100
#define TCTL 0x0400
#define RDBAL 0x2800
#define RDBAH 0x2804
#define RDLEN 0x2808
#define RDH 0x2810
#define RDT 0x2818
#define TDBAL 0x3800
#define TDBAH 0x3804
#define TDLEN 0x3808
#define TDH 0x3810
#define TDT 0x3818
#define GPRC 0x4074
#define GPTC 0x4080
#define RXCSUM 0x5000
#define RA 0x5400

#define NDESC 32
#define BUFSZ 2048

struct desc {
	uint64_t addr;
	uint64_t word1;
};

static struct desc rx_ring[NDESC] __attribute__((aligned(128)));
static struct desc tx_ring[NDESC] __attribute__((aligned(128)));
static uint8_t rx_buf[NDESC][BUFSZ] __attribute__((aligned(4096)));
static uint8_t tx_buf[NDESC][16384] __attribute__((aligned(4096)));
static uint8_t mac[6];
static unsigned rx_next, tx_next;

static uint32_t rd(unsigned r)
{
	return mmio_read32(BAR0 + r);
}

static void wr(unsigned r, uint32_t v)
{
	mmio_write32(BAR0 + r, v);
}

/* ------------------------------------------------------------------ EEPROM and PHY */

static uint16_t eerd(unsigned addr)
{
	wr(EERD, addr << 8 | 1);
	for (unsigned i = 0; i < 1000; i++) {
		uint32_t v = rd(EERD);

		if (v & 0x10)
			return (uint16_t)(v >> 16);
	}
	return 0xFFFF;
}

static void ee_clock(uint32_t v)
{
	wr(EECD, v | 0x01);
	wr(EECD, v & ~0x01u);
}

/* Microwire READ, as Linux's e1000 does it on an 82540. */
static uint16_t ee_bitbang(unsigned addr)
{
	uint32_t base = 0x40 | 0x02; /* request, chip select */
	unsigned cmd = 0x6 << 6 | addr; /* start bit, READ, 6-bit address */
	uint16_t v = 0;

	wr(EECD, 0x40);
	wr(EECD, base);
	for (int b = 8; b >= 0; b--)
		ee_clock(base | ((cmd >> b) & 1 ? 0x04 : 0));
	for (int b = 0; b < 16; b++) {
		wr(EECD, base | 0x01);
		v = (uint16_t)(v << 1 | !!(rd(EECD) & 0x08));
		wr(EECD, base);
	}
	wr(EECD, 0);
	return v;
}

static uint16_t phy_read(unsigned r)
{
	wr(MDIC, 2u << 26 | 1u << 21 | r << 16);
	for (unsigned i = 0; i < 1000; i++) {
		uint32_t v = rd(MDIC);

		if (v & (1u << 28))
			return (uint16_t)v;
	}
	return 0xFFFF;
}

/* ------------------------------------------------------------------ rings */

static void setup_rings(void)
{
	memset(rx_ring, 0, sizeof(rx_ring));
	memset(tx_ring, 0, sizeof(tx_ring));
	for (unsigned i = 0; i < NDESC; i++)
		rx_ring[i].addr = (uintptr_t)rx_buf[i];
	wr(RDBAL, (uint32_t)(uintptr_t)rx_ring);
	wr(RDBAH, 0);
	wr(RDLEN, sizeof(rx_ring));
	wr(RDH, 0);
	wr(RDT, NDESC - 1);
	wr(TDBAL, (uint32_t)(uintptr_t)tx_ring);
	wr(TDBAH, 0);
	wr(TDLEN, sizeof(tx_ring));
	wr(TDH, 0);
	wr(TDT, 0);
	rx_next = tx_next = 0;
	wr(RCTL, 1u << 1 | 1u << 15 | 1u << 26); /* enable, broadcast, strip CRC */
	wr(TCTL, 1u << 1 | 1u << 3);
}

/* Queues one descriptor (legacy or extended, as given) and waits for DD. */
static bool tx_desc(const void *data, unsigned len, uint32_t word2, uint32_t word3)
{
	struct desc *d = &tx_ring[tx_next];

	memcpy(tx_buf[tx_next], data, len);
	d->addr = (uintptr_t)tx_buf[tx_next];
	d->word1 = (uint64_t)word2 | (uint64_t)word3 << 32;
	tx_next = (tx_next + 1) % NDESC;
	wr(TDT, tx_next);
	for (unsigned i = 0; i < 100000; i++)
		if (!(word2 & (0x08u << 24)) || (((volatile struct desc *)d)->word1 >> 32) & 1)
			return true;
	return false;
}

static bool send_legacy(const uint8_t *frame, unsigned len, uint8_t extra_cmd, uint16_t special)
{
	return tx_desc(frame, len, len | (uint32_t)(0x01 | 0x02 | 0x08 | extra_cmd) << 24,
		       (uint32_t)special << 16);
}

static uint64_t tsc_hz;

/* Waits up to `seconds` for the next received frame; returns its length (0 on timeout). */
static unsigned receive(uint8_t *out, unsigned seconds)
{
	uint64_t end = kd_rdtsc() + tsc_hz * seconds;

	while (kd_rdtsc() < end) {
		volatile struct desc *d = &rx_ring[rx_next];
		uint64_t w = d->word1;

		if ((w >> 32) & 1) {
			unsigned len = (unsigned)(w & 0xFFFF);

			memcpy(out, rx_buf[rx_next], len);
			d->word1 = 0;
			wr(RDT, rx_next);
			rx_next = (rx_next + 1) % NDESC;
			return len;
		}
	}
	return 0;
}

static void build(uint8_t *f, unsigned len, unsigned seq)
{
	peer_build(f, peer_mac, mac, len, seq);
}

static bool send_plain(const uint8_t *frame, unsigned len)
{
	return send_legacy(frame, len, 0, 0);
}

/* ------------------------------------------------------------------ tests */

static void check_eeprom_phy(uint64_t want_mac)
{
	uint16_t sum = 0;

	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(want_mac >> (8 * (5 - i)));
	for (unsigned i = 0; i < 3; i++) {
		KD_CHECK_EQ(eerd(i), (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8));
		KD_CHECK_EQ(ee_bitbang(i), eerd(i));
	}
	for (unsigned i = 0; i < 64; i++)
		sum = (uint16_t)(sum + eerd(i));
	KD_CHECK_EQ(sum, 0xBABA);
	KD_CHECK_EQ(ee_bitbang(63), eerd(63));
	KD_CHECK_EQ(phy_read(2), 0x0141);
	KD_CHECK_EQ(phy_read(3), 0x0C20);
	KD_CHECK(phy_read(1) & 0x04);
	KD_CHECK(rd(STATUS) & 0x02);
	KD_CHECK_EQ(rd(RA),
		    (uint32_t)(mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24));
	kd_printf("e1000: EEPROM and PHY ok, link up\n");
}

static void talk_to_peer(void)
{
	static uint8_t f[16384], g[16384];
	unsigned good;

	KD_CHECK(peer_wait_hello(receive, f));
	kd_printf("e1000: HELLO from the peer\n");
	/* Out: 24 frames, 60 to 1514 bytes. */
	KD_CHECK(peer_send_patterns(mac, send_plain, f));
	/* UDP/IPv4 with checksum offload: context (IP at 14, UDP at 34), data with IXSM|TXSM. */
	{
		static const uint8_t ip[20] = { 0x45, 0, 0,  28 + 32, 0, 1,  0,	 0, 64, 17,
						0,    0, 10, 0,	      0, 15, 10, 0, 0,	2 };
		unsigned n = 14 + 28 + 32;
		uint32_t pseudo;

		build(f, n, 99);
		f[12] = 0x08;
		f[13] = 0x00;
		memcpy(f + 14, ip, 20);
		f[34] = 0x12;
		f[35] = 0x34; /* source port */
		f[36] = 0x56;
		f[37] = 0x78;
		f[38] = 0;
		f[39] = 8 + 32;
		/* The driver's part: the pseudo-header sum (with the length) in the field. */
		pseudo = (10 << 8) + 15 + (10 << 8) + 2 + 17 + 40;
		while (pseudo >> 16)
			pseudo = (pseudo & 0xFFFF) + (pseudo >> 16);
		f[40] = (uint8_t)(pseudo >> 8);
		f[41] = (uint8_t)pseudo;
		/* context: ipcss 14, ipcso 24, ipcse 33, tucss 34, tucso 40, tucse 0 */
		{
			struct desc *c = &tx_ring[tx_next];

			c->addr = 14 | 24 << 8 | (uint64_t)33 << 16 | (uint64_t)34 << 32 |
				  (uint64_t)40 << 40;
			c->word1 = (uint64_t)(0x20u | 0x02u) << 24;
			tx_next = (tx_next + 1) % NDESC;
		}
		KD_CHECK(tx_desc(f, n, n | 1u << 20 | (uint32_t)(0x20 | 0x01 | 0x08) << 24,
				 (0x01 | 0x02) << 8));
	}
	/* TSO: 54 bytes of headers + 7300 bytes of payload, MSS 1000. */
	{
		static const uint8_t ip[20] = { 0x45, 0, 0,  0, 0x12, 0x34, 0x40, 0, 64, 6,
						0,    0, 10, 0, 0,    15,   10,	  0, 0,	 2 };
		unsigned hdr = 54, pay = 7300, n = hdr + pay;
		uint32_t pseudo = (10 << 8) + 15 + (10 << 8) + 2 + 6;

		build(g, n, 77);
		g[12] = 0x08;
		g[13] = 0x00;
		memcpy(g + 14, ip, 20);
		memset(g + 34, 0, 20);
		g[34] = 0x04; /* ports 1234 -> 80 */
		g[35] = 0xD2;
		g[37] = 80;
		g[38] = 0x11; /* sequence 0x11223344 */
		g[39] = 0x22;
		g[40] = 0x33;
		g[41] = 0x44;
		g[46] = 0x50; /* header length 20 */
		g[47] = 0x18 | 0x01; /* PSH, ACK, FIN */
		g[48] = 0xFF;
		g[49] = 0xFF;
		while (pseudo >> 16)
			pseudo = (pseudo & 0xFFFF) + (pseudo >> 16);
		g[50] = (uint8_t)(pseudo >> 8);
		g[51] = (uint8_t)pseudo;
		{
			struct desc *c = &tx_ring[tx_next];

			/* context with TSE: tucmd TCP|IP|TSE|DEXT, hdrlen 54, mss 1000 */
			c->addr = 14 | 24 << 8 | (uint64_t)33 << 16 | (uint64_t)34 << 32 |
				  (uint64_t)50 << 40;
			c->word1 = (uint64_t)(pay | (uint32_t)(0x20 | 0x04 | 0x02 | 0x01) << 24) |
				   (uint64_t)(54u << 8 | 1000u << 16) << 32;
			tx_next = (tx_next + 1) % NDESC;
		}
		KD_CHECK(tx_desc(g, n, n | 1u << 20 | (uint32_t)(0x20 | 0x04 | 0x01 | 0x08) << 24,
				 (0x01 | 0x02) << 8));
	}
	/* VLAN 42 inserted by the NIC. */
	build(f, 100, 55);
	KD_CHECK(send_legacy(f, 100, 0x40, 42));
	KD_CHECK(peer_send_done(mac, send_plain, f));
	kd_printf("e1000: sent 24 frames, UDP with offload, TSO, VLAN\n");

	/* In: 24 frames from the peer, 60 to 1514 bytes, pattern by sequence number. */
	good = peer_receive_patterns(mac, receive, f, g);
	KD_CHECK_EQ(good, 24);
	KD_CHECK(rd(GPRC) >= 24);
	kd_printf("e1000: received %u of 24 frames intact\n", good);
}

static void hostile(void)
{
	static uint8_t f[2048];

	/* Rings outside RAM, zero length, heads past the end, descriptors pointing nowhere. */
	wr(TDBAL, 0xFFFFF000u);
	wr(TDBAH, 0xFFFF);
	wr(TDLEN, 1u << 19);
	wr(TDH, 0);
	wr(TDT, 7);
	wr(RDBAL, 0xF0000000u);
	wr(RDLEN, 0);
	wr(RDT, 5);
	wr(TDLEN, 128);
	wr(TDH, 9999);
	wr(TDT, 3);
	wr(TDBAL, (uint32_t)(uintptr_t)tx_ring);
	wr(TDBAH, 0);
	wr(TDH, 0);
	for (unsigned i = 0; i < NDESC; i++) {
		tx_ring[i].addr = 0x7FFFFFFF0000ull + i * 4096;
		tx_ring[i].word1 =
			(uint64_t)(0xFFFFu | (uint32_t)(0x20 | 0x01 | 0x08) << 24 | 1u << 20);
	}
	wr(TDT, NDESC - 1);
	/* A frame chained over every descriptor without EOP, then a giant legacy one. */
	for (unsigned i = 0; i < NDESC; i++) {
		tx_ring[i].addr = (uintptr_t)tx_buf[i];
		tx_ring[i].word1 = 16000u | (uint32_t)(0x20 | 0x08) << 24 | 1u << 20;
	}
	wr(TDH, 0);
	wr(TDT, NDESC - 1);
	for (unsigned i = 0; i < 20000; i++)
		wr(0x100 + (i * 52) % 0x5000 / 4 * 4, (uint32_t)(i * 2654435761u));
	(void)f;
	wr(IMC, 0xFFFFFFFF);
	(void)rd(ICR);
	/* Reset and start over: the NIC works. */
	wr(CTRL, rd(CTRL) | 1u << 26);
	KD_CHECK(rd(STATUS) & 0x02);
	setup_rings();
	kd_printf("e1000: hostile: survived\n");
}

/* bench: `count` frames of `size` bytes as fast as the ring takes them: a batch of 31
 * descriptors, one TDT write, wait for the last one's DD (in memory, no exit). Prints
 * "bench: size=... frames_per_s=... mbit_s=...". */
static void bench(unsigned size, unsigned count)
{
	uint64_t t0, ticks;
	unsigned sent = 0;

	for (unsigned i = 0; i < NDESC; i++)
		build(tx_buf[i], size, i);
	t0 = kd_rdtsc();
	while (sent < count) {
		unsigned batch = count - sent < NDESC - 1 ? count - sent : NDESC - 1, last = 0;

		for (unsigned i = 0; i < batch; i++) {
			struct desc *d = &tx_ring[tx_next];

			d->addr = (uintptr_t)tx_buf[tx_next];
			d->word1 = size | (uint64_t)(0x01 | 0x02 | (i == batch - 1 ? 0x08 : 0))
						  << 24;
			last = tx_next;
			tx_next = (tx_next + 1) % NDESC;
		}
		wr(TDT, tx_next);
		while (!((((volatile struct desc *)&tx_ring[last])->word1 >> 32) & 1))
			;
		sent += batch;
	}
	ticks = kd_rdtsc() - t0;
	kd_printf("bench: size=%u frames=%u frames_per_s=%lu mbit_s=%lu\n", size, count,
		  (uint64_t)count * tsc_hz / ticks,
		  (uint64_t)count * size * 8 * tsc_hz / ticks / 1000000);
}

/* rxbench: counts frames for `seconds` after the first one, giving descriptors back 16 at a
 * time as a driver under load does. Prints "rxbench: frames_per_s=... mbit_s=...". */
static void rx_bench(unsigned seconds)
{
	uint64_t frames = 0, bytes = 0, t0 = 0, end = 0;
	unsigned since_refill = 0;

	for (;;) {
		volatile struct desc *d = &rx_ring[rx_next];
		uint64_t w = d->word1;

		if (t0 && kd_rdtsc() >= end)
			break;
		if (!((w >> 32) & 1))
			continue;
		if (!t0) {
			t0 = kd_rdtsc();
			end = t0 + tsc_hz * seconds;
		}
		frames++;
		bytes += w & 0xFFFF;
		d->word1 = 0;
		rx_next = (rx_next + 1) % NDESC;
		if (++since_refill == 16) {
			wr(RDT, (rx_next + NDESC - 1) % NDESC);
			/* Flush the posted write as drivers do: QEMU's e1000 coalesces RDT writes, which
			 * otherwise wait in its ring until the spinning guest's next exit. */
			(void)rd(STATUS);
			since_refill = 0;
		}
	}
	kd_printf("rxbench: frames=%lu frames_per_s=%lu mbit_s=%lu\n", frames, frames / seconds,
		  bytes * 8 / seconds / 1000000);
}

int kd_main(const struct kd_boot_info *boot)
{
	unsigned slot = 32;

	for (unsigned s = 0; s < 32; s++)
		if (kd_pci_read32(0, s, 0, 0) == 0x100E8086)
			slot = s;
	KD_CHECK(slot < 32);
	if (slot == 32)
		return 0;
	kd_pci_write32(0, slot, 0, 0x10, BAR0);
	kd_pci_write16(0, slot, 0, 0x04, 0x0006);
	tsc_hz = kd_tsc_hz();
	check_eeprom_phy(kd_cmdline_u64(boot, "mac", 0x525400123456ull));
	wr(IMC, 0xFFFFFFFF);
	setup_rings();
	if (kd_cmdline_has(boot, "hostile"))
		hostile();
	if (kd_cmdline_has(boot, "peer"))
		talk_to_peer();
	if (kd_cmdline_has(boot, "rxbench")) {
		wr(RCTL, 1u << 1 | 1u << 3 | 1u << 15 | 1u << 26); /* promiscuous */
		rx_bench((unsigned)kd_cmdline_u64(boot, "seconds", 3));
	} else if (kd_cmdline_has(boot, "bench")) {
		wr(TCTL, 1u << 1 | 1u << 3);
		bench((unsigned)kd_cmdline_u64(boot, "size", 64),
		      (unsigned)kd_cmdline_u64(boot, "count", 100000));
	}
	return 0;
}
