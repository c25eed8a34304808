/*
 * The Cirrus Logic CL-GD5446 PCI VGA (cirrus.c).
 */
#ifndef KD_HW_CIRRUS_H
#define KD_HW_CIRRUS_H

#include <glib.h>

struct kd_display;
struct kd_machine;

/* Plugs the display adapter at 00:02.0 and makes it the machine's display (m->display).
 * romfile: its VGA BIOS, NULL for Debian's SeaBIOS vgabios-cirrus.bin, "" for none. */
struct kd_display *kd_cirrus_create(struct kd_machine *m, const char *romfile, GError **err);

#endif
