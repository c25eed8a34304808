/*
 * The monitor's inspection commands (inspect.c) and machine commands (machine.c), entries of
 * the command tables in commands.c.
 */
#ifndef KD_MONITOR_INSPECT_H
#define KD_MONITOR_INSPECT_H

#include <glib.h>
#include <stdbool.h>

struct kd_monitor_context;

#define KD_MONITOR_CMD(name)                                                                       \
	bool name(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)

KD_MONITOR_CMD(kd_monitor_cmd_x);
KD_MONITOR_CMD(kd_monitor_cmd_xp);
KD_MONITOR_CMD(kd_monitor_cmd_balloon);
KD_MONITOR_CMD(kd_monitor_info_irq);
KD_MONITOR_CMD(kd_monitor_info_mtree);
KD_MONITOR_CMD(kd_monitor_info_chardev);
KD_MONITOR_CMD(kd_monitor_info_ksm);
KD_MONITOR_CMD(kd_monitor_info_balloon);

/* machine.c */
KD_MONITOR_CMD(kd_monitor_cmd_system_powerdown);
KD_MONITOR_CMD(kd_monitor_cmd_sendkey);
KD_MONITOR_CMD(kd_monitor_cmd_screendump);
KD_MONITOR_CMD(kd_monitor_info_display);

#endif
