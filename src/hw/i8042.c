/*
 * Intel 8042 keyboard controller with a PS/2 keyboard and mouse (IBM PS/2 Hardware Technical
 * Reference, "Keyboard/Auxiliary Device Controller"): ports 0x60/0x64, IRQ 1 and 12, and the
 * reset line that the 0xFE command pulses.
 */
#include "config.h"

#include "hw/i8042.h"

#include <string.h>

#include "hw/machine.h"

#define DATA_PORT 0x60
#define STATUS_PORT 0x64
#define KBD_IRQ 1
#define AUX_IRQ 12

#define STAT_OBF 0x01
#define STAT_SYS 0x04
#define STAT_CMD 0x08
#define STAT_UNLOCKED 0x10
#define STAT_AUX_OBF 0x20

#define CCB_KBD_INT 0x01
#define CCB_AUX_INT 0x02
#define CCB_SYS 0x04
#define CCB_KBD_DISABLE 0x10
#define CCB_AUX_DISABLE 0x20
#define CCB_XLATE 0x40

#define OUTPORT_RESET 0x01 /* active low: clearing it resets the CPU */
#define OUTPORT_A20 0x02

#define QUEUE_SIZE 64
#define ACK 0xFA
#define RESEND 0xFE

/* What a write to port 0x60 means after the last command. */
enum pending_write {
	WRITE_KBD, /* a byte for the keyboard */
	WRITE_CCB, /* controller command 0x60 */
	WRITE_OUTPORT, /* 0xD1 */
	WRITE_KBD_OBUF, /* 0xD2 */
	WRITE_AUX_OBUF, /* 0xD3 */
	WRITE_AUX, /* 0xD4 */
};

struct queue {
	uint8_t data[QUEUE_SIZE];
	unsigned head, count;
};

struct kd_i8042 {
	struct kd_device dev;
	struct kd_machine *machine;
	struct kd_io_region *data_region;
	struct kd_io_region *cmd_region;
	uint8_t status;
	uint8_t ccb;
	uint8_t outport;
	uint8_t obuf; /* what port 0x60 returns */
	enum pending_write pending;
	struct queue ctrl, kbd, aux; /* controller replies come first and ignore the disables */
	/* keyboard */
	uint8_t kbd_cmd; /* a command awaiting its argument, or 0 */
	uint8_t scancode_set;
	bool kbd_enabled;
	/* mouse */
	uint8_t aux_cmd;
	bool aux_enabled;
	uint8_t aux_rate, aux_resolution;
};

static void push(struct queue *q, uint8_t b)
{
	if (q->count < QUEUE_SIZE)
		q->data[(q->head + q->count++) % QUEUE_SIZE] = b;
}

static uint8_t pop(struct queue *q)
{
	uint8_t b = q->data[q->head];

	q->head = (q->head + 1) % QUEUE_SIZE;
	q->count--;
	return b;
}

/* Scan code set 2 to set 1 for the controller's translation (the table every 8042 has). */
static uint8_t translate(uint8_t code)
{
	static const uint8_t set2_to_set1[128] = {
		0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e,
		0x0f, 0x29, 0x59, 0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71,
		0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b, 0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04,
		0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d, 0x69, 0x31, 0x30, 0x23,
		0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f, 0x6b,
		0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19,
		0x0c, 0x61, 0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c,
		0x1b, 0x75, 0x2b, 0x63, 0x76, 0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b,
		0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f, 0x52, 0x53, 0x50, 0x4c, 0x4d,
		0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
	};

	return code < 128 ? set2_to_set1[code] : code;
}

/* Moves the next byte into the output buffer if it is free, and drives IRQ 1 and 12. */
static void update(struct kd_i8042 *c)
{
	struct kd_vm *vm = c->machine->vm;

	if (!(c->status & STAT_OBF)) {
		if (c->ctrl.count) {
			c->obuf = pop(&c->ctrl);
			c->status = (c->status | STAT_OBF) & ~STAT_AUX_OBF;
		} else if (c->kbd.count && !(c->ccb & CCB_KBD_DISABLE)) {
			c->obuf = pop(&c->kbd);
			c->status = (c->status | STAT_OBF) & ~STAT_AUX_OBF;
		} else if (c->aux.count && !(c->ccb & CCB_AUX_DISABLE)) {
			c->obuf = pop(&c->aux);
			c->status |= STAT_OBF | STAT_AUX_OBF;
		}
	}
	kd_vm_set_irq(vm, KBD_IRQ, 0,
		      (c->status & STAT_OBF) && !(c->status & STAT_AUX_OBF) &&
			      (c->ccb & CCB_KBD_INT));
	kd_vm_set_irq(vm, AUX_IRQ, 0,
		      (c->status & STAT_OBF) && (c->status & STAT_AUX_OBF) &&
			      (c->ccb & CCB_AUX_INT));
}

static void controller_reply(struct kd_i8042 *c, uint8_t b)
{
	push(&c->ctrl, b);
	update(c);
}

