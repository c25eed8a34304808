/*
 * The RTL8139C+ driven from ring 3 against the peer on a tap (tests/system/net-peer.py, basic
 * mode; tests/system/net-guest.sh): the 93C46 EEPROM bit-banged through Cfg9346 (signature and
 * MAC, which the chip also loaded into IDR), the PHY's link, then after the peer's HELLO 24
 * frames out and 24 in, checked byte for byte, in C mode (TSD/TSAD slots, the receive ring
 * buffer with CAPR) or C+ mode (descriptor rings). "hostile" first points every address and
 * length of both modes at nonsense; the chip must still work after a reset.
 * Command line: mode=c|cplus, mac=0x525400123458, peer, hostile; and for bench/net.sh
 * "bench size=N count=N" (transmit rate) and "rxbench seconds=N" (receive rate).
 */
#include "kd.h"
#include "net-peer.h"

#define BAR1 0xE0000000u
#define IDR0 0x00
#define TSD0 0x10
#define TSAD0 0x20
#define RBSTART 0x30
#define CR 0x37
#define CAPR 0x38
#define IMR 0x3C
#define ISR 0x3E
#define TCR 0x40
#define RCR 0x44
#define CFG9346 0x50
#define BMSR 0x64
#define TSAD 0x60
#define TPPOLL 0xD9
#define CPCR 0xE0
#define RDSAR 0xE4

#define RING 8192
#define NDESC 16

struct desc {
	uint32_t opts1, opts2;
	uint64_t addr;
};

static uint8_t rx_ring[RING + 16 + 2048] __attribute__((aligned(4096)));
static uint8_t tx_buf[4][2048] __attribute__((aligned(4096)));
static struct desc cp_tx[NDESC] __attribute__((aligned(256)));
static struct desc cp_rx[NDESC] __attribute__((aligned(256)));
static uint8_t cp_rx_buf[NDESC][2048] __attribute__((aligned(4096)));
static uint8_t mac[6];
static bool cplus;
static unsigned tx_slot, rx_off, cp_tx_i, cp_rx_i;
static uint64_t tsc_hz;

static uint8_t rd8(unsigned r)
{
	return mmio_read8(BAR1 + r);
}

static uint16_t rd16(unsigned r)
{
	return mmio_read16(BAR1 + r);
}

static uint32_t rd32(unsigned r)
{
	return mmio_read32(BAR1 + r);
}

static void wr8(unsigned r, uint8_t v)
{
	mmio_write8(BAR1 + r, v);
}

static void wr16(unsigned r, uint16_t v)
{
	mmio_write16(BAR1 + r, v);
}

static void wr32(unsigned r, uint32_t v)
{
	mmio_write32(BAR1 + r, v);
}

/* ------------------------------------------------------------------ EEPROM */

static uint16_t ee_read(unsigned addr)
{
	unsigned cmd = (6u << 6) | addr; /* start bit, READ, 6-bit address */
	uint16_t v = 0;

	wr8(CFG9346, 0x80);
	wr8(CFG9346, 0x88);
	for (int b = 8; b >= 0; b--) {
		uint8_t d = (cmd >> b) & 1 ? 0x02 : 0;

		wr8(CFG9346, 0x88 | d);
		wr8(CFG9346, 0x8C | d);
	}
	wr8(CFG9346, 0x88);
	for (int b = 0; b < 16; b++) {
		wr8(CFG9346, 0x8C);
		v = (uint16_t)(v << 1 | (rd8(CFG9346) & 1));
		wr8(CFG9346, 0x88);
	}
	wr8(CFG9346, 0x00);
	return v;
}

/* ------------------------------------------------------------------ frames */

