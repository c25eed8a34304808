/*
 * Intel 82540EM Gigabit Ethernet (8086:100e), as Linux's e1000 driver and iPXE drive it
 * (Intel PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's Manual,
 * 82540EP/EM...: "8254x SDM"): 128 KiB of registers in BAR 0 and the same through the IOADDR/
 * IODATA window of BAR 1; a 93C46 EEPROM (Microwire bit-banging through EECD, and EERD) with the
 * MAC and a valid checksum; an M88E1011 PHY behind MDIC, link up at 1000 Mb/s full duplex;
 * legacy and extended transmit descriptors with checksum offload, VLAN insertion and TCP
 * segmentation; a receive ring with RDH/RDT semantics, buffer sizes from RCTL, unicast,
 * multicast, broadcast and VLAN filtering, checksum status, CRC; interrupt causes, masks and
 * throttling (ITR); statistics registers (clear on read).
 *
 * Every descriptor and buffer address is checked against guest RAM; a ring whose base, length,
 * head or tail makes no sense stops that direction (nothing loops); frames beyond the limits
 * are dropped and counted.
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

#define MMIO_SIZE 0x20000
#define IO_SIZE 0x40
#define NREGS (MMIO_SIZE / 4)
#define R(offset) ((offset) >> 2)

/* Registers (8254x SDM 13.4) */
#define CTRL 0x0000
#define STATUS 0x0008
#define EECD 0x0010
#define EERD 0x0014
#define CTRL_EXT 0x0018
#define MDIC 0x0020
#define VET 0x0038
#define ICR 0x00C0
#define ITR 0x00C4
#define ICS 0x00C8
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
#define STATS_START 0x4000
#define STATS_END 0x4100
#define RXCSUM 0x5000
#define MTA 0x5200
#define RA 0x5400
#define VFTA 0x5600

/* Statistics (8254x SDM 13.7) */
#define MPC 0x4010
#define RNBC 0x40A0
#define ROC 0x40AC
#define GPRC 0x4074
#define BPRC 0x4078
#define MPRC 0x407C
#define GPTC 0x4080
#define GORCL 0x4088
#define GOTCL 0x4090
#define TORL 0x40C0
#define TOTL 0x40C8
#define TPR 0x40D0
#define TPT 0x40D4
#define MPTC 0x40F0
#define BPTC 0x40F4
#define TSCTC 0x40F8

#define CTRL_RST (1u << 26)
#define CTRL_VME (1u << 30)
#define CTRL_PHY_RST (1u << 31)
#define STATUS_FD 0x0001
#define STATUS_LU 0x0002
#define STATUS_SPEED_1000 0x0080
#define STATUS_ASDV_1000 0x0200
#define EECD_SK 0x01
#define EECD_CS 0x02
#define EECD_DI 0x04
#define EECD_DO 0x08
#define EECD_REQ 0x40
#define EECD_GNT 0x80
#define EECD_PRES 0x100
#define EERD_START 0x01
#define EERD_DONE 0x10
#define MDIC_OP_WRITE (1u << 26)
#define MDIC_OP_READ (2u << 26)
#define MDIC_READY (1u << 28)
#define MDIC_ERROR (1u << 30)

#define ICR_TXDW 0x01
#define ICR_TXQE 0x02
#define ICR_LSC 0x04
#define ICR_RXDMT0 0x10
#define ICR_RXO 0x40
#define ICR_RXT0 0x80
#define ICR_INT_ASSERTED (1u << 31)

#define RCTL_EN (1u << 1)
#define RCTL_UPE (1u << 3)
#define RCTL_MPE (1u << 4)
#define RCTL_LPE (1u << 5)
#define RCTL_RDMTS_SHIFT 8
#define RCTL_MO_SHIFT 12
#define RCTL_BAM (1u << 15)
#define RCTL_BSIZE_SHIFT 16
#define RCTL_VFE (1u << 18)
#define RCTL_BSEX (1u << 25)
#define RCTL_SECRC (1u << 26)
#define TCTL_EN (1u << 1)
#define RXCSUM_IPOFLD (1u << 8)
#define RXCSUM_TUOFLD (1u << 9)
#define RAH_AV (1u << 31)

/* Descriptors */
#define RXD_STAT_DD 0x01
#define RXD_STAT_EOP 0x02
#define RXD_STAT_IXSM 0x04
#define RXD_STAT_VP 0x08
#define RXD_STAT_TCPCS 0x20
#define RXD_STAT_IPCS 0x40
#define RXD_ERR_TCPE 0x20
#define RXD_ERR_IPE 0x40
#define TXD_CMD_EOP 0x01
#define TXD_CMD_IC 0x04
#define TXD_CMD_RS 0x08
#define TXD_CMD_DEXT 0x20
#define TXD_CMD_VLE 0x40
#define TXD_CMD_TSE 0x04 /* in extended descriptors */
#define TXD_STAT_DD 0x01
#define TXD_POPTS_IXSM 0x01
#define TXD_POPTS_TXSM 0x02
#define TUCMD_TCP 0x01
#define TUCMD_IP 0x02

#define MIN_FRAME 60
#define MAX_FRAME 1522 /* with a VLAN tag, without FCS, unless long packets are on */
#define TX_BUF_SIZE (65536 + 256)
#define PHY_ADDR 1

