/*
 * Network backends: each joins the hub its configuration names (hw/net/net.h) and is a device
 * of the machine (torn down with it).
 */
#ifndef KD_HW_NET_BACKENDS_H
#define KD_HW_NET_BACKENDS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_machine;
struct kd_netdev_config;
struct kd_nic_config;

bool kd_net_user_create(struct kd_machine *m, const struct kd_netdev_config *cfg, GError **err);
bool kd_net_tap_create(struct kd_machine *m, const struct kd_netdev_config *cfg, GError **err);

/* A NIC's option ROM: romfile NULL = Debian's iPXE image default_rom (none, quietly, when
 * ipxe-qemu is not installed); "" = none; otherwise that file (a name without a slash is
 * looked for in iPXE's directory first). *rom is NULL when there is none. */
bool kd_nic_load_rom(const char *romfile, const char *default_rom, GBytes **rom, GError **err);

/* The ROM BAR's region for rom (its size, a power of two of at least 2 KiB, in *size). */
struct kd_io_region *kd_nic_rom_region(const char *name, GBytes *rom, uint64_t *size);

/* Guest NICs (src/hw/net/e1000.c, rtl8139.c). */
bool kd_e1000_create(struct kd_machine *m, const struct kd_nic_config *cfg, GError **err);
bool kd_rtl8139_create(struct kd_machine *m, const struct kd_nic_config *cfg, GError **err);

#endif
