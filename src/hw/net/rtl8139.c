/*
 * Realtek RTL8139C+ (10ec:8139, revision 0x20), as Linux's 8139cp and 8139too drivers and
 * iPXE drive it (RTL8139C+ datasheet; the register and descriptor facts are in the comments):
 * 256 bytes of registers in BAR 0 (I/O) and BAR 1 (memory); a 93C46 EEPROM behind Cfg9346 with
 * the MAC (autoloaded into IDR at reset); an internal 10/100 PHY as BMCR/BMSR/ANAR/ANLPAR;
 * C mode (four TSD/TSAD transmit slots, the receive ring buffer at RBSTART with CAPR/CBR, WRAP)
 * and C+ mode (descriptor rings, checksum offload, large send, VLAN); ISR/IMR with write-1-to-
 * clear; unicast/multicast/broadcast/promiscuous filtering with the MAR hash.
 *
 * Guest addresses and lengths are checked: descriptors and buffers outside RAM are skipped and
 * counted, walks are bounded, frames past the limits dropped.
 */
#include "config.h"

#include <string.h>

#include "hw/machine.h"
#include "hw/net/backends.h"
#include "hw/net/net.h"
#include "hw/pci.h"
#include "i18n.h"
#include "le.h"
#include "vm/bus.h"

#define REGS_SIZE 256

/* Registers */
#define IDR0 0x00
#define MAR0 0x08
#define TSD0 0x10
#define TSAD0 0x20
#define TX_RING 0x20 /* C+: TNPDS, 8 bytes */
#define RBSTART 0x30
#define CR 0x37
#define CAPR 0x38
#define CBR 0x3A
#define IMR 0x3C
#define ISR 0x3E
#define TCR 0x40
#define RCR 0x44
#define TCTR 0x48
#define MPC 0x4C
#define CFG9346 0x50
#define CONFIG1 0x52
#define MSR 0x58
#define TSAD_SUMMARY 0x60
#define BMCR 0x62
#define BMSR 0x64
#define ANAR 0x66
#define ANLPAR 0x68
#define ANER 0x6A
#define TPPOLL 0xD9
#define RMS 0xDA
#define CPCR 0xE0
#define RX_RING 0xE4 /* C+: RDSAR, 8 bytes */

#define CR_RST 0x10
#define CR_RE 0x08
#define CR_TE 0x04
#define CR_BUFE 0x01

#define INT_ROK 0x0001
#define INT_RER 0x0002
#define INT_TOK 0x0004
#define INT_TER 0x0008
#define INT_RXOVW 0x0010 /* C+: no receive descriptor */
#define INT_LINKCHG 0x0020

#define TSD_SIZE 0x1FFF
#define TSD_OWN 0x2000
#define TSD_TOK 0x8000

#define TCR_LOOPBACK 0x00060000
#define TCR_HWVER_MASK 0x7CC00000
#define TCR_HWVER_8139CPLUS 0x74800000

#define RCR_AAP 0x01
#define RCR_APM 0x02
#define RCR_AM 0x04
#define RCR_AB 0x08
#define RCR_WRAP 0x80

#define EEM_MASK 0xC0
#define EEM_AUTOLOAD 0x40
#define EEM_PROGRAM 0x80
#define EE_CS 0x08
#define EE_SK 0x04
#define EE_DI 0x02
#define EE_DO 0x01

#define CPCR_TX 0x0001
#define CPCR_RX 0x0002
#define CPCR_RXCSUM 0x0020
#define CPCR_RXVLAN 0x0040
#define TPPOLL_NPQ 0x40

/* C+ descriptor opts1 */
#define DESC_OWN (1u << 31)
#define DESC_EOR (1u << 30)
#define DESC_FS (1u << 29)
#define DESC_LS (1u << 28)
#define TXD_LGSEN (1u << 27)
#define TXD_IPCS (1u << 18)
#define TXD_UDPCS (1u << 17)
#define TXD_TCPCS (1u << 16)
#define TXD_VLAN (1u << 17) /* opts2 */
#define RXD_MAR (1u << 26)
#define RXD_RES (1u << 20)
#define RXD_IPF (1u << 15)
#define RXD_UDPF (1u << 14)
#define RXD_TCPF (1u << 13)
#define RXD_VLAN (1u << 16) /* opts2 */

#define MIN_FRAME 60
#define MAX_FRAME 1518
#define TX_BUF_SIZE 65536
#define MAX_DESC_WALK 1024 /* a ring never needs more; a guest cannot keep us longer */

