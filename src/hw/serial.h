/*
 * 16550A serial ports: COM1-4 at 0x3F8/0x2F8/0x3E8/0x2E8, IRQ 4/3/4/3.
 */
#ifndef KD_HW_SERIAL_H
#define KD_HW_SERIAL_H

#include <glib.h>

struct kd_machine;
struct kd_chardev;
struct kd_serial;

/* chr may be NULL (a port with nothing attached); it stays the caller's. */
struct kd_serial *kd_serial_create(struct kd_machine *m, unsigned index, struct kd_chardev *chr,
				   GError **err);

#endif
