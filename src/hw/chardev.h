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

/* spec: "stdio", "file:PATH", "none" or "null". A NULL result with no error means "none". */
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

#endif