static void kbd_reply(struct kd_i8042 *c, uint8_t b)
{
	push(&c->kbd,
	     (c->ccb & CCB_XLATE) && b != ACK && b != 0xAA && b != RESEND ? translate(b) : b);
}

static void keyboard_write(struct kd_i8042 *c, uint8_t b)
{
	if (c->kbd_cmd) {
		uint8_t cmd = c->kbd_cmd;

		c->kbd_cmd = 0;
		kbd_reply(c, ACK);
		if (cmd == 0xF0 && b == 0)
			kbd_reply(c, c->scancode_set);
		else if (cmd == 0xF0 && b >= 1 && b <= 3)
			c->scancode_set = b;
		return;
	}
	switch (b) {
	case 0xED: /* set LEDs */
	case 0xF3: /* typematic rate */
	case 0xF0: /* scan code set */
		c->kbd_cmd = b;
		kbd_reply(c, ACK);
		break;
	case 0xEE: /* echo */
		push(&c->kbd, 0xEE);
		break;
	case 0xF2: /* identify: MF2 keyboard; translated ID when the controller translates */
		push(&c->kbd, ACK);
		push(&c->kbd, 0xAB);
		push(&c->kbd, (c->ccb & CCB_XLATE) ? 0x41 : 0x83);
		break;
	case 0xF4:
		c->kbd_enabled = true;
		push(&c->kbd, ACK);
		break;
	case 0xF5:
		c->kbd_enabled = false;
		push(&c->kbd, ACK);
		break;
	case 0xF6:
		c->scancode_set = 2;
		c->kbd_enabled = true;
		push(&c->kbd, ACK);
		break;
	case 0xFF: /* reset and self test (BAT) */
		c->scancode_set = 2;
		c->kbd_enabled = true;
		c->kbd.count = 0;
		push(&c->kbd, ACK);
		push(&c->kbd, 0xAA);
		break;
	default:
		push(&c->kbd, RESEND);
	}
}

static void mouse_write(struct kd_i8042 *c, uint8_t b)
{
	if (c->aux_cmd) {
		if (c->aux_cmd == 0xF3)
			c->aux_rate = b;
		else if (c->aux_cmd == 0xE8)
			c->aux_resolution = b;
		c->aux_cmd = 0;
		push(&c->aux, ACK);
		return;
	}
	switch (b) {
	case 0xE8: /* resolution */
	case 0xF3: /* sample rate */
		c->aux_cmd = b;
		push(&c->aux, ACK);
		break;
	case 0xE9: /* status request */
		push(&c->aux, ACK);
		push(&c->aux, c->aux_enabled ? 0x20 : 0);
		push(&c->aux, c->aux_resolution);
		push(&c->aux, c->aux_rate);
		break;
	case 0xF2: /* identify: a plain PS/2 mouse */
		push(&c->aux, ACK);
		push(&c->aux, 0x00);
		break;
	case 0xF4:
		c->aux_enabled = true;
		push(&c->aux, ACK);
		break;
	case 0xF5:
		c->aux_enabled = false;
		push(&c->aux, ACK);
		break;
	case 0xFF:
		c->aux_enabled = false;
		c->aux_rate = 100;
		c->aux_resolution = 2;
		c->aux.count = 0;
		push(&c->aux, ACK);
		push(&c->aux, 0xAA);
		push(&c->aux, 0x00);
		break;
	default:
		push(&c->aux, ACK);
	}
}

static void write_outport(struct kd_i8042 *c, uint8_t v)
{
	c->outport = v;
	if (!(v & OUTPORT_RESET))
		kd_vm_request(c->machine->vm, KD_VM_REQUEST_RESET, 0);
}

static void controller_command(struct kd_i8042 *c, uint8_t cmd)
{
	c->pending = WRITE_KBD;
	switch (cmd) {
	case 0x20: /* read command byte */
		controller_reply(c, c->ccb);
		break;
	case 0x60:
		c->pending = WRITE_CCB;
		break;
	case 0xA7:
		c->ccb |= CCB_AUX_DISABLE;
		break;
	case 0xA8:
		c->ccb &= ~CCB_AUX_DISABLE;
		break;
	case 0xA9: /* test aux port: passed */
	case 0xAB: /* test keyboard port: passed */
		controller_reply(c, 0x00);
		break;
	case 0xAA: /* self test */
		c->status |= STAT_SYS;
		controller_reply(c, 0x55);
		break;
	case 0xAD:
		c->ccb |= CCB_KBD_DISABLE;
		break;
	case 0xAE:
		c->ccb &= ~CCB_KBD_DISABLE;
		break;
	case 0xC0: /* input port: keyboard not inhibited */
		controller_reply(c, 0x80);
		break;
	case 0xD0:
		controller_reply(c, c->outport);
		break;
	case 0xD1:
		c->pending = WRITE_OUTPORT;
		break;
	case 0xD2:
		c->pending = WRITE_KBD_OBUF;
		break;
	case 0xD3:
		c->pending = WRITE_AUX_OBUF;
		break;
	case 0xD4:
		c->pending = WRITE_AUX;
		break;
	default:
		/* 0xF0-0xFF pulse output port bits low for 6 us; bit 0 is the reset line. */
		if (cmd >= 0xF0 && !(cmd & 0x01))
			kd_vm_request(c->machine->vm, KD_VM_REQUEST_RESET, 0);
	}
	update(c);
}

