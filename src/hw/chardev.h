/*
 * Character backends for serial ports and the debug console: stdio, a file, or nothing.
 * Output is written as it comes (from a vCPU thread); input arrives in the main loop and is
 * handed to the device's callback with the machine lock held.
 */
#ifndef KD_HW_CHARDEV_H
#define KD_HW_CHARDEV_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kd_chardev;
struct kd_vm;

/* spec: "stdio", "file:PATH", "vc", "none" or "null". A NULL result with no error means
 * "none". "vc" (QEMU's name for a virtual console) keeps output for a reader in the program
 * (the workstation's serial console) and takes input from it. */
struct kd_chardev *kd_chardev_new(const char *spec, GError **err);
void kd_chardev_free(struct kd_chardev *c);
const char *kd_chardev_spec(const struct kd_chardev *c);
bool kd_chardev_is_stdio(const struct kd_chardev *c);

void kd_chardev_write(struct kd_chardev *c, const void *buf, size_t len);

/* Starts delivering input (stdio only) to fn in the main loop; fn returns how many bytes it
 * took (a full FIFO takes none, and input waits). The VM's lock is taken around fn. */
typedef size_t (*kd_chardev_input_fn)(void *opaque, const uint8_t *buf, size_t len);
void kd_chardev_set_input(struct kd_chardev *c, struct kd_vm *vm, kd_chardev_input_fn fn,
			  void *opaque);
/* The device can take input again (after its FIFO drained). machine lock held. */
void kd_chardev_input_ready(struct kd_chardev *c);

/* "vc" only (the others ignore these). */
bool kd_chardev_is_vc(const struct kd_chardev *c);
/* fn runs in the main loop after output arrived (once per batch); NULL stops it. */
void kd_chardev_set_output_listener(struct kd_chardev *c, void (*fn)(void *opaque), void *opaque);
/* The output since the last call (main loop). */
GBytes *kd_chardev_take_output(struct kd_chardev *c);
/* Bytes typed for the device (main loop, without the machine lock); what the device cannot
 * take waits, beyond 256 bytes it is dropped. */
void kd_chardev_send_input(struct kd_chardev *c, const uint8_t *buf, size_t len);

#endif