struct tx_context {
	uint8_t ipcss, ipcso, tucss, tucso;
	uint16_t ipcse, tucse;
	uint8_t tucmd, hdrlen;
	uint16_t mss;
	uint32_t paylen;
};

struct e1000 {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_machine *m;
	struct kd_io_region *mmio, *io;
	struct kd_nic_parts nic;
	uint8_t mac[6];
	uint32_t regs[NREGS];
	uint16_t eeprom[64];
	uint16_t phy[32];
	uint32_t ioaddr;

	/* Microwire EEPROM state */
	unsigned ee_bits_in;
	uint32_t ee_in;
	bool ee_reading;
	unsigned ee_out; /* bit index into the EEPROM, MSB of word 0 first */

	/* Transmit in progress: the frame gathered from data descriptors */
	uint8_t *tx;
	size_t tx_len;
	bool tx_oversize;
	bool tx_tse;
	uint8_t tx_popts;
	uint16_t tx_vlan;
	bool tx_vle;
	uint8_t legacy_cso, legacy_css;
	bool legacy_ic;
	struct tx_context ctx;

	/* Interrupt throttling */
	bool line;
	int64_t last_irq_us;
	guint itr_timer;

	uint64_t bad_descriptors; /* addresses outside RAM, for info */
};

static uint32_t reg(struct e1000 *s, unsigned offset)
{
	return s->regs[R(offset)];
}

static void set_reg(struct e1000 *s, unsigned offset, uint32_t v)
{
	s->regs[R(offset)] = v;
}

static void stat_add(struct e1000 *s, unsigned offset, uint64_t n)
{
	s->regs[R(offset)] += (uint32_t)n;
}

/* 64-bit statistics: low register then high. */
static void stat_add64(struct e1000 *s, unsigned offset, uint64_t n)
{
	uint64_t v = reg(s, offset) | (uint64_t)reg(s, offset + 4) << 32;

	v += n;
	set_reg(s, offset, (uint32_t)v);
	set_reg(s, offset + 4, (uint32_t)(v >> 32));
}

/* ------------------------------------------------------------------ interrupts */

static gboolean itr_expired(gpointer data);

/* INTx follows ICR & IMS, but no sooner after the last interrupt than ITR allows (ITR counts
 * 256 ns units). */
static void update_irq(struct e1000 *s)
{
	uint32_t pending = reg(s, ICR) & reg(s, IMS);
	uint64_t interval_us = (uint64_t)(reg(s, ITR) & 0xFFFF) * 256 / 1000;

	if (pending)
		set_reg(s, ICR, reg(s, ICR) | ICR_INT_ASSERTED);
	if (!pending) {
		s->line = false;
		kd_pci_set_intx(&s->pci, false);
		return;
	}
	if (s->line)
		return;
	if (interval_us) {
		int64_t now = g_get_monotonic_time();

		if (now - s->last_irq_us < (int64_t)interval_us) {
			if (!s->itr_timer)
				s->itr_timer = g_timeout_add(
					(guint)MAX(1, (interval_us -
						       (uint64_t)(now - s->last_irq_us)) /
							      1000),
					itr_expired, s);
			return;
		}
		s->last_irq_us = now;
	}
	s->line = true;
	kd_pci_set_intx(&s->pci, true);
}

static gboolean itr_expired(gpointer data)
{
	struct e1000 *s = data;

	kd_vm_lock(s->m->vm);
	s->itr_timer = 0;
	s->last_irq_us = 0;
	update_irq(s);
	kd_vm_unlock(s->m->vm);
	return G_SOURCE_REMOVE;
}

static void raise_cause(struct e1000 *s, uint32_t cause)
{
	set_reg(s, ICR, reg(s, ICR) | cause);
	update_irq(s);
}

/* ------------------------------------------------------------------ EEPROM and PHY */

static void build_eeprom(struct e1000 *s)
{
	uint16_t sum = 0;

	memset(s->eeprom, 0, sizeof(s->eeprom));
	for (int i = 0; i < 3; i++)
		s->eeprom[i] = (uint16_t)(s->mac[2 * i] | s->mac[2 * i + 1] << 8);
	s->eeprom[0x0A] = 0x6403; /* initialization control 1: EEPROM valid signature (01b) */
	s->eeprom[0x0B] = 0x1100; /* subsystem */
	s->eeprom[0x0C] = 0x1af4;
	s->eeprom[0x0D] = 0x100E; /* device */
	s->eeprom[0x0E] = 0x8086; /* vendor */
	s->eeprom[0x0F] = 0x3040; /* initialization control 2 */
	/* Words 0x00-0x3F sum to 0xBABA (8254x SDM 5.6.21). */
	for (int i = 0; i < 63; i++)
		sum = (uint16_t)(sum + s->eeprom[i]);
	s->eeprom[63] = (uint16_t)(0xBABA - sum);
}

