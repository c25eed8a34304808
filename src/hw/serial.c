/*
 * 16550A UART (National Semiconductor PC16550D data sheet): the PC's COM ports. Transmission is
 * instantaneous (to the character backend); received bytes wait in the 16-byte FIFO, and the
 * backend stops sending while it is full.
 */
#include "config.h"

#include "hw/serial.h"

#include <string.h>

#include "hw/chardev.h"
#include "hw/machine.h"

#define REG_RBR_THR 0
#define REG_IER 1
#define REG_IIR_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08
#define IIR_NO_INT 0x01
#define IIR_RLSI 0x06
#define IIR_RDI 0x04
#define IIR_CTI 0x0C
#define IIR_THRI 0x02
#define IIR_MSI 0x00
#define IIR_FIFO_ENABLED 0xC0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_DCD 0x80

#define FIFO_SIZE 16

struct kd_serial {
	struct kd_device dev;
	struct kd_machine *machine;
	struct kd_io_region *region;
	struct kd_chardev *chr;
	unsigned irq;
	unsigned input; /* this port's input on its (maybe shared) IRQ line */
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint16_t divisor;
	bool thr_interrupt; /* THR-empty interrupt pending (cleared by reading IIR or THR) */
	uint8_t rx[FIFO_SIZE];
	unsigned rx_head, rx_count;
	uint64_t tx_bytes, rx_bytes;
};

static unsigned rx_trigger(const struct kd_serial *s)
{
	static const unsigned levels[4] = { 1, 4, 8, 14 };

	return (s->fcr & FCR_ENABLE) ? levels[s->fcr >> 6] : 1;
}

static uint8_t pending_iir(const struct kd_serial *s)
{
	if ((s->ier & IER_RLSI) && (s->lsr & LSR_OE))
		return IIR_RLSI;
	if ((s->ier & IER_RDI) && s->rx_count)
		return s->rx_count >= rx_trigger(s) ? IIR_RDI : IIR_CTI;
	if ((s->ier & IER_THRI) && s->thr_interrupt)
		return IIR_THRI;
	if ((s->ier & IER_MSI) && (s->msr & 0x0F))
		return IIR_MSI;
	return IIR_NO_INT;
}

static void update_irq(struct kd_serial *s)
{
	kd_vm_set_irq(s->machine->vm, s->irq, s->input, pending_iir(s) != IIR_NO_INT);
}

static void rx_push(struct kd_serial *s, uint8_t b)
{
	if (s->rx_count == ((s->fcr & FCR_ENABLE) ? FIFO_SIZE : 1)) {
		s->lsr |= LSR_OE;
		return;
	}
	s->rx[(s->rx_head + s->rx_count++) % FIFO_SIZE] = b;
	s->lsr |= LSR_DR;
	s->rx_bytes++;
}

static uint8_t rx_pop(struct kd_serial *s)
{
	uint8_t b;

	if (!s->rx_count)
		return 0;
	b = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % FIFO_SIZE;
	if (--s->rx_count == 0)
		s->lsr &= ~LSR_DR;
	kd_chardev_input_ready(s->chr);
	return b;
}

static size_t serial_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct kd_serial *s = opaque;
	unsigned room = ((s->fcr & FCR_ENABLE) ? FIFO_SIZE : 1) - s->rx_count;
	size_t n = MIN(len, (size_t)room);

	/* In loopback mode the line is disconnected from the outside. */
	if (s->mcr & MCR_LOOP)
		return len;
	for (size_t i = 0; i < n; i++)
		rx_push(s, buf[i]);
	update_irq(s);
	return n;
}

static uint64_t serial_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_serial *s = opaque;
	uint8_t v = 0;

	switch (offset) {
	case REG_RBR_THR:
		if (s->lcr & LCR_DLAB)
			return s->divisor & 0xFF;
		v = rx_pop(s);
		break;
	case REG_IER:
		if (s->lcr & LCR_DLAB)
			return s->divisor >> 8;
		return s->ier;
	case REG_IIR_FCR:
		v = pending_iir(s);
		/* Reading IIR acknowledges the THR-empty interrupt it reports. */
		if (v == IIR_THRI)
			s->thr_interrupt = false;
		if (s->fcr & FCR_ENABLE)
			v |= IIR_FIFO_ENABLED;
		break;
	case REG_LCR:
		return s->lcr;
	case REG_MCR:
		return s->mcr;
	case REG_LSR:
		v = s->lsr;
		s->lsr &= ~LSR_OE; /* reading LSR clears the error bits */
		break;
	case REG_MSR:
		if (s->mcr & MCR_LOOP) /* loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
			v = (uint8_t)(((s->mcr & 0x0C) << 4) | ((s->mcr & 0x01) << 5) |
				      ((s->mcr & 0x02) << 3));
		else
			v = s->msr;
		s->msr &= 0xF0; /* delta bits clear on read */
		break;
	case REG_SCR:
		return s->scr;
	}
	update_irq(s);
	return v;
}