struct rtl8139 {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_machine *m;
	struct kd_io_region *io, *mmio;
	struct kd_nic_parts nic;
	uint8_t mac[6];
	uint8_t regs[REGS_SIZE];
	uint16_t eeprom[64];

	/* 93C46 state */
	bool ee_started;
	unsigned ee_bits;
	uint32_t ee_cmd;
	bool ee_reading;
	int ee_out; /* bit being shifted out: -1 is the dummy zero */
	uint16_t ee_word;
	uint8_t ee_pins; /* CS, SK, DI as last written */

	/* C mode receive: the write pointer; C+ ring positions */
	uint32_t rx_write;
	uint32_t cp_tx, cp_rx;
	uint8_t *tx;
	size_t tx_len;
	bool tx_broken;
	int64_t timer_base_us;

	uint64_t bad_descriptors;
};

static uint16_t r16(struct rtl8139 *s, unsigned o)
{
	return kd_get_le16(s->regs + o);
}

static uint32_t r32(struct rtl8139 *s, unsigned o)
{
	return kd_get_le32(s->regs + o);
}

static void w16(struct rtl8139 *s, unsigned o, uint16_t v)
{
	kd_put_le16(s->regs + o, v);
}

static void w32(struct rtl8139 *s, unsigned o, uint32_t v)
{
	kd_put_le32(s->regs + o, v);
}

static uint64_t r64(struct rtl8139 *s, unsigned o)
{
	return r32(s, o) | (uint64_t)r32(s, o + 4) << 32;
}

static bool cplus_rx(struct rtl8139 *s)
{
	return r16(s, CPCR) & CPCR_RX;
}

/* ------------------------------------------------------------------ interrupts */

static void update_irq(struct rtl8139 *s)
{
	kd_pci_set_intx(&s->pci, (r16(s, ISR) & r16(s, IMR)) != 0);
}

static void raise_cause(struct rtl8139 *s, uint16_t cause)
{
	w16(s, ISR, r16(s, ISR) | cause);
	update_irq(s);
}

/* ------------------------------------------------------------------ EEPROM */

static void build_eeprom(struct rtl8139 *s)
{
	memset(s->eeprom, 0, sizeof(s->eeprom));
	s->eeprom[0] = 0x8129; /* the signature drivers look for */
	s->eeprom[1] = 0x10EC;
	s->eeprom[2] = 0x8139;
	s->eeprom[3] = 0x1AF4; /* subsystem */
	s->eeprom[4] = 0x1100;
	for (int i = 0; i < 3; i++)
		s->eeprom[7 + i] = (uint16_t)(s->mac[2 * i] | s->mac[2 * i + 1] << 8);
}

static void autoload(struct rtl8139 *s)
{
	for (int i = 0; i < 3; i++) {
		s->regs[IDR0 + 2 * i] = (uint8_t)s->eeprom[7 + i];
		s->regs[IDR0 + 2 * i + 1] = (uint8_t)(s->eeprom[7 + i] >> 8);
	}
}

/* 93C46 in programming mode: commands clocked in on SK's rising edges (leading zeros before
 * the start bit ignored), start bit, 2-bit opcode, 6-bit address; a READ then shifts out a
 * dummy zero and D15..D0, one bit per rising edge. */
static void eeprom_pins(struct rtl8139 *s, uint8_t v)
{
	bool rising = (v & EE_SK) && !(s->ee_pins & EE_SK);

	if (!(v & EE_CS)) {
		s->ee_started = s->ee_reading = false;
		s->ee_bits = 0;
		s->ee_cmd = 0;
		s->ee_pins = v & (EE_CS | EE_SK | EE_DI);
		return;
	}
	s->ee_pins = v & (EE_CS | EE_SK | EE_DI);
	if (!rising)
		return;
	if (s->ee_reading) {
		s->ee_out++;
		return;
	}
	if (!s->ee_started) {
		if (v & EE_DI)
			s->ee_started = true;
		return;
	}
	s->ee_cmd = s->ee_cmd << 1 | !!(v & EE_DI);
	if (++s->ee_bits == 8) {
		if ((s->ee_cmd >> 6) == 2) { /* READ */
			s->ee_reading = true;
			s->ee_word = s->eeprom[s->ee_cmd & 0x3F];
			s->ee_out = -1;
		}
		/* Writes and erases are ignored: the EEPROM is read-only here. */
	}
}

static uint8_t eeprom_do(struct rtl8139 *s)
{
	if (!s->ee_reading || s->ee_out < 0 || s->ee_out > 15)
		return 0;
	return (s->ee_word >> (15 - s->ee_out)) & 1;
}

/* ------------------------------------------------------------------ filtering */