static void phy_reset(struct e1000 *s)
{
	memset(s->phy, 0, sizeof(s->phy));
	s->phy[0] = 0x1140; /* auto-negotiation, full duplex, 1000 Mb/s */
	s->phy[1] = 0x796D; /* capabilities, auto-negotiation complete, link up */
	s->phy[2] = 0x0141; /* Marvell M88E1011 */
	s->phy[3] = 0x0C20;
	s->phy[4] = 0x0DE1;
	s->phy[5] = 0x41E1;
	s->phy[6] = 0x0001;
	s->phy[9] = 0x0E00;
	s->phy[10] = 0x3C00;
	s->phy[15] = 0x3000;
	s->phy[16] = 0x0068;
	s->phy[17] = 0xAC00; /* 1000 Mb/s, full duplex, resolved, link */
}

static void mdic_write(struct e1000 *s, uint32_t v)
{
	unsigned phyaddr = (v >> 21) & 0x1F, r = (v >> 16) & 0x1F;
	uint32_t op = v & (3u << 26);

	v &= ~(MDIC_READY | MDIC_ERROR);
	if (phyaddr != PHY_ADDR) {
		v |= MDIC_ERROR;
	} else if (op == MDIC_OP_READ) {
		v = (v & 0xFFFF0000u) | s->phy[r];
	} else if (op == MDIC_OP_WRITE) {
		uint16_t data = (uint16_t)v;

		if (r == 0) {
			/* Reset and restart auto-negotiation complete at once. */
			data &= (uint16_t) ~(0x8000 | 0x0200);
			s->phy[1] |= 0x0020;
		}
		if (r != 1 && r != 2 && r != 3 && r != 17)
			s->phy[r] = data;
	}
	set_reg(s, MDIC, v | MDIC_READY);
}

/* 93C46 Microwire: start bit, 2-bit opcode (READ = 10b), 6-bit address clocked in on SK's
 * rising edges; then data bits, most significant first, each valid after a falling edge. */
static void eecd_write(struct e1000 *s, uint32_t v)
{
	uint32_t old = reg(s, EECD);

	set_reg(s, EECD,
		(v & (EECD_SK | EECD_CS | EECD_DI | EECD_REQ)) | EECD_PRES |
			(v & EECD_REQ ? EECD_GNT : 0));
	if (!(v & EECD_CS)) {
		s->ee_bits_in = 0;
		s->ee_in = 0;
		s->ee_reading = false;
		return;
	}
	if (!(old & EECD_CS)) { /* selected: a new command */
		s->ee_bits_in = 0;
		s->ee_in = 0;
		s->ee_reading = false;
	}
	if (!((old ^ v) & EECD_SK))
		return;
	if (!(v & EECD_SK)) { /* falling edge: next output bit */
		if (s->ee_reading)
			s->ee_out++;
		return;
	}
	if (s->ee_reading)
		return;
	s->ee_in = (s->ee_in << 1) | !!(v & EECD_DI);
	if (++s->ee_bits_in == 9) {
		if (((s->ee_in >> 6) & 7) == 6) { /* start bit + READ */
			s->ee_reading = true;
			s->ee_out = (s->ee_in & 0x3F) * 16 - 1;
		}
	}
}

static uint32_t eecd_read(struct e1000 *s)
{
	uint32_t v = reg(s, EECD) & ~EECD_DO;

	if (s->ee_reading && s->ee_out / 16 < 64 &&
	    (s->eeprom[s->ee_out / 16] >> (15 - (s->ee_out & 15))) & 1)
		v |= EECD_DO;
	return v;
}

/* ------------------------------------------------------------------ checksums */

/* Ones' complement checksum of frame[start, end] (end inclusive; 0 = to the frame's end)
 * stored big-endian at frame[at]. Out-of-frame offsets do nothing. */
static void insert_checksum(uint8_t *frame, size_t len, unsigned start, unsigned at, unsigned end)
{
	size_t stop = end ? MIN((size_t)end + 1, len) : len;
	uint16_t c;

	if (start >= stop || at + 2 > len)
		return;
	c = (uint16_t)~kd_net_csum_fold(kd_net_csum_add(frame + start, stop - start, 0));
	frame[at] = (uint8_t)(c >> 8);
	frame[at + 1] = (uint8_t)c;
}

/* ------------------------------------------------------------------ transmit */

static void transmit_frame(struct e1000 *s, uint8_t *frame, size_t len)
{
	uint8_t tagged[TX_BUF_SIZE + 4];

	if (s->tx_vle && len >= 12) {
		/* Insert the 802.1Q tag after the addresses. */
		memcpy(tagged, frame, 12);
		tagged[12] = (uint8_t)(reg(s, VET) >> 8);
		tagged[13] = (uint8_t)reg(s, VET);
		tagged[14] = (uint8_t)(s->tx_vlan >> 8);
		tagged[15] = (uint8_t)s->tx_vlan;
		memcpy(tagged + 16, frame + 12, len - 12);
		frame = tagged;
		len += 4;
	}
	if (len > KD_NET_MAX_FRAME) {
		s->nic.port->stats.dropped++;
		return;
	}
	kd_net_send(s->nic.port, frame, len);
	stat_add(s, TPT, 1);
	stat_add(s, GPTC, 1);
	stat_add64(s, GOTCL, len + 4);
	stat_add64(s, TOTL, len + 4);
	if (frame[0] == 0xFF && !memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6))
		stat_add(s, BPTC, 1);
	else if (frame[0] & 1)
		stat_add(s, MPTC, 1);
}