static void serial_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_serial *s = opaque;
	uint8_t v = (uint8_t)value;

	switch (offset) {
	case REG_RBR_THR:
		if (s->lcr & LCR_DLAB) {
			s->divisor = (uint16_t)((s->divisor & 0xFF00) | v);
			return;
		}
		if (s->mcr & MCR_LOOP) {
			rx_push(s, v);
		} else {
			kd_chardev_write(s->chr, &v, 1);
			s->tx_bytes++;
		}
		s->thr_interrupt = true; /* sent at once: the holding register is empty again */
		break;
	case REG_IER:
		if (s->lcr & LCR_DLAB) {
			s->divisor = (uint16_t)((s->divisor & 0x00FF) | v << 8);
			return;
		}
		/* Enabling ETBEI with an empty THR raises the interrupt at once. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thr_interrupt = true;
		s->ier = v & 0x0F;
		break;
	case REG_IIR_FCR:
		if (v & FCR_CLEAR_RX) {
			s->rx_count = 0;
			s->lsr &= ~LSR_DR;
			kd_chardev_input_ready(s->chr);
		}
		s->fcr = v & 0xC9;
		break;
	case REG_LCR:
		s->lcr = v;
		break;
	case REG_MCR:
		s->mcr = v & 0x1F;
		break;
	case REG_SCR:
		s->scr = v;
		break;
	}
	update_irq(s);
}

static const struct kd_io_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

static void serial_reset(struct kd_device *dev)
{
	struct kd_serial *s = (struct kd_serial *)dev;

	s->ier = s->lcr = s->mcr = s->scr = s->fcr = 0;
	s->lsr = LSR_THRE | LSR_TEMT;
	s->msr = MSR_DCD | MSR_DSR | MSR_CTS; /* a connected line */
	s->divisor = 12; /* 9600 baud */
	s->thr_interrupt = false;
	s->rx_count = s->rx_head = 0;
	update_irq(s);
	kd_chardev_input_ready(s->chr);
}

static void serial_info(struct kd_device *dev, GString *out)
{
	struct kd_serial *s = (struct kd_serial *)dev;

	g_string_append_printf(
		out, "%s: %s, IRQ %u, %" G_GUINT64_FORMAT " bytes out, %" G_GUINT64_FORMAT " in\n",
		dev->id, kd_chardev_spec(s->chr), s->irq, s->tx_bytes, s->rx_bytes);
}

static void serial_destroy(struct kd_device *dev)
{
	struct kd_serial *s = (struct kd_serial *)dev;

	kd_io_region_free(s->region);
	g_free(s);
}

struct kd_serial *kd_serial_create(struct kd_machine *m, unsigned index, struct kd_chardev *chr,
				   GError **err)
{
	static const uint16_t ports[4] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };
	static const unsigned irqs[4] = { 4, 3, 4, 3 };
	struct kd_serial *s = g_new0(struct kd_serial, 1);
	g_autofree char *id = g_strdup_printf("serial%u", index);

	g_return_val_if_fail(index < 4, NULL);
	s->machine = m;
	s->chr = chr;
	s->irq = irqs[index];
	s->input = index;
	s->region = kd_io_region_new(id, 8, &serial_ops, s);
	if (!kd_bus_map(kd_vm_pio(m->vm), s->region, ports[index], err)) {
		kd_io_region_free(s->region);
		g_free(s);
		return NULL;
	}
	s->dev.reset = serial_reset;
	s->dev.info = serial_info;
	s->dev.destroy = serial_destroy;
	kd_device_add(m, &s->dev, "isa-serial", id);
	serial_reset(&s->dev);
	kd_chardev_set_input(chr, m->vm, serial_input, s);
	return s;
}