/* The MAR hash: the top 6 bits of the MSB-first CRC-32 of the destination address. */
static unsigned multicast_bit(const uint8_t *addr)
{
	uint32_t crc = 0xFFFFFFFF;

	for (int i = 0; i < 6; i++) {
		uint8_t b = addr[i];

		for (int k = 0; k < 8; k++, b >>= 1)
			crc = (crc << 1) ^ ((((crc >> 31) ^ b) & 1) ? 0x04C11DB7u : 0);
	}
	return crc >> 26;
}

/* Returns the C mode header's address bits (or 0 to drop). */
static uint16_t accept(struct rtl8139 *s, const uint8_t *f)
{
	uint32_t rcr = r32(s, RCR);
	static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

	if (!memcmp(f, bcast, 6))
		return (rcr & (RCR_AB | RCR_AAP)) ? 0x2000 : 0;
	if (f[0] & 1) {
		unsigned bit = multicast_bit(f);

		if ((rcr & RCR_AAP) ||
		    ((rcr & RCR_AM) && (s->regs[MAR0 + bit / 8] >> (bit % 8)) & 1))
			return 0x8000;
		return 0;
	}
	if (!memcmp(f, s->regs + IDR0, 6))
		return (rcr & (RCR_APM | RCR_AAP)) ? 0x4000 : 0;
	return (rcr & RCR_AAP) ? 0x4000 : 0;
}

/* ------------------------------------------------------------------ checksums */

struct ipv4 {
	size_t ip, ihl, total, l4;
	unsigned proto;
};

static bool parse_ipv4(const uint8_t *f, size_t len, struct ipv4 *p)
{
	p->ip = 14;
	if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return false;
	p->ihl = (size_t)(f[14] & 0xF) * 4;
	p->total = (size_t)(f[16] << 8 | f[17]);
	if (p->ihl < 20 || p->total < p->ihl || p->ip + p->total > len)
		return false;
	p->proto = f[23];
	p->l4 = p->ip + p->ihl;
	return true;
}

static uint32_t pseudo_sum(const uint8_t *f, const struct ipv4 *p)
{
	return kd_net_csum_add(f + 26, 8, 0) + p->proto + (uint32_t)(p->total - p->ihl);
}

/* C+ transmit offloads: computed from scratch (the driver leaves the fields as they are). */
static void tx_checksums(uint8_t *f, size_t len, uint32_t opts1)
{
	struct ipv4 p;
	uint16_t c;

	if (!parse_ipv4(f, len, &p))
		return;
	if (opts1 & TXD_IPCS) {
		f[24] = f[25] = 0;
		c = (uint16_t)~kd_net_csum_fold(kd_net_csum_add(f + 14, p.ihl, 0));
		f[24] = (uint8_t)(c >> 8);
		f[25] = (uint8_t)c;
	}
	if (((opts1 & TXD_TCPCS) && p.proto == 6 && p.total - p.ihl >= 20) ||
	    ((opts1 & TXD_UDPCS) && p.proto == 17 && p.total - p.ihl >= 8)) {
		size_t at = p.l4 + (p.proto == 6 ? 16 : 6);

		f[at] = f[at + 1] = 0;
		c = (uint16_t)~kd_net_csum_fold(
			kd_net_csum_add(f + p.l4, p.total - p.ihl, pseudo_sum(f, &p)));
		if (p.proto == 17 && !c)
			c = 0xFFFF;
		f[at] = (uint8_t)(c >> 8);
		f[at + 1] = (uint8_t)c;
	}
}

/* ------------------------------------------------------------------ transmit */

static void send_frame(struct rtl8139 *s, uint8_t *f, size_t len, uint32_t vlan_opts2)
{
	static uint8_t tagged[TX_BUF_SIZE + 4];

	if (vlan_opts2 & TXD_VLAN && len >= 12) {
		uint16_t tci = (uint16_t)((vlan_opts2 & 0xFF) << 8 | ((vlan_opts2 >> 8) & 0xFF));

		memcpy(tagged, f, 12);
		tagged[12] = 0x81;
		tagged[13] = 0x00;
		tagged[14] = (uint8_t)(tci >> 8);
		tagged[15] = (uint8_t)tci;
		memcpy(tagged + 16, f + 12, len - 12);
		f = tagged;
		len += 4;
	}
	if (len > KD_NET_MAX_FRAME) {
		s->nic.port->stats.dropped++;
		return;
	}
	if (r32(s, TCR) & TCR_LOOPBACK) {
		/* Loopback: the frame comes back in and does not leave. */
		s->nic.port->ops->receive(s, f, len);
		return;
	}
	kd_net_send(s->nic.port, f, len);
}