static void apply_offloads(struct e1000 *s, uint8_t *frame, size_t len)
{
	if (s->tx_popts & TXD_POPTS_IXSM)
		insert_checksum(frame, len, s->ctx.ipcss, s->ctx.ipcso, s->ctx.ipcse);
	if (s->tx_popts & TXD_POPTS_TXSM)
		insert_checksum(frame, len, s->ctx.tucss, s->ctx.tucso, s->ctx.tucse);
}

/* TCP segmentation (8254x SDM 3.5): the first hdrlen bytes are the headers of every segment;
 * the payload is cut into mss pieces; IP length and id, TCP sequence number and flags (or the
 * UDP length) and the checksums are fixed up per segment. */
static void transmit_tso(struct e1000 *s)
{
	struct tx_context *c = &s->ctx;
	size_t hdr = c->hdrlen, payload = s->tx_len > hdr ? s->tx_len - hdr : 0;
	uint8_t seg[TX_BUF_SIZE];
	uint16_t pseudo, ip_id;
	uint32_t seq;
	bool tcp = c->tucmd & TUCMD_TCP, ipv4 = c->tucmd & TUCMD_IP;

	if (!c->mss || hdr < 14 || hdr > s->tx_len || c->tucss + 20u > hdr || c->tucso + 2u > hdr ||
	    c->ipcss + 20u > hdr) {
		s->nic.port->stats.dropped++;
		return;
	}
	pseudo = (uint16_t)(s->tx[c->tucso] << 8 | s->tx[c->tucso + 1]);
	ip_id = (uint16_t)(s->tx[c->ipcss + 4] << 8 | s->tx[c->ipcss + 5]);
	seq = (uint32_t)s->tx[c->tucss + 4] << 24 | (uint32_t)s->tx[c->tucss + 5] << 16 |
	      (uint32_t)s->tx[c->tucss + 6] << 8 | s->tx[c->tucss + 7];
	for (size_t off = 0; off < payload || (off == 0 && payload == 0);) {
		size_t n = MIN((size_t)c->mss, payload - off), len = hdr + n;
		bool last = off + n >= payload;
		uint16_t l4len = (uint16_t)(len - c->tucss);

		memcpy(seg, s->tx, hdr);
		memcpy(seg + hdr, s->tx + hdr + off, n);
		if (ipv4) {
			uint16_t total = (uint16_t)(len - c->ipcss);

			seg[c->ipcss + 2] = (uint8_t)(total >> 8);
			seg[c->ipcss + 3] = (uint8_t)total;
			seg[c->ipcss + 4] = (uint8_t)(ip_id >> 8);
			seg[c->ipcss + 5] = (uint8_t)ip_id;
			ip_id++;
		} else if (c->ipcss + 6u <= hdr) {
			uint16_t plen = (uint16_t)(len - c->ipcss - 40);

			seg[c->ipcss + 4] = (uint8_t)(plen >> 8);
			seg[c->ipcss + 5] = (uint8_t)plen;
		}
		if (tcp) {
			uint32_t sq = seq + (uint32_t)off;

			seg[c->tucss + 4] = (uint8_t)(sq >> 24);
			seg[c->tucss + 5] = (uint8_t)(sq >> 16);
			seg[c->tucss + 6] = (uint8_t)(sq >> 8);
			seg[c->tucss + 7] = (uint8_t)sq;
			if (!last)
				seg[c->tucss + 13] &= (uint8_t) ~(0x01 | 0x08); /* FIN, PSH */
		} else {
			seg[c->tucss + 4] = (uint8_t)(l4len >> 8);
			seg[c->tucss + 5] = (uint8_t)l4len;
		}
		/* The driver left the pseudo-header sum without the length in the checksum
		 * field; the length of this segment goes in before the sum over it. */
		{
			uint16_t field = kd_net_csum_fold((uint32_t)pseudo + l4len);

			seg[c->tucso] = (uint8_t)(field >> 8);
			seg[c->tucso + 1] = (uint8_t)field;
		}
		if (ipv4 && (s->tx_popts & TXD_POPTS_IXSM)) {
			seg[c->ipcso] = seg[c->ipcso + 1] = 0;
			insert_checksum(seg, len, c->ipcss, c->ipcso, c->ipcse);
		}
		if (s->tx_popts & TXD_POPTS_TXSM)
			insert_checksum(seg, len, c->tucss, c->tucso, 0);
		transmit_frame(s, seg, len);
		stat_add(s, TSCTC, 1);
		off += n;
		if (!n)
			break;
	}
}

static void end_of_packet(struct e1000 *s)
{
	if (s->tx_oversize) {
		s->nic.port->stats.dropped++;
	} else if (s->tx_tse) {
		transmit_tso(s);
	} else {
		if (s->legacy_ic)
			insert_checksum(s->tx, s->tx_len, s->legacy_css, s->legacy_cso, 0);
		else
			apply_offloads(s, s->tx, s->tx_len);
		transmit_frame(s, s->tx, s->tx_len);
	}
	/* Offload options belong to one packet: a legacy packet after this one has none. */
	s->tx_len = 0;
	s->tx_oversize = false;
	s->tx_tse = false;
	s->tx_popts = 0;
	s->legacy_ic = false;
	s->tx_vle = false;
}

