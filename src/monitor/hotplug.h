/*
 * The monitor's hotplug commands (hotplug.c), entries of the command table in commands.c.
 */
#ifndef KD_MONITOR_HOTPLUG_H
#define KD_MONITOR_HOTPLUG_H

#include <glib.h>
#include <stdbool.h>

struct kd_monitor_context;

bool kd_monitor_cmd_pci_add(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);
bool kd_monitor_cmd_pci_del(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);
bool kd_monitor_cmd_device_add(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);
bool kd_monitor_cmd_device_del(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);
bool kd_monitor_cmd_netdev_add(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);
bool kd_monitor_cmd_netdev_del(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);

bool kd_monitor_cmd_drive_add(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);

#endif
