/*
 * Two tiny ISA devices for firmware and test guests, compatible with QEMU's: the debug console
 * (bytes written to a port appear on a character device; SeaBIOS logs to port 0x402) and the
 * exit device (a value V written to it ends the VM with exit status (V << 1) | 1).
 */
#ifndef KD_HW_ISA_DEBUG_H
#define KD_HW_ISA_DEBUG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_machine;
struct kd_chardev;

#define KD_DEBUGCON_PORT 0x402
#define KD_DEBUG_EXIT_PORT 0xf4
#define KD_POST_PORT 0x80

/* The chardev stays the caller's. */
bool kd_debugcon_create(struct kd_machine *m, uint16_t port, struct kd_chardev *out, GError **err);
/* Port 0x80, where firmware writes its POST codes (and old code writes for a short delay):
 * kept for `info`, reads as 0xFF. */
bool kd_post_port_create(struct kd_machine *m, GError **err);
/* iosize is 1, 2 or 4. */
bool kd_debug_exit_create(struct kd_machine *m, uint16_t iobase, uint8_t iosize, GError **err);

#endif