static void gather(struct e1000 *s, uint64_t addr, size_t len)
{
	if (s->tx_oversize)
		return;
	if (len > TX_BUF_SIZE - s->tx_len) {
		s->tx_oversize = true;
		return;
	}
	if (!kd_vm_read(s->m->vm, addr, s->tx + s->tx_len, len)) {
		s->bad_descriptors++;
		s->tx_oversize = true; /* a broken buffer spoils the frame */
		return;
	}
	s->tx_len += len;
}

static void process_tx_descriptor(struct e1000 *s, uint8_t *d)
{
	uint64_t addr = kd_get_le32(d) | (uint64_t)kd_get_le32(d + 4) << 32;
	uint32_t dw2 = kd_get_le32(d + 8);
	uint8_t cmd = d[11];

	if (!(cmd & TXD_CMD_DEXT)) { /* legacy */
		gather(s, addr, dw2 & 0xFFFF);
		if (cmd & TXD_CMD_IC) {
			s->legacy_ic = true;
			s->legacy_cso = d[10];
			s->legacy_css = d[13];
		}
		if (cmd & TXD_CMD_VLE) {
			s->tx_vle = true;
			s->tx_vlan = kd_get_le16(d + 14);
		}
		if (cmd & TXD_CMD_EOP)
			end_of_packet(s);
		return;
	}
	switch ((dw2 >> 20) & 0xF) {
	case 0x0: /* context */
		s->ctx.ipcss = d[0];
		s->ctx.ipcso = d[1];
		s->ctx.ipcse = kd_get_le16(d + 2);
		s->ctx.tucss = d[4];
		s->ctx.tucso = d[5];
		s->ctx.tucse = kd_get_le16(d + 6);
		s->ctx.paylen = dw2 & 0xFFFFF;
		s->ctx.tucmd = cmd;
		s->ctx.hdrlen = d[13];
		s->ctx.mss = kd_get_le16(d + 14);
		break;
	case 0x1: /* data */
		if (s->tx_len == 0) {
			s->tx_popts = d[13];
			s->tx_tse = cmd & TXD_CMD_TSE;
		}
		gather(s, addr, dw2 & 0xFFFFF);
		if (cmd & TXD_CMD_VLE) {
			s->tx_vle = true;
			s->tx_vlan = kd_get_le16(d + 14);
		}
		if (cmd & TXD_CMD_EOP)
			end_of_packet(s);
		break;
	default: /* reserved types are skipped */
		break;
	}
}

static void start_tx(struct e1000 *s)
{
	uint64_t base = reg(s, TDBAL) | (uint64_t)reg(s, TDBAH) << 32;
	uint32_t count = reg(s, TDLEN) / 16, head = reg(s, TDH), tail = reg(s, TDT);
	uint32_t cause = 0;

	if (!(reg(s, TCTL) & TCTL_EN) || !count || head >= count || tail >= count)
		return;
	/* At most one lap: a tail that never comes cannot keep us here. */
	for (uint32_t n = 0; head != tail && n < count; n++) {
		uint8_t d[16];
		uint64_t at = base + (uint64_t)head * 16;

		if (!kd_vm_read(s->m->vm, at, d, sizeof(d))) {
			s->bad_descriptors++;
			break;
		}
		process_tx_descriptor(s, d);
		if (d[11] & TXD_CMD_RS) {
			d[12] |= TXD_STAT_DD;
			kd_vm_write(s->m->vm, at + 12, &d[12], 1);
			cause |= ICR_TXDW;
		}
		head = (head + 1) % count;
		set_reg(s, TDH, head);
	}
	if (head == tail)
		cause |= ICR_TXQE;
	if (cause)
		raise_cause(s, cause);
}

/* ------------------------------------------------------------------ receive */

static bool multicast_match(struct e1000 *s, const uint8_t *dst)
{
	unsigned mo = (reg(s, RCTL) >> RCTL_MO_SHIFT) & 3;
	unsigned shift = 4 - mo, hash;

	/* 8254x SDM 13.5.1, Multicast Offset: 12 bits of the address pick a bit of the MTA. */
	hash = ((unsigned)dst[4] >> shift | (unsigned)dst[5] << (8 - shift)) & 0xFFF;
	return reg(s, MTA + 4 * (hash >> 5)) & (1u << (hash & 31));
}