/* C mode: writing TSD n with OWN clear sends the frame at TSAD n. */
static void c_transmit(struct rtl8139 *s, unsigned n)
{
	uint32_t tsd = r32(s, TSD0 + 4 * n);
	uint32_t size = tsd & TSD_SIZE;
	static uint8_t frame[TSD_SIZE + 1];

	if (tsd & TSD_OWN)
		return;
	if (!(s->regs[CR] & CR_TE) || !size) {
		w32(s, TSD0 + 4 * n, tsd | TSD_OWN);
		return;
	}
	if (!kd_vm_read(s->m->vm, r32(s, TSAD0 + 4 * n), frame, size)) {
		s->bad_descriptors++;
		w32(s, TSD0 + 4 * n, tsd | TSD_OWN | 0x40000000); /* aborted */
		raise_cause(s, INT_TER);
		return;
	}
	send_frame(s, frame, size, 0);
	w32(s, TSD0 + 4 * n, tsd | TSD_OWN | TSD_TOK);
	raise_cause(s, INT_TOK);
}

/* Large send (C+): headers of the first segment repeated, IP length/id, TCP sequence and
 * flags, and both checksums per segment. */
static void cp_tso(struct rtl8139 *s, uint32_t opts1, uint32_t opts2)
{
	unsigned mss = (opts1 >> 16) & 0x7FF;
	static uint8_t seg[TX_BUF_SIZE];
	struct ipv4 p;
	size_t hdr, payload;
	uint32_t seq;
	uint16_t id;

	if (!mss || !parse_ipv4(s->tx, s->tx_len, &p) || p.proto != 6 || p.l4 + 20 > s->tx_len) {
		s->nic.port->stats.dropped++;
		return;
	}
	hdr = p.l4 + (size_t)(s->tx[p.l4 + 12] >> 4) * 4;
	if (hdr > s->tx_len || hdr < p.l4 + 20) {
		s->nic.port->stats.dropped++;
		return;
	}
	payload = s->tx_len - hdr;
	seq = kd_get_le32(s->tx + p.l4 + 4);
	seq = __builtin_bswap32(seq);
	id = (uint16_t)(s->tx[18] << 8 | s->tx[19]);
	for (size_t off = 0; off < payload || off == 0;) {
		size_t n = MIN((size_t)mss, payload - off), len = hdr + n;
		uint32_t sq = seq + (uint32_t)off;
		uint16_t total = (uint16_t)(len - 14);

		memcpy(seg, s->tx, hdr);
		memcpy(seg + hdr, s->tx + hdr + off, n);
		seg[16] = (uint8_t)(total >> 8);
		seg[17] = (uint8_t)total;
		seg[18] = (uint8_t)(id >> 8);
		seg[19] = (uint8_t)id;
		id++;
		seg[p.l4 + 4] = (uint8_t)(sq >> 24);
		seg[p.l4 + 5] = (uint8_t)(sq >> 16);
		seg[p.l4 + 6] = (uint8_t)(sq >> 8);
		seg[p.l4 + 7] = (uint8_t)sq;
		if (off + n < payload)
			seg[p.l4 + 13] &= (uint8_t) ~(0x01 | 0x08); /* FIN, PSH */
		tx_checksums(seg, len, TXD_IPCS | TXD_TCPCS);
		send_frame(s, seg, len, opts2);
		off += n;
		if (!n)
			break;
	}
}

/* C+ mode: TxPoll walks the normal-priority ring while descriptors are the NIC's. */
static void cp_transmit(struct rtl8139 *s)
{
	uint64_t base = r64(s, TX_RING);
	bool sent = false;

	if (!(r16(s, CPCR) & CPCR_TX) || !(s->regs[CR] & CR_TE))
		return;
	for (unsigned n = 0; n < MAX_DESC_WALK; n++) {
		uint64_t at = base + (uint64_t)s->cp_tx * 16;
		uint8_t d[16];
		uint32_t opts1, opts2, len;

		if (!kd_vm_read(s->m->vm, at, d, sizeof(d))) {
			s->bad_descriptors++;
			break;
		}
		opts1 = kd_get_le32(d);
		opts2 = kd_get_le32(d + 4);
		if (!(opts1 & DESC_OWN))
			break;
		len = opts1 & 0xFFFF;
		if (opts1 & DESC_FS) {
			s->tx_len = 0;
			s->tx_broken = false;
		}
		if (len > TX_BUF_SIZE - s->tx_len) {
			s->tx_broken = true;
		} else if (!s->tx_broken) {
			if (kd_vm_read(s->m->vm,
				       kd_get_le32(d + 8) | (uint64_t)kd_get_le32(d + 12) << 32,
				       s->tx + s->tx_len, len))
				s->tx_len += len;
			else
				s->tx_broken = true;
		}
		if (opts1 & DESC_LS) {
			if (s->tx_broken)
				s->nic.port->stats.dropped++;
			else if (opts1 & TXD_LGSEN)
				cp_tso(s, opts1, opts2);
			else {
				tx_checksums(s->tx, s->tx_len, opts1);
				send_frame(s, s->tx, s->tx_len, opts2);
			}
			s->tx_len = 0;
		}
		/* Written back: OWN clear, the status bits (25:16) clear, FS/LS/EOR and the
		 * length kept: 8139cp frees a buffer only when it sees LS again. */
		kd_put_le32(d, opts1 & (DESC_EOR | DESC_FS | DESC_LS | 0xFFFF));
		kd_vm_write(s->m->vm, at, d, 4);
		s->cp_tx = (opts1 & DESC_EOR) ? 0 : s->cp_tx + 1;
		sent = true;
	}
	if (sent)
		raise_cause(s, INT_TOK);
}

