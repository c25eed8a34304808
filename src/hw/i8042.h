/*
 * The i8042 keyboard controller with PS/2 keyboard and mouse (ports 0x60/0x64, IRQ 1 and 12).
 */
#ifndef KD_HW_I8042_H
#define KD_HW_I8042_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

struct kd_machine;
struct kd_i8042;

struct kd_i8042 *kd_i8042_create(struct kd_machine *m, GError **err);
/* Key presses and releases as scan code set 2 bytes (0xF0 prefixes a release). machine lock. */
void kd_i8042_put_keycode(struct kd_i8042 *c, const uint8_t *codes, size_t len);

#endif