static bool accept_frame(struct e1000 *s, const uint8_t *f, size_t len)
{
	uint32_t rctl = reg(s, RCTL);
	static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

	if ((rctl & RCTL_VFE) && len >= 18 &&
	    (unsigned)(f[12] << 8 | f[13]) == (reg(s, VET) & 0xFFFF)) {
		unsigned vid = (unsigned)(f[14] << 8 | f[15]) & 0xFFF;

		if (!(reg(s, VFTA + 4 * (vid >> 5)) & (1u << (vid & 31))))
			return false;
	}
	if (!memcmp(f, bcast, 6))
		return rctl & RCTL_BAM;
	if (f[0] & 1)
		return (rctl & RCTL_MPE) || multicast_match(s, f);
	if (rctl & RCTL_UPE)
		return true;
	for (int i = 0; i < 16; i++) {
		uint32_t lo = reg(s, RA + 8 * i), hi = reg(s, RA + 8 * i + 4);
		uint8_t a[6] = { (uint8_t)lo,	      (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
				 (uint8_t)(lo >> 24), (uint8_t)hi,	  (uint8_t)(hi >> 8) };

		if ((hi & RAH_AV) && !memcmp(a, f, 6))
			return true;
	}
	return false;
}

static unsigned rx_buffer_size(struct e1000 *s)
{
	uint32_t rctl = reg(s, RCTL);
	unsigned code = (rctl >> RCTL_BSIZE_SHIFT) & 3;

	if (rctl & RCTL_BSEX)
		return code == 1 ? 16384 : code == 2 ? 8192 : code == 3 ? 4096 : 2048;
	return code == 1 ? 1024 : code == 2 ? 512 : code == 3 ? 256 : 2048;
}

/* Receive checksum status (8254x SDM 3.2.9): IPv4 header and TCP/UDP checksums checked when
 * RXCSUM asks; anything else is reported as "ignore checksum". */
static void rx_checksum(struct e1000 *s, const uint8_t *f, size_t len, uint8_t *status,
			uint8_t *errors)
{
	uint32_t rxcsum = reg(s, RXCSUM);
	size_t ip = 14, ihl, total, l4;
	unsigned proto;
	uint32_t sum;

	*status |= RXD_STAT_IXSM;
	if (!(rxcsum & (RXCSUM_IPOFLD | RXCSUM_TUOFLD)) || len < ip + 20)
		return;
	if (f[12] != 0x08 || f[13] != 0x00 || (f[ip] >> 4) != 4)
		return;
	ihl = (size_t)(f[ip] & 0xF) * 4;
	total = (size_t)(f[ip + 2] << 8 | f[ip + 3]);
	if (ihl < 20 || ip + ihl > len || total < ihl || ip + total > len)
		return;
	*status &= (uint8_t)~RXD_STAT_IXSM;
	if (rxcsum & RXCSUM_IPOFLD) {
		*status |= RXD_STAT_IPCS;
		if (kd_net_csum_fold(kd_net_csum_add(f + ip, ihl, 0)) != 0xFFFF)
			*errors |= RXD_ERR_IPE;
	}
	proto = f[ip + 9];
	l4 = ip + ihl;
	if (!(rxcsum & RXCSUM_TUOFLD) || (proto != 6 && proto != 17) || (f[ip + 6] & 0x3F) ||
	    f[ip + 7]) /* fragments are not checked */
		return;
	if (proto == 17 && l4 + 8 <= len && !f[l4 + 6] && !f[l4 + 7])
		return; /* UDP without checksum */
	sum = kd_net_csum_add(f + ip + 12, 8, 0) + proto + (uint32_t)(total - ihl);
	*status |= RXD_STAT_TCPCS;
	if (kd_net_csum_fold(kd_net_csum_add(f + l4, total - ihl, sum)) != 0xFFFF)
		*errors |= RXD_ERR_TCPE;
}

static bool e1000_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct e1000 *s = opaque;
	uint64_t base = reg(s, RDBAL) | (uint64_t)reg(s, RDBAH) << 32;
	uint32_t count = reg(s, RDLEN) / 16, head = reg(s, RDH), tail = reg(s, RDT);
	uint32_t rctl = reg(s, RCTL), avail, needed, threshold;
	unsigned bufsize = rx_buffer_size(s);
	uint8_t buf[KD_NET_MAX_FRAME + 8];
	uint8_t status = 0, errors = 0;
	uint16_t vlan = 0;
	size_t size, done = 0;

	if (!(rctl & RCTL_EN) || !(reg(s, STATUS) & STATUS_LU))
		return true; /* the wire is dead: dropped */
	if (len < 14 || len > KD_NET_MAX_FRAME || (len > MAX_FRAME && !(rctl & RCTL_LPE))) {
		stat_add(s, ROC, 1);
		return true;
	}
	if (!accept_frame(s, frame, len))
		return true;
	memcpy(buf, frame, len);
	size = len;
	if ((reg(s, CTRL) & CTRL_VME) && size >= 18 &&
	    (unsigned)(buf[12] << 8 | buf[13]) == (reg(s, VET) & 0xFFFF)) {
		vlan = (uint16_t)(buf[14] << 8 | buf[15]);
		memmove(buf + 12, buf + 16, size - 16);
		size -= 4;
		status |= RXD_STAT_VP;
	}
	if (size < MIN_FRAME) {
		memset(buf + size, 0, MIN_FRAME - size);
		size = MIN_FRAME;
	}
	rx_checksum(s, buf, size, &status, &errors);
	if (!(rctl & RCTL_SECRC)) {
		uint32_t crc = kd_net_crc32(buf, size);

		kd_put_le32(buf + size, crc);
		size += 4;
	}
	if (!count || head >= count || tail >= count) {
		stat_add(s, RNBC, 1);
		return false;
	}
	avail = (tail + count - head) % count;
	needed = (uint32_t)((size + bufsize - 1) / bufsize);
	if (avail < needed) {
		/* No buffers: the frame waits in the hub's queue until RDT moves. */
		stat_add(s, RNBC, 1);
		raise_cause(s, ICR_RXO);
		return false;
	}
	while (done < size) {
		uint8_t d[16];
		uint64_t at = base + (uint64_t)head * 16;
		size_t n = MIN((size_t)bufsize, size - done);

		if (!kd_vm_read(s->m->vm, at, d, sizeof(d))) {
			s->bad_descriptors++;
			break;
		}
		if (!kd_vm_write(s->m->vm, kd_get_le32(d) | (uint64_t)kd_get_le32(d + 4) << 32,
				 buf + done, n))
			s->bad_descriptors++; /* the frame is lost to that buffer, the ring goes on */
		done += n;
		kd_put_le16(d + 8, (uint16_t)n);
		kd_put_le16(d + 10, 0);
		d[12] = (uint8_t)(RXD_STAT_DD | (done >= size ? RXD_STAT_EOP | status : 0));
		d[13] = done >= size ? errors : 0;
		kd_put_le16(d + 14, vlan);
		kd_vm_write(s->m->vm, at + 8, d + 8, 8);
		head = (head + 1) % count;
		set_reg(s, RDH, head);
	}
	stat_add(s, TPR, 1);
	stat_add(s, GPRC, 1);
	stat_add64(s, GORCL, size);
	stat_add64(s, TORL, size);
	if (!memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6))
		stat_add(s, BPRC, 1);
	else if (frame[0] & 1)
		stat_add(s, MPRC, 1);
	/* Free descriptors at or below RDMTS of the ring: 1/2, 1/4, 1/8. */
	threshold = count >> (((rctl >> RCTL_RDMTS_SHIFT) & 3) + 1);
	avail = (tail + count - head) % count;
	raise_cause(s, ICR_RXT0 | (avail <= threshold ? ICR_RXDMT0 : 0));
	return true;
}