/* ------------------------------------------------------------------ receive */

static uint32_t c_ring_len(struct rtl8139 *s)
{
	return 8192u << ((r32(s, RCR) >> 11) & 3);
}

static uint32_t c_read_pointer(struct rtl8139 *s)
{
	return (uint32_t)(uint16_t)(r16(s, CAPR) + 16) % c_ring_len(s);
}

static bool c_receive(struct rtl8139 *s, const uint8_t *f, size_t len, uint16_t addr_bits)
{
	uint32_t ring = c_ring_len(s), rd = c_read_pointer(s), wr = s->rx_write % ring;
	uint32_t used = (wr + ring - rd) % ring, need = (uint32_t)((4 + len + 3) & ~3u);
	uint64_t base = r32(s, RBSTART);
	uint8_t hdr[4];

	/* Leave a gap: a full ring would look empty (write pointer == read pointer). */
	if (need + 16 > ring - used)
		return false; /* waits in the hub's queue until CAPR moves */
	if (r32(s, RCR) & RCR_WRAP || wr + 4 + len <= ring) {
		/* Contiguous, past the ring's end if need be (the driver's slack). */
		if (!kd_vm_write(s->m->vm, base + wr + 4, f, len))
			s->bad_descriptors++;
	} else {
		uint32_t first = wr + 4 < ring ? ring - (wr + 4) : 0;

		if (!kd_vm_write(s->m->vm, base + (wr + 4) % ring, f, first ? first : len) ||
		    (first && !kd_vm_write(s->m->vm, base, f + first, len - first)))
			s->bad_descriptors++;
	}
	/* The header last: a driver that polls it finds the whole frame behind it. */
	kd_put_le16(hdr, (uint16_t)(0x0001 | addr_bits)); /* ROK */
	kd_put_le16(hdr + 2, (uint16_t)len);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (!kd_vm_write(s->m->vm, base + wr, hdr, 4))
		s->bad_descriptors++;
	s->rx_write = (wr + need) % ring;
	w16(s, CBR, (uint16_t)s->rx_write);
	raise_cause(s, INT_ROK);
	return true;
}

static void cp_rx_checksum(const uint8_t *f, size_t len, uint32_t *opts1)
{
	struct ipv4 p;

	if (!parse_ipv4(f, len, &p))
		return;
	if (p.proto == 6)
		*opts1 |= 1u << 16; /* protocol id: TCP */
	else if (p.proto == 17)
		*opts1 |= 2u << 16; /* UDP */
	else
		*opts1 |= 3u << 16; /* IP */
	if (kd_net_csum_fold(kd_net_csum_add(f + 14, p.ihl, 0)) != 0xFFFF)
		*opts1 |= RXD_IPF;
	if ((f[20] & 0x3F) || f[21]) /* fragments: not checked */
		return;
	if (p.proto == 6 && kd_net_csum_fold(kd_net_csum_add(f + p.l4, p.total - p.ihl,
							     pseudo_sum(f, &p))) != 0xFFFF)
		*opts1 |= RXD_TCPF;
	if (p.proto == 17 && (f[p.l4 + 6] | f[p.l4 + 7]) &&
	    kd_net_csum_fold(kd_net_csum_add(f + p.l4, p.total - p.ihl, pseudo_sum(f, &p))) !=
		    0xFFFF)
		*opts1 |= RXD_UDPF;
}