static void data_write(struct kd_i8042 *c, uint8_t v)
{
	enum pending_write what = c->pending;

	c->pending = WRITE_KBD;
	switch (what) {
	case WRITE_KBD:
		/* Talking to the keyboard enables it, as real controllers do. */
		c->ccb &= ~CCB_KBD_DISABLE;
		keyboard_write(c, v);
		break;
	case WRITE_CCB:
		c->ccb = v;
		c->status = (uint8_t)((c->status & ~STAT_SYS) | (v & CCB_SYS));
		break;
	case WRITE_OUTPORT:
		write_outport(c, v);
		break;
	case WRITE_KBD_OBUF:
		push(&c->kbd, v);
		break;
	case WRITE_AUX_OBUF:
		push(&c->aux, v);
		break;
	case WRITE_AUX:
		mouse_write(c, v);
		break;
	}
	update(c);
}

static uint64_t data_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_i8042 *c = opaque;
	uint8_t v = c->obuf;

	c->status &= ~(STAT_OBF | STAT_AUX_OBF);
	/* The PIC takes IRQ 1 and 12 by their rising edge: drop the lines before the next queued
	 * byte raises them again, or a key of several bytes (shift-b: 2A 30) interrupts once and
	 * the rest waits, and every key after it, behind an interrupt that never comes. */
	kd_vm_set_irq(c->machine->vm, KBD_IRQ, 0, false);
	kd_vm_set_irq(c->machine->vm, AUX_IRQ, 0, false);
	update(c);
	return v;
}

static void data_port_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_i8042 *c = opaque;

	c->status &= ~STAT_CMD;
	data_write(c, (uint8_t)value);
}

static const struct kd_io_ops data_ops = {
	.read = data_read,
	.write = data_port_write,
};

static uint64_t status_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_i8042 *c = opaque;

	return c->status;
}

static void command_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_i8042 *c = opaque;

	c->status |= STAT_CMD;
	controller_command(c, (uint8_t)value);
}

static const struct kd_io_ops cmd_ops = {
	.read = status_read,
	.write = command_write,
};

void kd_i8042_put_keycode(struct kd_i8042 *c, const uint8_t *codes, size_t len)
{
	if (!c->kbd_enabled)
		return;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = codes[i];

		/* With translation, a set 2 break prefix (0xF0) becomes bit 7 of the next code. */
		if ((c->ccb & CCB_XLATE) && b == 0xF0 && i + 1 < len) {
			push(&c->kbd, translate(codes[++i]) | 0x80);
			continue;
		}
		push(&c->kbd, (c->ccb & CCB_XLATE) ? translate(b) : b);
	}
	update(c);
}

static void i8042_reset(struct kd_device *dev)
{
	struct kd_i8042 *c = (struct kd_i8042 *)dev;

	c->status = STAT_CMD | STAT_UNLOCKED;
	c->ccb = CCB_KBD_INT | CCB_XLATE;
	c->outport = OUTPORT_RESET | OUTPORT_A20;
	c->pending = WRITE_KBD;
	memset(&c->ctrl, 0, sizeof(c->ctrl));
	memset(&c->kbd, 0, sizeof(c->kbd));
	memset(&c->aux, 0, sizeof(c->aux));
	c->kbd_cmd = c->aux_cmd = 0;
	c->scancode_set = 2;
	c->kbd_enabled = true;
	c->aux_enabled = false;
	c->aux_rate = 100;
	c->aux_resolution = 2;
	update(c);
}

static void i8042_destroy(struct kd_device *dev)
{
	struct kd_i8042 *c = (struct kd_i8042 *)dev;

	kd_io_region_free(c->data_region);
	kd_io_region_free(c->cmd_region);
	g_free(c);
}

struct kd_i8042 *kd_i8042_create(struct kd_machine *m, GError **err)
{
	struct kd_i8042 *c = g_new0(struct kd_i8042, 1);

	c->machine = m;
	c->data_region = kd_io_region_new("i8042-data", 1, &data_ops, c);
	c->cmd_region = kd_io_region_new("i8042-cmd", 1, &cmd_ops, c);
	if (!kd_bus_map(kd_vm_pio(m->vm), c->data_region, DATA_PORT, err) ||
	    !kd_bus_map(kd_vm_pio(m->vm), c->cmd_region, STATUS_PORT, err)) {
		i8042_destroy(&c->dev);
		return NULL;
	}
	c->dev.reset = i8042_reset;
	c->dev.destroy = i8042_destroy;
	kd_device_add(m, &c->dev, "i8042", "i8042");
	i8042_reset(&c->dev);
	return c;
}