/* ------------------------------------------------------------------ registers */

static void e1000_soft_reset(struct e1000 *s);

static uint32_t read_reg(struct e1000 *s, unsigned offset)
{
	uint32_t v;

	offset &= ~3u;
	switch (offset) {
	case STATUS:
		return reg(s, STATUS);
	case EECD:
		return eecd_read(s);
	case ICR:
		/* Reading clears the causes (8254x SDM 13.4.17) and with them INTx. */
		v = reg(s, ICR);
		set_reg(s, ICR, 0);
		update_irq(s);
		return v;
	case ICS:
		return reg(s, ICR);
	case IMC:
		return 0;
	}
	if (offset >= STATS_START && offset < STATS_END) {
		v = reg(s, offset);
		set_reg(s, offset, 0);
		return v;
	}
	return reg(s, offset);
}

static void write_reg(struct e1000 *s, unsigned offset, uint32_t v)
{
	offset &= ~3u;
	switch (offset) {
	case CTRL:
		if (v & CTRL_RST) {
			e1000_soft_reset(s);
			return;
		}
		set_reg(s, CTRL, v & ~(CTRL_RST | CTRL_PHY_RST));
		return;
	case STATUS:
		return;
	case EECD:
		eecd_write(s, v);
		return;
	case EERD:
		if (v & EERD_START) {
			unsigned addr = (v >> 8) & 0xFF;

			v = (v & 0xFF00) | EERD_DONE |
			    (addr < 64 ? (uint32_t)s->eeprom[addr] << 16 : 0);
		}
		set_reg(s, EERD, v);
		return;
	case MDIC:
		mdic_write(s, v);
		return;
	case ICR: /* write 1 to clear */
		set_reg(s, ICR, reg(s, ICR) & ~v);
		update_irq(s);
		return;
	case ICS:
		raise_cause(s, v & 0x1FFFF);
		return;
	case IMS:
		set_reg(s, IMS, reg(s, IMS) | (v & 0x1FFFF));
		update_irq(s);
		return;
	case IMC:
		set_reg(s, IMS, reg(s, IMS) & ~v);
		update_irq(s);
		return;
	case RCTL:
		set_reg(s, RCTL, v);
		kd_net_port_flush(s->nic.port);
		return;
	case RDLEN:
	case TDLEN:
		set_reg(s, offset, v & 0xFFF80);
		return;
	case RDH:
	case TDH:
		set_reg(s, offset, v & 0xFFFF);
		return;
	case RDT:
		set_reg(s, RDT, v & 0xFFFF);
		kd_net_port_flush(s->nic.port);
		return;
	case TDT:
		set_reg(s, TDT, v & 0xFFFF);
		start_tx(s);
		return;
	case TCTL:
		set_reg(s, TCTL, v);
		start_tx(s);
		return;
	case ITR:
		set_reg(s, ITR, v & 0xFFFF);
		return;
	}
	if (offset >= STATS_START && offset < STATS_END)
		return;
	set_reg(s, offset, v);
}

/* Accesses narrower than a register merge into it (drivers use 32-bit accesses). */
static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	struct e1000 *s = opaque;
	uint32_t v = read_reg(s, (unsigned)offset);

	return size >= 4 ? v : (v >> (8 * (offset & 3))) & ((1u << (8 * size)) - 1);
}

static void mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct e1000 *s = opaque;

	if (size < 4) {
		unsigned shift = 8 * (offset & 3);
		uint32_t mask = ((1u << (8 * size)) - 1) << shift;

		value = (reg(s, (unsigned)offset & ~3u) & ~mask) |
			(((uint32_t)value << shift) & mask);
	}
	write_reg(s, (unsigned)offset, (uint32_t)value);
}