static bool cp_receive(struct rtl8139 *s, uint8_t *f, size_t len, bool mcast)
{
	uint64_t at = r64(s, RX_RING) + (uint64_t)s->cp_rx * 16;
	uint8_t d[16];
	uint32_t opts1, opts2 = 0, size;

	if (!kd_vm_read(s->m->vm, at, d, sizeof(d))) {
		s->bad_descriptors++;
		return true;
	}
	opts1 = kd_get_le32(d);
	if (!(opts1 & DESC_OWN)) {
		/* The driver refills without telling: no descriptor now means a lost frame. */
		w32(s, MPC, (r32(s, MPC) + 1) & 0xFFFFFF);
		raise_cause(s, INT_RXOVW);
		return true;
	}
	if ((r16(s, CPCR) & CPCR_RXVLAN) && len >= 18 && f[12] == 0x81 && f[13] == 0x00) {
		/* De-tag: the TCI goes to opts2, byte-swapped as the driver reads it back. */
		opts2 = RXD_VLAN | f[15] | (uint32_t)f[14] << 8;
		opts2 = RXD_VLAN | ((opts2 & 0xFF) << 8) | ((opts2 >> 8) & 0xFF);
		memmove(f + 12, f + 16, len - 16);
		len -= 4;
	}
	size = opts1 & 0x1FFF;
	{
		uint32_t crc = kd_net_crc32(f, len);

		kd_put_le32(f + len, crc);
	}
	len += 4;
	if (len > size) {
		/* One descriptor per frame (8139cp does not chain): too long is an error. */
		kd_put_le32(d, (opts1 & DESC_EOR) | DESC_FS | DESC_LS | RXD_RES | (1u << 21) |
				       (uint32_t)MIN(len, 0x1FFF));
		kd_vm_write(s->m->vm, at, d, 4);
		s->cp_rx = (opts1 & DESC_EOR) ? 0 : s->cp_rx + 1;
		raise_cause(s, INT_RER);
		return true;
	}
	if (!kd_vm_write(s->m->vm, kd_get_le32(d + 8) | (uint64_t)kd_get_le32(d + 12) << 32, f,
			 len))
		s->bad_descriptors++;
	opts1 = (opts1 & DESC_EOR) | DESC_FS | DESC_LS | (mcast ? RXD_MAR : 0) | (uint32_t)len;
	if (r16(s, CPCR) & CPCR_RXCSUM)
		cp_rx_checksum(f, len - 4, &opts1);
	kd_put_le32(d + 4, opts2);
	kd_vm_write(s->m->vm, at + 4, d + 4, 4);
	kd_put_le32(d, opts1);
	kd_vm_write(s->m->vm, at, d, 4);
	s->cp_rx = (opts1 & DESC_EOR) ? 0 : s->cp_rx + 1;
	raise_cause(s, INT_ROK);
	return true;
}

static bool rtl_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct rtl8139 *s = opaque;
	static uint8_t buf[KD_NET_MAX_FRAME + 8];
	uint16_t addr_bits;

	if (!(s->regs[CR] & CR_RE))
		return true;
	if (len < 14 || len > KD_NET_MAX_FRAME || len > MAX_FRAME + 4)
		return true; /* no jumbo frames on this NIC */
	addr_bits = accept(s, frame);
	if (!addr_bits)
		return true;
	memcpy(buf, frame, len);
	if (len < MIN_FRAME) {
		memset(buf + len, 0, MIN_FRAME - len);
		len = MIN_FRAME;
	}
	if (cplus_rx(s))
		return cp_receive(s, buf, len, addr_bits == 0x8000 || addr_bits == 0x2000);
	{
		uint32_t crc = kd_net_crc32(buf, len);

		kd_put_le32(buf + len, crc);
	}
	return c_receive(s, buf, len + 4, addr_bits);
}

/* ------------------------------------------------------------------ registers */

static void soft_reset(struct rtl8139 *s)
{
	uint8_t config1 = s->regs[CONFIG1];

	memset(s->regs, 0, sizeof(s->regs));
	autoload(s);
	for (int n = 0; n < 4; n++)
		w32(s, TSD0 + 4 * n, TSD_OWN);
	w16(s, CAPR, 0xFFF0);
	s->regs[CONFIG1] = config1;
	w32(s, TCR, TCR_HWVER_8139CPLUS);
	w16(s, BMCR, 0x3100); /* auto-negotiation, 100 Mb/s, full duplex */
	w16(s, BMSR, 0x782D); /* 10/100 abilities, negotiated, link up */
	w16(s, ANAR, 0x05E1);
	w16(s, ANLPAR, 0x45E1);
	w16(s, ANER, 0x0001);
	s->rx_write = 0;
	s->cp_tx = s->cp_rx = 0;
	s->tx_len = 0;
	s->ee_started = s->ee_reading = false;
	s->ee_bits = 0;
	s->timer_base_us = g_get_monotonic_time();
	update_irq(s);
}