static bool send(const uint8_t *f, unsigned len)
{
	if (!cplus) {
		unsigned n = tx_slot++ % 4;

		memcpy(tx_buf[n], f, len);
		wr32(TSAD0 + 4 * n, (uint32_t)(uintptr_t)tx_buf[n]);
		wr32(TSD0 + 4 * n, len);
		for (unsigned i = 0; i < 100000; i++)
			if (rd32(TSD0 + 4 * n) & 0x8000)
				return true;
		return false;
	}
	{
		struct desc *d = &cp_tx[cp_tx_i];
		uint32_t eor = cp_tx_i == NDESC - 1 ? 1u << 30 : 0;

		memcpy(tx_buf[cp_tx_i % 4], f, len);
		d->addr = (uintptr_t)tx_buf[cp_tx_i % 4];
		d->opts2 = 0;
		d->opts1 = 1u << 31 | eor | 1u << 29 | 1u << 28 | len;
		cp_tx_i = (cp_tx_i + 1) % NDESC;
		wr8(TPPOLL, 0x40);
		for (unsigned i = 0; i < 100000; i++)
			if (!(((volatile struct desc *)d)->opts1 & (1u << 31)))
				return true;
		return false;
	}
}

/* The next frame (without its CRC), or 0 after `seconds`. */
static unsigned receive(uint8_t *out, unsigned seconds)
{
	uint64_t end = kd_rdtsc() + tsc_hz * seconds;

	while (kd_rdtsc() < end) {
		if (!cplus) {
			unsigned status, len;

			if (rd8(CR) & 0x01) /* buffer empty */
				continue;
			status = rx_ring[rx_off] | rx_ring[rx_off + 1] << 8;
			len = rx_ring[rx_off + 2] | rx_ring[rx_off + 3] << 8;
			if (!(status & 1) || len < 64 || len > 1518 + 4)
				return 0;
			memcpy(out, rx_ring + rx_off + 4, len - 4);
			rx_off = (rx_off + len + 4 + 3) & ~3u;
			rx_off %= RING;
			wr16(CAPR, (uint16_t)(rx_off - 16));
			return len - 4;
		} else {
			volatile struct desc *d = &cp_rx[cp_rx_i];
			uint32_t o = d->opts1;
			unsigned len;

			if (o & (1u << 31))
				continue;
			len = (o & 0x1FFF) - 4;
			memcpy(out, cp_rx_buf[cp_rx_i], len);
			d->opts1 = 1u << 31 | (cp_rx_i == NDESC - 1 ? 1u << 30 : 0) | 2048;
			cp_rx_i = (cp_rx_i + 1) % NDESC;
			return len;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ setup and tests */

static void reset_chip(void)
{
	wr8(CR, 0x10);
	for (unsigned i = 0; i < 1000 && (rd8(CR) & 0x10); i++)
		;
}

static void start(void)
{
	reset_chip();
	wr16(IMR, 0);
	tx_slot = rx_off = cp_tx_i = cp_rx_i = 0;
	if (!cplus) {
		wr32(RBSTART, (uint32_t)(uintptr_t)rx_ring);
		wr8(CR, 0x0C);
		wr32(RCR, 0x80 | 0x08 | 0x02); /* WRAP, broadcast, my address; 8K ring */
		wr32(TCR, 0x03000600);
		return;
	}
	for (unsigned i = 0; i < NDESC; i++) {
		cp_rx[i].addr = (uintptr_t)cp_rx_buf[i];
		cp_rx[i].opts2 = 0;
		cp_rx[i].opts1 = 1u << 31 | (i == NDESC - 1 ? 1u << 30 : 0) | 2048;
		cp_tx[i].opts1 = 0;
	}
	wr16(CPCR, 0x0003);
	wr32(RDSAR, (uint32_t)(uintptr_t)cp_rx);
	wr32(RDSAR + 4, 0);
	wr32(0x20, (uint32_t)(uintptr_t)cp_tx);
	wr32(0x24, 0);
	wr8(CR, 0x0C);
	wr32(RCR, 0x08 | 0x02);
}

static void hostile(void)
{
	/* C mode: TX from outside RAM with every size, RX ring outside RAM, CAPR anywhere. */
	for (unsigned n = 0; n < 4; n++) {
		wr32(TSAD0 + 4 * n, 0xFFFFF000u + n);
		wr32(TSD0 + 4 * n, 0x1FFF);
	}
	wr32(RBSTART, 0xFFFFFFF0u);
	wr16(CAPR, 0x1234);
	wr32(RCR, 0x1888F);
	/* C+ mode: rings outside RAM and rings of descriptors pointing outside RAM, all owned. */
	wr16(CPCR, 0x0003);
	wr32(0x20, 0xFFFFF000u);
	wr32(0x24, 0xFFFFFFFF);
	wr8(TPPOLL, 0x40);
	for (unsigned i = 0; i < NDESC; i++) {
		cp_tx[i].addr = 0x7FFFFFFF000ull;
		cp_tx[i].opts1 = 1u << 31 | 1u << 29 | (i & 1 ? 1u << 28 : 1u << 27) | 0xFFFF;
		cp_rx[i].addr = 0xFFFFFFFFFFFull;
		cp_rx[i].opts1 = 1u << 31 | 16;
	}
	wr32(0x20, (uint32_t)(uintptr_t)cp_tx);
	wr32(0x24, 0);
	wr32(RDSAR, (uint32_t)(uintptr_t)cp_rx);
	wr8(CR, 0x0C);
	wr8(TPPOLL, 0x40);
	/* A storm over the whole register file (never the reset bit, 0x37). */
	for (unsigned i = 0; i < 20000; i++) {
		unsigned r = (i * 37) % 256;

		if (r != CR)
			wr8(r, (uint8_t)(i * 2654435761u >> 24));
	}
	wr16(IMR, 0);
	wr16(ISR, 0xFFFF);
	kd_printf("rtl8139: hostile: survived\n");
}

static void talk_to_peer(void)
{
	static uint8_t f[2048], g[2048];
	unsigned good;

	KD_CHECK(peer_wait_hello(receive, f));
	KD_CHECK(peer_send_patterns(mac, send, f));
	KD_CHECK(peer_send_done(mac, send, f));
	good = peer_receive_patterns(mac, receive, f, g);
	KD_CHECK_EQ(good, PEER_FRAMES);
	kd_printf("rtl8139 %s: sent 24, received %u of 24 frames intact\n", cplus ? "C+" : "C",
		  good);
}

/* ------------------------------------------------------------------ benchmarks */

static void report(const char *what, unsigned size, uint64_t frames, uint64_t bytes, uint64_t ticks)
{
	if (!ticks)
		ticks = 1;
	kd_printf("%s: size=%u frames=%lu frames_per_s=%lu mbit_s=%lu\n", what, size, frames,
		  frames * tsc_hz / ticks, bytes * 8 * tsc_hz / ticks / 1000000);
}

/* bench: `count` frames of `size` bytes as fast as the chip takes them, the way each mode's
 * driver batches: C mode fills the four TSD slots (an exit each) and checks all four OWN bits
 * in one read of the TSAD summary; C+ mode queues 15 descriptors, rings TPPoll once and waits
 * for the last OWN bit in memory. */
static void bench(unsigned size, unsigned count)
{
	unsigned sent = 0;
	uint64_t t0;

	for (unsigned i = 0; i < 4; i++) {
		peer_build(tx_buf[i], peer_mac, mac, size, i);
		if (!cplus) /* in C+ mode these registers hold the descriptor ring's address */
			wr32(TSAD0 + 4 * i, (uint32_t)(uintptr_t)tx_buf[i]);
	}
	t0 = kd_rdtsc();
	while (sent < count) {
		if (!cplus) {
			unsigned n = count - sent < 4 ? count - sent : 4;

			for (unsigned i = 0; i < n; i++)
				wr32(TSD0 + 4 * i, size);
			while ((rd16(TSAD) & ((1u << n) - 1)) != (1u << n) - 1)
				;
			sent += n;
		} else {
			unsigned n = count - sent < NDESC - 1 ? count - sent : NDESC - 1;
			volatile struct desc *last = NULL;

			for (unsigned i = 0; i < n; i++) {
				struct desc *d = &cp_tx[cp_tx_i];
				uint32_t eor = cp_tx_i == NDESC - 1 ? 1u << 30 : 0;

				d->addr = (uintptr_t)tx_buf[cp_tx_i % 4];
				d->opts2 = 0;
				d->opts1 = 1u << 31 | eor | 1u << 29 | 1u << 28 | size;
				last = d;
				cp_tx_i = (cp_tx_i + 1) % NDESC;
			}
			wr8(TPPOLL, 0x40);
			while (last->opts1 & (1u << 31))
				;
			sent += n;
		}
	}
	report("bench", size, count, (uint64_t)count * size, kd_rdtsc() - t0);
}

/* rxbench: counts frames for `seconds` after the first one, polling memory. C mode clears
 * each packet it consumes and moves CAPR once a quarter of the ring is free again;
 * C+ mode gives each descriptor straight back (no register write at all). */
static void rx_bench(unsigned seconds)
{
	uint64_t frames = 0, bytes = 0, t0 = 0, end = 0;
	unsigned freed = 0;

	wr32(RCR, (cplus ? 0 : 0x80) | 0x08 | 0x02 | 0x01); /* + accept all */
	for (;;) {
		unsigned len;

		if (t0 && kd_rdtsc() >= end)
			break;
		if (!cplus) {
			volatile uint8_t *h = rx_ring + rx_off;

			if (!(h[0] & 1))
				continue;
			len = h[2] | h[3] << 8;
			if (len > 1518 + 4)
				break;
			/* All of it, not only the status: when this loop catches up with the chip,
			 * the next header's place must not hold an old frame's bytes. */
			memset((void *)h, 0, len + 4);
			rx_off = ((rx_off + len + 4 + 3) & ~3u) % RING;
			freed += len + 4;
			if (freed >= RING / 4) {
				wr16(CAPR, (uint16_t)(rx_off - 16));
				freed = 0;
			}
		} else {
			volatile struct desc *d = &cp_rx[cp_rx_i];
			uint32_t o = d->opts1;

			if (o & (1u << 31))
				continue;
			len = o & 0x1FFF;
			d->opts1 = 1u << 31 | (cp_rx_i == NDESC - 1 ? 1u << 30 : 0) | 2048;
			cp_rx_i = (cp_rx_i + 1) % NDESC;
		}
		if (!t0) {
			t0 = kd_rdtsc();
			end = t0 + tsc_hz * seconds;
		}
		frames++;
		bytes += len - 4;
	}
	kd_printf("rxbench: frames=%lu frames_per_s=%lu mbit_s=%lu\n", frames, frames / seconds,
		  bytes * 8 / seconds / 1000000);
}

int kd_main(const struct kd_boot_info *boot)
{
	uint64_t want = kd_cmdline_u64(boot, "mac", 0x525400123458ull);
	char mode[8] = "c";
	unsigned slot = 32;

	kd_cmdline_value(boot, "mode", mode, sizeof(mode));
	cplus = !strcmp(mode, "cplus");
	tsc_hz = kd_tsc_hz();
	for (unsigned s = 0; s < 32; s++)
		if (kd_pci_read32(0, s, 0, 0) == 0x813910EC)
			slot = s;
	KD_CHECK(slot < 32);
	if (slot == 32)
		return 0;
	KD_CHECK_EQ(kd_pci_read8(0, slot, 0, 8), 0x20);
	kd_pci_write32(0, slot, 0, 0x14, BAR1);
	kd_pci_write16(0, slot, 0, 0x04, 0x0006);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(want >> (8 * (5 - i)));
	reset_chip();
	KD_CHECK_EQ(ee_read(0), 0x8129);
	for (unsigned i = 0; i < 3; i++)
		KD_CHECK_EQ(ee_read(7 + i), (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8));
	for (unsigned i = 0; i < 6; i++)
		KD_CHECK_EQ(rd8(IDR0 + i), mac[i]);
	KD_CHECK_EQ(rd32(TCR) & 0x7CC00000u, 0x74800000u);
	KD_CHECK(rd16(BMSR) & 0x04);
	kd_printf("rtl8139: EEPROM, IDR, version and link ok\n");
	if (kd_cmdline_has(boot, "hostile"))
		hostile();
	start();
	if (kd_cmdline_has(boot, "peer"))
		talk_to_peer();
	if (kd_cmdline_has(boot, "rxbench"))
		rx_bench((unsigned)kd_cmdline_u64(boot, "seconds", 3));
	else if (kd_cmdline_has(boot, "bench"))
		bench((unsigned)kd_cmdline_u64(boot, "size", 64),
		      (unsigned)kd_cmdline_u64(boot, "count", 100000));
	return 0;
}