static const struct kd_io_ops mmio_ops = { .read = mmio_read, .write = mmio_write };

/* BAR 1: IOADDR at 0, IODATA at 4 (8254x SDM 13.2). */
static uint64_t io_read(void *opaque, uint64_t offset, unsigned size)
{
	struct e1000 *s = opaque;

	if (offset < 4)
		return s->ioaddr;
	if (offset < 8 && s->ioaddr < MMIO_SIZE)
		return read_reg(s, s->ioaddr);
	return 0;
}

static void io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct e1000 *s = opaque;

	if (offset < 4)
		s->ioaddr = (uint32_t)value & (MMIO_SIZE - 4);
	else if (offset < 8)
		write_reg(s, s->ioaddr, (uint32_t)value);
}

static const struct kd_io_ops io_ops = { .read = io_read, .write = io_write };

/* ------------------------------------------------------------------ port and life cycle */

static void describe(void *opaque, GString *out)
{
	struct e1000 *s = opaque;
	char mac[18];

	kd_net_format_mac(s->mac, mac);
	g_string_append_printf(out, "model=e1000,macaddr=%s,link=%s", mac,
			       reg(s, STATUS) & STATUS_LU ? "up" : "down");
	if (s->bad_descriptors)
		g_string_append_printf(out, ",bad-descriptors=%" G_GUINT64_FORMAT,
				       s->bad_descriptors);
}

static const struct kd_net_port_ops port_ops = { .receive = e1000_receive, .describe = describe };

/* Power-on state of the registers (8254x SDM 13.3), keeping the PCI side. */
static void e1000_soft_reset(struct e1000 *s)
{
	memset(s->regs, 0, sizeof(s->regs));
	set_reg(s, CTRL, 0x00000240); /* SLU, ASDE */
	set_reg(s, STATUS, STATUS_FD | STATUS_LU | STATUS_SPEED_1000 | STATUS_ASDV_1000);
	set_reg(s, EECD, EECD_PRES);
	set_reg(s, VET, 0x8100);
	set_reg(s, RA,
		(uint32_t)s->mac[0] | (uint32_t)s->mac[1] << 8 | (uint32_t)s->mac[2] << 16 |
			(uint32_t)s->mac[3] << 24);
	set_reg(s, RA + 4, (uint32_t)s->mac[4] | (uint32_t)s->mac[5] << 8 | RAH_AV);
	phy_reset(s);
	s->ee_bits_in = 0;
	s->ee_reading = false;
	s->tx_len = 0;
	s->tx_oversize = s->tx_tse = s->legacy_ic = s->tx_vle = false;
	memset(&s->ctx, 0, sizeof(s->ctx));
	if (s->itr_timer)
		g_source_remove(s->itr_timer);
	s->itr_timer = 0;
	s->line = false;
	kd_pci_set_intx(&s->pci, false);
}

static void e1000_reset(struct kd_device *dev)
{
	struct e1000 *s = (struct e1000 *)dev;

	kd_pci_device_reset(&s->pci);
	e1000_soft_reset(s);
}

static void e1000_destroy(struct kd_device *dev)
{
	struct e1000 *s = (struct e1000 *)dev;

	if (s->itr_timer)
		g_source_remove(s->itr_timer);
	kd_nic_detach(&s->pci, &s->nic);
	kd_io_region_free(s->mmio);
	kd_io_region_free(s->io);
	g_free(s->tx);
	g_free(s);
}

struct kd_pci_device *kd_e1000_create(struct kd_machine *m, const struct kd_nic_config *cfg,
				      GError **err)
{
	struct e1000 *s = g_new0(struct e1000, 1);

	s->m = m;
	memcpy(s->mac, cfg->mac, 6);
	kd_pci_device_init(&s->pci, "e1000", 0x8086, 0x100E, 0x03, 0x020000, 1);
	s->pci.opaque = s;
	s->mmio = kd_io_region_new("e1000-mmio", MMIO_SIZE, &mmio_ops, s);
	s->io = kd_io_region_new("e1000-io", IO_SIZE, &io_ops, s);
	kd_pci_device_set_bar(&s->pci, 0, KD_PCI_BAR_MEM32, false, MMIO_SIZE, s->mmio);
	kd_pci_device_set_bar(&s->pci, 1, KD_PCI_BAR_IO, false, IO_SIZE, s->io);
	if (!kd_nic_attach(m, &s->pci, cfg, "e1000", &port_ops, s, &s->nic, err)) {
		kd_io_region_free(s->mmio);
		kd_io_region_free(s->io);
		g_free(s);
		return NULL;
	}
	s->tx = g_malloc(TX_BUF_SIZE);
	build_eeprom(s);
	e1000_soft_reset(s);
	s->dev.reset = e1000_reset;
	s->dev.destroy = e1000_destroy;
	s->pci.owner = &s->dev;
	kd_device_add(m, &s->dev, "e1000", cfg->id);
	s->pci.id = cfg->id ? s->dev.id : ""; /* cfg may be a monitor command's */
	return &s->pci;
}