static uint8_t read_byte(struct rtl8139 *s, unsigned o)
{
	switch (o) {
	case CR: {
		uint8_t v = s->regs[CR] & (CR_RE | CR_TE);

		if (!cplus_rx(s) && c_read_pointer(s) == s->rx_write % c_ring_len(s))
			v |= CR_BUFE;
		return v;
	}
	case CFG9346:
		return (uint8_t)((s->regs[CFG9346] & (EEM_MASK | EE_CS | EE_SK | EE_DI)) |
				 eeprom_do(s));
	case RCR:
		return s->regs[RCR] & ~0x40; /* a 93C46, not a 93C56 */
	case MSR:
		return 0x00; /* link up (LINKB clear), 100 Mb/s */
	case TSAD_SUMMARY:
	case TSAD_SUMMARY + 1: {
		uint16_t v = 0;

		for (int n = 0; n < 4; n++) {
			uint32_t tsd = r32(s, TSD0 + 4 * n);

			v |= (uint16_t)((tsd & TSD_OWN ? 1u << n : 0) |
					(tsd & TSD_TOK ? 1u << (12 + n) : 0));
		}
		return (uint8_t)(v >> (8 * (o - TSAD_SUMMARY)));
	}
	case RMS:
	case RMS + 1:
		return 0; /* an 8169 would echo it; iPXE tells the two apart by this */
	}
	if (o >= TCTR && o < TCTR + 4) {
		/* The timer counts PCI clocks (33 MHz) since it was last written. */
		uint32_t t = (uint32_t)((g_get_monotonic_time() - s->timer_base_us) * 33);

		return (uint8_t)(t >> (8 * (o - TCTR)));
	}
	if (o >= TCR && o < TCR + 4) {
		uint32_t v = (r32(s, TCR) & ~TCR_HWVER_MASK) | TCR_HWVER_8139CPLUS;

		return (uint8_t)(v >> (8 * (o - TCR)));
	}
	return s->regs[o];
}

static void write_byte(struct rtl8139 *s, unsigned o, uint8_t v)
{
	switch (o) {
	case CR:
		if (v & CR_RST) {
			soft_reset(s);
			return;
		}
		if ((s->regs[CR] & CR_RE) && !(v & CR_RE))
			s->rx_write = 0; /* receive restarts at the ring's start */
		if ((s->regs[CR] & CR_TE) && !(v & CR_TE))
			s->cp_tx = 0;
		if (!(s->regs[CR] & CR_RE) && (v & CR_RE))
			s->cp_rx = 0;
		s->regs[CR] = v & (CR_RE | CR_TE);
		return;
	case ISR:
	case ISR + 1:
		s->regs[o] &= (uint8_t)~v;
		return;
	case CFG9346:
		if ((v & EEM_MASK) == EEM_AUTOLOAD) {
			autoload(s);
			s->regs[CFG9346] = 0;
			return;
		}
		s->regs[CFG9346] = v & (EEM_MASK | EE_CS | EE_SK | EE_DI);
		if ((v & EEM_MASK) == EEM_PROGRAM)
			eeprom_pins(s, v);
		else
			eeprom_pins(s, 0);
		return;
	case MSR:
	case RMS:
	case RMS + 1:
		return;
	case BMCR + 1:
		/* Reset and restart negotiation complete at once. */
		s->regs[o] = v & (uint8_t) ~(0x80 | 0x02);
		return;
	case BMSR:
	case BMSR + 1:
		return;
	}
	if (o >= TCTR && o < TCTR + 4) {
		s->timer_base_us = g_get_monotonic_time();
		return;
	}
	if (o >= MPC && o < MPC + 4) {
		w32(s, MPC, 0);
		return;
	}
	if (o >= TCR && o < TCR + 4) {
		s->regs[o] = v;
		w32(s, TCR, (r32(s, TCR) & ~(TCR_HWVER_MASK | 1u)) | TCR_HWVER_8139CPLUS);
		return;
	}
	s->regs[o] = v;
}

/* After the bytes of an access landed: what the register as a whole asks for. */
static void written(struct rtl8139 *s, unsigned o, unsigned size)
{
	unsigned end = o + size;

	for (unsigned n = 0; n < 4; n++)
		if (o < TSD0 + 4 * n + 2 && end > TSD0 + 4 * n + 1 && !(r16(s, CPCR) & CPCR_TX))
			c_transmit(s, n);
	if (o <= TPPOLL && end > TPPOLL && (s->regs[TPPOLL] & TPPOLL_NPQ)) {
		s->regs[TPPOLL] = 0;
		cp_transmit(s);
	}
	if ((o < TX_RING + 8 && end > TX_RING && (r16(s, CPCR) & CPCR_TX)))
		s->cp_tx = 0;
	if (o < RX_RING + 8 && end > RX_RING)
		s->cp_rx = 0;
	if (o < CPCR + 2 && end > CPCR) {
		if (!(r16(s, CPCR) & CPCR_TX))
			s->cp_tx = 0;
		if (!(r16(s, CPCR) & CPCR_RX))
			s->cp_rx = 0;
	}
	if (o < IMR + 4 && end > IMR)
		update_irq(s);
	if ((o < CAPR + 2 && end > CAPR) || (o < RCR + 4 && end > RCR) || (o <= CR && end > CR))
		kd_net_port_flush(s->nic.port);
}

static uint64_t reg_read(void *opaque, uint64_t offset, unsigned size)
{
	struct rtl8139 *s = opaque;
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)read_byte(s, (unsigned)offset + i) << (8 * i);
	return v;
}

static void reg_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct rtl8139 *s = opaque;

	for (unsigned i = 0; i < size; i++)
		write_byte(s, (unsigned)offset + i, (uint8_t)(value >> (8 * i)));
	if (size == 1 && offset == CR && (value & CR_RST))
		return;
	written(s, (unsigned)offset, size);
	if (offset <= ISR + 1 && offset + size > ISR)
		update_irq(s);
}

static const struct kd_io_ops reg_ops = { .read = reg_read, .write = reg_write };

/* ------------------------------------------------------------------ life cycle */

static void describe(void *opaque, GString *out)
{
	struct rtl8139 *s = opaque;
	char mac[18];

	kd_net_format_mac(s->mac, mac);
	g_string_append_printf(out, "model=rtl8139,macaddr=%s,mode=%s", mac,
			       cplus_rx(s) ? "C+" : "C");
	if (s->bad_descriptors)
		g_string_append_printf(out, ",bad-descriptors=%" G_GUINT64_FORMAT,
				       s->bad_descriptors);
}

static const struct kd_net_port_ops port_ops = { .receive = rtl_receive, .describe = describe };

static void rtl_reset(struct kd_device *dev)
{
	struct rtl8139 *s = (struct rtl8139 *)dev;

	kd_pci_device_reset(&s->pci);
	s->regs[CONFIG1] = 0;
	soft_reset(s);
}

static void rtl_destroy(struct kd_device *dev)
{
	struct rtl8139 *s = (struct rtl8139 *)dev;

	kd_nic_detach(&s->pci, &s->nic);
	kd_io_region_free(s->io);
	kd_io_region_free(s->mmio);
	g_free(s->tx);
	g_free(s);
}

struct kd_pci_device *kd_rtl8139_create(struct kd_machine *m, const struct kd_nic_config *cfg,
					GError **err)
{
	struct rtl8139 *s = g_new0(struct rtl8139, 1);

	s->m = m;
	memcpy(s->mac, cfg->mac, 6);
	kd_pci_device_init(&s->pci, "rtl8139", 0x10EC, 0x8139, 0x20, 0x020000, 1);
	s->pci.opaque = s;
	s->io = kd_io_region_new("rtl8139-io", REGS_SIZE, &reg_ops, s);
	s->mmio = kd_io_region_new("rtl8139-mmio", REGS_SIZE, &reg_ops, s);
	kd_pci_device_set_bar(&s->pci, 0, KD_PCI_BAR_IO, false, REGS_SIZE, s->io);
	kd_pci_device_set_bar(&s->pci, 1, KD_PCI_BAR_MEM32, false, REGS_SIZE, s->mmio);
	if (!kd_nic_attach(m, &s->pci, cfg, "rtl8139", &port_ops, s, &s->nic, err)) {
		kd_io_region_free(s->io);
		kd_io_region_free(s->mmio);
		g_free(s);
		return NULL;
	}
	s->tx = g_malloc(TX_BUF_SIZE);
	build_eeprom(s);
	soft_reset(s);
	s->dev.reset = rtl_reset;
	s->dev.destroy = rtl_destroy;
	s->pci.owner = &s->dev;
	kd_device_add(m, &s->dev, "rtl8139", cfg->id);
	s->pci.id = cfg->id ? s->dev.id : ""; /* cfg may be a monitor command's */
	return &s->pci;
}
